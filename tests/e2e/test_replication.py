"""Replication with real peers on loopback: the seed's two rules. A pull rule brings `library/nginx`
(an image and a two-platform index) from Debian's docker-registry behind htpasswd into `myproject`
of a Berth, on a schedule and by hand; a push rule copies `myproject/**` to a second Berth process
as soon as skopeo pushes. Digests are equal on both sides. Then a plain docker-registry without
auth as a push target (discovery by `_catalog` on the way back), and a refused credential whose
execution fails with the registry's own answer."""
import hashlib
import json
import os
import subprocess
import shutil
import tempfile

import pytest
import requests

from conftest import ADMIN_PASSWORD, Berth, free_port, run, wait_for
from test_clients import build_umoci_image
from test_swagger_schema import validate
from test_vulndb_sources import REGISTRY_PASSWORD, start, start_registry

API = "/api/v2.0"


def api(berth, method, path, **kwargs):
    return requests.request(method, berth.url + API + path, auth=berth.auth, timeout=30, **kwargs)


def created_id(response):
    assert response.status_code == 201, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def finished(berth, execution_id, timeout=180):
    def ended():
        execution = api(berth, "GET", f"/replication/executions/{execution_id}").json()
        return execution if execution["status"] != "InProgress" else None
    return wait_for(ended, timeout=timeout, what=f"execution {execution_id} ended")


def run_policy(berth, policy_id):
    return finished(berth, created_id(api(berth, "POST", "/replication/executions", json={"policy_id": policy_id})))


def digest_of(host, reference, creds=None):
    """The digest and parsed body of the manifest skopeo reads for `host/reference` (raw bytes)."""
    args = ["skopeo", "inspect", "--raw", "--tls-verify=false"] + (["--creds", creds] if creds else [])
    result = subprocess.run(args + [f"docker://{host}/{reference}"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return "sha256:" + hashlib.sha256(result.stdout).hexdigest(), json.loads(result.stdout)


def push_index(registry_host, repository, tag, children, creds):
    """An OCI index of the two images, written with a plain PUT as a multi-platform push does."""
    manifests = []
    for digest, arch in children:
        raw = requests.get(f"http://{registry_host}/v2/{repository}/manifests/{digest}", auth=creds,
                           headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}, timeout=30)
        assert raw.status_code == 200, raw.text
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
                          "size": len(raw.content), "platform": {"architecture": arch, "os": "linux"}})
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests})
    put = requests.put(f"http://{registry_host}/v2/{repository}/manifests/{tag}", data=body, auth=creds, timeout=30,
                       headers={"Content-Type": "application/vnd.oci.image.index.v1+json"})
    assert put.status_code == 201, put.text
    return put.headers["Docker-Content-Digest"]


