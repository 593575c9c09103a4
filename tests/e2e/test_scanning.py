"""Scanning in the registry against the real binary and real clients: `berth vulndb import` of the
shared OSV corpus, skopeo pushes an image built with umoci from real wheels (downloaded with pip)
into an auto-scan project, the report appears with no manual call and names what `berth scan`
names for the same image, and the pull gate refuses skopeo's pull until the CVEs are allowlisted
and again once the allowlist expired."""
import csv
import io
import json
import os
import subprocess
import time
import zipfile

import oras.client
import requests

from conftest import ADMIN_PASSWORD, run, wait_for
from test_swagger_schema import validate

CREDS = f"admin:{ADMIN_PASSWORD}"
API = "/api/v2.0"
NATIVE = "application/vnd.security.vulnerability.report; version=1.1"
VULNDB = os.environ.get("BERTH_SHARED", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")))
VULNDB = os.path.join(VULNDB, "vulndb") if os.path.isdir(os.path.join(VULNDB, "vulndb")) else "/work/shared/vulndb"
WHEELS = ["urllib3==1.26.5", "requests==2.25.0"]
SEVERITIES = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"]


def build_python_image(directory, tag="v1"):
    """An OCI layout whose one layer holds the dist-info of real wheels, as pip installs them."""
    wheels = os.path.join(directory, "wheels")
    run("python3", "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", wheels, *WHEELS)
    layout = os.path.join(directory, "layout")
    bundle = os.path.join(directory, "bundle")
    run("umoci", "init", "--layout", layout)
    run("umoci", "new", "--image", f"{layout}:{tag}")
    run("umoci", "unpack", "--image", f"{layout}:{tag}", bundle)
    site = os.path.join(bundle, "rootfs", "usr", "lib", "python3", "dist-packages")
    os.makedirs(site)
    for wheel in sorted(os.listdir(wheels)):
        with zipfile.ZipFile(os.path.join(wheels, wheel)) as archive:
            for name in archive.namelist():
                if ".dist-info/" in name:
                    archive.extract(name, site)
    run("umoci", "repack", "--image", f"{layout}:{tag}", bundle)
    return layout


def overview(berth, project, repository, reference):
    artifact = requests.get(f"{berth.url}{API}/projects/{project}/repositories/{repository}/artifacts/{reference}",
                            params={"with_scan_overview": "true"}, auth=berth.auth).json()
    return (artifact.get("scan_overview") or {}).get(NATIVE)


def skopeo_pull(berth, reference, destination):
    return subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "--src-creds", CREDS,
                           f"docker://{berth.host}/{reference}", f"oci:{destination}"],
                          capture_output=True, text=True, timeout=300)


