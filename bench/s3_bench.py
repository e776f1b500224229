#!/usr/bin/env python3
"""S3 transfer benchmark: boto3 against `glueshim serve` (its HTTP and its HTTPS port), moto's server and nginx.

For each server: boto3 `upload_file` and `download_file` of one large file (1 GiB by default)
with boto3's default transfer settings (8 MiB parts, 10 threads), the same file as one PutObject
(`upload_file` with multipart off), and 2,000 sequential small GetObjects. nginx on 127.0.0.1
(static files, and WebDAV PUT for the single PutObject) takes the same client's requests: the
loopback limit. It has no multipart API, so the multipart upload is compared with moto only. Each figure is the median of --runs runs.
glueshim's peak RSS (VmHWM, reset between phases) is reported for the upload and the download.
`glueshim-https` is the same serve called on its HTTPS port (trusting the CA bundle it prints);
`https_vs_http` gives each figure of HTTPS as a fraction of HTTP's speed (HTTP time / HTTPS time).

    python3 bench/s3_bench.py --glueshim .build/release/glueshim [--size-mib 1024] [--runs 3]
    python3 bench/s3_bench.py --servers glueshim,glueshim-https
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

GLUE_ROLE = "arn:aws:iam::111111111111:role/glue-role-test"
DATA_ROLE = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"
BUCKET = "bench-bucket"
KEY = "big.bin"
SMALL_KEY = "small.bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def peak_rss_mib(pid):
    """Peak resident memory (VmHWM) of process `pid` in MiB, None when it is not reported."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def client(endpoint, key_id, secret, token=None, verify=None):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token, verify=verify,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


class Glueshim:
    """`glueshim serve`, called on its HTTP port, or on its HTTPS port with `tls`."""

    def __init__(self, binary, workdir, tls=False):
        self.name = "glueshim-https" if tls else "glueshim"
        self.state = tempfile.mkdtemp(prefix="state-", dir=workdir)
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--as", GLUE_ROLE, "--state", self.state],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        env = {}
        http = None
        for line in self.proc.stdout:
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].strip().split("=", 1)
                env[k] = v.strip("'\"")
            if line.startswith("# http: "):
                http = line[len("# http: "):].strip()
            if line.startswith("# serving"):
                break
        if tls:
            self.endpoint, verify = env["AWS_ENDPOINT_URL"], env["AWS_CA_BUNDLE"]
            if not self.endpoint.startswith("https://"):
                raise RuntimeError(f"serve printed no HTTPS endpoint: {self.endpoint}")
        else:
            self.endpoint, verify = http or env["AWS_ENDPOINT_URL"], None
        sts = boto3.client("sts", endpoint_url=self.endpoint, region_name="us-east-1", verify=verify,
                           aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                           aws_session_token=env.get("AWS_SESSION_TOKEN"))
        c = sts.assume_role(RoleArn=DATA_ROLE, RoleSessionName="bench")["Credentials"]
        self.s3 = client(self.endpoint, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], verify=verify)

    def reset_peak(self):
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")

    def peak_mib(self):
        return peak_rss_mib(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.state, ignore_errors=True)


