"""Load and soak (issue 14, section 5): many concurrent clients for a bounded time against one Berth
on loopback, mixing manifest GETs, blob pulls, pushes and API listings. Reports per operation the
count, errors and p50/p99/max latency; the server's peak RSS; and its open file descriptors and
database operations when idle before, at the peak, and idle again after the clients have gone.

    python3 bench/soak_bench.py --berth .build/release/berth [--clients 500] [--seconds 300]
                                [--database-url postgres://...] [--out bench/results/soak.json]

Errors are any answer other than the expected status, and any exception (timeouts included).
The module is also run briefly by tests/e2e/test_soak.py (`run_soak` returns the report).
"""
import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import aiohttp

PASSWORD = "Soak-Passw0rd"
PROJECT = "soak"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, root, database_url):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, BERTH_LISTEN=f"127.0.0.1:{self.port}", BERTH_DATA_DIR=os.path.join(root, "data"),
                   BERTH_ADMIN_PASSWORD=PASSWORD, BERTH_LOG_LEVEL="warning", BERTH_SHUTDOWN_DRAIN_SECONDS="0",
                   BERTH_METRICS_ENABLED="true")
        if database_url:
            env["BERTH_DATABASE_URL"] = database_url
        self.log = open(os.path.join(root, "server.log"), "ab")
        self.process = subprocess.Popen([binary, "serve"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v2.0/ping", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("berth did not start")

    def status(self, field):
        for line in open(f"/proc/{self.process.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def descriptors(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def database_operations(self):
        text = urllib.request.urlopen(self.url + "/metrics", timeout=5).read().decode()
        for line in text.splitlines():
            if line.startswith("berth_database_operations_active "):
                return float(line.split()[1])
        return None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Soak:
    def __init__(self, url, clients, seconds, images=20, big_blob_mib=4):
        self.url, self.clients, self.seconds = url, clients, seconds
        self.images, self.big_blob_mib = images, big_blob_mib
        self.basic = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        self.latencies = {}
        self.errors = {}
        self.samples = []
        self.pushed = 0

    def record(self, operation, started, ok, detail=None):
        self.latencies.setdefault(operation, []).append((time.perf_counter() - started) * 1000)
        if not ok:
            errors = self.errors.setdefault(operation, [])
            if len(errors) < 5:
                errors.append(detail)
            else:
                errors.append(None)

    async def put_blob(self, session, repository, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        async with session.post(f"{self.url}/v2/{repository}/blobs/uploads/?digest={digest}", data=data,
                                headers={"Authorization": self.basic, "Content-Type": "application/octet-stream"}) as r:
            if r.status != 201:
                raise RuntimeError(f"blob push answered {r.status}: {await r.text()}")
        return digest

    async def put_image(self, session, repository, tag, layer):
        config = json.dumps({"architecture": "amd64", "os": "linux", "soak": tag}).encode()
        config_digest = await self.put_blob(session, repository, config)
        layer_digest = await self.put_blob(session, repository, layer)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": len(layer)}],
        }).encode()
        async with session.put(f"{self.url}/v2/{repository}/manifests/{tag}", data=manifest,
                               headers={"Authorization": self.basic, "Content-Type": MANIFEST_TYPE}) as r:
            if r.status != 201:
                raise RuntimeError(f"manifest push answered {r.status}: {await r.text()}")
        return layer_digest

    async def setup(self):
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/api/v2.0/projects", json={"project_name": PROJECT, "metadata": {"public": "false"}},
                                    headers={"Authorization": self.basic}) as r:
                assert r.status in (201, 409), await r.text()
            self.layers = []
            for i in range(self.images):
                layer = os.urandom(256 << 10)
                self.layers.append((await self.put_image(session, f"{PROJECT}/app", f"v{i}", layer), len(layer)))
            big = os.urandom(self.big_blob_mib << 20)
            self.big = (await self.put_blob(session, f"{PROJECT}/app", big), len(big))
            async with session.get(f"{self.url}/service/token", headers={"Authorization": self.basic},
                                   params={"service": "harbor-registry", "scope": f"repository:{PROJECT}/app:pull"}) as r:
                self.token = "Bearer " + (await r.json())["token"]

    async def client(self, number, deadline):
        rng = random.Random(number)
        # Half the clients pull with a token, as docker and podman do; the rest send Basic.
        pull_auth = self.token if number % 2 == 0 else self.basic
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            while time.monotonic() < deadline:
                choice = rng.random()
                started = time.perf_counter()
                try:
                    if choice < 0.45:
                        operation = "manifest GET by tag"
                        async with session.get(f"{self.url}/v2/{PROJECT}/app/manifests/v{rng.randrange(self.images)}",
                                               headers={"Authorization": pull_auth, "Accept": MANIFEST_TYPE}) as r:
                            body = await r.read()
                            self.record(operation, started, r.status == 200 and len(body) > 0, r.status)
                    elif choice < 0.60:
                        operation = "blob GET, 256 KiB"
                        digest, size = self.layers[rng.randrange(self.images)]
                        async with session.get(f"{self.url}/v2/{PROJECT}/app/blobs/{digest}", headers={"Authorization": pull_auth}) as r:
                            got = len(await r.read())
                            self.record(operation, started, r.status == 200 and got == size, (r.status, got))
                    elif choice < 0.65:
                        operation = f"blob GET, {self.big_blob_mib} MiB"
                        digest, size = self.big
                        async with session.get(f"{self.url}/v2/{PROJECT}/app/blobs/{digest}", headers={"Authorization": pull_auth}) as r:
                            got = 0
                            async for chunk in r.content.iter_chunked(1 << 16):
                                got += len(chunk)
                            self.record(operation, started, r.status == 200 and got == size, (r.status, got))
                    elif choice < 0.75:
                        operation = "push (2 blobs + manifest)"
                        tag = f"c{number}-{rng.randrange(1 << 30)}"
                        await self.put_image(session, f"{PROJECT}/pushed-{number % 20}", tag, os.urandom(16 << 10))
                        self.pushed += 1
                        self.record(operation, started, True)
                    elif choice < 0.85:
                        operation = "API artifacts page"
                        async with session.get(f"{self.url}/api/v2.0/projects/{PROJECT}/repositories/app/artifacts",
                                               params={"page_size": "10", "with_tag": "true", "with_scan_overview": "true"},
                                               headers={"Authorization": self.basic}) as r:
                            listed = await r.json()
                            self.record(operation, started, r.status == 200 and len(listed) == 10, r.status)
                    elif choice < 0.95:
                        operation = "API repositories page"
                        async with session.get(f"{self.url}/api/v2.0/projects/{PROJECT}/repositories",
                                               params={"page_size": "10"}, headers={"Authorization": self.basic}) as r:
                            self.record(operation, started, r.status == 200 and "X-Total-Count" in r.headers, r.status)
                    else:
                        operation = "tags/list"
                        async with session.get(f"{self.url}/v2/{PROJECT}/app/tags/list", params={"n": "50"},
                                               headers={"Authorization": self.basic}) as r:
                            listed = await r.json()
                            self.record(operation, started, r.status == 200 and len(listed["tags"]) > 0, r.status)
                except Exception as error:  # noqa: BLE001 - every failure counts, with its kind
                    self.record(operation, started, False, f"{type(error).__name__}: {error}"[:200])

    async def sample(self, server, deadline):
        while time.monotonic() < deadline:
            self.samples.append((server.status("VmRSS"), server.descriptors()))
            await asyncio.sleep(1)

    async def run(self, server):
        await self.setup()
        await asyncio.sleep(1)
        idle = {"rss_mb": server.status("VmRSS"), "descriptors": server.descriptors(), "database_operations": server.database_operations()}
        with open(f"/proc/{server.process.pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM, so the peak is this run's
        deadline = time.monotonic() + self.seconds
        started = time.perf_counter()
        await asyncio.gather(self.sample(server, deadline), *(self.client(n, deadline) for n in range(self.clients)))
        elapsed = time.perf_counter() - started
        # The clients have closed their connections; the server sees them go within a moment.
        after = {}
        for _ in range(50):
            await asyncio.sleep(0.2)
            after = {"rss_mb": server.status("VmRSS"), "descriptors": server.descriptors(), "database_operations": server.database_operations()}
            if after["descriptors"] <= idle["descriptors"] and after["database_operations"] == 0:
                break
        operations = {}
        for name, values in sorted(self.latencies.items()):
            failures = self.errors.get(name, [])
            operations[name] = {"count": len(values), "errors": len(failures), "error_examples": [e for e in failures if e is not None][:5],
                                "p50_ms": round(percentile(values, 0.50), 2), "p99_ms": round(percentile(values, 0.99), 2),
                                "max_ms": round(max(values), 2)}
        return {
            "clients": self.clients, "seconds": round(elapsed, 1),
            "requests": sum(len(v) for v in self.latencies.values()), "errors": sum(len(v) for v in self.errors.values()),
            "operations": operations,
            "idle_before": idle, "idle_after": after,
            "peak_rss_mb": round(server.status("VmHWM"), 1),
            "peak_descriptors": max((d for _, d in self.samples), default=0),
        }


def run_soak(binary, clients, seconds, database_url=None, workdir=None):
    root = tempfile.mkdtemp(prefix="berth-soak-", dir=workdir)
    server = Server(binary, root, database_url)
    try:
        return asyncio.run(Soak(server.url, clients, seconds).run(server))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--out")
    args = parser.parse_args()
    report = run_soak(args.berth, args.clients, args.seconds, args.database_url)
    print(f"{report['clients']} clients for {report['seconds']} s: {report['requests']} requests, {report['errors']} errors")
    print(f"{'operation':<28} {'count':>8} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, o in report["operations"].items():
        print(f"{name:<28} {o['count']:>8} {o['errors']:>7} {o['p50_ms']:>8} {o['p99_ms']:>8} {o['max_ms']:>8}")
        for example in o["error_examples"]:
            print(f"    e.g. {example}")
    print(f"peak RSS {report['peak_rss_mb']} MB; descriptors idle {report['idle_before']['descriptors']}, "
          f"peak {report['peak_descriptors']}, after {report['idle_after']['descriptors']}; "
          f"database operations after {report['idle_after']['database_operations']}")
    if args.out:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
