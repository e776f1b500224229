"""boto3 against a running `glueshim serve` (AWS_ENDPOINT_URL and credentials in the environment).
Exits non-zero with a message on the first failed check."""
import hashlib
import os
import ssl
import sys
import tempfile
import urllib.request
import urllib.error

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

bucket = sys.argv[1]
# urllib and http.client trust the endpoint's certificate authority as boto3 does (AWS_CA_BUNDLE).
tls = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE"))
urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls)))


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def code_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


s3 = boto3.client("s3")
s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
check(any(b["Name"] == bucket for b in s3.list_buckets()["Buckets"]), "created bucket listed")

# Plain put/get with the CRC32 boto3 sends by default, returned with checksum mode.
s3.put_object(Bucket=bucket, Key="small.txt", Body=b"hello world", Metadata={"k": "v"})
got = s3.get_object(Bucket=bucket, Key="small.txt", ChecksumMode="ENABLED")
check(got["Body"].read() == b"hello world", "small body")
check(got.get("ChecksumCRC32") == "DUoRhQ==", f"crc32 returned: {got.get('ChecksumCRC32')}")
check(got["Metadata"] == {"k": "v"}, "metadata")

algorithms = ["SHA1", "SHA256"]
try:
    import awscrt  # noqa: F401  botocore computes CRC32C and CRC64NVME only with the CRT
    algorithms += ["CRC32C", "CRC64NVME"]
except ImportError:
    pass
for algorithm in algorithms:
    s3.put_object(Bucket=bucket, Key=f"algo/{algorithm}", Body=b"x" * 1000, ChecksumAlgorithm=algorithm)
    head = s3.head_object(Bucket=bucket, Key=f"algo/{algorithm}", ChecksumMode="ENABLED")
    check(head.get(f"Checksum{algorithm}"), f"{algorithm} kept")

# Multipart upload_file / download_file of a 9 MiB file (parts in parallel, ranged GETs with If-Match).
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "big.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(9 * 1024 * 1024 + 123))
    s3.upload_file(src, bucket, "big/big.bin")
    head = s3.head_object(Bucket=bucket, Key="big/big.bin")
    check(head["ETag"].endswith('-2"'), f"multipart etag {head['ETag']}")
    dst = os.path.join(tmp, "back.bin")
    s3.download_file(bucket, "big/big.bin", dst)
    check(hashlib.sha256(open(src, "rb").read()).digest() == hashlib.sha256(open(dst, "rb").read()).digest(), "download equals upload")
    # One part at a time, with the part count.
    whole = open(src, "rb").read()
    first = s3.get_object(Bucket=bucket, Key="big/big.bin", PartNumber=1)
    check(first["PartsCount"] == 2 and first["Body"].read() == whole[:first["ContentLength"]], f"part 1 {first.get('PartsCount')}")
    second = s3.head_object(Bucket=bucket, Key="big/big.bin", PartNumber=2)
    check(first["ContentLength"] + second["ContentLength"] == len(whole), "part sizes add up")
    check(code_of(lambda: s3.get_object(Bucket=bucket, Key="big/big.bin", PartNumber=3)) == "InvalidPartNumber", "part beyond the count")

# Conditional reads and writes.
small_etag = s3.head_object(Bucket=bucket, Key="small.txt")["ETag"]
try:
    s3.get_object(Bucket=bucket, Key="small.txt", IfNoneMatch=small_etag)
    check(False, "get_object IfNoneMatch=etag answered")
except ClientError as e:
    check(e.response["Error"]["Code"] == "304" and e.response["ResponseMetadata"]["HTTPStatusCode"] == 304, f"304 {e.response}")
    check(e.response["ResponseMetadata"]["HTTPHeaders"].get("etag") == small_etag, "304 carries the ETag")
try:
    s3.put_object(Bucket=bucket, Key="small.txt", Body=b"overwritten", IfNoneMatch="*")
    check(False, "put_object IfNoneMatch=* over an existing key answered")
except ClientError as e:
    check(e.response["Error"]["Code"] == "PreconditionFailed" and e.response["ResponseMetadata"]["HTTPStatusCode"] == 412, f"412 {e.response}")
