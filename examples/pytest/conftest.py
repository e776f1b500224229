"""pytest fixtures that run glueshim's local AWS endpoint for a test session.

    glueshim_endpoint(principal_arn) -> boto3.Session acting as that principal

Set GLUESHIM (path of the glueshim binary, default: `glueshim` on PATH, else .build/debug/glueshim
of this checkout) and GLUESHIM_WORLD (default: sandbox/world.yaml of this checkout).
"""
import os
import shutil
import subprocess
import tempfile

import boto3
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _binary():
    if os.environ.get("GLUESHIM"):
        return os.environ["GLUESHIM"]
    return shutil.which("glueshim") or os.path.join(ROOT, ".build", "debug", "glueshim")


@pytest.fixture(scope="session")
def glueshim_endpoint():
    """Starts `glueshim serve` per principal; yields a factory of boto3 sessions."""
    servers = []

    def session_for(principal_arn):
        state = tempfile.mkdtemp(prefix="glueshim-pytest-")
        world = os.environ.get("GLUESHIM_WORLD", os.path.join(ROOT, "sandbox", "world.yaml"))
        process = subprocess.Popen(
            [_binary(), "serve", "--port", "0", "--world", world, "--state", state, "--as", principal_arn],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        servers.append(process)
        env = {}
        for line in process.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                env[key] = value
            if line.startswith("# serving"):
                break
        if "AWS_ENDPOINT_URL" not in env:
            raise RuntimeError("glueshim serve did not start")
        session = boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                aws_session_token=env.get("AWS_SESSION_TOKEN"),
                                region_name=env["AWS_REGION"])
        # Every client of this session talks to the local endpoint over HTTPS, trusting the
        # certificate authority serve printed (AWS_CA_BUNDLE).
        original = session.client
        session.client = lambda name, **kw: original(name, endpoint_url=env["AWS_ENDPOINT_URL"],
                                                     verify=env.get("AWS_CA_BUNDLE"), **kw)
        return session

    yield session_for
    for process in servers:
        process.terminate()
        process.wait(timeout=10)
