import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
bucket = "bucket-kjshadjas-3432-dsadas"
for label, arguments in [("test_path/", {"Prefix": "test_path/"}), ("no prefix", {}), ("other/", {"Prefix": "other/"})]:
    try:
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, **arguments).get("Contents", [])]
        print(f"list {label}: {keys}")
    except ClientError as error:
        print(f"list {label}: {error.response['Error']['Code']}")
