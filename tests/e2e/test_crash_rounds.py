"""The crash test: concurrent skopeo pushes and raw chunked and monolithic uploads, the server
killed with SIGKILL at a random moment, restarted, for several rounds, on SQLite and on
PostgreSQL. Afterwards every push a client saw succeed pulls back with its digest, every upload
session that was interrupted resumes and completes, and `berth scrub` finds no problem.

CI runs a few rounds (BERTH_CRASH_ROUNDS, default 3); bench/crash runs 20."""
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import ADMIN_PASSWORD, Berth, free_port

ROUNDS = int(os.environ.get("BERTH_CRASH_ROUNDS", "3"))
PUSHES = int(os.environ.get("BERTH_CRASH_PUSHES", "50"))
UPLOADERS = 4


def oci_layout(path, rng):
    """An OCI layout with one image of a random layer; returns the manifest's digest."""
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest, len(data)

    layer = put(rng.randbytes(rng.randint(256 << 10, 4 << 20)))
    config = put(json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [layer[0]]}}).encode())
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer[0], "size": layer[1]}],
    }).encode()
    digest, size = put(manifest)
    with open(os.path.join(path, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size,
            "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, f)
    return digest


class Uploader(threading.Thread):
    """Raw uploads until the server dies: chunked (POST, PATCHes, PUT) and monolithic (POST with
    the digest). Remembers the blobs it saw committed and the session it was in the middle of."""

    def __init__(self, berth, rng, name):
        super().__init__(daemon=True)
        self.berth, self.rng, self.repo = berth, rng, f"library/raw-{name}"
        self.committed = []          # (digest, bytes)
        self.interrupted = None      # (location, all bytes)
        self.stop = False

    def run(self):
        session = requests.Session()
        session.auth = self.berth.auth
        try:
            while not self.stop:
                data = self.rng.randbytes(self.rng.randint(256 << 10, 4 << 20))
                digest = "sha256:" + hashlib.sha256(data).hexdigest()
                base = f"{self.berth.url}/v2/{self.repo}/blobs/uploads/"
                if self.rng.random() < 0.5:
                    if session.post(f"{base}?digest={digest}", data=data, timeout=30).status_code == 201:
                        self.committed.append((digest, data))
                    continue
                post = session.post(base, timeout=30)
                if post.status_code != 202:
                    continue
                location = post.headers["Location"]
                self.interrupted = (location, data)
                offset = 0
                while offset < len(data):
                    chunk = data[offset:offset + (256 << 10)]
                    patch = session.patch(self.berth.url + location, data=chunk, timeout=30,
                                          headers={"Content-Range": f"{offset}-{offset + len(chunk) - 1}"})
                    assert patch.status_code == 202, patch.text
                    location = patch.headers["Location"]
                    self.interrupted = (location, data)
                    offset += len(chunk)
                put = session.put(f"{self.berth.url}{location}{'&' if '?' in location else '?'}digest={digest}", timeout=30)
                if put.status_code == 201:
                    self.committed.append((digest, data))
                    self.interrupted = None
        except (requests.ConnectionError, requests.Timeout):
            pass   # the server was killed


def resume(berth, location, data):
    """Finishes an interrupted chunked upload from where the server says it stands."""
    status = requests.get(berth.url + location, auth=berth.auth, timeout=30)
    if status.status_code == 404:
        return False   # the POST's answer was lost with the server: nothing to resume
    assert status.status_code == 204, status.text
    end = int(status.headers["Range"].split("-")[1])
    location = status.headers.get("Location", location)
    # "0-0" is both an empty session and one of a single byte (the spec's range is inclusive).
    for received in ([0, 1] if end == 0 else [end + 1]):
        assert received <= len(data)
        if received == len(data):
            break
        patch = requests.patch(berth.url + location, data=data[received:], auth=berth.auth, timeout=30,
                               headers={"Content-Range": f"{received}-{len(data) - 1}"})
        if patch.status_code == 416 and end == 0:
            continue
        assert patch.status_code == 202, patch.text
        location = patch.headers["Location"]
        break
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    put = requests.put(f"{berth.url}{location}{'&' if '?' in location else '?'}digest={digest}", auth=berth.auth, timeout=30)
    assert put.status_code == 201, put.text
    return True


def blob_digest(berth, repo, digest):
    got = requests.get(f"{berth.url}/v2/{repo}/blobs/{digest}", auth=berth.auth, timeout=60)
    assert got.status_code == 200, f"{repo}@{digest}: {got.status_code}"
    return "sha256:" + hashlib.sha256(got.content).hexdigest()


def crash_rounds(berth, work):
    seed = int(os.environ.get("BERTH_CRASH_SEED", str(time.time_ns() % 1_000_000)))
    print(f"BERTH_CRASH_SEED={seed}")
    rng = random.Random(seed)
    pushed = {}        # "repo:tag" -> manifest digest, for pushes skopeo reported done
    blobs = []         # (repo, digest) committed by raw uploads
    resumed = 0
    cut = 0
    for round_number in range(ROUNDS):
        # Fresh images every round: each push brings new blobs and a new manifest.
        layouts = []
        for i in range(PUSHES):
            path = os.path.join(work, f"round-{round_number}-image-{i}")
            layouts.append((path, oci_layout(path, rng)))
        uploaders = [Uploader(berth, random.Random(rng.random()), f"{round_number}-{u}") for u in range(UPLOADERS)]
        for uploader in uploaders:
            uploader.start()
        # All pushes at once, started a few milliseconds apart so that they end spread out; the
        # kill lands once a random number of them have finished, with the rest in flight.
        wanted = rng.randint(1, PUSHES - 1)
        pushes = []
        for i, (path, digest) in enumerate(layouts):
            target = f"library/crash-{round_number}-{i}:v1"
            process = subprocess.Popen(
                ["skopeo", "copy", "--quiet", "--preserve-digests", "--retry-times", "0", "--dest-tls-verify=false",
                 "--dest-creds", f"admin:{ADMIN_PASSWORD}", f"oci:{path}:v1", f"docker://{berth.host}/{target}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            pushes.append((process, target, digest))
            time.sleep(rng.uniform(0, 0.03))
        deadline = time.time() + 120
        while sum(1 for p, _, _ in pushes if p.poll() == 0) < wanted and time.time() < deadline:
            time.sleep(0.01)
        # Pushes that ended before the kill are known good; the rest are cut off by it.
        finished = {target for process, target, _ in pushes if process.poll() == 0}
        berth.kill()
        for process, target, digest in pushes:
            if target in finished:
                pushed[target] = digest
            elif process.poll() is None:
                process.kill()
            process.wait()
        for uploader in uploaders:
            uploader.stop = True
            uploader.join(timeout=60)
        cut += len(pushes) - len(finished)
        for path, _ in layouts:
            shutil.rmtree(path, ignore_errors=True)
        berth.start()
        for uploader in uploaders:
            blobs += [(uploader.repo, digest) for digest, _ in uploader.committed]
            if uploader.interrupted and resume(berth, *uploader.interrupted):
                blobs.append((uploader.repo, "sha256:" + hashlib.sha256(uploader.interrupted[1]).hexdigest()))
                resumed += 1
        print(f"round {round_number + 1}: {len(finished)} of {len(pushes)} pushes started had finished at the kill")

    accept = "application/vnd.oci.image.manifest.v1+json"
    for target, digest in pushed.items():
        repo, tag = target.split(":")
        got = requests.get(f"{berth.url}/v2/{repo}/manifests/{tag}", auth=berth.auth, headers={"Accept": accept}, timeout=30)
        assert got.status_code == 200, f"{target}: {got.status_code} {got.text}"
        assert "sha256:" + hashlib.sha256(got.content).hexdigest() == digest, target
        for layer in json.loads(got.content)["layers"]:
            assert blob_digest(berth, repo, layer["digest"]) == layer["digest"]
    for repo, digest in blobs:
        assert blob_digest(berth, repo, digest) == digest
    return pushed, blobs, resumed, cut


def scrub(berth):
    env = dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD, BERTH_LOG_LEVEL="warning")
    if berth.database_url:
        env["BERTH_DATABASE_URL"] = berth.database_url
    return subprocess.run([berth.binary, "scrub", "--workers", "4"], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_pushes_survive_kills_and_the_scrub_finds_nothing_wrong(berth_binary, request, database):
    root = tempfile.mkdtemp(prefix="berth-crash-")
    database_url = request.getfixturevalue("postgres_database") if database == "postgres" else None
    server = Berth(berth_binary, os.path.join(root, "data"), free_port(), database_url=database_url)
    server.start()
    try:
        pushed, blobs, resumed, cut = crash_rounds(server, root)
        assert pushed, "no push finished before any kill: the rounds proved nothing"
        checked = scrub(server)   # beside the running server
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert ": 0 problems" in checked.stdout, checked.stdout
        print(f"{database}: {ROUNDS} rounds, {len(pushed)} pushes and {len(blobs)} raw blobs pulled back, {cut} pushes cut by a kill, "
              f"{resumed} interrupted uploads resumed; scrub: {checked.stdout.strip().splitlines()[-1]}")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
