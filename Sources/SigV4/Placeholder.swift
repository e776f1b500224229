// SigV4
