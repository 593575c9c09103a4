"""Garbage collection, retention and quotas at scale, against the release binary.

- gc: 100,000 blobs in 10,000 artifacts of 100 repositories, 90% of the artifacts untagged, written
  straight into a fresh data directory (files and SQLite rows, as pushes would leave them); then one
  manual GC with delete_untagged while two clients keep pushing images. Reports the GC's own
  duration, blobs and bytes freed, peak RSS during the GC against RSS before it, and checks that
  every image pushed during the GC is whole afterwards.
- retention: 10,000 tags in 100 repositories, one execution of "keep the 10 most recently pushed"
  on PostgreSQL; reports its duration and the statements PostgreSQL executed (pg_stat_statements).
- quota: 32 concurrent pushes into one project, with and without a storage limit.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

import requests

PASSWORD = "Bench-Passw0rd"
AUTH = ("admin", PASSWORD)
API = "/api/v2.0"


class Berth:
    def __init__(self, binary, data_dir, database_url=None):
        self.binary, self.data_dir, self.database_url = binary, data_dir, database_url
        self.process = None

    def start(self):
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, BERTH_LISTEN=f"127.0.0.1:{self.port}", BERTH_DATA_DIR=self.data_dir,
                   BERTH_ADMIN_PASSWORD=PASSWORD, BERTH_LOG_LEVEL="error")
        if self.database_url:
            env["BERTH_DATABASE_URL"] = self.database_url
        self.process = subprocess.Popen([self.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                requests.get(self.url + "/v2/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("berth did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def rss_mb(self, field="VmRSS"):
        for line in open(f"/proc/{self.process.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def reset_peak(self):
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
            f.write("5")


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def populate(db_path, storage, repositories, artifacts_per_repo, layers, tagged_per_repo, blob_size=1024):
    """Artifacts as pushes leave them: blob files, blob rows, links used by manifests, manifests,
    tags on the newest `tagged_per_repo` artifacts of each repository."""
    db = sqlite3.connect(db_path, timeout=60)
    project = db.execute("SELECT id FROM projects WHERE name = 'library'").fetchone()[0]
    now = int(time.time() * 1000)
    blobs = 0
    for r in range(repositories):
        cur = db.execute("INSERT INTO repositories (project_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                         (project, f"library/r{r}", now, now))
        repo_id = cur.lastrowid
        for a in range(artifacts_per_repo):
            digests = []
            for l in range(layers + 1):
                content = f"{r}/{a}/{l}/".encode() + os.urandom(16) + b"x" * (blob_size - 40)
                digest = sha(content)
                hexd = digest[7:]
                directory = os.path.join(storage, "blobs", "sha256", hexd[:2], hexd)
                os.makedirs(directory, exist_ok=True)
                with open(os.path.join(directory, "data"), "wb") as f:
                    f.write(content)
                db.execute("INSERT INTO blobs (digest, size, created_at, status) VALUES (?, ?, ?, 'none')", (digest, len(content), now))
                db.execute("INSERT INTO repository_blobs (repository_id, digest, created_at, referenced) VALUES (?, ?, ?, 1)",
                           (repo_id, digest, now))
                digests.append((digest, len(content)))
                blobs += 1
            manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digests[0][0], "size": digests[0][1]},
                                   "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s} for d, s in digests[1:]]}).encode()
            pushed = now - (artifacts_per_repo - a) * 1000
            cur = db.execute("""INSERT INTO manifests (repository_id, digest, media_type, size, payload, created_at)
                                VALUES (?, ?, 'application/vnd.oci.image.manifest.v1+json', ?, ?, ?)""",
                             (repo_id, sha(manifest), len(manifest), manifest, pushed))
            manifest_id = cur.lastrowid
            db.executemany("INSERT INTO manifest_blobs (manifest_id, digest) VALUES (?, ?)", [(manifest_id, d) for d, _ in digests])
            if a >= artifacts_per_repo - tagged_per_repo:
                db.execute("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                           (repo_id, f"v{a}", manifest_id, pushed, pushed))
        db.commit()
    db.close()
    return blobs


def push_image(url, repo, tag, seed):
    session = requests.Session()
    session.auth = AUTH
    digests = []
    for part in (b'{"architecture":"amd64","os":"linux","seed":"' + seed.encode() + b'"}', b"layer " + seed.encode() + os.urandom(64)):
        digest = sha(part)
        r = session.post(f"{url}/v2/{repo}/blobs/uploads/?digest={digest}", data=part)
        assert r.status_code == 201, (r.status_code, r.text)
        digests.append((digest, len(part)))
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digests[0][0], "size": digests[0][1]},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digests[1][0], "size": digests[1][1]}]})
    r = session.put(f"{url}/v2/{repo}/manifests/{tag}", data=manifest, headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    return r.status_code, digests


def wait_execution(url, path):
    while True:
        history = requests.get(url + path, auth=AUTH).json()
        if history.get("job_status", history.get("status")) in ("Success", "Error", "Stopped"):
            return history
        time.sleep(0.1)


def bench_gc(binary, root, artifacts):
    data = os.path.join(root, "gc")
    server = Berth(binary, data).start()
    server.stop()
    started = time.time()
    repositories = 100
    blobs = populate(os.path.join(data, "berth.db"), os.path.join(data, "storage"), repositories, artifacts // repositories, 9,
                     tagged_per_repo=max(1, artifacts // repositories // 10))
    print(f"gc: populated {blobs} blobs in {artifacts} artifacts in {time.time() - started:.1f} s", flush=True)
    server.start()
    time.sleep(1)
    rss_before = server.rss_mb()
    server.reset_peak()
    stop = threading.Event()
    pushed, failures = [], []

    def pusher(n):
        i = 0
        while not stop.is_set():
            status, digests = push_image(server.url, f"library/live{n}", f"t{i}", f"{n}-{i}")
            (pushed if status == 201 else failures).append((f"library/live{n}", f"t{i}", digests))
            i += 1

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(pusher, n) for n in range(2)]
        time.sleep(0.5)
        r = requests.post(server.url + API + "/system/gc/schedule", auth=AUTH,
                          json={"schedule": {"type": "Manual"}, "parameters": {"delete_untagged": True, "workers": 4}})
        assert r.status_code == 201, r.text
        gc_id = r.headers["Location"].rsplit("/", 1)[1]
        history = wait_execution(server.url, f"{API}/system/gc/{gc_id}")
        stop.set()
        for f in futures:
            f.result()
    peak = server.rss_mb("VmHWM")
    log = requests.get(f"{server.url}{API}/system/gc/{gc_id}/log", auth=AUTH).text
    print(log, flush=True)
    # the GC's own time, from its log
    seconds = float(log.split("finished in ")[1].split(" s")[0])
    deleted = int(log.split("and ")[1].split(" blobs")[0])
    lost = [p for p in pushed if requests.head(f"{server.url}/v2/{p[0]}/blobs/{p[2][1][0]}", auth=AUTH).status_code != 200
            or requests.head(f"{server.url}/v2/{p[0]}/manifests/{p[1]}", auth=AUTH).status_code != 200]
    server.stop()
    return {"status": history["job_status"], "seconds": seconds, "blobs": blobs, "deleted": deleted, "rss_before": rss_before,
            "rss_peak": peak, "pushes": len(pushed), "push_failures": len(failures), "lost": len(lost)}


def bench_retention(binary, root, postgres_url, tags_total):
    data = os.path.join(root, "retention")
    psql = lambda sql: subprocess.run(["psql", postgres_url, "-tAc", sql], capture_output=True, text=True, check=True).stdout.strip()
    server = Berth(binary, data, postgres_url).start()
    repositories = 100
    per_repo = tags_total // repositories
    # rows as pushes leave them, written by PostgreSQL itself
    psql(f"""INSERT INTO repositories (project_id, name, created_at, updated_at)
             SELECT (SELECT id FROM projects WHERE name = 'library'), 'library/r' || g, 0, 0 FROM generate_series(1, {repositories}) g""")
    psql(f"""INSERT INTO manifests (repository_id, digest, media_type, size, payload, created_at)
             SELECT r.id, 'sha256:' || md5(r.id || '/' || g) || md5(g || '/' || r.id), 'application/vnd.oci.image.manifest.v1+json', 2, '{{}}'::bytea, g * 1000
             FROM repositories r, generate_series(1, {per_repo}) g WHERE r.name LIKE 'library/r%'""")
    psql("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) SELECT repository_id, 'v' || id, id, created_at, created_at FROM manifests")
    project = psql("SELECT id FROM projects WHERE name = 'library'")
    policy = {"algorithm": "or", "scope": {"level": "project", "ref": int(project)}, "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
              "rules": [{"action": "retain", "template": "latestPushedK", "params": {"latestPushedK": 10},
                         "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                         "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}]}
    r = requests.post(server.url + API + "/retentions", auth=AUTH, json=policy)
    assert r.status_code == 201, r.text
    policy_id = r.headers["Location"].rsplit("/", 1)[1]
    time.sleep(2)
    psql("SELECT pg_stat_statements_reset()")
    r = requests.post(f"{server.url}{API}/retentions/{policy_id}/executions", auth=AUTH, json={"dry_run": False})
    execution = r.headers["Location"].rsplit("/", 1)[1]
    while True:
        runs = requests.get(f"{server.url}{API}/retentions/{policy_id}/executions", auth=AUTH).json()
        run = next(x for x in runs if str(x["id"]) == execution)
        if run["status"] in ("Success", "Error", "Stopped"):
            break
        time.sleep(0.05)
    statements = int(psql("SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements"))
    times = psql(f"SELECT (MAX(end_time) - MIN(start_time)) FROM job_tasks WHERE execution_id = {execution}")
    left = int(psql("SELECT COUNT(*) FROM tags"))
    server.stop()
    return {"status": run["status"], "tags": tags_total, "repositories": repositories, "seconds": int(times) / 1000,
            "statements": statements, "tags_left": left}


def bench_quota(binary, root, pushes=320, clients=32):
    results = {}
    for label, limit in (("no quota", -1), ("with quota", 1 << 40)):
        data = os.path.join(root, "quota-" + label.replace(" ", "-"))
        server = Berth(binary, data).start()
        r = requests.post(server.url + API + "/projects", auth=AUTH, json={"project_name": "team", "storage_limit": limit})
        assert r.status_code == 201, r.text
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            statuses = list(pool.map(lambda i: push_image(server.url, f"team/app{i % clients}", f"t{i}", f"q{i}")[0], range(pushes)))
        elapsed = time.time() - started
        assert statuses.count(201) == pushes, statuses
        results[label] = pushes / elapsed
        server.stop()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--postgres", help="postgres:// URL of a server with pg_stat_statements (for retention)")
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--only", choices=["gc", "retention", "quota"])
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-jobs-bench-")
    lines = []
    try:
        if args.only in (None, "gc"):
            gc = bench_gc(args.berth, root, args.artifacts)
            lines.append(f"| GC of {gc['blobs']:,} blobs, {args.artifacts:,} artifacts, 90% garbage, 2 clients pushing | {gc['seconds']:.1f} s | "
                         f"{gc['deleted']:,} blobs deleted; RSS {gc['rss_before']:.0f} MB before, peak {gc['rss_peak']:.0f} MB during; "
                         f"{gc['pushes']} pushes during GC, {gc['push_failures']} failed, {gc['lost']} lost ({gc['status']}) |")
        if args.only in (None, "retention") and args.postgres:
            rt = bench_retention(args.berth, root, args.postgres, args.tags)
            lines.append(f"| retention of {rt['tags']:,} tags in {rt['repositories']} repositories, keep 10 per repository (PostgreSQL) | "
                         f"{rt['seconds']:.2f} s | {rt['statements']:,} SQL statements in all (background ticks included), "
                         f"{rt['tags_left']:,} tags left ({rt['status']}) |")
        if args.only in (None, "quota"):
            q = bench_quota(args.berth, root)
            lines.append(f"| 32 concurrent image pushes into one project | {q['with quota']:.0f} pushes/s with a quota | "
                         f"{q['no quota']:.0f} pushes/s without; ratio {q['with quota'] / q['no quota']:.2f} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("| workload | result | details |\n|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
