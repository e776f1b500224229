import boto3
from botocore.exceptions import ClientError

try:
    boto3.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed", RoleSessionName="blocked")
    print("assume: allowed")
except ClientError as error:
    print(f"assume: {error.response['Error']['Code']}")
