#include "FuzzMain.h"
