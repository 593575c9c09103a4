"""Push/pull throughput and manifest request rates, Berth vs distribution, same machine, same run.

Every server gets fresh storage under one temporary directory. Blob pushes are one POST and one PUT
with the body streamed by curl; pulls are curl GETs to /dev/null; manifest HEAD/GET rates come from
wrk. Peak RSS of each server is read from /proc (VmHWM, reset before each phase).
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import bcrypt
import requests

PASSWORD = "Bench-Passw0rd"
MiB = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, argv, env, port, auth, repo):
        self.name, self.port, self.auth, self.repo = name, port, auth, repo
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/v2/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.05)

    def reset_peak_rss(self):
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
            f.write("5")

    def peak_rss_mb(self):
        for line in open(f"/proc/{self.process.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def start_berth(binary, root, **extra_env):
    port = free_port()
    env = dict(os.environ, BERTH_LISTEN=f"127.0.0.1:{port}", BERTH_DATA_DIR=os.path.join(root, "berth"),
               BERTH_ADMIN_PASSWORD=PASSWORD, BERTH_LOG_LEVEL="error", **extra_env)
    return Server("berth", [binary, "serve"], env, port, ("admin", PASSWORD), "library/bench")


def start_distribution(root, with_auth):
    port = free_port()
    directory = os.path.join(root, "distribution-auth" if with_auth else "distribution")
    os.makedirs(directory, exist_ok=True)
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": directory}, "delete": {"enabled": True},
                    "cache": {"blobdescriptor": "inmemory"}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    if with_auth:
        htpasswd = os.path.join(directory, "htpasswd")
        with open(htpasswd, "w") as f:
            f.write("admin:" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode() + "\n")
        config["auth"] = {"htpasswd": {"realm": "bench", "path": htpasswd}}
    path = os.path.join(directory, "config.yml")
    with open(path, "w") as f:
        json.dump(config, f)  # JSON is YAML
    return Server("distribution", ["docker-registry", "serve", path], dict(os.environ), port,
                  ("admin", PASSWORD) if with_auth else None, "library/bench")


def make_blob(directory, size, seed):
    """Random first 4 KiB (distinct per blob) then a repeating pattern; written once, hashed once."""
    path = os.path.join(directory, f"blob-{size}-{seed}")
    digest = hashlib.sha256()
    chunk = os.urandom(MiB)
    with open(path, "wb") as f:
        head = os.urandom(4096)
        f.write(head)
        digest.update(head)
        left = size - len(head)
        while left > 0:
            piece = chunk[:min(left, MiB)]
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return path, "sha256:" + digest.hexdigest(), size


def curl_auth(server):
    return ["-u", f"{server.auth[0]}:{server.auth[1]}"] if server.auth else []


def push_blob(server, path, digest, repo=None):
    """POST then a streamed PUT of the whole body (curl -T does not load the file into memory)."""
    repo = repo or server.repo
    session = requests.Session()
    session.auth = server.auth
    post = session.post(f"{server.url}/v2/{repo}/blobs/uploads/")
    assert post.status_code == 202, (server.name, post.status_code, post.text)
    location = post.headers["Location"]
    if location.startswith("/"):
        location = server.url + location
    separator = "&" if "?" in location else "?"
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", path,
                          "-H", "Content-Type: application/octet-stream", *curl_auth(server),
                          f"{location}{separator}digest={digest}"], capture_output=True, text=True, check=True)
    assert out.stdout == "201", (server.name, out.stdout, out.stderr)


def pull_blob(server, digest, size, repo=None):
    repo = repo or server.repo
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                          *(curl_auth(server) or ["-H", ANONYMOUS]),
                          f"{server.url}/v2/{repo}/blobs/{digest}"], capture_output=True, text=True, check=True)
    assert out.stdout == f"200 {size}", (server.name, out.stdout, out.stderr)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def manifest_for(config_digest, config_size, layer_digest, layer_size, i):
    return json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
        "annotations": {"bench.index": str(i)},
    }).encode()


def push_manifests(server, count, workers, small_blob):
    """`count` distinct manifests (each with its own tag) pushed by `workers` clients."""
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    session = requests.Session()
    session.auth = server.auth
    post = session.post(f"{server.url}/v2/{server.repo}/blobs/uploads/?digest={config_digest}", data=config)
    if post.status_code == 202:  # distribution ignores the monolithic POST body: finish with PUT
        location = post.headers["Location"]
        location = server.url + location if location.startswith("/") else location
        sep = "&" if "?" in location else "?"
        assert session.put(f"{location}{sep}digest={config_digest}", data=config).status_code == 201
    layer_path, layer_digest, layer_size = small_blob
    push_blob(server, layer_path, layer_digest)

    def worker(indices):
        s = requests.Session()
        s.auth = server.auth
        for i in indices:
            body = manifest_for(config_digest, len(config), layer_digest, layer_size, i)
            r = s.put(f"{server.url}/v2/{server.repo}/manifests/t{i}", data=body,
                      headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            assert r.status_code == 201, (server.name, r.status_code, r.text)

    chunks = [list(range(w, count, workers)) for w in range(workers)]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, chunks))
    return count / (time.perf_counter() - start)


# Anonymous pulls: Berth (like Harbor) challenges requests without an Authorization header, and
# takes the empty Basic pair containers/image sends as anonymous; distribution without auth
# ignores the header.
ANONYMOUS = "Authorization: Basic Og=="


def wrk_rate(server, method, path, with_auth, seconds, connections=8, extra_headers=(), expect_status=200):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f'wrk.method = "{method}"\n'
                 'wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n')
    if with_auth and server.auth:
        token = base64.b64encode(f"{server.auth[0]}:{server.auth[1]}".encode()).decode()
        script.write(f'wrk.headers["Authorization"] = "Basic {token}"\n')
    for header in extra_headers:
        name, value = header.split(": ", 1)
        script.write(f'wrk.headers["{name}"] = "{value}"\n')
    script.write('done = function(summary, latency, requests)\n'
                 '  io.write(string.format("BENCH %d %d %d\\n", summary.requests, summary.duration, '
                 'summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))\n'
                 'end\n')
    script.close()
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", script.name,
                          server.url + path], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(l for l in out.splitlines() if l.startswith("BENCH"))
    requests_done, duration_us, errors = map(int, line.split()[1:])
    assert errors == 0, (server.name, method, path, out)
    # wrk counts any status other than 2xx/3xx as an error; a 200 where 206 is expected is not.
    probe = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", method,
                            "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                            *(curl_auth(server) if with_auth else []),
                            *[arg for h in extra_headers for arg in ("-H", h)], server.url + path],
                           capture_output=True, text=True, check=True).stdout
    assert probe == str(expect_status), (server.name, path, probe)
    return requests_done / (duration_us / 1e6)


def hey_rate(server, method, path, with_auth, seconds, connections=8, extra_headers=()):
    """HEAD rates come from hey: wrk 4.1 waits forever for the body a HEAD response announces."""
    args = ["hey", "-z", f"{seconds}s", "-c", str(connections), "-m", method,
            "-H", "Accept: application/vnd.oci.image.manifest.v1+json"]
    if with_auth and server.auth:
        token = base64.b64encode(f"{server.auth[0]}:{server.auth[1]}".encode()).decode()
        args += ["-H", f"Authorization: Basic {token}"]
    for header in extra_headers:
        args += ["-H", header]
    out = subprocess.run(args + [server.url + path], capture_output=True, text=True, check=True).stdout
    statuses = [l.split() for l in out.splitlines() if l.strip().startswith("[") and "responses" in l]
    assert all(s[0] == "[200]" for s in statuses), (server.name, out[-500:])
    return float(next(l for l in out.splitlines() if "Requests/sec" in l).split()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="berth-bench-", dir=args.workdir)
    big = 256 * MiB if args.quick else 1024 * MiB
    medium = 32 * MiB if args.quick else 100 * MiB
    seconds = 3 if args.quick else 8
    manifests = 100 if args.quick else 500
    rows = []
    servers = []
    try:
        berth = start_berth(args.berth, root)
        dist = start_distribution(root, with_auth=False)
        dist_auth = start_distribution(root, with_auth=True)
        servers = [berth, dist, dist_auth]
        data = os.path.join(root, "data")
        os.makedirs(data)

        def compare(name, unit, measure, peers=(berth, dist), higher_is_better=True):
            results = {}
            for server in peers:
                # Flush the writes of earlier steps (test files, the other server's pushes) first,
                # so that no server pays for another's write-back.
                os.sync()
                server.reset_peak_rss()
                value = measure(server)
                results[server.name] = (value, server.peak_rss_mb())
            b, d = results["berth"][0], results["distribution"][0]
            ratio = b / d if higher_is_better else d / b
            rows.append((name, unit, b, d, ratio, results["berth"][1], results["distribution"][1]))
            print(f"{name:<44} {unit:>6} berth {b:10.1f}  distribution {d:10.1f}  ratio {ratio:5.2f}x  "
                  f"peak RSS {results['berth'][1]:6.0f} / {results['distribution'][1]:6.0f} MB", flush=True)

        for size, label in [(big, f"{big // MiB} MiB"), (medium, f"{medium // MiB} MiB")]:
            blobs = {s.name: make_blob(data, size, s.name) for s in (berth, dist)}
            compare(f"push {label} blob, 1 stream", "MB/s",
                    lambda s: size / MiB / timed(lambda: push_blob(s, blobs[s.name][0], blobs[s.name][1])))
            # Best of 3: one pull of a blob that is in the page cache varies by 20% run to run.
            compare(f"pull {label} blob, 1 stream, best of 3", "MB/s",
                    lambda s: max(size / MiB / timed(lambda: pull_blob(s, blobs[s.name][1], size)) for _ in range(3)))
            if size == big:
                def pull_concurrently(s, streams=8):
                    def run():
                        with concurrent.futures.ThreadPoolExecutor(streams) as pool:
                            list(pool.map(lambda _: pull_blob(s, blobs[s.name][1], size), range(streams)))
                    return streams * size / MiB / timed(run)
                compare(f"pull {label} blob, 8 concurrent streams, total", "MB/s", pull_concurrently)
                # A ranged GET near the end must seek, not read up to it.
                tail = f"bytes={size - 65536}-{size - 1}"
                compare(f"ranged GET, last 64 KiB of {label}, wrk c=8", "req/s",
                        lambda s: wrk_rate(s, "GET", f"/v2/{s.repo}/blobs/{blobs[s.name][1]}", False, seconds,
                                           extra_headers=[f"Range: {tail}", ANONYMOUS], expect_status=206))
            for path, _, _ in blobs.values():
                os.unlink(path)

        count = 48 if args.quick else 96
        small = {s.name: [make_blob(data, MiB, f"{s.name}-{i}") for i in range(count)] for s in (berth, dist)}

        def push_small(s):
            def run():
                with concurrent.futures.ThreadPoolExecutor(8) as pool:
                    list(pool.map(lambda b: push_blob(s, b[0], b[1]), small[s.name]))
            return count / timed(run)

        def pull_small(s):
            def run():
                with concurrent.futures.ThreadPoolExecutor(8) as pool:
                    list(pool.map(lambda b: pull_blob(s, b[1], b[2]), small[s.name] * 4))
            return count * 4 / timed(run)

        compare("push 1 MiB blobs, 8 clients", "req/s", push_small)
        compare("pull 1 MiB blobs, 8 clients", "req/s", pull_small)

        compare(f"push {manifests} manifests, 8 clients", "req/s",
                lambda s: push_manifests(s, manifests, 8, small[s.name][0]))
        path = "/v2/library/bench/manifests/t1"
        # Each server holds its own manifests (their layers differ), so each has its own digest path.
        digest_paths = {s.name: "/v2/library/bench/manifests/" + requests.head(
            s.url + path, headers={"Authorization": ANONYMOUS.split(": ", 1)[1],
                                   "Accept": "application/vnd.oci.image.manifest.v1+json"}).headers["Docker-Content-Digest"]
            for s in (berth, dist)}
        token = requests.get(berth.url + "/service/token", auth=berth.auth,
                             params={"service": "harbor-registry", "scope": "repository:library/bench:pull"}).json()["token"]
        bearer = f"Authorization: Bearer {token}"
        # Issue 14 section 8: Berth with a Bearer token (what real clients send) and anonymously,
        # each against distribution without auth (its fastest mode), by tag and by digest.
        for reference in ("tag", "digest"):
            paths = {s.name: path if reference == "tag" else digest_paths[s.name] for s in (berth, dist)}
            for method, rate in (("HEAD", hey_rate), ("GET", wrk_rate)):
                tool = "hey" if method == "HEAD" else "wrk"
                compare(f"manifest {method} by {reference}, anonymous, {tool} c=8", "req/s",
                        lambda s: rate(s, method, paths[s.name], False, seconds, extra_headers=[ANONYMOUS]))
                distribution_rate = rows[-1][3]
                berth_rate = rate(berth, method, paths["berth"], False, seconds, extra_headers=[bearer])
                name = f"manifest {method} by {reference}, Berth Bearer vs distribution anonymous"
                rows.append((name, "req/s", berth_rate, distribution_rate, berth_rate / distribution_rate, berth.peak_rss_mb(), float("nan")))
                print(f"{name:<44}  req/s berth {berth_rate:10.1f}  distribution {distribution_rate:10.1f}  "
                      f"ratio {berth_rate / distribution_rate:5.2f}x", flush=True)

        # Same auth mode: Basic credentials on every request, distribution with htpasswd (bcrypt).
        push_manifests(dist_auth, 2, 2, small["distribution"][1])
        dist_auth_named = dist_auth
        dist_auth_named.name = "distribution"
        compare("manifest HEAD by tag, Basic auth, hey c=8", "req/s",
                lambda s: hey_rate(s, "HEAD", path, True, seconds), peers=(berth, dist_auth_named))
        compare("manifest GET by tag, Basic auth, wrk c=8", "req/s",
                lambda s: wrk_rate(s, "GET", path, True, seconds), peers=(berth, dist_auth_named))

        # Issue 3: token issuance (Berth only: distribution has no token service of its own).
        token_path = "/service/token?service=harbor-registry&scope=repository:library/bench:pull,push"
        token_rate = wrk_rate(berth, "GET", token_path, True, seconds)
        for name, value in [("token issuance (Basic admin), wrk c=8", token_rate)]:
            rows.append((name, "req/s", value, float("nan"), float("nan"), berth.peak_rss_mb(), float("nan")))
            print(f"{name:<44}  req/s berth {value:10.1f}", flush=True)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(root, ignore_errors=True)

    os.makedirs("bench/results", exist_ok=True)
    with open("bench/results/latest.md", "w") as f:
        f.write("| workload | unit | Berth | distribution | ratio | peak RSS Berth (MB) | peak RSS distribution (MB) |\n")
        f.write("|---|---|---|---|---|---|---|\n")
        for name, unit, b, d, ratio, rb, rd in rows:
            cells = [f"{v:.1f}" if v == v else "-" for v in (b, d)] + [f"{ratio:.2f}x" if ratio == ratio else "-"]
            cells += [f"{v:.0f}" if v == v else "-" for v in (rb, rd)]
            f.write(f"| {name} | {unit} | " + " | ".join(cells) + " |\n")
    print("\nwritten to bench/results/latest.md")


if __name__ == "__main__":
    main()
