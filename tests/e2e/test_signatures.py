"""Cosign signatures made by real code (Python `cryptography`, ECDSA P-256 over a simple-signing
payload, as cosign signs) and the content-trust gate seen by a real client: skopeo cannot pull an
unsigned image from a project with `enable_content_trust_cosign`, nor one signed by a key the
project does not trust, and can once a trusted signature is pushed. Signatures are pushed with
the requests cosign makes: as an OCI 1.1 referrer (`subject`) and as the legacy `.sig` tag."""
import base64
import hashlib
import json
import subprocess

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import ADMIN_PASSWORD, run
from test_clients import build_umoci_image
from test_swagger_schema import validate

CREDS = f"admin:{ADMIN_PASSWORD}"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"


def push_blob(berth, repository, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    response = requests.post(f"{berth.url}/v2/{repository}/blobs/uploads/?digest={digest}", data=data, auth=berth.auth)
    assert response.status_code == 201, response.text
    return digest


def sign(berth, repository, subject, subject_size, key, legacy_tag):
    """Pushes a cosign signature of `subject` made with `key`; returns the signature's digest."""
    payload = json.dumps({"critical": {"identity": {"docker-reference": f"{berth.host}/{repository}"},
                                       "image": {"docker-manifest-digest": subject},
                                       "type": "cosign container image signature"},
                          "optional": None}).encode()
    signature = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
    payload_digest = push_blob(berth, repository, payload)
    config = json.dumps({"architecture": "", "os": "", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [payload_digest]}}).encode()
    config_digest = push_blob(berth, repository, config)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                "layers": [{"mediaType": SIMPLE_SIGNING, "digest": payload_digest, "size": len(payload),
                            "annotations": {"dev.cosignproject.cosign/signature": signature}}]}
    if not legacy_tag:
        manifest["artifactType"] = COSIGN_ARTIFACT
        manifest["subject"] = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject, "size": subject_size}
    body = json.dumps(manifest).encode()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    reference = "sha256-" + subject.split(":")[1] + ".sig" if legacy_tag else digest
    response = requests.put(f"{berth.url}/v2/{repository}/manifests/{reference}", data=body, auth=berth.auth,
                            headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json", "User-Agent": "cosign/v2.4.1"})
    assert response.status_code == 201, response.text
    return digest


def skopeo_pull(berth, tmp_path, name):
    return subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "--src-creds", CREDS,
                           f"docker://{berth.host}/signed/app:v1", f"oci:{tmp_path}/{name}:v1"],
                          capture_output=True, text=True, timeout=120)


def test_cosign_gate_with_trusted_keys(berth, tmp_path):
    api = f"{berth.url}/api/v2.0"
    assert requests.post(f"{api}/projects", auth=berth.auth,
                         json={"project_name": "signed", "metadata": {"enable_content_trust_cosign": "true"}}).status_code == 201
    trusted = ec.generate_private_key(ec.SECP256R1())
    stranger = ec.generate_private_key(ec.SECP256R1())
    pem = trusted.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    created = requests.post(f"{api}/projects/signed/signature-keys", auth=berth.auth, json={"name": "release", "public_key": pem})
    assert created.status_code == 201, created.text

    layout, _ = build_umoci_image(str(tmp_path))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1", f"docker://{berth.host}/signed/app:v1")
    head = requests.head(f"{berth.url}/v2/signed/app/manifests/v1", auth=berth.auth,
                         headers={"Accept": "application/vnd.oci.image.manifest.v1+json", "User-Agent": "cosign/v2.4.1"})
    subject, size = head.headers["Docker-Content-Digest"], int(head.headers["Content-Length"])

    unsigned = skopeo_pull(berth, tmp_path, "unsigned")
    assert unsigned.returncode != 0 and "not signed by cosign" in unsigned.stderr, unsigned.stderr
    raw = requests.get(f"{berth.url}/v2/signed/app/manifests/v1", auth=berth.auth)
    assert raw.status_code == 412 and raw.json()["errors"][0]["code"] == "PROJECTPOLICYVIOLATION"

    # A signature by a key the project does not trust keeps the image refused, in either layout.
    sign(berth, "signed/app", subject, size, stranger, legacy_tag=True)
    sign(berth, "signed/app", subject, size, stranger, legacy_tag=False)
    refused = skopeo_pull(berth, tmp_path, "stranger")
    assert refused.returncode != 0 and "key this project trusts" in refused.stderr, refused.stderr

    # A trusted signature, pushed as cosign does by default (the legacy tag), opens the gate.
    signature = sign(berth, "signed/app", subject, size, trusted, legacy_tag=True)
    pulled = skopeo_pull(berth, tmp_path, "pulled")
    assert pulled.returncode == 0, pulled.stderr
    index = json.load(open(tmp_path / "pulled" / "index.json"))
    assert index["manifests"][0]["digest"] == subject

    # The signatures are the image's accessories, not artifacts beside it.
    artifacts = requests.get(f"{api}/projects/signed/repositories/app/artifacts?with_accessory=true", auth=berth.auth).json()
    assert [a["digest"] for a in artifacts] == [subject]
    accessories = artifacts[0]["accessories"]
    assert len(accessories) == 3 and {a["type"] for a in accessories} == {"signature.cosign"}
    assert signature in {a["digest"] for a in accessories}

    # In the swagger's shapes.
    validate(artifacts, "Artifact", array=True)
    listed = requests.get(f"{api}/projects/signed/repositories/app/artifacts/v1/accessories", auth=berth.auth)
    assert listed.headers["X-Total-Count"] == "3"
    validate(listed.json(), "Accessory", array=True)
    validate(requests.get(f"{api}/icons/{accessories[0]['icon']}", auth=berth.auth).json(), "Icon")
