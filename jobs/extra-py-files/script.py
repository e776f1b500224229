import boto3
import glue_helpers

names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
print(glue_helpers.summarize(names))
