"""Issue 12's benchmarks, Berth against distribution (Debian's docker-registry) on this machine:

1. Push and pull of one blob (1 GiB by default) with both registries on S3 storage, the same
   S3-compatible server (moto's server mode on loopback) for both, side by side in one run.
2. Manifest GET requests/s at 64 connections: one Berth node, then two nodes on the same
   PostgreSQL and bucket, each taking half the connections (what a load balancer in front does,
   without a proxy's own cost in the numbers).

Run by bench/s3 (release build, moto, PostgreSQL). Numbers go to bench/results/s3.json.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import tempfile

import boto3
import requests

import registry_bench as rb

MiB = 1 << 20


def bucket(endpoint, name):
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                 aws_secret_access_key="bench-secret").create_bucket(Bucket=name)
    return name


def berth_s3_env(endpoint, name, database_url=None):
    env = {"BERTH_STORAGE_DRIVER": "s3", "BERTH_STORAGE_S3_BUCKET": name, "BERTH_STORAGE_S3_ENDPOINT": endpoint,
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret", "BERTH_SECRET_KEY": "bench-shared-secret-key",
           "BERTH_SHUTDOWN_DRAIN_SECONDS": "0"}
    if database_url:
        env["BERTH_DATABASE_URL"] = database_url
    return env


def start_distribution_s3(root, endpoint, name):
    port = rb.free_port()
    directory = os.path.join(root, "distribution-s3")
    os.makedirs(directory, exist_ok=True)
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"s3": {"region": "us-east-1", "bucket": name, "regionendpoint": endpoint, "accesskey": "bench",
                           "secretkey": "bench-secret", "secure": False, "v4auth": True, "chunksize": 10 * MiB,
                           "forcepathstyle": True},
                    "redirect": {"disable": True}, "delete": {"enabled": True}, "cache": {"blobdescriptor": "inmemory"}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    path = os.path.join(directory, "config.yml")
    with open(path, "w") as f:
        json.dump(config, f)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret")
    # distribution's AWS SDK panics on a custom CA bundle with its own HTTP transport.
    env.pop("AWS_CA_BUNDLE", None)
    return rb.Server("distribution", ["docker-registry", "serve", path], env, port, None, "library/bench")


def blob_round_trip(servers, path, digest, size):
    rows = {}
    for server in servers:
        server.reset_peak_rss()
        push = rb.timed(lambda: rb.push_blob(server, path, digest))
        pull = rb.timed(lambda: rb.pull_blob(server, digest, size))
        rows[server.name] = {"push_s": round(push, 2), "pull_s": round(pull, 2),
                             "push_MBps": round(size / MiB / push, 1), "pull_MBps": round(size / MiB / pull, 1),
                             "peak_rss_MB": round(server.peak_rss_mb(), 1)}
    return rows


def manifest_rate(nodes, seconds, connections=64):
    """Manifest GETs by digest, anonymous (library is public), the connections split over the nodes."""
    path = f"/v2/{nodes[0].repo}/manifests/{nodes[0].manifest_digest}"
    share = connections // len(nodes)
    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        rates = list(pool.map(lambda node: rb.wrk_rate(node, "GET", path, False, seconds, connections=share,
                                                       extra_headers=[rb.ANONYMOUS]), nodes))
    return round(sum(rates))


def push_one_manifest(server):
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    session = requests.Session()
    session.auth = server.auth
    assert session.post(f"{server.url}/v2/{server.repo}/blobs/uploads/?digest={config_digest}", data=config).status_code == 201
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                           "layers": []}).encode()
    answer = session.put(f"{server.url}/v2/{server.repo}/manifests/v1", data=manifest,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert answer.status_code == 201, answer.text
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--s3", required=True, help="S3 endpoint (moto's server)")
    parser.add_argument("--postgres", required=True, help="a PostgreSQL database URL for the two-node part")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-s3-bench-")
    results = {"size_MiB": args.size_mib}
    try:
        path, digest, _ = rb.make_blob(root, args.size_mib * MiB, 1)
        berth = rb.start_berth(args.berth, root, **berth_s3_env(args.s3, bucket(args.s3, "berth-bench")))
        distribution = start_distribution_s3(root, args.s3, bucket(args.s3, "distribution-bench"))
        try:
            rows = blob_round_trip([berth, distribution], path, digest, args.size_mib * MiB)
        finally:
            berth.stop()
            distribution.stop()
        rows["ratio"] = {"push": round(rows["distribution"]["push_s"] / rows["berth"]["push_s"], 2),
                         "pull": round(rows["distribution"]["pull_s"] / rows["berth"]["pull_s"], 2)}
        results["blob_on_s3"] = rows
        os.unlink(path)

        shared = bucket(args.s3, "nodes-bench")
        first = rb.start_berth(args.berth, os.path.join(root, "a"), **berth_s3_env(args.s3, shared, args.postgres))
        first.manifest_digest = push_one_manifest(first)
        one = manifest_rate([first], args.seconds)
        second = rb.start_berth(args.berth, os.path.join(root, "b"), **berth_s3_env(args.s3, shared, args.postgres))
        second.manifest_digest = first.manifest_digest
        two = manifest_rate([first, second], args.seconds)
        first.stop()
        second.stop()
        results["manifest_get_64_connections"] = {"one_node_rps": one, "two_nodes_rps": two, "ratio": round(two / one, 2)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    out = os.path.join(os.path.dirname(__file__), "results", "s3.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
