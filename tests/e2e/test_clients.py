"""Real clients against the real binary: skopeo, podman and oras push and pull unmodified."""
import hashlib
import json
import os
import shutil
import tempfile

import oras.client
import oras.oci
import requests

from conftest import ADMIN_PASSWORD, run

CREDS = f"admin:{ADMIN_PASSWORD}"


def build_umoci_image(directory, tag="v1"):
    """An OCI image layout with two layers, the second deleting a file of the first (a whiteout)."""
    layout = os.path.join(directory, "layout")
    bundle = os.path.join(directory, "bundle")
    run("umoci", "init", "--layout", layout)
    run("umoci", "new", "--image", f"{layout}:{tag}")
    run("umoci", "unpack", "--image", f"{layout}:{tag}", bundle)
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(os.path.join(rootfs, "etc"), exist_ok=True)
    with open(os.path.join(rootfs, "etc", "hello.txt"), "w") as f:
        f.write("hello from berth\n")
    with open(os.path.join(rootfs, "etc", "gone.txt"), "w") as f:
        f.write("deleted in the next layer\n")
    with open(os.path.join(rootfs, "big.bin"), "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024))
    run("umoci", "repack", "--image", f"{layout}:{tag}", bundle)
    second = os.path.join(directory, "bundle2")
    run("umoci", "unpack", "--image", f"{layout}:{tag}", second)
    os.remove(os.path.join(second, "rootfs", "etc", "gone.txt"))
    run("umoci", "repack", "--image", f"{layout}:{tag}", second)
    index = json.load(open(os.path.join(layout, "index.json")))
    manifest_digest = next(m["digest"] for m in index["manifests"]
                           if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    return layout, manifest_digest


def test_skopeo_copy_umoci_image_round_trip(berth, tmp_path):
    layout, digest = build_umoci_image(str(tmp_path))
    target = f"docker://{berth.host}/library/umoci:v1"
    run("skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", CREDS,
        f"oci:{layout}:v1", target)

    raw = run("skopeo", "inspect", "--raw", "--tls-verify=false", target)
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == digest
    head = requests.head(f"{berth.url}/v2/library/umoci/manifests/v1", auth=berth.auth,
                         headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    assert head.headers["Docker-Content-Digest"] == digest

    pulled = str(tmp_path / "pulled")
    run("skopeo", "copy", "--src-tls-verify=false", target, f"oci:{pulled}:v1")
    pulled_index = json.load(open(os.path.join(pulled, "index.json")))
    assert pulled_index["manifests"][0]["digest"] == digest
    manifest = json.loads(raw)
    for layer in manifest["layers"]:
        algorithm, hex_digest = layer["digest"].split(":")
        with open(os.path.join(pulled, "blobs", algorithm, hex_digest), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == hex_digest
    assert len(manifest["layers"]) == 2


def test_podman_pull_and_push(berth, tmp_path):
    layout, _ = build_umoci_image(str(tmp_path))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS,
        f"oci:{layout}:v1", f"docker://{berth.host}/library/base:v1")
    # podman limits the runroot path to 50 characters.
    short = tempfile.mkdtemp(prefix="berth-podman-")
    storage = ["--root", str(tmp_path / "root"), "--runroot", short + "/r1", "--storage-driver", "vfs"]
    run("podman", *storage, "pull", "--tls-verify=false", f"{berth.host}/library/base:v1")
    run("podman", *storage, "tag", f"{berth.host}/library/base:v1", f"{berth.host}/library/team/podman:v2")
    run("podman", *storage, "push", "--tls-verify=false", "--creds", CREDS, f"{berth.host}/library/team/podman:v2")
    tags = requests.get(f"{berth.url}/v2/library/team/podman/tags/list", auth=berth.auth).json()
    assert tags == {"name": "library/team/podman", "tags": ["v2"]}
    # And pull what podman pushed, with a fresh storage.
    fresh = ["--root", str(tmp_path / "root2"), "--runroot", short + "/r2", "--storage-driver", "vfs"]
    run("podman", *fresh, "pull", "--tls-verify=false", f"{berth.host}/library/team/podman:v2")
    shutil.rmtree(short, ignore_errors=True)


def test_oras_artifact_with_subject_and_referrers(berth, tmp_path):
    layout, _ = build_umoci_image(str(tmp_path))
    run("skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", CREDS,
        f"oci:{layout}:v1", f"docker://{berth.host}/library/signed:v1")
    head = requests.head(f"{berth.url}/v2/library/signed/manifests/v1", auth=berth.auth,
                         headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    subject = oras.oci.Subject(mediaType=head.headers["Content-Type"],
                               digest=head.headers["Docker-Content-Digest"],
                               size=int(head.headers["Content-Length"]))

    # Basic auth until the token service lands; oras's default backend expects a Bearer realm.
    client = oras.client.OrasClient(hostname=berth.host, insecure=True, auth_backend="basic")
    client.login(username="admin", password=ADMIN_PASSWORD, hostname=berth.host, tls_verify=False)
    os.chdir(tmp_path)
    with open("sbom.json", "w") as f:
        json.dump({"spdxVersion": "SPDX-2.3", "name": "signed"}, f)
    response = client.push(target=f"{berth.host}/library/signed:sbom", files=["sbom.json:application/spdx+json"],
                           subject=subject, manifest_annotations={"org.example.kind": "sbom"})
    assert response.status_code == 201
    assert response.headers.get("OCI-Subject") == subject.digest

    referrers = requests.get(f"{berth.url}/v2/library/signed/referrers/{subject.digest}", auth=berth.auth)
    assert referrers.status_code == 200
    body = referrers.json()
    assert body["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert len(body["manifests"]) == 1
    assert body["manifests"][0]["annotations"]["org.example.kind"] == "sbom"

    out = tmp_path / "out"
    files = client.pull(target=f"{berth.host}/library/signed:sbom", outdir=str(out))
    assert json.load(open(files[0]))["name"] == "signed"
