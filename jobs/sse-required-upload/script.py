import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
bucket = "aws-glue-assets-111111111111-us-east-1"
try:
    s3.put_object(Bucket=bucket, Key="output/plain.csv", Body=b"a,b\n1,2\n")
    print("plain upload: allowed")
except ClientError as error:
    print(f"plain upload: {error.response['Error']['Message']}")
s3.put_object(Bucket=bucket, Key="output/encrypted.csv", Body=b"a,b\n1,2\n", ServerSideEncryption="AES256")
print("encrypted upload: done")
with open("/tmp/large.bin", "wb") as f:
    f.write(b"r" * (9 * 1024 * 1024))
# A multipart upload: every part is held to what CreateMultipartUpload asked for.
s3.upload_file("/tmp/large.bin", bucket, "output/large.bin", ExtraArgs={"ServerSideEncryption": "AES256"})
print("encrypted multipart upload: done")
