import boto3
from botocore.exceptions import ClientError

# boto3 reaches S3 over HTTPS in Glue, so the bucket's DenyInsecureTransport statement does not apply.
s3 = boto3.client("s3")
print(f"endpoint scheme: {s3.meta.endpoint_url.split(':', 1)[0]}")
try:
    body = s3.get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key="test_path/some_demo_file.gz")["Body"].read()
    print(f"read {len(body)} bytes")
except ClientError as error:
    print(f"denied: {error.response['Error']['Message']}")
    raise