check(s3.get_object(Bucket=bucket, Key="small.txt")["Body"].read() == b"hello world", "object kept after a failed conditional write")
s3.put_object(Bucket=bucket, Key="cond/new.txt", Body=b"created once", IfNoneMatch="*")
check(code_of(lambda: s3.put_object(Bucket=bucket, Key="cond/new.txt", Body=b"x", IfMatch='"0123"')) == "PreconditionFailed", "put_object IfMatch differs")

# ListBuckets pages: MaxBuckets with ContinuationToken; MaxKeys=0 is an empty page.
s3.create_bucket(Bucket=bucket + "-second")
owned = [b["Name"] for b in s3.list_buckets()["Buckets"]]
paged, token = [], None
while True:
    page = s3.list_buckets(MaxBuckets=1, **({"ContinuationToken": token} if token else {}))
    check(len(page["Buckets"]) == 1, f"one bucket a page {page['Buckets']}")
    paged += [b["Name"] for b in page["Buckets"]]
    token = page.get("ContinuationToken")
    if not token:
        break
check(paged == owned, f"list_buckets pages {paged} {owned}")
check([b["Name"] for b in s3.list_buckets(Prefix=bucket)["Buckets"]] == [bucket, bucket + "-second"], "list_buckets Prefix")
check(s3.list_buckets(Prefix=bucket).get("Prefix") == bucket, "list_buckets echoes Prefix")
s3.delete_bucket(Bucket=bucket + "-second")
empty = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
check(not empty["IsTruncated"] and "Contents" not in empty and empty["KeyCount"] == 0, f"MaxKeys=0 {empty}")

# Copy, tagging, delete_objects.
s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "small.txt"})
check(s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read() == b"hello world", "copy")
s3.put_object_tagging(Bucket=bucket, Key="copy.txt", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
check(s3.get_object_tagging(Bucket=bucket, Key="copy.txt")["TagSet"] == [{"Key": "a", "Value": "b"}], "tags")
res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "copy.txt"}], "Quiet": True})
check(not res.get("Deleted") and not res.get("Errors"), f"quiet delete {res}")
check(code_of(lambda: s3.head_object(Bucket=bucket, Key="copy.txt")) == "404", "deleted")

# put_object_acl changes the ACL alone; operations glueshim does not serve answer NotImplemented and leave the object as it was.
check(code_of(lambda: s3.put_object_acl(Bucket=bucket, Key="small.txt", ACL="public-read")) is None, "put_object_acl")
check(code_of(lambda: s3.get_object_acl(Bucket=bucket, Key="small.txt")) is None, "get_object_acl")
check(s3.get_object(Bucket=bucket, Key="small.txt")["Body"].read() == b"hello world", "object kept after put_object_acl")
# A bucket never versioned: no Status, and its objects listed as null versions.
check("Status" not in s3.get_bucket_versioning(Bucket=bucket), "never versioned")
check(all(v["VersionId"] == "null" for v in s3.list_object_versions(Bucket=bucket, Prefix="small")["Versions"]), "null versions")

# Keys are opaque.
for key in ["../x", "a//b", "trailing/", "ünï/鍵", "k" * 1024]:
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    check(s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode(), f"key {key[:20]}")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
check("../x" in keys and "a//b" in keys and "ünï/鍵" in keys, "opaque keys listed")
check(keys == sorted(keys, key=lambda k: k.encode()), "utf-8 binary order")
v1 = s3.list_objects(Bucket=bucket, Prefix="algo/", MaxKeys=1)
check(v1["IsTruncated"] and len(v1["Contents"]) == 1, "list v1 page")

