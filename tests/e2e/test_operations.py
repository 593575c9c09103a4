"""Operations over real HTTP: `/metrics` on its own port, and a PostgreSQL restart under load."""
import hashlib
import os
import re

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
