"""The job system and garbage collection against the real binary: skopeo pushes, GC frees the
bytes its log reports, a worker killed with -9 in the middle of a GC has its task taken again,
and a schedule fires once per tick with two Berth processes on one PostgreSQL."""
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time

import requests

from conftest import ADMIN_PASSWORD, Berth, free_port, run, wait_for
from test_clients import build_umoci_image

CREDS = f"admin:{ADMIN_PASSWORD}"
API = "/api/v2.0"


def storage_bytes(berth):
    root = os.path.join(berth.data_dir, "storage", "blobs")
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(root) for f in files)


SHARED_SECRET_KEY = "e2e-shared-secret-key-of-all-nodes"


def gc_finished(berth, execution_id):
    def check():
        history = requests.get(f"{berth.url}{API}/system/gc/{execution_id}", auth=berth.auth).json()
        return history if history["job_status"] in ("Success", "Error", "Stopped") else None
    return check


def start_manual_gc(berth, **parameters):
    response = requests.post(f"{berth.url}{API}/system/gc/schedule", auth=berth.auth,
                             json={"schedule": {"type": "Manual"}, "parameters": parameters})
    assert response.status_code == 201, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_gc_after_skopeo_push_frees_what_its_log_says(berth, tmp_path):
    for name in ("kept", "dropped"):
        layout, _ = build_umoci_image(str(tmp_path / name))
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS,
            f"oci:{layout}:v1", f"docker://{berth.host}/library/{name}:v1")
    before = storage_bytes(berth)
    deleted = requests.delete(f"{berth.url}{API}/projects/library/repositories/dropped/artifacts/v1/tags/v1", auth=berth.auth)
    assert deleted.status_code == 200

    execution = start_manual_gc(berth, delete_untagged=True, dry_run=True)
    assert wait_for(gc_finished(berth, execution), what="dry run")["job_status"] == "Success"
    dry_log = requests.get(f"{berth.url}{API}/system/gc/{execution}/log", auth=berth.auth).text
    assert storage_bytes(berth) == before

    execution = start_manual_gc(berth, delete_untagged=True, workers=4)
    assert wait_for(gc_finished(berth, execution), what="gc")["job_status"] == "Success"
    log = requests.get(f"{berth.url}{API}/system/gc/{execution}/log", auth=berth.auth).text
    freed = int(log.split("freed ")[1].split(" bytes")[0])
    assert freed > 3 * 1024 * 1024, log
    assert f"would free {freed} bytes" in dry_log, dry_log
    assert storage_bytes(berth) == before - freed
    # The image that kept its tag is whole.
    run("skopeo", "copy", "--src-tls-verify=false", f"docker://{berth.host}/library/kept:v1", f"oci:{tmp_path}/pulled:v1")
    history = requests.get(f"{berth.url}{API}/system/gc", auth=berth.auth)
    assert history.headers["X-Total-Count"] == "2"


def test_berth_gc_and_jobs_on_the_command_line(berth, tmp_path):
    layout, _ = build_umoci_image(str(tmp_path / "img"))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1",
        f"docker://{berth.host}/library/cli:v1")
    assert requests.delete(f"{berth.url}{API}/projects/library/repositories/cli", auth=berth.auth).status_code == 200
    env = dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD)
    dry = run(berth.binary, "gc", "--dry-run", env=env)
    assert "would delete 3 blobs" in dry, dry
    real = run(berth.binary, "gc", env=env)
    assert "deleted 3 blobs" in real and storage_bytes(berth) == 0, real
    listing = run(berth.binary, "jobs", "--type", "GARBAGE_COLLECTION", env=env)
    assert listing.count("GARBAGE_COLLECTION") == 2 and "Success" in listing, listing
    task = listing.splitlines()[1].split()[-1].split(":")[0]
    log = run(berth.binary, "jobs", "log", task, "--follow", env=env)
    assert "deleted 3 blobs" in log
    # the server saw the command line's runs
    assert requests.get(f"{berth.url}{API}/system/gc", auth=berth.auth).headers["X-Total-Count"] == "2"


GARBAGE_ROWS = 200_000


def fill_with_garbage_sqlite(path):
    """Blob rows nothing references (their files were never there): a GC that takes seconds."""
    with sqlite3.connect(path, timeout=30) as db:
        db.execute(f"""WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {GARBAGE_ROWS})
                       INSERT INTO blobs (digest, size, created_at, status) SELECT printf('sha256:%064x', x), 1, 0, 'none' FROM n""")


