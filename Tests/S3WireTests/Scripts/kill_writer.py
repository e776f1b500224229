"""write BUCKET: put objects kill/N (each body is N repeated, 64 KiB .. 4 MiB) and print "N sha256" once acknowledged.
check BUCKET ACKFILE: every acknowledged object is whole; every kill/ object present is whole (self-describing)."""
import hashlib
import sys

import boto3

mode, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3")


def body(n):
    size = 65536 * (1 + n % 64)
    return (f"{n:08d}".encode() * (size // 8 + 1))[:size]


if mode == "write":
    n = 0
    while True:
        data = body(n)
        try:
            s3.put_object(Bucket=bucket, Key=f"kill/{n}", Body=data)
        except Exception:
            sys.exit(0)
        print(n, hashlib.sha256(data).hexdigest(), flush=True)
        n += 1
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
    for n in sorted(present | set(acked)):
        data = s3.get_object(Bucket=bucket, Key=f"kill/{n}")["Body"].read()
        if data != body(n):
            print(f"kill/{n} is torn or wrong ({len(data)} bytes)", file=sys.stderr)
            sys.exit(1)
    missing = set(acked) - present
    if missing:
        print(f"acknowledged objects lost: {sorted(missing)[:10]}", file=sys.stderr)
        sys.exit(1)
    extra = present - set(acked)
    if len(extra) > 1:
        print(f"more than the one in-flight object appeared: {sorted(extra)}", file=sys.stderr)
        sys.exit(1)
    print(f"{len(acked)} acknowledged objects intact")
