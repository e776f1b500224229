import sys

from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "INPUT_PATH"])
print(args["INPUT_PATH"])
