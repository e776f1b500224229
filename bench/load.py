#!/usr/bin/env python3
"""Load on one `glueshim serve` endpoint: job runs and boto3 clients at once.

8 job runs started together through StartJobRun (each script assumes the data account's role and
reads and writes S3 in a loop), while 8 client processes each make 10,000 mixed requests
(S3 PutObject/GetObject/HeadObject/ListObjectsV2/DeleteObject, STS GetCallerIdentity, IAM GetRole,
Glue GetJob). Reports errors (any exception, any run not SUCCEEDED), latency percentiles per
operation and overall, throughput, and the server's peak RSS (VmHWM).

    python3 bench/load.py --glueshim .build/release/glueshim [--clients 8] [--requests 10000] [--runs 8]

Run from the repository root (serve loads ./jobs and the default world).
"""
import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from s3_bench import peak_rss_mib

ROOT = "arn:aws:iam::111111111111:root"
ASSETS = "aws-glue-assets-111111111111-us-east-1"
BUCKET = "load-bucket"

JOB_SCRIPT = '''
import sys, uuid, boto3
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "TARGET_ROLE_ARN", "ROUNDS"])
c = boto3.client("sts").assume_role(RoleArn=args["TARGET_ROLE_ARN"], RoleSessionName="load")["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
run = uuid.uuid4().hex
for i in range(int(args["ROUNDS"])):
    data = s3.get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key="test_path/some_demo_file.gz")["Body"].read()
    s3.put_object(Bucket="bucket-kjshadjas-3432-dsadas", Key=f"load/{args['JOB_NAME']}/{run}/{i}", Body=data)
print("rounds done", args["ROUNDS"])
'''


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def client_worker(index, env, requests, queue):
    import boto3
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                    aws_session_token=env.get("AWS_SESSION_TOKEN"), region_name="us-east-1")
    config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    url = env["AWS_ENDPOINT_URL"]
    s3 = session.client("s3", endpoint_url=url, config=config)
    sts = session.client("sts", endpoint_url=url, config=config)
    iam = session.client("iam", endpoint_url=url, config=config)
    glue = session.client("glue", endpoint_url=url, config=config)
    body = os.urandom(1024)
    ops = [
        ("s3.PutObject", lambda i: s3.put_object(Bucket=BUCKET, Key=f"c{index}/{i % 50}", Body=body)),
        ("s3.GetObject", lambda i: s3.get_object(Bucket=BUCKET, Key=f"c{index}/{(i - 1) % 50}")["Body"].read()),
        ("s3.HeadObject", lambda i: s3.head_object(Bucket=BUCKET, Key=f"c{index}/{(i - 2) % 50}")),
        ("s3.ListObjectsV2", lambda i: s3.list_objects_v2(Bucket=BUCKET, Prefix=f"c{index}/", MaxKeys=20)),
        ("s3.PutObject", lambda i: s3.put_object(Bucket=BUCKET, Key=f"c{index}/tmp-{i}", Body=body)),
        ("s3.DeleteObject", lambda i: s3.delete_object(Bucket=BUCKET, Key=f"c{index}/tmp-{i - 1}")),
        ("sts.GetCallerIdentity", lambda i: sts.get_caller_identity()),
        ("iam.GetRole", lambda i: iam.get_role(RoleName="glue-role-test")),
        ("glue.GetJob", lambda i: glue.get_job(JobName="load-job")),
        ("s3.GetObject", lambda i: s3.get_object(Bucket=BUCKET, Key=f"c{index}/{i % 50}")["Body"].read()),
    ]
    latencies = {}
    errors = []
    for i in range(requests):
        name, op = ops[i % len(ops)]
        start = time.perf_counter()
        try:
            op(i)
        except Exception as e:  # any failure counts
            errors.append(f"{name}: {e}")
        latencies.setdefault(name, []).append(time.perf_counter() - start)
    queue.put((index, latencies, errors))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--glueshim", default=".build/release/glueshim")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=200, help="S3 get+put rounds in each job run")
    args = ap.parse_args()

    state = tempfile.mkdtemp(prefix="glueshim-load-")
    proc = subprocess.Popen([args.glueshim, "serve", "--port", "0", "--as", ROOT, "--state", state],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    env = {}
    for line in proc.stdout:
        if line.startswith("export ") and "=" in line:
            k, v = line[len("export "):].strip().split("=", 1)
            env[k] = v.strip("'\"")
        if line.startswith("# serving"):
            break
    try:
        import boto3
        from botocore.config import Config
        session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                        aws_session_token=env.get("AWS_SESSION_TOKEN"), region_name="us-east-1")
        url = env["AWS_ENDPOINT_URL"]
        s3 = session.client("s3", endpoint_url=url, config=Config(s3={"addressing_style": "path"}))
        glue = session.client("glue", endpoint_url=url)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=ASSETS, Key="scripts/load-job.py", Body=JOB_SCRIPT.encode())
        glue.create_job(Name="load-job", Role="glue-role-test", ExecutionProperty={"MaxConcurrentRuns": args.runs},
                        Command={"Name": "pythonshell", "PythonVersion": "3.9", "ScriptLocation": f"s3://{ASSETS}/scripts/load-job.py"},
                        DefaultArguments={"--TARGET_ROLE_ARN": "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
                                          "--ROUNDS": str(args.rounds)}, MaxCapacity=0.0625, Timeout=30)
        for c in range(args.clients):
            for k in range(50):
                s3.put_object(Bucket=BUCKET, Key=f"c{c}/{k}", Body=b"seed")

        queue = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=client_worker, args=(i, env, args.requests, queue)) for i in range(args.clients)]
        start = time.perf_counter()
        run_ids = [glue.start_job_run(JobName="load-job")["JobRunId"] for _ in range(args.runs)]
        for w in workers:
            w.start()
        results = [queue.get() for _ in workers]
        for w in workers:
            w.join()
        clients_done = time.perf_counter() - start
        states, run_errors = {}, []
        deadline = time.time() + 1800
        while time.time() < deadline:
            runs = [glue.get_job_run(JobName="load-job", RunId=r)["JobRun"] for r in run_ids]
            states = {r["Id"]: r["JobRunState"] for r in runs}
            run_errors = sorted({r["ErrorMessage"] for r in runs if r.get("ErrorMessage")})
            if all(s in ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR") for s in states.values()):
                break
            time.sleep(0.5)
        total = time.perf_counter() - start
        peak = peak_rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(state, ignore_errors=True)

    by_op = {}
    errors = []
    for _, latencies, errs in results:
        errors += errs
        for name, values in latencies.items():
            by_op.setdefault(name, []).extend(values)
    everything = [v for values in by_op.values() for v in values]
    ms = lambda v: round(v * 1000, 2) if v is not None else None
    summary = {
        "clients": args.clients, "requests_per_client": args.requests, "job_runs": args.runs, "rounds_per_run": args.rounds,
        "requests": len(everything), "client_errors": len(errors), "first_errors": errors[:5],
        "job_run_states": sorted(states.values()), "job_runs_not_succeeded": sum(1 for s in states.values() if s != "SUCCEEDED"),
        "job_run_errors": run_errors[:3],
        "clients_seconds": round(clients_done, 1), "total_seconds": round(total, 1),
        "requests_per_second": round(len(everything) / clients_done, 1),
        "latency_ms": {"p50": ms(percentile(everything, 50)), "p90": ms(percentile(everything, 90)),
                       "p99": ms(percentile(everything, 99)), "max": ms(max(everything))},
        "p99_ms_by_operation": {name: ms(percentile(values, 99)) for name, values in sorted(by_op.items())},
        "serve_peak_rss_mib": round(peak, 1) if peak else None,
    }
    print(json.dumps(summary, indent=2))
    sys.exit(0 if not errors and summary["job_runs_not_succeeded"] == 0 else 1)


if __name__ == "__main__":
    main()
