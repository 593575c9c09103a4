"""Operations over real HTTP: `/metrics` on its own port, and a PostgreSQL restart under load."""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import Berth, free_port


def metric(text, name):
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def test_metrics_on_their_own_port_count_pushed_and_pulled_bytes(berth_binary, tmp_path):
    metrics_port = free_port()
    server = Berth(berth_binary, str(tmp_path / "data"), free_port(),
                   env={"BERTH_METRICS_ENABLED": "true", "BERTH_METRICS_PORT": str(metrics_port), "BERTH_METRICS_PATH": "/prom"})
    server.start()
    try:
        scrape = f"http://127.0.0.1:{metrics_port}/prom"
        # The registry's port does not serve them, and the metrics port serves nothing else.
        assert requests.get(f"{server.url}/prom").status_code == 404
        assert requests.get(f"{server.url}/metrics").status_code == 404
        assert requests.get(f"http://127.0.0.1:{metrics_port}/v2/").status_code == 404

        before = requests.get(scrape).text
        blob = os.urandom(2 * 1024 * 1024)
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        pushed = requests.post(f"{server.url}/v2/library/counted/blobs/uploads/", params={"digest": digest}, data=blob,
                               auth=server.auth, headers={"Content-Type": "application/octet-stream"})
        assert pushed.status_code == 201, pushed.text
        pulled = requests.get(f"{server.url}/v2/library/counted/blobs/{digest}", auth=server.auth)
        assert pulled.content == blob

        after = requests.get(scrape)
        assert after.status_code == 200 and after.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        grew = {name: metric(after.text, name) - (metric(before, name) or 0)
                for name in ("berth_http_request_body_bytes_total", "berth_http_response_body_bytes_total")}
        assert grew["berth_http_request_body_bytes_total"] >= len(blob), grew
        assert grew["berth_http_response_body_bytes_total"] >= len(blob), grew
        # Requests on the registry's port are counted (the registry routes itself under `/v2/**`).
        assert metric(after.text, 'hb_requests{http_route="/v2/**",http_request_method="GET",http_response_status_code="200"}') >= 1
        assert metric(after.text, "berth_database_connections_limit") == 5
    finally:
        server.stop()


def test_a_metrics_port_that_is_not_a_port_stops_start_up(berth_binary, tmp_path):
    server = Berth(berth_binary, str(tmp_path / "data"), free_port(), env={"BERTH_METRICS_PORT": "99999"})
    try:
        server.start()
        raise AssertionError("berth started with metrics.port 99999")
    except RuntimeError as stopped:
        assert "metrics.port" in str(stopped)
    finally:
        server.stop()


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, since the test restarts it (root runs it as the
    `postgres` user, as scripts/lib.sh does, in a directory that user can reach)."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries or os.geteuid() != 0:
        pytest.skip("needs Debian's postgresql and root")
    bin_dir, port = binaries[-1], free_port()
    directory = tempfile.mkdtemp(prefix="berth-own-pg-")
    shutil.chown(directory, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_postgres + [f"{bin_dir}/initdb", "-D", f"{directory}/data", "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off"
    control = as_postgres + [f"{bin_dir}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w", "-o", options]
    subprocess.run(control + ["start"], check=True, capture_output=True)
    yield {"url": f"postgres://postgres@127.0.0.1:{port}/postgres", "control": control}
    subprocess.run(control + ["-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(directory, ignore_errors=True)


def test_berth_rides_out_a_postgresql_restart_under_load(berth_binary, tmp_path, own_postgres):
    server = Berth(berth_binary, str(tmp_path / "data"), free_port(), database_url=own_postgres["url"])
    server.start()
    try:
        reads = [f"{server.url}/api/v2.0/projects", f"{server.url}/v2/_catalog", f"{server.url}/api/v2.0/users/current"]
        outcomes, pushed, stop = [], [], threading.Event()

        def load():
            client = requests.Session()
            client.auth = server.auth
            while not stop.is_set():
                # Reads, and a write: a monolithic blob push (an upload session, a blob row).
                blob = os.urandom(1024)
                push = f"{server.url}/v2/library/load/blobs/uploads/?digest=sha256:{hashlib.sha256(blob).hexdigest()}"
                for url, body in [(url, None) for url in reads] + [(push, blob)]:
                    started = time.monotonic()
                    try:
                        answer = client.post(url, data=body, timeout=30) if body else client.get(url, timeout=30)
                        outcomes.append((started, time.monotonic(), answer.status_code, answer.text[:300]))
                        if answer.status_code == 201:
                            pushed.append(answer.headers["Docker-Content-Digest"])
                    except requests.RequestException as failure:
                        outcomes.append((started, time.monotonic(), None, f"{url}: {failure!r}"))

        workers = [threading.Thread(target=load) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1)
        restarted_at = time.monotonic()
        # Immediate: connections are cut, not closed politely.
        subprocess.run(own_postgres["control"] + ["-m", "immediate", "restart"], check=True, capture_output=True)
        back_at = time.monotonic()
        time.sleep(6)
        stop.set()
        for worker in workers:
            worker.join(timeout=30)

        before = [o for o in outcomes if o[1] < restarted_at]
        assert before and all(o[2] in (200, 201) for o in before), before[:3]
        # While it was down, requests failed cleanly: an answer with an error body, none hung.
        # While it was down, requests failed cleanly and soon: 503 with an error body, none hung
        # (a query lost with its connection is given up a second after the connection closed).
        for started, ended, status, text in outcomes:
            assert status is not None, f"no answer: {text}"
            assert ended - started < 5, (round(ended - started, 2), status, text)
            if status not in (200, 201):
                assert status == 503 and '"errors"' in text, (status, text)
        # Berth reconnected by itself: from a few seconds after the server was back, every request
        # succeeded.
        settled = [o for o in outcomes if o[0] > back_at + 3]
        assert len(settled) > 20 and all(o[2] in (200, 201) for o in settled), [o for o in settled if o[2] not in (200, 201)][:3]
        # No push the client saw succeed was lost.
        assert pushed
        for digest in pushed:
            assert requests.head(f"{server.url}/v2/library/load/blobs/{digest}", auth=server.auth).status_code == 200, digest
    finally:
        server.stop()
