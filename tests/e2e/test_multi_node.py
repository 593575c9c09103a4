"""Two Berth nodes on one PostgreSQL and one S3 bucket, behind a round-robin loopback proxy,
behave as one registry: uploads continue across nodes, tokens, sessions and password changes are
honoured by both, GC on one is safe while the other takes pushes, and a node killed with -9 in the
middle of a push leaves the client's retry to finish through the other."""
import hashlib
import json
import os
import subprocess
import threading
import time

import pytest
import requests

from conftest import ADMIN_PASSWORD, Berth, free_port, keys, run, s3_environment, s3_url, wait_for
from loopback_proxy import LoopbackProxy
import test_access
from test_clients import build_umoci_image
from test_jobs import SHARED_SECRET_KEY, gc_finished, start_manual_gc
from test_s3_storage import patch, start_upload

API = "/api/v2.0"
CREDS = f"admin:{ADMIN_PASSWORD}"
MiB = 1 << 20


class Cluster:
    """Two nodes and the proxy in front; `url`, `host` and `auth` are the proxy's, so a test
    written for one server runs against the pair."""

    def __init__(self, binary, root, database_url, bucket):
        env = dict(s3_environment(s3_url(), bucket), BERTH_SECRET_KEY=SHARED_SECRET_KEY, BERTH_JOBS_LEASE_SECONDS="5")
        self.nodes = [Berth(binary, os.path.join(root, name, "data"), free_port(), database_url=database_url, env=env)
                      for name in ("a", "b")]
        for node in self.nodes:
            os.makedirs(os.path.dirname(node.data_dir), exist_ok=True)
            node.start()
        self.proxy = LoopbackProxy([node.port for node in self.nodes]).start()
        self.url, self.host, self.auth = self.proxy.url, self.proxy.host, self.nodes[0].auth

    def stop(self):
        self.proxy.stop()
        for node in self.nodes:
            node.stop()


@pytest.fixture
def cluster(berth_binary, postgres_database, s3_bucket, tmp_path):
    pair = Cluster(berth_binary, str(tmp_path / "cluster"), postgres_database, s3_bucket)
    yield pair
    pair.stop()


def absolute(base, location):
    return location if location.startswith("http") else base + location


def test_an_upload_begun_on_one_node_is_finished_on_the_other(cluster):
    a, b = cluster.nodes
    data = os.urandom(9 * MiB + 5)
    location = start_upload(a.url, "library/across")
    first = patch(location, 0, data[:6 * MiB])
    assert first.status_code == 202, first.text
    # The session's path is the same on every node; B continues from what A stored.
    on_b = absolute(b.url, first.headers["Location"].replace(a.url, ""))
    status = requests.get(on_b, auth=b.auth)
    assert status.status_code == 204 and status.headers["Range"] == f"0-{6 * MiB - 1}"
    second = patch(on_b, 6 * MiB, data[6 * MiB:])
    assert second.status_code == 202, second.text
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    done = requests.put(absolute(b.url, second.headers["Location"].replace(b.url, "")), params={"digest": digest}, auth=b.auth)
    assert done.status_code == 201, done.text
    assert requests.get(f"{a.url}/v2/library/across/blobs/{digest}", auth=a.auth).content == data