def test_auto_scan_on_skopeo_push_and_the_pull_gate(berth, berth_binary, tmp_path):
    imported = run(berth_binary, "vulndb", "import", VULNDB,
                   env=dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD))
    # The corpus holds 275 PyPI, 381 Go and 86 crates.io records, of which 1, 1 and 2 are withdrawn;
    # its two osv-schema files are not advisories.
    for line in ("PyPI: 274 advisories", "Go: 380 advisories", "crates.io: 84 advisories", "AlmaLinux: 132 advisories",
                 "1982 added", "2 records skipped"):
        assert line in imported, imported
    again = run(berth_binary, "vulndb", "import", VULNDB,
                env=dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD))
    assert " 0 added, 0 updated, 0 removed" in again, again

    response = requests.post(f"{berth.url}{API}/projects", auth=berth.auth, json={
        "project_name": "scanned", "metadata": {"auto_scan": "true"}})
    assert response.status_code == 201, response.text
    layout = build_python_image(str(tmp_path / "img"))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1",
        f"docker://{berth.host}/scanned/app:v1")

    # Nobody asked for a scan: auto-scan did, through the job queue.
    summary = wait_for(lambda: (lambda o: o if o and o["scan_status"] in ("Success", "Error") else None)(
        overview(berth, "scanned", "app", "v1")), what="the auto-scan")
    assert summary["scan_status"] == "Success", summary
    report = requests.get(f"{berth.url}{API}/projects/scanned/repositories/app/artifacts/v1/additions/vulnerabilities",
                          auth=berth.auth).json()[NATIVE]
    ids = {v["id"] for v in report["vulnerabilities"]}
    assert {"CVE-2023-43804", "CVE-2023-32681"} <= ids, ids
    assert summary["summary"]["total"] == len(report["vulnerabilities"])

    # The command line's scanner names the same CVEs for the same image.
    cli = json.loads(run(berth_binary, "scan", f"oci:{layout}:v1", "--vulndb", VULNDB))
    assert {v["id"] for v in cli["vulnerabilities"]} == ids

    # /systeminfo in Harbor's shape, plus the advisory database's age and counts (Berth's addition).
    info = requests.get(f"{berth.url}{API}/systeminfo", auth=berth.auth).json()
    database = info.pop("vulnerability_database")
    validate(info, "GeneralInfo")
    assert database["advisories"] > 1000 and database["ecosystems"]["PyPI"] == 274 and database["updated_at"], database

    # The security hub and a CVE export agree with the report, in Harbor's shapes.
    hub = requests.get(f"{berth.url}{API}/security/summary", params={"with_dangerous_cve": "true", "with_dangerous_artifact": "true"},
                       auth=berth.auth).json()
    validate(hub, "SecuritySummary")
    assert hub["total_vuls"] == len(report["vulnerabilities"]) and hub["scanned_cnt"] == 1, hub
    listed = requests.get(f"{berth.url}{API}/security/vul", params={"page_size": 100, "with_tag": "true"}, auth=berth.auth)
    validate(listed.json(), "VulnerabilityItem", array=True)
    assert {v["cve_id"] for v in listed.json()} == ids and listed.headers["X-Total-Count"] == str(len(report["vulnerabilities"]))
    project_id = requests.get(f"{berth.url}{API}/projects/scanned", auth=berth.auth).json()["project_id"]
    export = requests.post(f"{berth.url}{API}/export/cve", auth=berth.auth, headers={"X-Scan-Data-Type": NATIVE},
                           json={"job_name": "e2e", "projects": [project_id]})
    assert export.status_code == 200, export.text
    execution_url = f"{berth.url}{API}/export/cve/execution/{export.json()['id']}"
    execution = wait_for(lambda: (lambda e: e if e["status"] in ("Success", "Error") else None)(
        requests.get(execution_url, auth=berth.auth).json()), what="the CVE export")
    validate(execution, "ScanDataExportExecution")
    assert execution["status"] == "Success" and execution["file_present"], execution
    csv_text = requests.get(f"{berth.url}{API}/export/cve/download/{execution['id']}", auth=berth.auth).text
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:3] == ["Repository", "Artifact Digest", "CVE"] and {r[2] for r in rows[1:]} == ids, rows[:3]

    # The gate at the image's worst severity refuses skopeo's pull with Harbor's 412.
    worst = summary["severity"]
    assert worst in SEVERITIES[2:], summary
    response = requests.put(f"{berth.url}{API}/projects/scanned", auth=berth.auth,
                            json={"metadata": {"prevent_vul": "true", "severity": worst.lower()}})
    assert response.status_code == 200, response.text
    refused = skopeo_pull(berth, "scanned/app:v1", f"{tmp_path}/pulled:v1")
    assert refused.returncode != 0 and "cannot be pulled due to configured policy" in refused.stderr, refused.stderr

    blocking = sorted({v["id"] for v in report["vulnerabilities"] if SEVERITIES.index(v["severity"]) >= SEVERITIES.index(worst)})
    items = [{"cve_id": cve} for cve in blocking]
    assert requests.put(f"{berth.url}{API}/system/CVEAllowlist", auth=berth.auth,
                        json={"expires_at": None, "items": items}).status_code == 200
    allowed = skopeo_pull(berth, "scanned/app:v1", f"{tmp_path}/pulled:v1")
    assert allowed.returncode == 0, allowed.stderr

    assert requests.put(f"{berth.url}{API}/system/CVEAllowlist", auth=berth.auth,
                        json={"expires_at": int(time.time()) + 10, "items": items}).status_code == 200
    assert skopeo_pull(berth, "scanned/app:v1", f"{tmp_path}/pulled2:v1").returncode == 0
    time.sleep(11)
    expired = skopeo_pull(berth, "scanned/app:v1", f"{tmp_path}/pulled3:v1")
    assert expired.returncode != 0 and "cannot be pulled" in expired.stderr, expired.stderr


def test_auto_sbom_on_skopeo_push_pulled_back_with_oras(berth, tmp_path):
    response = requests.post(f"{berth.url}{API}/projects", auth=berth.auth, json={
        "project_name": "sboms", "metadata": {"auto_sbom_generation": "true"}})
    assert response.status_code == 201, response.text
    layout = build_python_image(str(tmp_path / "img"))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1",
        f"docker://{berth.host}/sboms/app:v1")

    def finished():
        artifact = requests.get(f"{berth.url}{API}/projects/sboms/repositories/app/artifacts/v1",
                                params={"with_sbom_overview": "true"}, auth=berth.auth).json()
        sbom = artifact.get("sbom_overview") or {}
        return (artifact, sbom) if sbom.get("scan_status") in ("Success", "Error") else None
    artifact, sbom = wait_for(finished, what="the SBOM generated on push")
    assert sbom["scan_status"] == "Success", sbom

    # A referrer of the image, as oras and cosign discover it.
    referrers = requests.get(f"{berth.url}/v2/sboms/app/referrers/{artifact['digest']}", auth=berth.auth).json()
    assert [(m["digest"], m["artifactType"]) for m in referrers["manifests"]] == [
        (sbom["sbom_digest"], "application/vnd.goharbor.harbor.sbom.v1")]

    # oras pulls the documents (SPDX, and the same in CycloneDX); they name the wheels' packages.
    client = oras.client.OrasClient(hostname=berth.host, insecure=True, auth_backend="basic")
    client.login(username="admin", password=ADMIN_PASSWORD, hostname=berth.host, tls_verify=False)
    files = client.pull(target=f"{berth.host}/sboms/app@{sbom['sbom_digest']}", outdir=str(tmp_path / "out"))
    assert sorted(os.path.basename(f) for f in files) == ["sbom.cdx.json", "sbom.spdx.json"], files
    document = json.load(open(next(f for f in files if f.endswith("sbom.spdx.json"))))
    cyclonedx = json.load(open(next(f for f in files if f.endswith("sbom.cdx.json"))))
    assert cyclonedx["bomFormat"] == "CycloneDX"
    assert {("urllib3", "1.26.5"), ("requests", "2.25.0")} <= {(c["name"], c.get("version")) for c in cyclonedx["components"]}
    assert document["spdxVersion"] == "SPDX-2.3"
    packages = {(p["name"], p.get("versionInfo")) for p in document["packages"]}
    assert {("urllib3", "1.26.5"), ("requests", "2.25.0")} <= packages, packages
