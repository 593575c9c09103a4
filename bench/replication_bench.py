"""Replication and proxy cache against the release binary (issue 9's benchmarks):

- replicate: N images (default 20) of one ~S MiB layer each (default 1 GiB in all), pushed into
  Berth A; a manual push-mode execution to Berth B (harbor adapter), timed from the POST until
  it succeeded, against `skopeo sync` copying the same repositories from A to a fresh Berth C;
  with Berth's default 4 job workers (repositories copied in parallel) and with one (sequential,
  as skopeo sync is).
  Also the latency of an event-based replication: a manifest push on A until B serves it.
- proxy: an image with one L MiB layer (default 256) in Debian's docker-registry; a Berth proxy
  project over it, warmed by one pull. Then skopeo copies of the image to a local directory,
  through the proxy (cached) and straight from docker-registry, alternating, best of three.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
from registry_bench import MiB, PASSWORD, free_port, make_blob, push_blob, start_berth, start_distribution  # noqa: E402

API = "/api/v2.0"


def api(server, method, path, **kwargs):
    response = requests.request(method, server.url + API + path, auth=server.auth, timeout=60, **kwargs)
    assert response.status_code < 300, (method, path, response.status_code, response.text)
    return response


def created_id(response):
    return int(response.headers["Location"].rsplit("/", 1)[1])


def push_image(server, repo, tag, layer, tmp):
    """Pushes a config and the layer (path, digest, size) and a manifest naming them."""
    path, digest, size = layer
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [digest]},
                         "config": {"Labels": {"tag": f"{repo}:{tag}"}}}).encode()
    import hashlib
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    config_path = os.path.join(tmp, config_digest.split(":")[1])
    with open(config_path, "wb") as f:
        f.write(config)
    push_blob(server, config_path, config_digest, repo)
    push_blob(server, path, digest, repo)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size}]})
    put = requests.put(f"{server.url}/v2/{repo}/manifests/{tag}", data=manifest, auth=server.auth, timeout=60,
                       headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert put.status_code == 201, put.text


def wait_execution(server, execution_id, timeout=3600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        execution = api(server, "GET", f"/replication/executions/{execution_id}").json()
        if execution["status"] != "InProgress":
            return execution
        time.sleep(0.05)
    raise RuntimeError("execution did not end")


def replicate(binary, root, images, layer_mib, workers):
    a = start_berth(binary, os.path.join(root, "a"), BERTH_JOBS_WORKERS=str(workers))
    b, c = (start_berth(binary, os.path.join(root, name)) for name in ("b", "c"))
    try:
        api(a, "POST", "/projects", json={"project_name": "bench"})
        api(c, "POST", "/projects", json={"project_name": "bench"})
        blobs = os.path.join(root, "blobs")
        os.makedirs(blobs)
        for i in range(images):
            layer = make_blob(blobs, layer_mib * MiB, i)
            push_image(a, f"bench/img{i}", "v1", layer, blobs)
            os.remove(layer[0])
        total = images * layer_mib
        registry = created_id(api(a, "POST", "/registries", json={
            "name": "b", "type": "harbor", "url": b.url, "credential": {"type": "basic", "access_key": "admin", "access_secret": PASSWORD}}))
        policy = created_id(api(a, "POST", "/replication/policies", json={
            "name": "to-b", "dest_registry": {"id": registry}, "filters": [{"type": "name", "value": "bench/**"}], "enabled": True}))
        start = time.perf_counter()
        execution = wait_execution(a, created_id(api(a, "POST", "/replication/executions", json={"policy_id": policy})))
        berth_seconds = time.perf_counter() - start
        assert execution["status"] == "Succeed" and execution["succeed"] == images, execution

        source = {f"127.0.0.1:{a.port}": {"images": {f"bench/img{i}": [] for i in range(images)}, "tls-verify": False,
                                          "credentials": {"username": "admin", "password": PASSWORD}}}
        yaml_path = os.path.join(root, "sync.yaml")
        with open(yaml_path, "w") as f:
            json.dump(source, f)
        start = time.perf_counter()
        subprocess.run(["skopeo", "sync", "--src", "yaml", "--dest", "docker", "--dest-tls-verify=false",
                        "--dest-creds", f"admin:{PASSWORD}", yaml_path, f"127.0.0.1:{c.port}/bench"],
                       check=True, capture_output=True, timeout=3600)
        skopeo_seconds = time.perf_counter() - start
        listed = requests.get(f"{c.url}/v2/bench/img{images - 1}/tags/list", auth=c.auth, timeout=30).json()
        assert listed.get("tags") == ["v1"], listed

        # Event-based: a push on A until B serves it.
        api(a, "PUT", f"/replication/policies/{policy}", json={"trigger": {"type": "event_based"}})
        small = make_blob(blobs, MiB, 999)
        latencies = []
        for attempt in range(5):
            push_image(a, "bench/events", f"r{attempt}", small, blobs)
            pushed = time.perf_counter()
            while requests.head(f"{b.url}/v2/bench/events/manifests/r{attempt}", auth=b.auth, timeout=10,
                                headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}).status_code != 200:
                if time.perf_counter() - pushed > 60:
                    raise RuntimeError("event-based replication did not arrive")
                time.sleep(0.02)
            latencies.append(time.perf_counter() - pushed)
        return {"images": images, "mib": total, "berth_workers": workers, "berth_seconds": round(berth_seconds, 2), "skopeo_sync_seconds": round(skopeo_seconds, 2),
                "berth_mib_per_s": round(total / berth_seconds, 1), "skopeo_mib_per_s": round(total / skopeo_seconds, 1),
                "ratio_skopeo_over_berth": round(skopeo_seconds / berth_seconds, 2),
                "event_latency_seconds": {"median": round(sorted(latencies)[2], 3), "max": round(max(latencies), 3)}}
    finally:
        for server in (a, b, c):
            server.stop()


def proxy(binary, root, layer_mib):
    upstream = start_distribution(root, with_auth=False)
    berth = start_berth(binary, os.path.join(root, "proxy"))
    try:
        blobs = os.path.join(root, "proxy-blobs")
        os.makedirs(blobs)
        push_image(upstream, "library/big", "v1", make_blob(blobs, layer_mib * MiB, 7), blobs)
        registry = created_id(api(berth, "POST", "/registries", json={"name": "up", "type": "docker-registry", "url": upstream.url}))
        api(berth, "POST", "/projects", json={"project_name": "cache", "registry_id": registry})

        def copy(source, creds):
            target = os.path.join(root, "pulled")
            shutil.rmtree(target, ignore_errors=True)
            args = ["skopeo", "copy", "--src-tls-verify=false"] + (["--src-creds", creds] if creds else [])
            start = time.perf_counter()
            subprocess.run(args + [f"docker://{source}", f"dir:{target}"], check=True, capture_output=True, timeout=600)
            return time.perf_counter() - start

        cold = copy(f"127.0.0.1:{berth.port}/cache/library/big:v1", f"admin:{PASSWORD}")
        deadline = time.time() + 120
        while not requests.get(f"{berth.url}{API}/projects/cache/repositories/library%252Fbig/artifacts", auth=berth.auth, timeout=10).json():
            assert time.time() < deadline, "the proxied image was not cached"
            time.sleep(0.1)
        cached, direct = [], []
        for _ in range(3):
            cached.append(copy(f"127.0.0.1:{berth.port}/cache/library/big:v1", f"admin:{PASSWORD}"))
            direct.append(copy(f"127.0.0.1:{upstream.port}/library/big:v1", None))
        return {"layer_mib": layer_mib, "first_pull_through_seconds": round(cold, 2), "cached_seconds": round(min(cached), 3),
                "direct_from_upstream_seconds": round(min(direct), 3), "ratio_cached_over_direct": round(min(cached) / min(direct), 2)}
    finally:
        berth.stop()
        upstream.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--layer-mib", type=int, default=52)
    parser.add_argument("--proxy-layer-mib", type=int, default=256)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-bench-replication-")
    try:
        results = {"replicate": replicate(args.berth, root, args.images, args.layer_mib, 4),
                   "replicate_one_worker": replicate(args.berth, os.path.join(root, "sequential"), args.images, args.layer_mib, 1),
                   "proxy": proxy(args.berth, root, args.proxy_layer_mib)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(results, indent=2))
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "replication.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