# Bucket policy round trip and MalformedPolicy.
check(code_of(lambda: s3.put_bucket_policy(Bucket=bucket, Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}' % bucket)) == "MalformedPolicy", "malformed policy")

# Bucket and object configuration: object ACL (the object's bytes kept), CORS with browser preflights, lifecycle.
s3.put_object(Bucket=bucket, Key="acl.txt", Body=b"acl bytes")
s3.put_object_acl(Bucket=bucket, Key="acl.txt", ACL="public-read")
acl = s3.get_object_acl(Bucket=bucket, Key="acl.txt")
check({(g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]} >= {("http://acs.amazonaws.com/groups/global/AllUsers", "READ")}, f"object acl {acl['Grants']}")
check(any(g["Grantee"].get("ID") == acl["Owner"]["ID"] and g["Permission"] == "FULL_CONTROL" for g in acl["Grants"]), "owner full control")
s3.put_object_acl(Bucket=bucket, Key="acl.txt", AccessControlPolicy={
    "Owner": {"ID": acl["Owner"]["ID"]},
    "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": acl["Owner"]["ID"]}, "Permission": "READ"}]})
check([g["Permission"] for g in s3.get_object_acl(Bucket=bucket, Key="acl.txt")["Grants"]] == ["READ"], "acl document")
check(s3.get_object(Bucket=bucket, Key="acl.txt")["Body"].read() == b"acl bytes", "object acl keeps the bytes")
s3.put_bucket_acl(Bucket=bucket, ACL="authenticated-read")
check(any(g["Grantee"].get("URI", "").endswith("AuthenticatedUsers") for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]), "bucket acl")
s3.put_bucket_acl(Bucket=bucket, ACL="private")

