"""Faults around the server: its storage filling up or turning read-only, clients that send
slowly, never finish, or hang up mid-pull. Each answer is a clear error, nothing half-written
stays, and the server goes on serving. (PostgreSQL restarted under load is in test_operations.py,
the server killed mid-push in test_crash.py and test_crash_rounds.py.)"""
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import Berth, free_port


@pytest.fixture
def small_disk():
    """A 32 MiB tmpfs for the blob storage (the database stays on the real disk)."""
    path = tempfile.mkdtemp(prefix="berth-small-disk-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", path], capture_output=True, text=True)
    if mounted.returncode != 0:
        os.rmdir(path)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield path
    subprocess.run(["umount", "-l", path], capture_output=True)
    os.rmdir(path)


@pytest.fixture
def berth_on_small_disk(berth_binary, small_disk):
    root = tempfile.mkdtemp(prefix="berth-faults-")
    server = Berth(berth_binary, os.path.join(root, "data"), free_port(),
                   env={"BERTH_STORAGE_FILESYSTEM_ROOT": small_disk})
    server.start()
    yield server, small_disk
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def push_blob(berth, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return digest, requests.post(f"{berth.url}/v2/{repo}/blobs/uploads/?digest={digest}", data=data, auth=berth.auth, timeout=60)


def used_bytes(path):
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


def test_a_full_disk_refuses_the_upload_clearly_removes_it_and_keeps_serving_pulls(berth_on_small_disk):
    berth, disk = berth_on_small_disk
    kept, answer = push_blob(berth, "library/app", os.urandom(1 << 20))
    assert answer.status_code == 201, answer.text
    before = used_bytes(disk)

    _, refused = push_blob(berth, "library/app", os.urandom(48 << 20))
    assert refused.status_code == 507, refused.text
    error = refused.json()["errors"][0]
    assert error["code"] == "BLOB_UPLOAD_INVALID" and "storage is full" in error["message"]
    assert used_bytes(disk) <= before + (64 << 10), "the partial upload was left on the disk"
    assert os.listdir(os.path.join(disk, "uploads")) == []

    # A chunked session that runs out of space keeps what it stored and can be cancelled.
    session = requests.post(f"{berth.url}/v2/library/app/blobs/uploads/", auth=berth.auth)
    assert session.status_code == 202
    patch = requests.patch(berth.url + session.headers["Location"], data=os.urandom(48 << 20), auth=berth.auth, timeout=60)
    assert patch.status_code == 507 and patch.json()["errors"][0]["code"] == "BLOB_UPLOAD_INVALID"
    assert requests.delete(berth.url + session.headers["Location"], auth=berth.auth).status_code == 204
    assert used_bytes(disk) <= before + (64 << 10)

    pulled = requests.get(f"{berth.url}/v2/library/app/blobs/{kept}", auth=berth.auth)
    assert pulled.status_code == 200 and "sha256:" + hashlib.sha256(pulled.content).hexdigest() == kept
    # Space freed, pushes work again.
    again, answer = push_blob(berth, "library/app", os.urandom(4 << 20))
    assert answer.status_code == 201, answer.text


def test_read_only_storage_refuses_pushes_and_serves_pulls(berth_on_small_disk):
    berth, disk = berth_on_small_disk
    kept, answer = push_blob(berth, "library/app", os.urandom(256 << 10))
    assert answer.status_code == 201
    subprocess.run(["mount", "-o", "remount,ro", disk], check=True)
    try:
        _, refused = push_blob(berth, "library/app", os.urandom(256 << 10))
        assert refused.status_code == 503, refused.text
        error = refused.json()["errors"][0]
        assert error["code"] == "UNAVAILABLE" and "read-only" in error["message"]
        pulled = requests.get(f"{berth.url}/v2/library/app/blobs/{kept}", auth=berth.auth)
        assert pulled.status_code == 200 and "sha256:" + hashlib.sha256(pulled.content).hexdigest() == kept
    finally:
        subprocess.run(["mount", "-o", "remount,rw", disk], check=True)
    _, answer = push_blob(berth, "library/app", os.urandom(256 << 10))
    assert answer.status_code == 201, answer.text


@pytest.fixture
def berth_with_short_idle_timeout(berth_binary):
    root = tempfile.mkdtemp(prefix="berth-idle-")
    server = Berth(berth_binary, os.path.join(root, "data"), free_port(), env={"BERTH_HTTP_IDLE_TIMEOUT_SECONDS": "2"})
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def closed_within(sock, seconds):
    """Whether the server closes `sock` within `seconds` (reads until EOF or the deadline)."""
    sock.settimeout(0.5)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except ConnectionResetError:
            return True
    return False


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_clients_that_stall_are_disconnected_and_their_connections_freed(berth_with_short_idle_timeout):
    berth = berth_with_short_idle_timeout
    requests.get(berth.url + "/v2/", timeout=5)
    baseline = open_fds(berth.process.pid)

    # Slowloris: headers never finished, by many connections at once.
    stalled = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", berth.port))
        s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        stalled.append(s)
    # A body that stops half way.
    body = socket.create_connection(("127.0.0.1", berth.port))
    auth = requests.auth._basic_auth_str(*berth.auth)
    body.sendall(("POST /v2/library/app/blobs/uploads/?digest=sha256:" + "0" * 64 + " HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: {auth}\r\nContent-Length: 1048576\r\n\r\n").encode() + os.urandom(4096))
    # A body that trickles (a byte every half second) is slow but alive: it is not cut while it sends.
    trickle = socket.create_connection(("127.0.0.1", berth.port))
    trickle.sendall(b"PUT /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
    for _ in range(6):
        time.sleep(0.5)
        trickle.sendall(b"x")
    assert not closed_within(trickle, 0.1), "a slow but steady client was cut"

    assert all(closed_within(s, 6) for s in stalled), "a client that never finished its headers kept its connection"
    assert closed_within(body, 6), "a body that stopped half way kept its connection"
    for s in stalled + [body, trickle]:
        s.close()
    # The server still answers, and its descriptors are back to where they were.
    assert requests.get(berth.url + "/v2/", timeout=5).status_code in (200, 401)
    deadline = time.time() + 10
    while open_fds(berth.process.pid) > baseline + 2 and time.time() < deadline:
        time.sleep(0.2)
    assert open_fds(berth.process.pid) <= baseline + 2, f"{open_fds(berth.process.pid)} descriptors open, {baseline} before"


def test_a_client_that_hangs_up_mid_pull_frees_its_connection(berth):
    data = os.urandom(64 << 20)
    digest, answer = push_blob(berth, "library/big", data)
    assert answer.status_code == 201
    baseline = open_fds(berth.process.pid)
    auth = requests.auth._basic_auth_str(*berth.auth)
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", berth.port))
        s.sendall(f"GET /v2/library/big/blobs/{digest} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n".encode())
        s.recv(65536)   # the head and the first bytes, then gone
        s.close()
    deadline = time.time() + 10
    while open_fds(berth.process.pid) > baseline + 2 and time.time() < deadline:
        time.sleep(0.2)
    assert open_fds(berth.process.pid) <= baseline + 2
    whole = requests.get(f"{berth.url}/v2/library/big/blobs/{digest}", auth=berth.auth)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == digest.split(":")[1]
