import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
bucket = "aws-glue-assets-111111111111-us-east-1"
print("read:", len(s3.get_object(Bucket=bucket, Key="libs/glue_helpers.py")["Body"].read()) > 0)
try:
    s3.put_object(Bucket=bucket, Key="output/result.txt", Body=b"done")
    print("write: allowed")
except ClientError as error:
    print(f"write: {error.response['Error']['Message']}")