check(code_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == "NoSuchCORSConfiguration", "no cors")
rules = [{"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"],
          "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
check(s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules, f"cors round trip {s3.get_bucket_cors(Bucket=bucket)['CORSRules']}")
endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
preflight = urllib.request.Request(f"{endpoint}/{bucket}/acl.txt", method="OPTIONS", headers={
    "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"})
with urllib.request.urlopen(preflight) as r:
    check(r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "https://app.example.com", "preflight allowed")
    check(r.headers["Access-Control-Allow-Methods"] == "GET, PUT" and r.headers["Access-Control-Max-Age"] == "600", "preflight headers")
refused = urllib.request.Request(f"{endpoint}/{bucket}/acl.txt", method="OPTIONS", headers={
    "Origin": "https://evil.example.org", "Access-Control-Request-Method": "GET"})
try:
    urllib.request.urlopen(refused)
    check(False, "preflight from another origin allowed")
except urllib.error.HTTPError as e:
    check(e.code == 403 and b"This CORS request is not allowed" in e.read(), f"preflight refused {e.code}")
s3.delete_bucket_cors(Bucket=bucket)
check(code_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == "NoSuchCORSConfiguration", "cors deleted")

check(code_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == "NoSuchLifecycleConfiguration", "no lifecycle")
lifecycle = [{"ID": "expire-tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 3}}]
s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": lifecycle})
check(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == lifecycle, "lifecycle round trip")
s3.delete_bucket_lifecycle(Bucket=bucket)

# Presigned GET via urllib, path style and virtual-hosted style; expired URLs are refused.
signer = boto3.client("s3", config=Config(signature_version="s3v4"))  # query-string SigV4
url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "small.txt"}, ExpiresIn=60)
check(urllib.request.urlopen(url).read() == b"hello world", "presigned get")
# Virtual-hosted style: Host bucket.localhost:PORT, signed as botocore signs it, sent to the loopback address
# (BUCKET.localhost does not resolve on every machine).
import http.client
from urllib.parse import urlparse
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
endpoint_url = urlparse(os.environ["AWS_ENDPOINT_URL"])
port = endpoint_url.port
vreq = AWSRequest(method="GET", url=f"{endpoint_url.scheme}://{bucket}.localhost:{port}/small.txt")
S3SigV4Auth(boto3.Session().get_credentials().get_frozen_credentials(), "s3", os.environ.get("AWS_REGION", "us-east-1")).add_auth(vreq)
conn = (http.client.HTTPSConnection("127.0.0.1", port, context=tls) if endpoint_url.scheme == "https"
        else http.client.HTTPConnection("127.0.0.1", port))
conn.request("GET", "/small.txt", headers={"Host": f"{bucket}.localhost:{port}", **dict(vreq.headers.items())})
vres = conn.getresponse()
check(vres.status == 200 and vres.read() == b"hello world", f"virtual-hosted get {vres.status}")
put_signer = boto3.client("s3", config=Config(signature_version="s3v4"))  # query-string SigV4
put_url = signer.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned-put.txt"}, ExpiresIn=60)
req = urllib.request.Request(put_url, data=b"via url", method="PUT")
urllib.request.urlopen(req).read()
check(s3.get_object(Bucket=bucket, Key="presigned-put.txt")["Body"].read() == b"via url", "presigned put")
tampered = url.replace("small.txt", "big/big.bin")
try:
    urllib.request.urlopen(tampered)
    check(False, "tampered presigned URL accepted")
except urllib.error.HTTPError as e:
    check(e.code == 403, f"tampered presigned status {e.code}")

# Versioning: every write kept, delete markers, versions read and deleted one by one.
vbucket = bucket + "-versioned"
s3.create_bucket(Bucket=vbucket)
s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Enabled"})
check(s3.get_bucket_versioning(Bucket=vbucket)["Status"] == "Enabled", "versioning enabled")
first = s3.put_object(Bucket=vbucket, Key="doc.txt", Body=b"first")["VersionId"]
second = s3.put_object(Bucket=vbucket, Key="doc.txt", Body=b"second")["VersionId"]
check(first and second and first != second, f"version ids {first} {second}")
check(s3.get_object(Bucket=vbucket, Key="doc.txt")["Body"].read() == b"second", "latest version")
check(s3.get_object(Bucket=vbucket, Key="doc.txt", VersionId=first)["Body"].read() == b"first", "get by version")
check(s3.head_object(Bucket=vbucket, Key="doc.txt", VersionId=first)["ContentLength"] == 5, "head by version")
listed = s3.list_object_versions(Bucket=vbucket)
check([(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [(second, True), (first, False)], f"versions {listed['Versions']}")
check(listed["Versions"][0]["Size"] == 6 and listed["Versions"][0]["Owner"]["ID"], "version fields")
deleted = s3.delete_object(Bucket=vbucket, Key="doc.txt")
check(deleted["DeleteMarker"] and deleted["VersionId"], f"delete marker {deleted}")
try:
    s3.get_object(Bucket=vbucket, Key="doc.txt")
    check(False, "get after delete marker")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NoSuchKey", "NoSuchKey after delete marker")
    check(e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true", "x-amz-delete-marker on 404")
markers = s3.list_object_versions(Bucket=vbucket)["DeleteMarkers"]
check([(m["VersionId"], m["IsLatest"]) for m in markers] == [(deleted["VersionId"], True)], f"delete markers {markers}")
check(code_of(lambda: s3.delete_bucket(Bucket=vbucket)) == "BucketNotEmpty", "versions keep the bucket")
gone = s3.delete_object(Bucket=vbucket, Key="doc.txt", VersionId=first)
check(gone["VersionId"] == first, "delete of a version")
check(code_of(lambda: s3.get_object(Bucket=vbucket, Key="doc.txt", VersionId=first)) == "NoSuchVersion", "deleted version gone")
for i in range(5):
    s3.put_object(Bucket=vbucket, Key=f"page/{i}", Body=b"x")
pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=vbucket, PaginationConfig={"PageSize": 2}))
check(len(pages) >= 3 and sum(len(p.get("Versions", [])) + len(p.get("DeleteMarkers", [])) for p in pages) == 7, "paged versions")
# Emptying a versioned bucket: every version and marker deleted by id.
for page in s3.get_paginator("list_object_versions").paginate(Bucket=vbucket):
    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    if objects:
        res = s3.delete_objects(Bucket=vbucket, Delete={"Objects": objects})
        check(not res.get("Errors"), f"delete versions {res}")
check(not s3.list_object_versions(Bucket=vbucket).get("Versions"), "emptied")
s3.delete_bucket(Bucket=vbucket)

# Clean up: BucketNotEmpty until empty.
check(code_of(lambda: s3.delete_bucket(Bucket=bucket)) == "BucketNotEmpty", "BucketNotEmpty")
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for o in page.get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=o["Key"])
s3.delete_bucket(Bucket=bucket)
print("boto3 wire checks passed")