@pytest.fixture
def second_berth(berth_binary):
    root = tempfile.mkdtemp(prefix="berth-e2e-dr-")
    server = Berth(berth_binary, os.path.join(root, "data"), free_port())
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_the_seeds_pull_and_push_rules(berth, second_berth, tmp_path):
    registry, registry_host = start_registry(tmp_path / "upstream")
    creds = f"mirror:{REGISTRY_PASSWORD}"
    try:
        layout, _ = build_umoci_image(str(tmp_path / "image"))
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{layout}:v1", f"docker://{registry_host}/library/nginx:1.25")
        children = []
        for arch in ["amd64", "arm64"]:
            arch_layout = str(tmp_path / f"image-{arch}")
            shutil.copytree(layout, arch_layout)
            run("umoci", "config", "--image", f"{arch_layout}:v1", "--architecture", arch, "--tag", arch)
            run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{arch_layout}:{arch}",
                f"docker://{registry_host}/library/nginx:{arch}")
            children.append((digest_of(registry_host, f"library/nginx:{arch}", creds)[0], arch))
        index_digest = push_index(registry_host, "library/nginx", "multi", children, ("mirror", REGISTRY_PASSWORD))
        image_digest, _ = digest_of(registry_host, "library/nginx:1.25", creds)

        # The pull rule, scheduled every few seconds (Harbor's six-field cron) and run by hand.
        assert api(berth, "POST", "/projects", json={"project_name": "myproject"}).status_code == 201
        upstream = created_id(api(berth, "POST", "/registries", json={
            "name": "upstream", "type": "docker-registry", "url": f"http://{registry_host}",
            "credential": {"type": "basic", "access_key": "mirror", "access_secret": REGISTRY_PASSWORD}}))
        assert api(berth, "POST", "/registries/ping", json={"id": upstream}).status_code == 200
        pull = created_id(api(berth, "POST", "/replication/policies", json={
            "name": "pull-nginx", "src_registry": {"id": upstream}, "dest_namespace": "myproject",
            "filters": [{"type": "name", "value": "library/nginx"}, {"type": "tag", "value": "{1.25,multi}"}],
            "trigger": {"type": "scheduled", "trigger_settings": {"cron": "*/3 * * * * *"}}, "enabled": True, "override": True}))
        scheduled = wait_for(lambda: [e for e in api(berth, "GET", f"/replication/executions?policy_id={pull}").json()
                                      if e["trigger"] == "scheduled" and e["status"] == "Succeed"], timeout=120, what="a scheduled run")
        assert scheduled[0]["succeed"] == 1, scheduled
        assert api(berth, "PUT", f"/replication/policies/{pull}", json={"trigger": {"type": "manual"}}).status_code == 200
        manual = run_policy(berth, pull)
        assert manual["status"] == "Succeed" and manual["trigger"] == "manual", manual

        berth_creds = f"admin:{ADMIN_PASSWORD}"
        assert digest_of(berth.host, "myproject/nginx:1.25", berth_creds)[0] == image_digest
        pulled_index, index = digest_of(berth.host, "myproject/nginx:multi", berth_creds)
        assert pulled_index == index_digest
        assert sorted(m["platform"]["architecture"] for m in index["manifests"]) == ["amd64", "arm64"]
        for digest, _ in children:
            assert digest_of(berth.host, f"myproject/nginx@{digest}", berth_creds)[0] == digest
        run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", berth_creds, f"docker://{berth.host}/myproject/nginx:1.25",
            f"oci:{tmp_path / 'pulled'}:v1")

        # The push rule: myproject/** to the DR Berth as soon as skopeo pushes.
        dr = created_id(api(berth, "POST", "/registries", json={
            "name": "dr-site", "type": "harbor", "url": second_berth.url,
            "credential": {"type": "basic", "access_key": "admin", "access_secret": ADMIN_PASSWORD}}))
        push = created_id(api(berth, "POST", "/replication/policies", json={
            "name": "push-dr", "dest_registry": {"id": dr}, "filters": [{"type": "name", "value": "myproject/**"}],
            "trigger": {"type": "event_based"}, "enabled": True, "override": True}))
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", berth_creds, f"oci:{layout}:v1",
            f"docker://{berth.host}/myproject/app:v1")
        pushed_digest = digest_of(berth.host, "myproject/app:v1", berth_creds)[0]
        wait_for(lambda: requests.head(f"{second_berth.url}/v2/myproject/app/manifests/v1", auth=second_berth.auth, timeout=10,
                                       headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}).status_code == 200,
                 timeout=60, what="the push reached the DR site")
        assert digest_of(second_berth.host, "myproject/app:v1", berth_creds)[0] == pushed_digest
        events = api(berth, "GET", f"/replication/executions?policy_id={push}").json()
        assert events and all(e["trigger"] == "event_based" for e in events), events

        # A manual run of the push rule carries the pulled index across with every platform.
        assert api(berth, "PUT", f"/replication/policies/{push}", json={"trigger": {"type": "manual"}}).status_code == 200
        assert run_policy(berth, push)["status"] == "Succeed"
        assert digest_of(second_berth.host, "myproject/nginx:multi", berth_creds)[0] == index_digest

        # Every answer in the swagger's shapes.
        validate(api(berth, "GET", "/registries").json(), "Registry", array=True)
        validate(api(berth, "GET", f"/registries/{dr}/info").json(), "RegistryInfo")
        validate(api(berth, "GET", "/replication/adapterinfos").json()["docker-hub"], "RegistryProviderInfo")
        validate(api(berth, "GET", "/replication/policies").json(), "ReplicationPolicy", array=True)
        executions = api(berth, "GET", f"/replication/executions?policy_id={pull}").json()
        validate(executions, "ReplicationExecution", array=True)
        validate(api(berth, "GET", f"/replication/executions/{executions[0]['id']}/tasks").json(), "ReplicationTask", array=True)
        validate(api(berth, "GET", "/projects/myproject").json(), "Project")

        # A refused credential: the execution fails and says what the registry answered.
        assert api(berth, "PUT", f"/registries/{upstream}", json={"access_secret": "Wrong-Passw0rd"}).status_code == 200
        refused = run_policy(berth, pull)
        assert refused["status"] == "Failed" and "not authorized" in refused["status_text"], refused
        assert "Wrong-Passw0rd" not in json.dumps(refused)
    finally:
        registry.kill()


