import json

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "bucket-kjshadjas-3432-dsadas"
KEY = "test_path/some_demo_file.gz"
EVERYONE_READS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "EveryoneReads", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})

credentials = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
                                              RoleSessionName="bucket-owner")["Credentials"]
owner = boto3.client("s3", aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                     aws_session_token=credentials["SessionToken"])
try:
    owner.put_bucket_policy(Bucket=BUCKET, Policy=EVERYONE_READS)
    print("the public policy is set")
except ClientError as error:
    print(f"the public policy was refused: {error.response['Error']['Code']}: {error.response['Error']['Message']}")

anonymous = boto3.client("s3", config=Config(signature_version=UNSIGNED))
try:
    body = anonymous.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    print(f"an anonymous client read {len(body)} bytes")
except ClientError as error:
    print(f"an anonymous client was denied: {error.response['Error']['Code']}")
