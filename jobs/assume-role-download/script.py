# The seed job: list buckets with the Glue job's role, try to download a file that role may
# not read, assume a role in the data account, and download the file with it.
import glob
import sys

import boto3
from awsglue.utils import getResolvedOptions
from botocore.exceptions import ClientError

args = getResolvedOptions(sys.argv, ["TARGET_ROLE_ARN", "DATA_BUCKET", "DATA_KEY"])

s3 = boto3.client("s3")
response = s3.list_buckets()

print(glob.glob("/tmp/*"))

print("Existing buckets:")
for bucket in response["Buckets"]:
    print(f'  {bucket["Name"]}')

# The job role has no permission on the data bucket: this download is denied.
try:
    s3.download_file(args["DATA_BUCKET"], args["DATA_KEY"], "/tmp/file.gz")
    print("Direct download: allowed (unexpected)")
except ClientError as error:
    print(f"Direct download denied: {error.response['Error']['Code']}")

# Fetching the object (not just its head) shows S3's full AccessDenied message.
try:
    s3.get_object(Bucket=args["DATA_BUCKET"], Key=args["DATA_KEY"])
except ClientError as error:
    print(f"GetObject: {error.response['Error']['Code']}: {error.response['Error']['Message']}")

sts_client = boto3.client("sts")
sts_response = sts_client.assume_role(RoleArn=args["TARGET_ROLE_ARN"], RoleSessionName="assume-role")
credentials = sts_response["Credentials"]
print(f"Assumed {sts_response['AssumedRoleUser']['Arn']}")

s3_resource = boto3.resource(
    "s3",
    aws_access_key_id=credentials["AccessKeyId"],
    aws_secret_access_key=credentials["SecretAccessKey"],
    aws_session_token=credentials["SessionToken"],
)
s3_resource.Bucket(args["DATA_BUCKET"]).download_file(args["DATA_KEY"], "/tmp/file.gz")

print(glob.glob("/tmp/*"))