def test_tokens_sessions_and_password_changes_hold_on_both_nodes(cluster):
    a, b = cluster.nodes
    token = requests.get(f"{a.url}/service/token", auth=a.auth,
                         params={"service": "harbor-registry", "scope": "repository:library/x:pull,push"}).json()["token"]
    assert requests.get(f"{b.url}/v2/", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    assert requests.post(f"{a.url}{API}/users", auth=a.auth,
                         json={"username": "mover", "password": "First-Passw0rd", "email": "m@example.com"}).status_code == 201
    assert requests.get(f"{b.url}{API}/users/current", auth=("mover", "First-Passw0rd")).status_code == 200
    login = requests.Session()
    assert login.post(f"{a.url}/c/login", data={"principal": "mover", "password": "First-Passw0rd"}).status_code == 200
    # The portal session made on A is honoured by B (sessions live in the database).
    cookies = {c.name: c.value for c in login.cookies}
    assert requests.get(f"{b.url}{API}/users/current", cookies=cookies).json()["username"] == "mover"

    user_id = requests.get(f"{a.url}{API}/users/current", auth=("mover", "First-Passw0rd")).json()["user_id"]
    changed = requests.put(f"{a.url}{API}/users/{user_id}/password", auth=("mover", "First-Passw0rd"),
                           json={"old_password": "First-Passw0rd", "new_password": "Second-Passw0rd"})
    assert changed.status_code == 200, changed.text
    # At once on B: the old password fails, the new one works.
    assert requests.get(f"{b.url}{API}/users/current", auth=("mover", "First-Passw0rd")).status_code == 401
    assert requests.get(f"{b.url}{API}/users/current", auth=("mover", "Second-Passw0rd")).status_code == 200


def test_settings_changed_on_one_node_apply_on_the_other(cluster):
    a, b = cluster.nodes
    changed = requests.put(f"{a.url}{API}/configurations", auth=a.auth, json={"read_only": True, "token_expiration": 7})
    assert changed.status_code == 200, changed.text
    # B reads the settings at most every 5 s.
    wait_for(lambda: requests.post(f"{b.url}{API}/projects", auth=b.auth, json={"project_name": "frozen"}).status_code == 403,
             timeout=10, what="read-only mode on the other node")
    token = requests.get(f"{b.url}/service/token", auth=b.auth, params={"service": "harbor-registry"}).json()
    assert token["expires_in"] == 420
    assert requests.put(f"{b.url}{API}/configurations", auth=b.auth, json={"read_only": False}).status_code == 200
    wait_for(lambda: requests.post(f"{a.url}{API}/projects", auth=a.auth, json={"project_name": "thawed"}).status_code == 201,
             timeout=10, what="read-only mode off on the first node")


def test_skopeo_and_the_rbac_scenario_through_the_proxy(cluster, tmp_path):
    test_access.test_roles_robot_and_anonymous_with_skopeo(cluster, tmp_path)
    assert all(count > 0 for count in cluster.proxy.counts.values()), cluster.proxy.counts


def test_gc_on_one_node_while_the_other_takes_pushes(cluster, tmp_path):
    a, b = cluster.nodes
    layout, digest = build_umoci_image(str(tmp_path / "first"))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1", f"docker://{b.host}/library/old:v1")
    assert requests.delete(f"{b.url}{API}/projects/library/repositories/old", auth=b.auth).status_code == 200
    later, later_digest = build_umoci_image(str(tmp_path / "second"))
    pushes = []

    def push_on_b():
        for i in range(3):
            pushes.append(subprocess.run(["skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", CREDS,
                                          f"oci:{later}:v1", f"docker://{b.host}/library/new:v{i}"], capture_output=True, text=True))

    pusher = threading.Thread(target=push_on_b)
    pusher.start()
    execution = start_manual_gc(a)
    history = wait_for(gc_finished(a, execution), timeout=120, what="GC on A")
    pusher.join()
    assert history["job_status"] == "Success", history
    assert all(p.returncode == 0 for p in pushes), [p.stderr for p in pushes]
    for i in range(3):
        pulled = str(tmp_path / f"pulled{i}")
        run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", CREDS, f"docker://{a.host}/library/new:v{i}", f"oci:{pulled}:v1")
        index = json.load(open(os.path.join(pulled, "index.json")))
        assert index["manifests"][0]["digest"] == later_digest


def test_a_node_killed_mid_push_leaves_the_retry_to_the_other(cluster, tmp_path, s3_bucket):
    a, b = cluster.nodes
    directory = tmp_path / "big"
    directory.mkdir()
    layout = str(directory / "layout")
    bundle = str(directory / "bundle")
    run("umoci", "init", "--layout", layout)
    run("umoci", "new", "--image", f"{layout}:v1")
    run("umoci", "unpack", "--image", f"{layout}:v1", bundle)
    with open(os.path.join(bundle, "rootfs", "big.bin"), "wb") as f:
        f.write(os.urandom(96 * MiB))  # random bytes do not compress: the layer stays this big
    run("umoci", "repack", "--image", f"{layout}:v1", bundle)
    push = subprocess.Popen(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS,
                             f"oci:{layout}:v1", f"docker://{cluster.host}/library/big:v1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Kill A once an upload is under way (its record appears in the bucket).
    wait_for(lambda: [k for k in keys(s3_bucket, "registry/files/uploads/")] or push.poll() is not None,
             timeout=120, what="an upload to begin")
    time.sleep(0.5)
    a.kill()
    push.communicate(timeout=300)
    # skopeo does not retry a connection cut mid-request by itself; a CI job runs it again, and
    # that retry goes through the proxy to B and completes the push.
    if push.returncode != 0:
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1", f"docker://{cluster.host}/library/big:v1")
    pulled = str(tmp_path / "pulled")
    run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", CREDS, f"docker://{b.host}/library/big:v1", f"oci:{pulled}:v1")
    source = json.load(open(os.path.join(layout, "index.json")))["manifests"][0]["digest"]
    assert json.load(open(os.path.join(pulled, "index.json")))["manifests"][0]["digest"] == source


def test_tags_moved_and_deleted_and_projects_hidden_on_one_node_are_served_so_at_once_by_the_other(cluster):
    """Both nodes keep manifests and projects in their pull caches; a change on A must be served
    by B as soon as A has answered, not when B's entries age out."""
    a, b = cluster.nodes
    assert requests.post(f"{a.url}{API}/projects", auth=a.auth, json={"project_name": "moving", "metadata": {"public": "true"}}).status_code == 201
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    layer = os.urandom(1024)
    digests = {}
    for name, data in (("config", config), ("layer", layer)):
        digests[name] = "sha256:" + hashlib.sha256(data).hexdigest()
        pushed = requests.post(f"{a.url}/v2/moving/app/blobs/uploads/?digest={digests[name]}", data=data, auth=a.auth)
        assert pushed.status_code == 201, pushed.text
    manifests = []
    for i in range(2):
        body = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digests["config"], "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digests["layer"], "size": len(layer)}],
            "annotations": {"version": str(i)}}).encode()
        manifests.append((body, "sha256:" + hashlib.sha256(body).hexdigest()))
    media = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    token = requests.get(f"{a.url}/service/token", auth=a.auth,
                         params={"service": "harbor-registry", "scope": "repository:moving/app:pull"}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}", "Accept": media["Content-Type"]}
    anonymous = {"Authorization": "Basic Og==", "Accept": media["Content-Type"]}

    def served_on_b(method="GET", headers=bearer, reference="latest"):
        return requests.request(method, f"{b.url}/v2/moving/app/manifests/{reference}", headers=headers)

    for round_ in range(40):
        body, digest = manifests[round_ % 2]
        moved = requests.put(f"{a.url}/v2/moving/app/manifests/latest", data=body, headers=media, auth=a.auth)
        assert moved.status_code == 201, moved.text
        # At once, with no wait: GET and HEAD, by token and anonymously; then again from B's cache.
        for _ in range(2):
            got = served_on_b()
            assert got.status_code == 200 and got.headers["Docker-Content-Digest"] == digest and got.content == body, (round_, got.headers)
            head = served_on_b("HEAD", anonymous)
            assert head.headers.get("Docker-Content-Digest") == digest, (round_, head.status_code, head.headers)

    # A tag deleted on A, and a manifest deleted by digest on A, are gone on B at once.
    kept_body, kept_digest = manifests[1]
    assert requests.put(f"{a.url}/v2/moving/app/manifests/kept", data=kept_body, headers=media, auth=a.auth).status_code == 201
    assert served_on_b(reference="kept").status_code == 200
    assert requests.delete(f"{a.url}{API}/projects/moving/repositories/app/artifacts/{kept_digest}/tags/kept", auth=a.auth).status_code == 200
    assert served_on_b(reference="kept").status_code == 404
    gone_body, gone_digest = manifests[0]
    assert served_on_b(reference=gone_digest).status_code == 200
    assert requests.delete(f"{a.url}/v2/moving/app/manifests/{gone_digest}", auth=a.auth).status_code == 202
    assert served_on_b(reference=gone_digest).status_code == 404
    assert served_on_b("HEAD", anonymous, reference=gone_digest).status_code == 404

    # A project made private on A is private on B at once: anonymous pulls are refused there.
    assert served_on_b("HEAD", anonymous, reference=kept_digest).status_code == 200
    hidden = requests.put(f"{a.url}{API}/projects/moving", auth=a.auth, json={"metadata": {"public": "false"}})
    assert hidden.status_code == 200, hidden.text
    assert served_on_b("HEAD", anonymous, reference=kept_digest).status_code == 401
