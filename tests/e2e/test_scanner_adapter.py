"""Berth as another registry's scanner, the way Harbor drives a scanner adapter: an image pushed by
skopeo into Debian's docker-registry (htpasswd, Basic auth) is scanned through Berth's Pluggable
Scanner API with the credential in the request; the report names what `berth scan` names for the
same image, and a refused credential is reported as such. Then the other way: a second Berth
process registered with `POST /scanners` scans the first one's images."""
import base64
import json
import os
import time

import requests

from conftest import ADMIN_PASSWORD, Berth, free_port, run
from test_scanning import VULNDB, build_python_image
from test_swagger_schema import validate
from test_vulndb_sources import REGISTRY_PASSWORD, start_registry

REPORT = "application/vnd.security.vulnerability.report; version=1.1"


def scan(berth, registry_host, repository, digest, authorization):
    body = {"registry": {"url": f"http://{registry_host}", "authorization": authorization},
            "artifact": {"repository": repository, "digest": digest, "tag": "v1",
                         "mime_type": "application/vnd.oci.image.manifest.v1+json"}}
    accepted = requests.post(f"{berth.url}/api/v1/scan", auth=berth.auth, json=body,
                             headers={"Content-Type": "application/vnd.scanner.adapter.scan.request+json; version=1.1"})
    assert accepted.status_code == 202, accepted.text
    report_url = f"{berth.url}/api/v1/scan/{accepted.json()['id']}/report"
    deadline = time.time() + 300
    while time.time() < deadline:
        report = requests.get(report_url, auth=berth.auth, headers={"Accept": REPORT}, allow_redirects=False)
        if report.status_code != 302:
            return report
        assert int(report.headers["Refresh-After"]) > 0
        time.sleep(0.5)
    raise AssertionError("no report in 300 s")


def test_berth_scans_an_image_in_another_registry_for_its_caller(berth, berth_binary, tmp_path):
    run(berth_binary, "vulndb", "import", os.path.join(VULNDB, "pypi"),
        env=dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=berth.auth[1]))
    metadata = requests.get(f"{berth.url}/api/v1/metadata", auth=berth.auth)
    assert metadata.status_code == 200 and metadata.json()["capabilities"][0]["type"] == "vulnerability"

    layout = build_python_image(str(tmp_path / "img"))
    registry, host = start_registry(tmp_path / "registry")
    try:
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"mirror:{REGISTRY_PASSWORD}",
            f"oci:{layout}:v1", f"docker://{host}/team/app:v1")
        inspected = json.loads(run("skopeo", "inspect", "--tls-verify=false", "--creds", f"mirror:{REGISTRY_PASSWORD}",
                                   f"docker://{host}/team/app:v1"))
        credential = "Basic " + base64.b64encode(f"mirror:{REGISTRY_PASSWORD}".encode()).decode()
        report = scan(berth, host, "team/app", inspected["Digest"], credential)
        assert report.status_code == 200 and report.headers["Content-Type"] == REPORT, report.text
        found = {v["id"] for v in report.json()["vulnerabilities"]}
        cli = json.loads(run(berth_binary, "scan", f"oci:{layout}:v1", "--vulndb", os.path.join(VULNDB, "pypi")))
        assert found and found == {v["id"] for v in cli["vulnerabilities"]}, (found, cli["vulnerabilities"])

        wrong = "Basic " + base64.b64encode(b"mirror:Wrong-Passw0rd").decode()
        refused = scan(berth, host, "team/app", inspected["Digest"], wrong)
        assert refused.status_code == 500 and "not authorized" in refused.json()["error"]["message"], refused.text
    finally:
        registry.terminate()
        registry.wait()


def test_a_second_berth_is_the_first_ones_external_scanner(berth, berth_binary, tmp_path):
    """The first Berth has no advisories at all, so only the second can have made its report."""
    scanner = Berth(berth_binary, str(tmp_path / "scanner" / "data"), free_port())
    os.makedirs(os.path.dirname(scanner.data_dir), exist_ok=True)
    scanner.start()
    try:
        run(berth_binary, "vulndb", "import", os.path.join(VULNDB, "pypi"),
            env=dict(os.environ, BERTH_DATA_DIR=scanner.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD))
        api = f"{berth.url}/api/v2.0"
        settings = {"name": "second-berth", "url": scanner.url, "auth": "Basic", "access_credential": f"admin:{ADMIN_PASSWORD}"}
        assert requests.post(f"{api}/scanners/ping", auth=berth.auth, json=settings).status_code == 200
        created = requests.post(f"{api}/scanners", auth=berth.auth, json=settings)
        assert created.status_code == 201, created.text
        uuid = created.headers["Location"].rsplit("/", 1)[1]
        registrations = requests.get(f"{api}/scanners", auth=berth.auth).json()
        validate(registrations, "ScannerRegistration", array=True)
        assert [r["name"] for r in registrations] == ["Berth", "second-berth"] and registrations[1]["access_credential"] == ""
        validate(requests.get(f"{api}/scanners/{uuid}", auth=berth.auth).json(), "ScannerRegistration")
        assert requests.post(f"{api}/projects", auth=berth.auth, json={"project_name": "team"}).status_code == 201
        assert requests.put(f"{api}/projects/team/scanner", auth=berth.auth, json={"uuid": uuid}).status_code == 200

        layout = build_python_image(str(tmp_path / "img"))
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"admin:{ADMIN_PASSWORD}",
            f"oci:{layout}:v1", f"docker://{berth.host}/team/app:v1")
        artifact = f"{api}/projects/team/repositories/app/artifacts/v1"
        assert requests.post(f"{artifact}/scan", auth=berth.auth).status_code == 202
        deadline = time.time() + 300
        while time.time() < deadline:
            overview = requests.get(artifact, params={"with_scan_overview": "true"}, auth=berth.auth).json().get("scan_overview", {}).get(REPORT)
            if overview and overview["scan_status"] in ("Success", "Error"):
                break
            time.sleep(0.5)
        assert overview["scan_status"] == "Success", overview
        report = requests.get(f"{artifact}/additions/vulnerabilities", auth=berth.auth).json()[REPORT]
        cli = json.loads(run(berth_binary, "scan", f"oci:{layout}:v1", "--vulndb", os.path.join(VULNDB, "pypi")))
        assert {v["id"] for v in report["vulnerabilities"]} == {v["id"] for v in cli["vulnerabilities"]} != set()
    finally:
        scanner.stop()
