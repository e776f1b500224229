"""Job logic under test: a function a Glue job calls, taking its clients as arguments."""
from botocore.exceptions import ClientError


def copy_latest(s3, source_bucket, prefix, target_bucket):
    """Copies the newest object under prefix to target_bucket; returns its key, or the AWS error code."""
    try:
        objects = s3.list_objects_v2(Bucket=source_bucket, Prefix=prefix).get("Contents", [])
        latest = max(objects, key=lambda o: o["LastModified"])["Key"]
        body = s3.get_object(Bucket=source_bucket, Key=latest)["Body"].read()
        s3.put_object(Bucket=target_bucket, Key=latest, Body=body)
        return latest
    except ClientError as error:
        return error.response["Error"]["Code"]