def test_a_plain_distribution_registry_as_target_and_source(berth, tmp_path):
    port = free_port()
    (tmp_path / "plain").mkdir()
    config = {"version": 0.1, "log": {"level": "error", "accesslog": {"disabled": True}},
              "storage": {"filesystem": {"rootdirectory": str(tmp_path / "plain" / "data")}, "delete": {"enabled": True}},
              "http": {"addr": f"127.0.0.1:{port}"}}
    with open(tmp_path / "plain" / "config.yml", "w") as f:
        json.dump(config, f)
    registry = start(["docker-registry", "serve", str(tmp_path / "plain" / "config.yml")], port)
    host = f"127.0.0.1:{port}"
    try:
        berth_creds = f"admin:{ADMIN_PASSWORD}"
        layout, _ = build_umoci_image(str(tmp_path / "image"))
        assert api(berth, "POST", "/projects", json={"project_name": "team"}).status_code == 201
        for tag in ["v1", "v2"]:
            run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", berth_creds, f"oci:{layout}:v1", f"docker://{berth.host}/team/app:{tag}")
        plain = created_id(api(berth, "POST", "/registries", json={"name": "plain", "type": "docker-registry", "url": f"http://{host}"}))
        push = created_id(api(berth, "POST", "/replication/policies", json={
            "name": "to-plain", "dest_registry": {"id": plain}, "dest_namespace": "mirror", "enabled": True}))
        execution = run_policy(berth, push)
        assert execution["status"] == "Succeed", execution
        source_digest = digest_of(berth.host, "team/app:v1", berth_creds)[0]
        assert digest_of(host, "mirror/app:v1")[0] == source_digest
        assert digest_of(host, "mirror/app:v2")[0] == source_digest

        # Back the other way, discovered through _catalog with a wildcard name filter.
        pull = created_id(api(berth, "POST", "/replication/policies", json={
            "name": "from-plain", "src_registry": {"id": plain}, "dest_namespace": "back",
            "filters": [{"type": "name", "value": "mirror/**"}, {"type": "tag", "value": "v2"}], "enabled": True}))
        assert run_policy(berth, pull)["status"] == "Succeed"
        assert digest_of(berth.host, "back/app:v2", berth_creds)[0] == source_digest
        listed = requests.get(f"{berth.url}/v2/back/app/tags/list", auth=berth.auth, timeout=10).json()
        assert listed["tags"] == ["v2"], listed
    finally:
        registry.kill()


