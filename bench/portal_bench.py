"""The portal at Harbor's breaking sizes (issue 11's targets): 1,000 projects, and one repository
holding 10,000 artifacts (Harbor's UI times out there, #18598, #22330). Headless Chromium loads
the projects page and the repository page afresh, logged in through the login form, and reads the
portal's own `berth-rendered` performance mark: milliseconds from navigation start until the view
is drawn with its data. Reports the median and p95 of 20 loads each, and the assets' size.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from registry_bench import PASSWORD, start_berth  # noqa: E402
from portal import Portal  # noqa: E402

ASSETS = os.path.join(os.path.dirname(__file__), "..", "Sources", "Portal", "Assets")
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def create_projects(server, count):
    session = requests.Session()
    session.auth = server.auth

    def create(i):
        response = session.post(f"{server.url}/api/v2.0/projects", json={"project_name": f"team-{i:04d}", "public": i % 2 == 0})
        assert response.status_code in (201, 409), response.text
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(count)))


def push_artifacts(server, repository, count):
    """`count` distinct image manifests sharing one config and one layer, each with a tag."""
    session = requests.Session()
    session.auth = server.auth
    blobs = {}
    for name, data in (("config", json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()),
                       ("layer", os.urandom(1024))):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        put = session.post(f"{server.url}/v2/{repository}/blobs/uploads/?digest={digest}", data=data)
        assert put.status_code == 201, put.text
        blobs[name] = {"digest": digest, "size": len(data)}

    def push(i):
        manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blobs["config"]},
                               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **blobs["layer"]}],
                               "annotations": {"build": str(i)}})
        put = session.put(f"{server.url}/v2/{repository}/manifests/v{i}", data=manifest, headers={"Content-Type": MANIFEST})
        assert put.status_code == 201, put.text
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(push, range(count)))


def measure(portal, path, loads):
    timings = []
    for _ in range(loads):
        portal.driver.get("about:blank")
        portal.driver.get(portal.base_url + "/#" + path)
        portal.rendered(path, timeout=60)
        timings.append(portal.timing())
    return timings


def summary(timings):
    ordered = sorted(timings)
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1)}


def assets_bytes():
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(ASSETS) for f in files)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--artifacts", type=int, default=10000)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-portal-bench-")
    server = start_berth(args.berth, root)
    try:
        started = time.time()
        create_projects(server, args.projects)
        push_artifacts(server, "library/big", args.artifacts)
        seeded = time.time() - started
        library = requests.get(f"{server.url}/api/v2.0/projects/library", auth=server.auth).json()["project_id"]
        portal = Portal(server.url)
        try:
            portal.open("/#/login")
            portal.fill("Username", "admin")
            portal.fill("Password", PASSWORD)
            portal.click("Log in")
            portal.rendered("/projects")
            projects = summary(measure(portal, "/projects", args.loads))
            repository = summary(measure(portal, f"/projects/{library}/repositories/big", args.loads))
            portal.assert_clean()
        finally:
            portal.close()
    finally:
        server.stop()
    result = {
        "projects": args.projects, "artifacts_in_repository": args.artifacts, "seed_seconds": round(seeded, 1),
        "projects_page_first_render": projects, "repository_page_first_render": repository,
        "assets_bytes": assets_bytes(), "portal_target_clean_build_seconds": float(os.environ.get("PORTAL_BUILD_SECONDS", "nan")),
    }
    print(json.dumps(result, indent=2))
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "portal.json"), "w") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
