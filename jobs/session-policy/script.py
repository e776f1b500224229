import json

import boto3
from botocore.exceptions import ClientError

policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
creds = boto3.client("sts").assume_role(
    RoleArn="arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
    RoleSessionName="list-only", Policy=json.dumps(policy))["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="bucket-kjshadjas-3432-dsadas").get("Contents", [])]
print(f"listed: {keys}")
try:
    s3.get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key=keys[0])
except ClientError as error:
    print(f"get: {error.response['Error']['Message']}")
