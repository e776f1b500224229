import sys

import boto3
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["OUTPUT_KEY"])
with open("/tmp/daily.csv", "wb") as out:
    out.write(b"glueshim-part-data\n" * 700000)

s3 = boto3.client("s3")
s3.upload_file("/tmp/daily.csv", "aws-glue-assets-111111111111-us-east-1", args["OUTPUT_KEY"],
               ExtraArgs={"Metadata": {"produced-by": "multipart-results"}})
head = s3.head_object(Bucket="aws-glue-assets-111111111111-us-east-1", Key=args["OUTPUT_KEY"])
print("uploaded", head["ContentLength"], "bytes, ETag", head["ETag"])
