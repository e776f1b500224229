#!/usr/bin/env python3
"""Signs a few requests with botocore and writes botocore_fixtures.json beside this script.

The glueshim SigV4 tests load the JSON and check that the verifier accepts every request
and that the signer produces the same Authorization header (or presigned signature).
Run: python3 make_botocore_fixtures.py  (needs botocore)
"""
import datetime
import hashlib
import json
import os
from unittest import mock
from urllib.parse import quote, urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED = datetime.datetime(2026, 3, 14, 15, 9, 26)
KEYS = Credentials("AKIDGLUESHIMEXAMPLE", "glueshim/Secret+Key/For/Fixtures0000000")
TEMP = Credentials("ASIAGLUESHIMTEMPKEY", "temporary/Secret/Key/glueshim000000000",
                   "FQoGZXIvYXdzEGlueshimSessionToken//with+slash/and=equals")


def sign(name, auth_class, creds, service, region, method, url, headers=None, body=b"", expires=None,
         verify_only=False):
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
    before = [[k, v] for k, v in request.headers.items()]
    if expires is None:
        signer = auth_class(creds, service, region)
    else:
        signer = auth_class(creds, service, region, expires=expires)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=FIXED):
        signer.add_auth(request)
    parts = urlsplit(request.url)
    prepared = request.prepare()
    host = parts.netloc
    after = [["Host", host]] + [[k, v] for k, v in prepared.headers.items()]
    payload_hash = request.headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
    case = {
        "name": name,
        "service": service,
        "region": region,
        "accessKeyId": creds.access_key,
        "secretAccessKey": creds.secret_key,
        "sessionToken": creds.token,
        "date": FIXED.strftime("%Y%m%dT%H%M%SZ"),
        "method": method,
        "path": parts.path or "/",
        "query": parts.query,
        "host": host,
        "headersBeforeSigning": [["host", host]] + before,
        "headers": after,
        "payloadHash": payload_hash,
        "bodySHA256": hashlib.sha256(body).hexdigest(),
        # botocore canonicalizes a query it did not build as written (here '%7E' stays '%7E'), where AWS's rules
        # re-encode it ('~'): the verifier must accept it, the signer rightly differs.
        "verifyOnly": verify_only,
    }
    if expires is None:
        case["authorization"] = request.headers["Authorization"]
    else:
        case["expires"] = expires
        # The query the caller asked to presign: the URL's query before signing.
        case["queryBeforeSigning"] = urlsplit(url).query
    return case


def s3_url(bucket, key, query=""):
    url = f"http://{bucket}.s3.amazonaws.com/" + quote(key, safe="/~")
    return url + ("?" + query if query else "")


cases = [
    sign("s3-get-key-with-spaces-unicode-tilde", botocore.auth.S3SigV4Auth, KEYS, "s3", "us-east-1", "GET",
         s3_url("glueshim-data", "raw/2026/my report ~draft café/naïve data (1).csv"),
         headers={"Range": "bytes=0-99", "User-Agent": "glueshim-fixture"}),
    sign("s3-put-with-payload-hash", botocore.auth.S3SigV4Auth, KEYS, "s3", "eu-west-1", "PUT",
         s3_url("glueshim-out", "results/part-0000.json"),
         headers={"Content-Type": "application/json", "x-amz-meta-job": "nightly  load",
                  "x-amz-storage-class": "STANDARD_IA", "Content-Length": "27"},
         body=b'{"rows": 42, "ok": true}\n\n\n'),
    sign("s3-list-with-unsorted-repeated-query", botocore.auth.S3SigV4Auth, TEMP, "s3", "us-west-2", "GET",
         s3_url("glueshim-data", "", "prefix=raw%2F2026%2F&list-type=2&delimiter=%2F&tag=b&tag=a&encoding-type=url&empty=")),
    sign("s3-put-with-session-token", botocore.auth.S3SigV4Auth, TEMP, "s3", "us-east-1", "PUT",
         s3_url("glueshim-out", "a+b=c&d/sp ace.txt"), headers={"Content-Type": "text/plain"}, body=b"hello glueshim"),
    sign("sts-post-form", botocore.auth.SigV4Auth, KEYS, "sts", "us-east-1", "POST",
         "https://sts.us-east-1.amazonaws.com/",
         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
         body=b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fglue-job&RoleSessionName=glueshim"),
    sign("sts-get-caller-identity-with-token", botocore.auth.SigV4Auth, TEMP, "sts", "eu-central-1", "POST",
         "https://sts.eu-central-1.amazonaws.com/",
         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
         body=b"Action=GetCallerIdentity&Version=2011-06-15"),
    sign("glue-json-post", botocore.auth.SigV4Auth, KEYS, "glue", "us-east-1", "POST",
         "https://glue.us-east-1.amazonaws.com/",
         headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetJob"},
         body=b'{"JobName": "nightly-load"}'),
    sign("generic-get-unsorted-query-dot-segments", botocore.auth.SigV4Auth, KEYS, "execute-api", "us-east-1", "GET",
         "https://api.example.com/stage/./items/../items//a%20b?z=1&a=2&a=1&m=~x",
         headers={"X-Amz-Meta-Spaces": "  lots   of   space  "}),
    sign("generic-get-query-written-with-encoded-tilde", botocore.auth.SigV4Auth, KEYS, "execute-api", "us-east-1", "GET",
         "https://api.example.com/stage/items?z=1&m=%7Ex", verify_only=True),
    sign("s3-presigned-get", botocore.auth.S3SigV4QueryAuth, KEYS, "s3", "us-east-1", "GET",
         s3_url("glueshim-data", "exports/report 2026 ~final.csv"), expires=3600),
    sign("s3-presigned-get-with-token-and-query", botocore.auth.S3SigV4QueryAuth, TEMP, "s3", "us-east-1", "GET",
         s3_url("glueshim-data", "exports/data.parquet", "response-content-type=application%2Foctet-stream&versionId=3%2FL4kqtJlcpXroDTDmJ%2Brmsq"),
         expires=900),
]

def chunked(name, data, checksum_cls, trailer, chunk_size):
    import base64
    import io
    from botocore.httpchecksum import AwsChunkedWrapper
    wrapper = AwsChunkedWrapper(io.BytesIO(data), checksum_cls=checksum_cls, checksum_name=trailer, chunk_size=chunk_size)
    body = wrapper.read()
    checksum = checksum_cls()
    checksum.update(data)
    return {
        "name": name,
        "body": base64.b64encode(body).decode(),
        "data": base64.b64encode(data).decode(),
        "trailer": trailer,
        "checksum": checksum.b64digest(),
    }


from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum

chunked_bodies = [
    chunked("crc32-small", b"glueshim writes this object", Crc32Checksum, "x-amz-checksum-crc32", 1024),
    chunked("crc32-three-chunks", bytes(range(256)) * 40, Crc32Checksum, "x-amz-checksum-crc32", 4096),
    chunked("sha1", b"a" * 10000, Sha1Checksum, "x-amz-checksum-sha1", 8192),
    chunked("sha256-empty", b"", Sha256Checksum, "x-amz-checksum-sha256", 1024),
]

out = {"generator": f"botocore {botocore.__version__}", "cases": cases, "chunkedBodies": chunked_bodies}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "botocore_fixtures.json")
with open(path, "w") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
