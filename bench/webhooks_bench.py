"""Push throughput with webhooks (issue 10's benchmark): manifest pushes (new tags on one stored
image, 8 client threads) into a project with no webhook policy and into one with 5 policies whose
receiver sleeps 5 s per delivery. Deliveries are queued in the push's request and sent by the
webhook workers, so the push rate should not care how slow the receiver is; the report also says
how many deliveries were queued and how many the receiver got while the pushes ran.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

sys.path.insert(0, os.path.dirname(__file__))
from registry_bench import free_port, start_berth  # noqa: E402

MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class SlowReceiver:
    def __init__(self, delay):
        self.delay, self.count, self.lock = delay, 0, threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def image(server, repository):
    session = requests.Session()
    session.auth = server.auth
    descriptors = []
    for data in (b'{"architecture":"amd64","os":"linux"}', os.urandom(1024)):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        assert session.post(f"{server.url}/v2/{repository}/blobs/uploads/?digest={digest}", data=data).status_code == 201
        descriptors.append({"digest": digest, "size": len(data)})
    return json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **descriptors[0]},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **descriptors[1]}]})


def push_rate(server, repository, pushes, threads):
    manifest = image(server, repository)
    local = threading.local()

    def push(i):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = server.auth
        response = local.session.put(f"{server.url}/v2/{repository}/manifests/t{i}", data=manifest, headers={"Content-Type": MANIFEST})
        assert response.status_code == 201, response.text

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(push, range(pushes)))
    return pushes / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--pushes", type=int, default=2000)
    parser.add_argument("--policies", type=int, default=5)
    parser.add_argument("--delay", type=float, default=5.0)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-bench-webhooks-")
    receiver, fast = SlowReceiver(args.delay), SlowReceiver(0)
    server = start_berth(args.berth, root)
    try:
        api, a = f"{server.url}/api/v2.0", server.auth
        for name in ("quiet", "hooked", "fast"):
            assert requests.post(f"{api}/projects", auth=a, json={"project_name": name}).status_code == 201
        for project, target in (("hooked", receiver), ("fast", fast)):
            for i in range(args.policies):
                assert requests.post(f"{api}/projects/{project}/webhook/policies", auth=a, json={
                    "name": f"hook{i}", "enabled": True, "event_types": ["PUSH_ARTIFACT"],
                    "targets": [{"type": "http", "address": f"{target.url}/p{i}"}]}).status_code == 201
        # Warm the paths once, then measure each twice, in turn.
        push_rate(server, "quiet/warm", 100, 8)
        rates = {"none": [], "hooked": [], "fast": []}
        for round_ in range(2):
            rates["none"].append(push_rate(server, f"quiet/app{round_}", args.pushes, 8))
            rates["hooked"].append(push_rate(server, f"hooked/app{round_}", args.pushes, 8))
        # Last, as its deliveries finish at once and their bookkeeping would share the writer
        # with the other runs: what the queue itself costs when deliveries succeed as fast as
        # they are made.
        rates["fast"].append(push_rate(server, "fast/app", args.pushes, 8))
        queued = sum(int(requests.get(f"{api}/projects/hooked/webhook/policies/{p['id']}/executions?page_size=1", auth=a)
                         .headers["X-Total-Count"]) for p in requests.get(f"{api}/projects/hooked/webhook/policies", auth=a).json())
        results = {"pushes_per_run": args.pushes, "policies": args.policies, "receiver_delay_s": args.delay,
                   "pushes_per_s_without_webhooks": round(max(rates["none"]), 1),
                   "pushes_per_s_with_webhooks": round(max(rates["hooked"]), 1),
                   "ratio": round(max(rates["hooked"]) / max(rates["none"]), 2),
                   "pushes_per_s_with_webhooks_to_a_fast_receiver": round(max(rates["fast"]), 1),
                   "deliveries_queued": queued, "deliveries_received_meanwhile": receiver.count,
                   "fast_receiver_deliveries_meanwhile": fast.count}
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(results, indent=2))
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "webhooks.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
