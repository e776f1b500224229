import sys

import boto3
from botocore.exceptions import ClientError

BUCKET = "aws-glue-shared-222222222222"
KEY = "exports/report.csv"
args = sys.argv[1:]
acl = args[args.index("--ACL") + 1] if "--ACL" in args else None

s3 = boto3.client("s3")
s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"id,total\n1,42\n", **({"ACL": acl} if acl else {}))
print(f"the job role wrote {KEY} " + (f"with {acl}" if acl else "without an ACL"))

credentials = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
                                              RoleSessionName="bucket-owner")["Credentials"]
owner = boto3.client("s3", aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                     aws_session_token=credentials["SessionToken"])
try:
    body = owner.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    print(f"the bucket owner's role read {len(body)} bytes")
except ClientError as error:
    print(f"the bucket owner's role was denied: {error.response['Error']['Message']}")