def test_a_proxy_cache_project_over_docker_registry(berth, tmp_path):
    registry, registry_host = start_registry(tmp_path / "upstream")
    creds = f"mirror:{REGISTRY_PASSWORD}"
    berth_creds = f"admin:{ADMIN_PASSWORD}"
    layout, _ = build_umoci_image(str(tmp_path / "image"))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{layout}:v1", f"docker://{registry_host}/library/nginx:1.25")
    upstream_digest = digest_of(registry_host, "library/nginx:1.25", creds)[0]
    endpoint = created_id(api(berth, "POST", "/registries", json={
        "name": "hub-mirror", "type": "docker-registry", "url": f"http://{registry_host}",
        "credential": {"type": "basic", "access_key": "mirror", "access_secret": REGISTRY_PASSWORD}}))
    assert api(berth, "POST", "/projects", json={"project_name": "proxy", "registry_id": endpoint,
                                                  "metadata": {"public": "true"}}).status_code == 201
    try:
        # skopeo pulls through the proxy (anonymously: the project is public).
        run("skopeo", "copy", "--src-tls-verify=false", f"docker://{berth.host}/proxy/library/nginx:1.25", f"oci:{tmp_path / 'first'}:v1")
        assert digest_of(berth.host, "proxy/library/nginx:1.25")[0] == upstream_digest
        wait_for(lambda: any(a["name"] == "proxy/library/nginx" for a in
                             requests.get(f"{berth.url}{API}/projects/proxy/repositories", auth=berth.auth, timeout=10).json()),
                 timeout=60, what="the image is cached")
        wait_for(lambda: requests.get(f"{berth.url}{API}/projects/proxy/repositories/library%252Fnginx/artifacts",
                                      auth=berth.auth, timeout=10).json(), timeout=60, what="the artifact is cached")
        refused = subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", berth_creds, f"oci:{layout}:v1",
                                  f"docker://{berth.host}/proxy/library/mine:v1"], capture_output=True, text=True, timeout=120)
        assert refused.returncode != 0 and "proxy project" in refused.stderr, refused.stderr
    finally:
        registry.kill()
        registry.wait()

    # The upstream is gone: the same pull still works, from the cache.
    run("skopeo", "copy", "--src-tls-verify=false", f"docker://{berth.host}/proxy/library/nginx:1.25", f"oci:{tmp_path / 'offline'}:v1")
    assert digest_of(berth.host, "proxy/library/nginx:1.25")[0] == upstream_digest
    gone = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{berth.host}/proxy/library/redis:7"],
                          capture_output=True, text=True, timeout=120)
    assert gone.returncode != 0 and "502" in gone.stderr, gone.stderr
    answer = requests.get(f"{berth.url}/v2/proxy/library/redis/manifests/7", auth=berth.auth, timeout=30,
                          headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    assert answer.status_code == 502 and "upstream registry is unavailable" in answer.text, answer.text

    # Back up with a new tag: it is seen at once.
    registry, registry_host2 = start_registry_at(tmp_path / "upstream", registry_host)
    try:
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{layout}:v1", f"docker://{registry_host}/library/nginx:1.26")
        assert digest_of(berth.host, "proxy/library/nginx:1.26")[0] == upstream_digest
    finally:
        registry.kill()


def start_registry_at(directory, host):
    """Restarts the docker-registry of `start_registry` on the same address and storage."""
    port = int(host.rsplit(":", 1)[1])
    return start(["docker-registry", "serve", str(directory / "config.yml")], port), host


def make_certificates(directory):
    """A CA and a certificate for 127.0.0.1 signed by it, as PEM files; returns their paths."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Berth test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(directory, name) for name in ["ca.crt", "server.crt", "server.key"]}
    with open(paths["ca.crt"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.crt"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


def test_tls_endpoints_with_their_own_ca_or_insecure(berth, tmp_path):
    (tmp_path / "tls").mkdir()
    certificates = make_certificates(str(tmp_path / "tls"))
    port = free_port()
    config = {"version": 0.1, "log": {"level": "error", "accesslog": {"disabled": True}},
              "storage": {"filesystem": {"rootdirectory": str(tmp_path / "tls" / "data")}},
              "http": {"addr": f"127.0.0.1:{port}", "tls": {"certificate": certificates["server.crt"], "key": certificates["server.key"]}}}
    with open(tmp_path / "tls" / "config.yml", "w") as f:
        json.dump(config, f)
    process = subprocess.Popen(["docker-registry", "serve", str(tmp_path / "tls" / "config.yml")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    host = f"127.0.0.1:{port}"
    try:
        def answers():
            try:
                return requests.get(f"https://{host}/v2/", verify=certificates["ca.crt"], timeout=2).status_code == 200
            except requests.ConnectionError:
                return False
        wait_for(answers, timeout=30, what="the TLS registry")
        layout, _ = build_umoci_image(str(tmp_path / "image"))
        run("skopeo", "copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"docker://{host}/library/app:v1")
        source_digest = digest_of(host, "library/app:v1")[0]

        endpoint = created_id(api(berth, "POST", "/registries", json={"name": "tls", "type": "docker-registry", "url": f"https://{host}"}))
        untrusted = api(berth, "POST", "/registries/ping", json={"id": endpoint})
        assert untrusted.status_code == 400 and "unhealthy" in untrusted.text, untrusted.text
        assert api(berth, "PUT", f"/registries/{endpoint}", json={"insecure": True}).status_code == 200
        assert api(berth, "POST", "/registries/ping", json={"id": endpoint}).status_code == 200
        ca = open(certificates["ca.crt"]).read()
        assert api(berth, "PUT", f"/registries/{endpoint}", json={"insecure": False, "ca_certificate": ca}).status_code == 200
        assert api(berth, "POST", "/registries/ping", json={"id": endpoint}).status_code == 200
        assert api(berth, "GET", f"/registries/{endpoint}").json()["ca_certificate"].startswith("-----BEGIN CERTIFICATE-----")

        policy = created_id(api(berth, "POST", "/replication/policies", json={
            "name": "over-tls", "src_registry": {"id": endpoint}, "dest_namespace": "secure", "enabled": True}))
        execution = run_policy(berth, policy)
        assert execution["status"] == "Succeed", execution
        assert digest_of(berth.host, "secure/app:v1", f"admin:{ADMIN_PASSWORD}")[0] == source_digest
    finally:
        process.kill()


class Answering:
    """A stand-in upstream that answers every request with one status (a rate-limited Docker Hub,
    a failing registry), with an OCI error body."""

    def __init__(self, status):
        import http.server
        import threading
        body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE",
                                       "message": f"stand-in answering {status}"}]}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            do_GET = do_HEAD = answer

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def test_a_proxy_cache_serves_its_copy_when_the_upstream_refuses(berth, tmp_path):
    registry, registry_host = start_registry(tmp_path / "upstream")
    creds = f"mirror:{REGISTRY_PASSWORD}"
    layout, _ = build_umoci_image(str(tmp_path / "image"))
    try:
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{layout}:v1", f"docker://{registry_host}/library/nginx:1.25")
        endpoint = created_id(api(berth, "POST", "/registries", json={
            "name": "hub", "type": "docker-registry", "url": f"http://{registry_host}",
            "credential": {"type": "basic", "access_key": "mirror", "access_secret": REGISTRY_PASSWORD}}))
        assert api(berth, "POST", "/projects", json={"project_name": "proxy", "registry_id": endpoint}).status_code == 201
        berth_creds = f"admin:{ADMIN_PASSWORD}"
        run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", berth_creds, f"docker://{berth.host}/proxy/library/nginx:1.25",
            f"oci:{tmp_path / 'warm'}:v1")
        cached = digest_of(berth.host, "proxy/library/nginx:1.25", berth_creds)[0]
        wait_for(lambda: requests.get(f"{berth.url}{API}/projects/proxy/repositories/library%252Fnginx/artifacts",
                                      auth=berth.auth, timeout=10).json(), timeout=60, what="the artifact is cached")
    finally:
        registry.kill()

    accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
    for status, expected in [(429, 429), (503, 502)]:
        upstream = Answering(status)
        try:
            assert api(berth, "PUT", f"/registries/{endpoint}", json={"url": upstream.url}).status_code == 200
            # Harbor answers 404 here (#23750, #19899): Berth serves the cached copy.
            assert digest_of(berth.host, "proxy/library/nginx:1.25", berth_creds)[0] == cached
            run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", berth_creds, f"docker://{berth.host}/proxy/library/nginx:1.25",
                f"oci:{tmp_path / f'during-{status}'}:v1")
            missing = requests.get(f"{berth.url}/v2/proxy/library/redis/manifests/7", auth=berth.auth, headers=accept, timeout=30)
            assert missing.status_code == expected and f"answered {status}" in missing.text, missing.text
        finally:
            upstream.stop()
