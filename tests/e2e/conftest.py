"""Starts the real berth binary on a free loopback port with its own data directory."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import boto3
import pytest
import requests

ADMIN_PASSWORD = "E2e-Passw0rd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Berth:
    def __init__(self, binary, data_dir, port, database_url=None, env=None, scheme="http"):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.url = f"{scheme}://{self.host}"
        self.auth = ("admin", ADMIN_PASSWORD)
        self.database_url = database_url
        self.extra_env = env or {}
        self.process = None
        self.log_path = os.path.join(os.path.dirname(data_dir), "server.log")

    def start(self):
        # No drain on SIGTERM unless a test asks: each stop would otherwise wait 5 s.
        env = dict(os.environ, BERTH_LISTEN=self.host, BERTH_DATA_DIR=self.data_dir,
                   BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD, BERTH_LOG_LEVEL="warning", BERTH_SHUTDOWN_DRAIN_SECONDS="0")
        if self.database_url:
            env["BERTH_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([self.binary, "serve"], env=env, stdout=log, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("berth exited: " + open(self.log_path).read()[-2000:])
            try:
                # Only "does it answer": a TLS server's certificate is checked by the tests themselves.
                requests.get(self.url + "/v2/", timeout=1, verify=False)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("berth did not start in 30 s")

    def kill(self):
        """SIGKILL: the crash case, no chance to clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def berth_binary():
    return os.environ.get("BERTH_BINARY") or os.path.abspath(".build/debug/berth")


@pytest.fixture
def berth(berth_binary):
    binary = berth_binary
    root = tempfile.mkdtemp(prefix="berth-e2e-")
    server = Berth(binary, os.path.join(root, "data"), free_port())
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_database():
    """A fresh database on the test PostgreSQL server (BERTH_TEST_POSTGRES_URL), dropped after."""
    server = os.environ.get("BERTH_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("BERTH_TEST_POSTGRES_URL is not set")
    name = "berth_e2e_" + os.urandom(6).hex()
    subprocess.run(["psql", server, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    base = server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    subprocess.run(["psql", server, "-q", "-c", f"DROP DATABASE {name} WITH (FORCE)"], capture_output=True)


def run(*args, **kwargs):
    """Runs a client command; on failure shows its output."""
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=300, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_for(condition, timeout=60, what="condition"):
    """Polls `condition` until it returns something true (returned), or fails after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


# S3-compatible storage for the tests: moto's server, started by scripts/test.

def s3_url():
    url = os.environ.get("BERTH_TEST_S3_URL")
    if not url:
        pytest.fail("BERTH_TEST_S3_URL is not set: scripts/test starts moto_server")
    return url


def bucket_client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="berth-test", aws_secret_access_key="berth-test-secret")


def s3_environment(endpoint, bucket, **extra):
    env = {"BERTH_STORAGE_DRIVER": "s3", "BERTH_STORAGE_S3_BUCKET": bucket, "BERTH_STORAGE_S3_ENDPOINT": endpoint,
           "BERTH_STORAGE_S3_ROOTDIRECTORY": "registry", "BERTH_STORAGE_S3_CHUNKSIZE": str(5 << 20),
           "AWS_ACCESS_KEY_ID": "berth-test", "AWS_SECRET_ACCESS_KEY": "berth-test-secret"}
    env.update(extra)
    return env


@pytest.fixture
def s3_bucket():
    name = "berth-e2e-" + os.urandom(4).hex()
    bucket_client(s3_url()).create_bucket(Bucket=name)
    return name


def keys(bucket, prefix=""):
    pages = bucket_client(s3_url()).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]
