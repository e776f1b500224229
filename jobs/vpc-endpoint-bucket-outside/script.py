import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
for bucket, key in [("vpc-only-data-111111111111", "report.csv"), ("open-data-111111111111", "readme.txt")]:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        print(f"{bucket}: read {len(body)} bytes")
    except ClientError as error:
        print(f"{bucket}: {error.response['Error']['Code']}: {error.response['Error']['Message']}")