def fill_with_garbage_postgres(url):
    subprocess.run(["psql", url, "-q", "-c",
                    f"INSERT INTO blobs (digest, size, created_at, status) SELECT 'sha256:' || lpad(to_hex(g), 64, '0'), 1, 0, 'none' "
                    f"FROM generate_series(1, {GARBAGE_ROWS}) g"], check=True, capture_output=True)


def kill_mid_gc_then_finish(node, successor, fill):
    """Starts a GC that takes seconds, kills `node` with -9 while it runs, and waits for
    `successor` (the same node restarted, or another) to take the task again after its lease."""
    fill()
    execution = start_manual_gc(node, workers=1)
    wait_for(lambda: running_task(node, execution), what="the GC to run")
    time.sleep(1.0)
    node.kill()
    successor.start()
    history = wait_for(gc_finished(successor, execution), timeout=120, what="the retaken GC to finish")
    assert history["job_status"] == "Success", history
    log = requests.get(f"{successor.url}{API}/system/gc/{execution}/log", auth=successor.auth).text
    assert "attempt 2 of 3" in log, log


def running_task(berth, execution):
    history = requests.get(f"{berth.url}{API}/system/gc/{execution}", auth=berth.auth).json()
    return history if history["job_status"] == "Running" else None


def test_worker_killed_mid_gc_is_retaken_after_its_lease_sqlite(tmp_path, berth_binary):
    server = Berth(berth_binary, str(tmp_path / "data"), free_port(), env={"BERTH_JOBS_LEASE_SECONDS": "5"})
    server.start()
    try:
        kill_mid_gc_then_finish(server, server, lambda: fill_with_garbage_sqlite(os.path.join(server.data_dir, "berth.db")))
        with sqlite3.connect(os.path.join(server.data_dir, "berth.db")) as db:
            assert db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 0
            assert db.execute("SELECT COUNT(*) FROM job_tasks WHERE status = 'Running'").fetchone()[0] == 0
    finally:
        server.stop()


def test_two_nodes_on_postgres_a_killed_node_s_gc_finishes_on_the_other(tmp_path, berth_binary, postgres_database):
    # Nodes of one installation share the secret key (it seals the token signing key they share).
    env = {"BERTH_JOBS_LEASE_SECONDS": "5", "BERTH_SECRET_KEY": SHARED_SECRET_KEY}
    a = Berth(berth_binary, str(tmp_path / "a"), free_port(), database_url=postgres_database, env=env)
    b = Berth(berth_binary, str(tmp_path / "b"), free_port(), database_url=postgres_database, env=env)
    a.start()
    try:
        kill_mid_gc_then_finish(a, b, lambda: fill_with_garbage_postgres(postgres_database))
        for query in ("SELECT COUNT(*) FROM blobs", "SELECT COUNT(*) FROM job_tasks WHERE status = 'Running'"):
            count = subprocess.run(["psql", postgres_database, "-tAc", query], capture_output=True, text=True, check=True)
            assert count.stdout.strip() == "0", query
    finally:
        a.stop()
        b.stop()


def test_a_schedule_fires_once_per_tick_across_two_nodes(tmp_path, berth_binary, postgres_database):
    nodes = [Berth(berth_binary, str(tmp_path / n), free_port(), database_url=postgres_database,
                   env={"BERTH_SECRET_KEY": SHARED_SECRET_KEY}) for n in ("a", "b")]
    for node in nodes:
        node.start()
    try:
        a = nodes[0]
        created = requests.post(f"{a.url}{API}/system/gc/schedule", auth=a.auth,
                                json={"schedule": {"type": "Custom", "cron": "*/2 * * * * *"}, "parameters": {"dry_run": True}})
        assert created.status_code == 201, created.text
        time.sleep(9)
        requests.put(f"{a.url}{API}/system/gc/schedule", auth=a.auth, json={"schedule": {"type": "None"}})
        time.sleep(1)
        rows = subprocess.run(["psql", postgres_database, "-tAc",
                               "SELECT start_time FROM job_executions WHERE vendor_type = 'GARBAGE_COLLECTION' ORDER BY start_time"],
                              capture_output=True, text=True, check=True).stdout.split()
        starts = [int(r) for r in rows]
        # each tick (every 2 s) fires within a second of its time, on one of the two nodes only
        ticks = [s // 2000 for s in starts]
        assert len(starts) >= 3, starts
        assert len(set(ticks)) == len(ticks), f"a tick fired twice: {starts}"
        assert all(later - earlier >= 1000 for earlier, later in zip(starts, starts[1:])), starts
    finally:
        for node in nodes:
            node.stop()
