"""S3's Signature Version 2 through boto3: presigned URLs as botocore makes them with an endpoint
URL, and header-signed requests of a client configured with signature_version='s3'."""
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "ck-bucket"
KEYS = ("AKIAGLUESHIMOWNER001", "local-test-secret-for-owner-00000000000")
failures = []
# The endpoint may be HTTPS under glueshim's local CA, which boto3 trusts through AWS_CA_BUNDLE.
TLS = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE"))


def check(name, condition, detail=""):
    if condition:
        print("ok  " + name)
    else:
        failures.append("%s: %s" % (name, detail))


def fetch(url, method="GET", data=None):
    # No Content-Type: the URL was signed without one.
    request = urllib.request.Request(url, method=method, data=data, headers={"Content-Type": ""} if data is not None else {})
    try:
        with urllib.request.urlopen(request, context=TLS) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def code(body):
    return body.split("<Code>")[1].split("</Code>")[0] if "<Code>" in body else body[:80]


s3 = boto3.client("s3", aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1], region_name="us-east-1")
s3.put_object(Bucket=BUCKET, Key="v2/hello.txt", Body=b"hello v2")
s3.put_object(Bucket=BUCKET, Key="v4only/file.txt", Body=b"v4")

url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "v2/hello.txt"}, ExpiresIn=300)
check("botocore presigns with Signature Version 2 here", "Signature=" in url and "AWSAccessKeyId=" in url and "X-Amz-Signature" not in url, url)
status, body = fetch(url)
check("a SigV2 presigned GET reads the object", status == 200 and body == "hello v2", "%s %s" % (status, body[:200]))

status, body = fetch(url.replace("v2/hello.txt", "v2/other.txt"))
check("a tampered SigV2 URL: SignatureDoesNotMatch", status == 403 and code(body) == "SignatureDoesNotMatch", body[:300])

expired = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "v2/hello.txt"}, ExpiresIn=1)
time.sleep(2.2)
status, body = fetch(expired)
check("an expired SigV2 URL: AccessDenied, Request has expired",
      status == 403 and code(body) == "AccessDenied" and "Request has expired" in body and "<Expires>" in body, body[:300])

put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "v2/uploaded.txt"}, ExpiresIn=300)
status, body = fetch(put_url, method="PUT", data=b"uploaded through a v2 URL")
check("a SigV2 presigned PUT writes", status == 200, "%s %s" % (status, body[:300]))
if status == 200: check("and the object is there", s3.get_object(Bucket=BUCKET, Key="v2/uploaded.txt")["Body"].read() == b"uploaded through a v2 URL")

# s3:signatureversion: "AWS" for Signature Version 2, "AWS4-HMAC-SHA256" for version 4.
status, body = fetch(s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "v4only/file.txt"}))
check("a SigV2 URL on v4only/ is denied by s3:signatureversion", status == 403 and code(body) == "AccessDenied", body[:300])
v4 = boto3.client("s3", aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1], region_name="us-east-1",
                  config=Config(signature_version="s3v4"))
v4url = v4.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "v4only/file.txt"})
status, body = fetch(v4url)
check("a SigV4 URL on v4only/ is allowed", "X-Amz-Signature" in v4url and status == 200 and body == "v4", "%s %s" % (status, body[:300]))

# Header-signed Signature Version 2, with long-term and with temporary credentials.
legacy = boto3.client("s3", aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1], region_name="us-east-1",
                      config=Config(signature_version="s3"))
legacy.put_object(Bucket=BUCKET, Key="v2/header.txt", Body=b"header signed", ContentType="text/plain")
check("a SigV2 header-signed PUT and GET", legacy.get_object(Bucket=BUCKET, Key="v2/header.txt")["Body"].read() == b"header signed")
listed = legacy.list_objects(Bucket=BUCKET, Prefix="v2/")
check("a SigV2 header-signed listing", len(listed.get("Contents", [])) >= 3, str(listed.get("Contents")))
legacy.put_object_tagging(Bucket=BUCKET, Key="v2/header.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
check("a SigV2 subresource request (?tagging)", legacy.get_object_tagging(Bucket=BUCKET, Key="v2/header.txt")["TagSet"] == [{"Key": "k", "Value": "v"}])
try:
    legacy.get_object(Bucket=BUCKET, Key="v4only/file.txt")
    check("a SigV2 header-signed GET on v4only/ is denied", False, "allowed")
except ClientError as error:
    check("a SigV2 header-signed GET on v4only/ is denied", error.response["Error"]["Code"] == "AccessDenied", str(error))
wrong = boto3.client("s3", aws_access_key_id=KEYS[0], aws_secret_access_key="not-the-secret", region_name="us-east-1",
                     config=Config(signature_version="s3"))
try:
    wrong.get_object(Bucket=BUCKET, Key="v2/header.txt")
    check("a wrong secret: SignatureDoesNotMatch", False, "allowed")
except ClientError as error:
    check("a wrong secret: SignatureDoesNotMatch", error.response["Error"]["Code"] == "SignatureDoesNotMatch", str(error))

session = boto3.client("sts", aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1], region_name="us-east-1").get_session_token()["Credentials"]
temporary = boto3.client("s3", aws_access_key_id=session["AccessKeyId"], aws_secret_access_key=session["SecretAccessKey"],
                         aws_session_token=session["SessionToken"], region_name="us-east-1", config=Config(signature_version="s3"))
check("SigV2 with a session token", temporary.get_object(Bucket=BUCKET, Key="v2/hello.txt")["Body"].read() == b"hello v2")
status, body = fetch(temporary.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "v2/hello.txt"}))
check("a SigV2 presigned URL with a session token", status == 200 and body == "hello v2", "%s %s" % (status, body[:300]))

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("sigv2 checks passed")
