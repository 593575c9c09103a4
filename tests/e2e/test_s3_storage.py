"""Berth on S3-compatible storage (moto's server, BERTH_TEST_S3_URL): real clients push and pull,
chunked uploads cross part boundaries, pulls may redirect to the bucket, and a storage that stops
answering mid-upload gives clear errors and loses nothing."""
import hashlib
import os
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import ADMIN_PASSWORD, Berth, free_port, keys, run, s3_environment, s3_url
from loopback_proxy import LoopbackProxy
from test_clients import build_umoci_image

CREDS = f"admin:{ADMIN_PASSWORD}"
AUTH = ("admin", ADMIN_PASSWORD)
MiB = 1 << 20


def start_berth(binary, env):
    root = tempfile.mkdtemp(prefix="berth-s3-")
    server = Berth(binary, os.path.join(root, "data"), free_port(), env=env)
    server.start()
    server.root = root
    return server


@pytest.fixture
def s3_berth(berth_binary, s3_bucket):
    server = start_berth(berth_binary, s3_environment(s3_url(), s3_bucket))
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


def start_upload(base, repository):
    answer = requests.post(f"{base}/v2/{repository}/blobs/uploads/", auth=AUTH)
    assert answer.status_code == 202, answer.text
    location = answer.headers["Location"]
    return location if location.startswith("http") else base + location


def patch(location, offset, chunk):
    return requests.patch(location, data=chunk, auth=AUTH, headers={
        "Content-Type": "application/octet-stream", "Content-Range": f"{offset}-{offset + len(chunk) - 1}"})


def test_skopeo_round_trip_keeps_blobs_in_the_bucket_without_copies(s3_berth, s3_bucket, tmp_path):
    layout, digest = build_umoci_image(str(tmp_path))
    target = f"docker://{s3_berth.host}/library/on-s3:v1"
    run("skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1", target)
    pulled = str(tmp_path / "pulled")
    run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", CREDS, target, f"oci:{pulled}:v1")
    raw = run("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", CREDS, target)
    assert hashlib.sha256(raw.encode()).hexdigest() == digest.split(":")[1]
    stored = keys(s3_bucket, "registry/")
    records = [k for k in stored if k.startswith("registry/files/blobs/")]
    objects = [k for k in stored if k.startswith("registry/objects/")]
    # Two layers and a config (manifests live in the database), each stored once.
    assert len(records) == 3 and len(objects) == len(records), stored
    assert not [k for k in stored if k.startswith("registry/files/uploads/")], "finished uploads left records behind"


def test_chunked_upload_across_parts_and_ranged_pull(s3_berth):
    base = s3_berth.url
    data = os.urandom(12 * MiB + 777)
    location = start_upload(base, "library/chunked")
    offset = 0
    for size in (3 * MiB, 5 * MiB + 1, 4 * MiB + 776):
        answer = patch(location, offset, data[offset:offset + size])
        assert answer.status_code == 202, answer.text
        offset += size
        assert answer.headers["Range"] == f"0-{offset - 1}"
        location = answer.headers["Location"] if answer.headers["Location"].startswith("http") else base + answer.headers["Location"]
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    answer = requests.put(location, params={"digest": digest}, data=data[offset:], auth=AUTH)
    assert answer.status_code == 201, answer.text
    whole = requests.get(f"{base}/v2/library/chunked/blobs/{digest}", auth=AUTH)
    assert whole.status_code == 200 and whole.content == data
    part = requests.get(f"{base}/v2/library/chunked/blobs/{digest}", auth=AUTH, headers={"Range": f"bytes={5 * MiB - 3}-{5 * MiB + 3}"})
    assert part.status_code == 206 and part.content == data[5 * MiB - 3:5 * MiB + 4]


