import boto3
from botocore.exceptions import ClientError

creds = boto3.client("sts").assume_role(
    RoleArn="arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed", RoleSessionName="reader")["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
try:
    s3.get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key="test_path/some_demo_file.gz")
    print("get: allowed")
except ClientError as error:
    print(f"get: {error.response['Error']['Message']}")
