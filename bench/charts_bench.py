"""The classic chart repository at scale (issue 10's benchmark): 1,000 chart versions pushed as
OCI artifacts into one project, then `GET /chartrepo/{project}/index.yaml` under wrk at 32
connections (Basic auth, as helm sends it): p50/p99 latency and rate. The first request (the
chart metadata cache cold) is timed on its own, and so is the first request after a push (the
index rendered again, the other versions' metadata cached; median of 5).
"""
import argparse
import base64
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
from registry_bench import PASSWORD, start_berth  # noqa: E402

CONFIG = "application/vnd.cncf.helm.config.v1+json"
CONTENT = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


def package(name, version):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode()
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def push(server, name, version):
    session = requests.Session()
    session.auth = server.auth
    repo = f"charts/{name}"
    config = json.dumps({"apiVersion": "v2", "name": name, "version": version, "appVersion": "1.0",
                         "description": f"chart {name} {version}"}).encode()
    descriptors = []
    for media_type, blob in [(CONFIG, config), (CONTENT, package(name, version))]:
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        put = session.post(f"{server.url}/v2/{repo}/blobs/uploads/?digest={digest}", data=blob,
                           headers={"Content-Type": "application/octet-stream"})
        assert put.status_code == 201, put.text
        descriptors.append({"mediaType": media_type, "digest": digest, "size": len(blob)})
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": descriptors[0], "layers": [descriptors[1]]})
    put = session.put(f"{server.url}/v2/{repo}/manifests/{version}", data=manifest,
                      headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert put.status_code == 201, put.text


def wrk_latency(server, path, seconds, connections):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    token = base64.b64encode(f"{server.auth[0]}:{server.auth[1]}".encode()).decode()
    script.write(f'wrk.headers["Authorization"] = "Basic {token}"\n'
                 'done = function(summary, latency, requests)\n'
                 '  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration, '
                 'latency:percentile(50), latency:percentile(99), summary.errors.status))\n'
                 'end\n')
    script.close()
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", script.name, server.url + path],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    done, duration_us, p50, p99, errors = map(int, next(l for l in out.splitlines() if l.startswith("BENCH")).split()[1:])
    assert errors == 0, out
    return {"requests_per_s": round(done / (duration_us / 1e6), 1), "p50_ms": round(p50 / 1000, 1), "p99_ms": round(p99 / 1000, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-bench-charts-")
    server = start_berth(args.berth, root)
    try:
        assert requests.post(f"{server.url}/api/v2.0/projects", auth=server.auth, json={"project_name": "charts"}).status_code == 201
        charts = [(f"chart{i % 50}", f"1.{i // 50}.0") for i in range(args.versions)]
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: push(server, *c), charts))
        pushed = time.perf_counter() - start
        start = time.perf_counter()
        cold = requests.get(f"{server.url}/chartrepo/charts/index.yaml", auth=server.auth, timeout=60)
        cold_ms = (time.perf_counter() - start) * 1000
        assert cold.status_code == 200 and cold.text.count("urls:") == args.versions, cold.text[:500]
        warm = wrk_latency(server, "/chartrepo/charts/index.yaml", args.seconds, 32)
        # After a push the index is rendered again, with every other version's metadata cached.
        rerender = []
        for i in range(5):
            push(server, "fresh", f"9.{i}.0")
            start = time.perf_counter()
            assert requests.get(f"{server.url}/chartrepo/charts/index.yaml", auth=server.auth, timeout=60).status_code == 200
            rerender.append((time.perf_counter() - start) * 1000)
        results = {"versions": args.versions, "index_bytes": len(cold.content), "push_seconds": round(pushed, 1),
                   "first_request_ms": round(cold_ms, 1), "after_a_push_ms": round(sorted(rerender)[2], 1), "c32": warm}
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(results, indent=2))
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "charts.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
