import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
try:
    body = s3.get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key="test_path/some_demo_file.gz")["Body"].read()
    print(f"read {len(body)} bytes")
except ClientError as error:
    print(f"denied: {error.response['Error']['Message']}")
