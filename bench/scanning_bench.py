"""Scanning at scale against the release binary (issue 8's benchmarks):

- gate: manifest GET rate (wrk, c=8, anonymous on a public project) of a scanned image with the
  pull gate off and on (the image's findings allowlisted, so both answer 200); three alternating
  rounds each, best of three.
- push: N images (default 100) sharing one ~160 MB base layer (this machine's /var/lib/dpkg and
  /usr/share/doc), each with its own small layer of Python wheels' metadata, pushed into an
  auto_scan project; time from the first push until every scan succeeded, and the layer bytes the
  scans read (each scan's log says how many), against the bytes a scanner without the per-layer
  cache would read.
- reevaluate: M stored inventories (default 10,000: tiny images, scanned through scan-all with
  only Go advisories loaded), then `berth vulndb import` of the PyPI advisories; the command's
  own re-evaluation time, and a check that no layer was read (the blobs are deleted first).
"""
import argparse
import concurrent.futures
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
from registry_bench import PASSWORD, start_berth, wrk_rate, ANONYMOUS  # noqa: E402

API = "/api/v2.0"
NATIVE = "application/vnd.security.vulnerability.report; version=1.1"
VULNDB = os.environ.get("BERTH_VULNDB", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "vulndb")))


def tar_bytes(members):
    """An uncompressed tar of (path, bytes) pairs, deterministic."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in members:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def python_layer(packages):
    return tar_bytes([(f"usr/lib/python3/dist-packages/{name}-{version}.dist-info/METADATA",
                       f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()) for name, version in packages])


def base_layer(path):
    """A tar of this machine's dpkg database and documentation, written to `path`."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add("/etc/os-release", arcname="etc/os-release")
        for root in ("/var/lib/dpkg", "/usr/share/doc"):
            tar.add(root, arcname=root.lstrip("/"))
    return path


