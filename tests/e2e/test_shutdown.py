"""SIGTERM: health turns 503 first (readiness false), a request in flight finishes, the process
exits cleanly, and the upload it was part of resumes after the restart."""
import hashlib
import os
import signal
import threading
import time

import requests

from conftest import Berth, free_port, wait_for



def test_sigterm_drains_then_finishes_requests_in_flight(berth_binary, tmp_path):
    server = Berth(berth_binary, str(tmp_path / "data"), free_port(), env={"BERTH_SHUTDOWN_DRAIN_SECONDS": "2"})
    server.start()
    try:
        assert requests.get(f"{server.url}/api/v2.0/health").status_code == 200
        started = requests.post(f"{server.url}/v2/library/slow/blobs/uploads/", auth=server.auth)
        assert started.status_code == 202, started.text
        location = server.url + started.headers["Location"] if started.headers["Location"].startswith("/") else started.headers["Location"]
        chunks = [os.urandom(64 * 1024) for _ in range(60)]
        result = {}

        def slow_body():
            for chunk in chunks:
                time.sleep(0.05)  # about 3 s in all: still sending when SIGTERM arrives
                yield chunk

        def send():
            result["answer"] = requests.patch(location, data=slow_body(), auth=server.auth,
                                              headers={"Content-Type": "application/octet-stream"})

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        # Readiness turns false while the listener still answers.
        wait_for(lambda: requests.get(f"{server.url}/api/v2.0/health", timeout=2).status_code == 503,
                 timeout=2, what="health to answer 503")
        sender.join(timeout=30)
        assert result["answer"].status_code == 202, result["answer"].text
        assert server.process.wait(timeout=30) == 0

        server.start()
        status = requests.get(location, auth=server.auth)
        total = sum(len(c) for c in chunks)
        assert status.status_code == 204 and status.headers["Range"] == f"0-{total - 1}"
        digest = "sha256:" + hashlib.sha256(b"".join(chunks)).hexdigest()
        assert requests.put(location, params={"digest": digest}, auth=server.auth).status_code == 201
    finally:
        server.stop()