class Moto:
    name = "moto"

    def __init__(self):
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
        self.s3 = client(f"http://127.0.0.1:{port}", "testing", "testing")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Nginx:
    """Debian's nginx serving ROOT/BUCKET/KEY as a static file on 127.0.0.1; with `tls`, on
    HTTPS with a P-256 certificate made for the run (the reference for glueshim's HTTPS ratio:
    the same client, the same transfer, another server's TLS)."""
    name = "nginx"

    def __init__(self, workdir, source, small, tls=False):
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=workdir)
        os.makedirs(os.path.join(self.dir, "www", BUCKET))
        os.makedirs(os.path.join(self.dir, "logs"))
        os.link(source, os.path.join(self.dir, "www", BUCKET, KEY))
        shutil.copy(small, os.path.join(self.dir, "www", BUCKET, SMALL_KEY))
        port = free_port()
        listen, tls_conf, verify = f"127.0.0.1:{port}", "", None
        if tls:
            cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "1",
                            "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            listen += " ssl"
            tls_conf = f"ssl_certificate {cert}; ssl_certificate_key {key}; ssl_protocols TLSv1.2 TLSv1.3;"
            verify = cert
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(("user root;\n" if os.geteuid() == 0 else "") + f"""worker_processes auto;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path {self.dir}/body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    server {{
        listen {listen};
        {tls_conf}
        root {self.dir}/www;
        client_max_body_size 0;
        location / {{
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-c", conf, "-e", f"{self.dir}/logs/error.log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
        self.s3 = client(f"{'https' if tls else 'http'}://127.0.0.1:{port}", "testing", "testing", verify=verify)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_file(path, size):
    piece = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(size >> 20):
            # Vary each MiB a little so no layer can deduplicate.
            f.write(i.to_bytes(8, "little") + piece[8:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--glueshim", default=".build/release/glueshim")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--small", type=int, default=2000, help="number of small GetObjects")
    ap.add_argument("--servers", default="glueshim,glueshim-https,nginx,moto")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="s3bench-", dir=args.workdir)
    source = os.path.join(workdir, "source.bin")
    small = os.path.join(workdir, "small.bin")
    make_file(source, args.size_mib << 20)
    with open(small, "wb") as f:
        f.write(os.urandom(1024))
    transfer = TransferConfig()  # boto3's defaults
    single_put = TransferConfig(multipart_threshold=1 << 40)
    results = {}
    try:
        for name in args.servers.split(","):
            server = {"glueshim": lambda: Glueshim(args.glueshim, workdir),
                      "glueshim-https": lambda: Glueshim(args.glueshim, workdir, tls=True), "moto": Moto,
                      "nginx": lambda: Nginx(workdir, source, small),
                      "nginx-https": lambda: Nginx(workdir, source, small, tls=True)}[name]()
            r = {"upload_s": [], "put_s": [], "download_s": [], "small_gets_s": []}
            try:
                s3 = server.s3
                if not name.startswith("nginx"):
                    s3.create_bucket(Bucket=BUCKET)
                    s3.upload_file(small, BUCKET, SMALL_KEY)
                for run in range(args.runs):
                    if not name.startswith("nginx"):
                        if name.startswith("glueshim"):
                            server.reset_peak()
                        r["upload_s"].append(timed(lambda: s3.upload_file(source, BUCKET, KEY, Config=transfer)))
                        if name.startswith("glueshim"):
                            r.setdefault("upload_peak_rss_mib", []).append(server.peak_mib())
                    # One PutObject of the whole file (no multipart): the upload nginx can take too (WebDAV PUT).
                    r["put_s"].append(timed(lambda: s3.upload_file(source, BUCKET, "single.bin", Config=single_put)))
                    target = os.path.join(workdir, "download.bin")
                    if name.startswith("glueshim"):
                        server.reset_peak()
                    r["download_s"].append(timed(lambda: s3.download_file(BUCKET, KEY, target, Config=transfer)))
                    if name.startswith("glueshim"):
                        r.setdefault("download_peak_rss_mib", []).append(server.peak_mib())
                    if os.path.getsize(target) != os.path.getsize(source):
                        raise RuntimeError(f"{name}: downloaded {os.path.getsize(target)} bytes")
                    os.unlink(target)

                    def gets():
                        for _ in range(args.small):
                            s3.get_object(Bucket=BUCKET, Key=SMALL_KEY)["Body"].read()
                    r["small_gets_s"].append(timed(gets))
                    print(name, run, {k: round(v[-1], 3) for k, v in r.items() if v}, file=sys.stderr, flush=True)
            finally:
                server.stop()
            results[name] = r
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    mib = args.size_mib
    summary = {"size_mib": mib, "runs": args.runs, "small_gets": args.small, "servers": {}}
    for name, r in results.items():
        s = {}
        for k, v in r.items():
            if v:
                s[k] = statistics.median(v)
        if "upload_s" in s:
            s["upload_mib_s"] = mib / s["upload_s"]
        if "put_s" in s:
            s["put_mib_s"] = mib / s["put_s"]
        if "download_s" in s:
            s["download_mib_s"] = mib / s["download_s"]
        if "small_gets_s" in s:
            s["small_gets_per_s"] = args.small / s["small_gets_s"]
        if "upload_peak_rss_mib" in r:
            s["upload_peak_rss_mib"] = max(r["upload_peak_rss_mib"])
            s["download_peak_rss_mib"] = max(r["download_peak_rss_mib"])
        summary["servers"][name] = s
    g = summary["servers"].get("glueshim", {})
    ratios = {}
    for other in ("nginx", "moto"):
        o = summary["servers"].get(other)
        if not o or not g:
            continue
        if "download_s" in o:
            ratios[f"download_vs_{other}"] = o["download_s"] / g["download_s"]
        if "upload_s" in o:
            ratios[f"upload_vs_{other}"] = o["upload_s"] / g["upload_s"]
        if "put_s" in o:
            ratios[f"put_vs_{other}"] = o["put_s"] / g["put_s"]
        ratios[f"small_gets_vs_{other}"] = o["small_gets_s"] / g["small_gets_s"]
    # HTTPS beside HTTP on the same endpoint: HTTP's time / HTTPS's time (1.0 = as fast; the goal
    # for downloads is at least 0.8).
    h = summary["servers"].get("glueshim-https")
    if h and g:
        for figure in ("download", "upload", "put", "small_gets"):
            if f"{figure}_s" in h and f"{figure}_s" in g:
                ratios[f"https_vs_http_{figure}"] = g[f"{figure}_s"] / h[f"{figure}_s"]
    # The same ratio for nginx: what TLS costs this client against a server built for it.
    n, ns = summary["servers"].get("nginx"), summary["servers"].get("nginx-https")
    if n and ns:
        for figure in ("download", "put", "small_gets"):
            if f"{figure}_s" in n and f"{figure}_s" in ns:
                ratios[f"nginx_https_vs_http_{figure}"] = n[f"{figure}_s"] / ns[f"{figure}_s"]
    summary["ratios"] = ratios
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
