"""write BUCKET [WRITERS]: WRITERS threads (100 by default) upload objects kill/N until the server goes away,
printing "N sha256" once each is acknowledged. Every fourth object is a multipart upload (a 5 MiB part and a
short last part); the others are single PUTs of 64 KiB .. 4 MiB. Each body is derived from N alone.

check BUCKET ACKFILE: every acknowledged object is present and whole (sha256); every kill/ object present is
whole; no multipart upload's parts are visible as an object; at most WRITERS objects appeared without an
acknowledgement (those in flight at the kill, which may or may not have landed: either is correct)."""
import hashlib
import itertools
import sys
import threading

import boto3
from botocore.config import Config

mode, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", config=Config(max_pool_connections=128, retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))
MIB = 1 << 20


def is_multipart(n):
    return n % 4 == 3


def body(n):
    size = 5 * MIB + 4096 * (1 + n % 16) if is_multipart(n) else 65536 * (1 + n % 64)
    return (f"{n:08d}".encode() * (size // 8 + 1))[:size]


def upload(n, data):
    key = f"kill/{n}"
    if not is_multipart(n):
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        return
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(data), 5 * MIB), start=1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data[start:start + 5 * MIB])["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})


if mode == "write":
    writers = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    counter = itertools.count()
    lock = threading.Lock()
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            n = next(counter)
            data = body(n)
            try:
                upload(n, data)
            except Exception:
                stop.set()
                return
            digest = hashlib.sha256(data).hexdigest()
            with lock:
                print(n, digest, flush=True)

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
else:
    acked = {}
    for line in open(sys.argv[3]):
        if line.strip():
            n, digest = line.split()
            acked[int(n)] = digest
    present = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="kill/"):
        for o in page.get("Contents", []):
            present.add(int(o["Key"].split("/")[1]))
    torn = []
    for n in sorted(present):
        data = s3.get_object(Bucket=bucket, Key=f"kill/{n}")["Body"].read()
        if data != body(n) or (n in acked and hashlib.sha256(data).hexdigest() != acked[n]):
            torn.append(f"kill/{n} ({len(data)} bytes)")
    missing = sorted(set(acked) - present)
    extra = sorted(present - set(acked))
    multipart = sum(1 for n in acked if is_multipart(n))
    print(f"acknowledged {len(acked)} ({multipart} multipart), present {len(present)}, torn {len(torn)}, lost {len(missing)}, unacknowledged {len(extra)}")
    if torn:
        print(f"torn or wrong objects: {torn[:10]}", file=sys.stderr)
    if missing:
        print(f"acknowledged objects lost: {missing[:10]}", file=sys.stderr)
    if len(extra) > 100:
        print(f"more objects appeared than were in flight: {len(extra)}", file=sys.stderr)
    sys.exit(1 if torn or missing or len(extra) > 100 else 0)