def test_pulls_redirect_to_the_bucket_when_asked(berth_binary, s3_bucket):
    server = start_berth(berth_binary, s3_environment(s3_url(), s3_bucket, BERTH_STORAGE_S3_REDIRECT="true"))
    try:
        data = os.urandom(100_000)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        location = start_upload(server.url, "library/redirected")
        assert requests.put(location, params={"digest": digest}, data=data, auth=AUTH).status_code == 201
        blob = f"{server.url}/v2/library/redirected/blobs/{digest}"
        answer = requests.get(blob, auth=AUTH, allow_redirects=False)
        assert answer.status_code == 307 and answer.headers["Location"].startswith(s3_url())
        assert answer.headers["Docker-Content-Digest"] == digest
        # The presigned URL needs no credentials of the client's.
        assert requests.get(answer.headers["Location"]).content == data
        assert requests.head(blob, auth=AUTH).status_code == 200
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def test_a_missing_bucket_stops_start_up_with_the_reason(berth_binary):
    root = tempfile.mkdtemp(prefix="berth-s3-")
    env = dict(os.environ, BERTH_LISTEN=f"127.0.0.1:{free_port()}", BERTH_DATA_DIR=os.path.join(root, "data"),
               BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD, **s3_environment(s3_url(), "no-such-bucket-" + os.urandom(3).hex()))
    try:
        result = subprocess.run([berth_binary, "serve"], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 69, result.stderr
        assert "NoSuchBucket" in result.stderr and "berth-test-secret" not in result.stderr + result.stdout
        bad = dict(env, BERTH_STORAGE_S3_CHUNKSIZE="1024")
        result = subprocess.run([berth_binary, "serve"], env=bad, capture_output=True, text=True, timeout=60)
        assert result.returncode == 78 and "storage.s3.chunksize" in result.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_storage_that_stops_mid_upload_gives_clear_errors_and_loses_nothing(berth_binary, s3_bucket):
    proxy = LoopbackProxy([int(s3_url().rsplit(":", 1)[1])]).start()
    server = start_berth(berth_binary, s3_environment(f"http://127.0.0.1:{proxy.port}", s3_bucket))
    try:
        base = server.url
        kept = os.urandom(2 * MiB)
        kept_digest = "sha256:" + hashlib.sha256(kept).hexdigest()
        location = start_upload(base, "library/kept")
        assert requests.put(location, params={"digest": kept_digest}, data=kept, auth=AUTH).status_code == 201

        data = os.urandom(7 * MiB)
        location = start_upload(base, "library/interrupted")
        first = patch(location, 0, data[:3 * MiB])
        assert first.status_code == 202, first.text
        location = first.headers["Location"] if first.headers["Location"].startswith("http") else base + first.headers["Location"]

        proxy.stop()
        failed = patch(location, 3 * MiB, data[3 * MiB:])
        assert failed.status_code == 503, failed.text
        assert failed.json()["errors"][0]["code"] == "UNAVAILABLE" and "blob storage" in failed.json()["errors"][0]["message"]
        health = requests.get(f"{base}/api/v2.0/health", auth=AUTH).json()
        assert {c["name"]: c["status"] for c in health["components"]}["storage"] == "unhealthy"
        # The blob's size is in the database, so the answer has begun when the storage fails: the
        # transfer is cut, never completed with wrong bytes.
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
            requests.get(f"{base}/v2/library/kept/blobs/{kept_digest}", auth=AUTH).content

        proxy.start()
        status = requests.get(location, auth=AUTH)
        assert status.status_code == 204 and status.headers["Range"] == f"0-{3 * MiB - 1}"
        resumed = patch(location, 3 * MiB, data[3 * MiB:])
        assert resumed.status_code == 202, resumed.text
        location = resumed.headers["Location"] if resumed.headers["Location"].startswith("http") else base + resumed.headers["Location"]
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        done = requests.put(location, params={"digest": digest}, auth=AUTH)
        assert done.status_code == 201, done.text
        assert requests.get(f"{base}/v2/library/interrupted/blobs/{digest}", auth=AUTH).content == data
        assert requests.get(f"{base}/v2/library/kept/blobs/{kept_digest}", auth=AUTH).content == kept
    finally:
        server.stop()
        proxy.stop()
        shutil.rmtree(server.root, ignore_errors=True)
