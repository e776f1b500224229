import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
for key in ["shared/file.csv", "closed/file.csv", "managed/file.csv"]:
    try:
        body = s3.get_object(Bucket="data-222222222222", Key=key)["Body"].read()
        print(f"{key}: read {len(body)} bytes")
    except ClientError as error:
        print(f"{key}: {error.response['Error']['Code']}: {error.response['Error']['Message']}")
