"""S3's condition keys decided through boto3: each bucket-policy statement of
condition-keys-world.yaml allows or denies the request that carries (or lacks) its key."""
import os
import sys

import ssl

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "ck-bucket"
failures = []
# The endpoint may be HTTPS under glueshim's local CA, which boto3 trusts through AWS_CA_BUNDLE.
TLS = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE"))


def client(key_id, secret):
    return boto3.client("s3", aws_access_key_id=key_id, aws_secret_access_key=secret,
                        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


owner = client("AKIAGLUESHIMOWNER001", "local-test-secret-for-owner-00000000000")
reader = client("AKIAGLUESHIMREADER01", "local-test-secret-for-reader-0000000000")


def expect(name, allowed, call):
    try:
        call()
        got = True
        detail = "allowed"
    except ClientError as error:
        got = False
        detail = "%s: %s" % (error.response["Error"]["Code"], error.response["Error"].get("Message", ""))
        if error.response["Error"]["Code"] != "AccessDenied":
            failures.append("%s: expected AccessDenied or success, got %s" % (name, detail))
            return
    if got != allowed:
        failures.append("%s: expected %s, got %s" % (name, "allowed" if allowed else "denied", detail))
    else:
        print("ok  %-58s %s" % (name, detail[:110]))


# Objects to read, written by the owner (whose identity policy allows every S3 action).
owner.put_object(Bucket=BUCKET, Key="home/reader/notes.txt", Body=b"mine")
owner.put_object(Bucket=BUCKET, Key="public/report.csv", Body=b"a,b\n1,2\n")
owner.put_object(Bucket=BUCKET, Key="private/ledger.csv", Body=b"x")
owner.put_object(Bucket=BUCKET, Key="labelled/open.txt", Body=b"o", Tagging="classification=internal")
owner.put_object(Bucket=BUCKET, Key="labelled/secret.txt", Body=b"s", Tagging="classification=secret")
owner.put_object(Bucket=BUCKET, Key="nopresign/file.txt", Body=b"n")
owner.put_object(Bucket=BUCKET, Key="stage/file.txt", Body=b"t")

# s3:prefix: the home-folder pattern of the S3 user guide.
expect("list home/reader/ (prefix allowed)", True, lambda: reader.list_objects_v2(Bucket=BUCKET, Prefix="home/reader/"))
expect("list root with Prefix='' and a delimiter", True, lambda: reader.list_objects_v2(Bucket=BUCKET, Prefix="", Delimiter="/"))
expect("list private/ (prefix not allowed)", False, lambda: reader.list_objects_v2(Bucket=BUCKET, Prefix="private/"))
expect("list without any prefix (key absent)", False, lambda: reader.list_objects_v2(Bucket=BUCKET))
expect("list v1 home/reader/", True, lambda: reader.list_objects(Bucket=BUCKET, Prefix="home/reader/"))
# s3:max-keys
expect("list home/ with MaxKeys=50", True, lambda: reader.list_objects_v2(Bucket=BUCKET, Prefix="home/", MaxKeys=50))
expect("list home/ with MaxKeys=500", False, lambda: reader.list_objects_v2(Bucket=BUCKET, Prefix="home/", MaxKeys=500))
# The owner's own listing is decided by its identity policy; the deny still applies.
expect("owner lists everything", True, lambda: owner.list_objects_v2(Bucket=BUCKET))
expect("owner lists with MaxKeys=1000", False, lambda: owner.list_objects_v2(Bucket=BUCKET, MaxKeys=1000))

# s3:x-amz-server-side-encryption
expect("put sse/ without encryption header", False, lambda: reader.put_object(Bucket=BUCKET, Key="sse/a.txt", Body=b"a"))
expect("put sse/ with AES256", True, lambda: reader.put_object(Bucket=BUCKET, Key="sse/a.txt", Body=b"a", ServerSideEncryption="AES256"))
expect("put elsewhere without encryption header", True, lambda: reader.put_object(Bucket=BUCKET, Key="plain/a.txt", Body=b"a"))
# Multipart: the parts and the completion are held to what the upload was created with.
big = b"m" * (6 * 1024 * 1024)
def multipart(sse):
    extra = {"ServerSideEncryption": "AES256"} if sse else {}
    upload = reader.create_multipart_upload(Bucket=BUCKET, Key="sse/big.bin", **extra)["UploadId"]
    part = reader.upload_part(Bucket=BUCKET, Key="sse/big.bin", UploadId=upload, PartNumber=1, Body=big)
    reader.complete_multipart_upload(Bucket=BUCKET, Key="sse/big.bin", UploadId=upload,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
expect("multipart upload to sse/ with AES256", True, lambda: multipart(True))
expect("multipart upload to sse/ without encryption", False, lambda: multipart(False))

# s3:ExistingObjectTag/<key>
expect("get an object tagged classification=internal", True, lambda: reader.get_object(Bucket=BUCKET, Key="labelled/open.txt"))
expect("get an object tagged classification=secret", False, lambda: reader.get_object(Bucket=BUCKET, Key="labelled/secret.txt"))
owner.put_object_tagging(Bucket=BUCKET, Key="labelled/open.txt", Tagging={"TagSet": [{"Key": "classification", "Value": "secret"}]})
expect("get it again once retagged secret", False, lambda: reader.get_object(Bucket=BUCKET, Key="labelled/open.txt"))

# s3:authType: a presigned URL is REST-QUERY-STRING, a signed header REST-HEADER.
import urllib.error
import urllib.request
def fetch(url):
    with urllib.request.urlopen(url, context=TLS) as response:
        return response.read()
def presigned_get(key):
    url = reader.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300)
    try:
        fetch(url)
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        code = "AccessDenied" if "<Code>AccessDenied</Code>" in body else body
        raise ClientError({"Error": {"Code": code, "Message": body[:200]}}, "GetObject")
expect("get nopresign/ with a signed header", True, lambda: reader.get_object(Bucket=BUCKET, Key="nopresign/file.txt"))
expect("get nopresign/ through a presigned URL", False, lambda: presigned_get("nopresign/file.txt"))
expect("get public/ through a presigned URL", True, lambda: presigned_get("public/report.csv"))

# s3:x-amz-copy-source (absent on a plain PutObject: StringNotLike then matches, as in AWS)
expect("copy from public/ into copies/", True,
       lambda: reader.copy_object(Bucket=BUCKET, Key="copies/report.csv", CopySource={"Bucket": BUCKET, "Key": "public/report.csv"}))
expect("copy from private/ into copies/", False,
       lambda: reader.copy_object(Bucket=BUCKET, Key="copies/ledger.csv", CopySource={"Bucket": BUCKET, "Key": "private/ledger.csv"}))
expect("plain put into copies/", False, lambda: reader.put_object(Bucket=BUCKET, Key="copies/x.txt", Body=b"x"))

# s3:RequestObjectTag/<key>
expect("put tagged/ without a project tag", False, lambda: reader.put_object(Bucket=BUCKET, Key="tagged/a.txt", Body=b"a"))
expect("put tagged/ with project=glue", True, lambda: reader.put_object(Bucket=BUCKET, Key="tagged/a.txt", Body=b"a", Tagging="project=glue"))

# aws:ResourceTag/<key> from the bucket's tags
expect("get stage/ while the bucket is tagged stage=test", True, lambda: reader.get_object(Bucket=BUCKET, Key="stage/file.txt"))
owner.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "stage", "Value": "prod"}]})
expect("get stage/ once the bucket is tagged stage=prod", False, lambda: reader.get_object(Bucket=BUCKET, Key="stage/file.txt"))

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("condition key checks passed")