class Client:
    def __init__(self, server):
        self.url = server.url
        self.session = requests.Session()
        self.session.auth = ("admin", PASSWORD)

    def api(self, method, path, **kwargs):
        return self.session.request(method, self.url + API + path, **kwargs)

    def push_blob(self, repo, data=None, path=None):
        if path:
            digest = "sha256:" + hashlib.file_digest(open(path, "rb"), "sha256").hexdigest()
        else:
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if self.session.head(f"{self.url}/v2/{repo}/blobs/{digest}").status_code == 200:
            return digest, (os.path.getsize(path) if path else len(data))
        if path:
            post = self.session.post(f"{self.url}/v2/{repo}/blobs/uploads/")
            location = post.headers["Location"]
            location = self.url + location if location.startswith("/") else location
            with open(path, "rb") as body:
                r = self.session.put(f"{location}{'&' if '?' in location else '?'}digest={digest}", data=body)
        else:
            r = self.session.post(f"{self.url}/v2/{repo}/blobs/uploads/?digest={digest}", data=data)
        assert r.status_code == 201, r.text
        return digest, (os.path.getsize(path) if path else len(data))

    def push_image(self, repo, tag, layers, label):
        """layers: (digest, size) pairs already pushed; the config names their diff ids (uncompressed)."""
        config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"bench": label}},
                             "rootfs": {"type": "layers", "diff_ids": [d for d, _ in layers]}}).encode()
        config_digest, _ = self.push_blob(repo, config)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s} for d, s in layers]}).encode()
        r = self.session.put(f"{self.url}/v2/{repo}/manifests/{tag}", data=manifest,
                             headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert r.status_code == 201, r.text
        return "sha256:" + hashlib.sha256(manifest).hexdigest()

    def overview(self, project, repo, reference):
        artifact = self.api("GET", f"/projects/{project}/repositories/{repo}/artifacts/{reference}",
                            params={"with_scan_overview": "true"}).json()
        return (artifact.get("scan_overview") or {}).get(NATIVE)


def import_vulndb(binary, server, paths):
    env = dict(os.environ, BERTH_DATA_DIR=server.data_dir, BERTH_ADMIN_PASSWORD=PASSWORD)
    return subprocess.run([binary, "vulndb", "import", *paths], env=env, capture_output=True, text=True, check=True).stdout


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def bench_gate(binary, server, client, seconds):
    import_vulndb(binary, server, [os.path.join(VULNDB, "pypi")])
    assert client.api("POST", "/projects", json={"project_name": "gate", "metadata": {"public": "true"}}).status_code == 201
    layer = python_layer([("urllib3", "1.26.5")])
    digest = client.push_blob("gate/app", layer)
    client.push_image("gate/app", "v1", [digest], "gate")
    assert client.api("POST", "/projects/gate/repositories/app/artifacts/v1/scan").status_code == 202
    wait_for(lambda: (client.overview("gate", "app", "v1") or {}).get("scan_status") == "Success", 120, "the gate image's scan")
    report = client.api("GET", "/projects/gate/repositories/app/artifacts/v1/additions/vulnerabilities").json()[NATIVE]
    items = [{"cve_id": v["id"]} for v in report["vulnerabilities"]]
    assert client.api("PUT", "/system/CVEAllowlist", json={"items": items}).status_code == 200
    rates = {"off": [], "on": []}
    for _ in range(3):
        for state in ("off", "on"):
            metadata = {"prevent_vul": "true" if state == "on" else "false", "severity": "low"}
            assert client.api("PUT", "/projects/gate", json={"metadata": metadata}).status_code == 200
            rates[state].append(wrk_rate(server, "GET", "/v2/gate/app/manifests/v1", False, seconds, extra_headers=[ANONYMOUS]))
    off, on = max(rates["off"]), max(rates["on"])
    return {"gate off req/s": round(off), "gate on req/s": round(on), "cost": f"{(1 - on / off) * 100:.1f}%",
            "findings allowlisted": len(items), "rounds": {k: [round(r) for r in v] for k, v in rates.items()}}


def bench_push(binary, server, client, workdir, count):
    import_vulndb(binary, server, [VULNDB])
    assert client.api("POST", "/projects", json={"project_name": "push", "metadata": {"auto_scan": "true"}}).status_code == 201
    base_path = base_layer(os.path.join(workdir, "base.tar"))
    base_size = os.path.getsize(base_path)
    base = client.push_blob("push/app", path=base_path)
    uniques = [python_layer([("urllib3", f"1.26.{i % 18}"), ("bench-package", f"1.0.{i}")]) for i in range(count)]
    start = time.perf_counter()

    def push(i):
        c = Client(server)
        layer = c.push_blob("push/app", uniques[i])
        c.push_image("push/app", f"t{i}", [base, layer], str(i))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(push, range(count)))
    pushed = time.perf_counter() - start

    def all_done():
        page, done = 1, 0
        while True:
            items = client.api("GET", "/projects/push/repositories/app/artifacts",
                               params={"with_scan_overview": "true", "page": page, "page_size": 100}).json()
            for artifact in items:
                status = ((artifact.get("scan_overview") or {}).get(NATIVE) or {}).get("scan_status")
                assert status != "Error", artifact
                done += status == "Success"
            if len(items) < 100:
                return done == count
            page += 1

    wait_for(all_done, 3600, "every scan")
    total = time.perf_counter() - start
    read = 0
    for i in range(count):
        overview = client.overview("push", "app", f"t{i}")
        log = client.api("GET", f"/projects/push/repositories/app/artifacts/t{i}/scan/{overview['report_id']}/log").text
        read += int(re.search(r"read (\d+) bytes of layers", log).group(1))
    without_cache = count * (base_size + sum(len(u) for u in uniques) // count)
    return {"images": count, "base layer MB": round(base_size / 1e6, 1), "push seconds": round(pushed, 1),
            "push to last scan seconds": round(total, 1), "layer MB read": round(read / 1e6, 1),
            "layer MB a cacheless scanner reads": round(without_cache / 1e6, 1)}


def bench_reevaluate(binary, server, client, count):
    import_vulndb(binary, server, [os.path.join(VULNDB, "go")])
    assert client.api("POST", "/projects", json={"project_name": "many"}).status_code == 201
    layer = client.push_blob("many/app", python_layer([("urllib3", "1.26.5"), ("requests", "2.25.0")]))

    def push(indices):
        c = Client(server)
        for i in indices:
            c.push_image("many/app", f"t{i}", [layer], f"m{i}")

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(push, [range(w, count, 8) for w in range(8)]))
    pushed = time.perf_counter() - start
    assert client.api("POST", "/system/scanAll/schedule", json={"schedule": {"type": "Manual"}}).status_code == 201
    start = time.perf_counter()

    def scanned():
        metrics = client.api("GET", "/scans/all/metrics").json()
        assert metrics["metrics"].get("Error", 0) == 0, metrics
        return not metrics["ongoing"] and metrics["completed"] >= count

    wait_for(scanned, 7200, "scan-all")
    scan_all = time.perf_counter() - start
    # No layer may be read: remove the one they share from storage.
    blob = os.path.join(server.data_dir, "storage", "blobs", "sha256", layer[0][7:9], layer[0][7:], "data")
    os.remove(blob)
    out = import_vulndb(binary, server, [os.path.join(VULNDB, "pypi")])
    match = re.search(r"re-evaluated (\d+) stored scan results in ([\d.]+) s: (\d+) changed", out)
    assert match and int(match.group(1)) >= count, out
    sample = client.overview("many", "app", "t0")
    return {"inventories": int(match.group(1)), "push seconds": round(pushed, 1), "scan-all seconds": round(scan_all, 1),
            "re-evaluation seconds": float(match.group(2)), "changed": int(match.group(3)),
            "t0 severity after": sample["severity"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--inventories", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", choices=["gate", "push", "reevaluate"])
    args = parser.parse_args()
    results = {}
    for name in ("gate", "push", "reevaluate"):
        if args.only and args.only != name:
            continue
        workdir = tempfile.mkdtemp(prefix=f"berth-scan-bench-{name}-")
        server = start_berth(args.berth, workdir)
        server.data_dir = os.path.join(workdir, "berth")
        client = Client(server)
        try:
            if name == "gate":
                results[name] = bench_gate(args.berth, server, client, args.seconds)
            elif name == "push":
                results[name] = bench_push(args.berth, server, client, workdir, args.images)
            else:
                results[name] = bench_reevaluate(args.berth, server, client, args.inventories)
        finally:
            server.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        print(name, json.dumps(results[name], indent=2), flush=True)
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "scanning.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
