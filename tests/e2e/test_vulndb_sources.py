"""Advisories from a URL with the real binary and real servers: osv.dev's all.zip format served over
HTTP by Python's http.server, and the same file as an OCI artifact pushed by oras into Debian's
docker-registry behind htpasswd (Basic auth). `berth vulndb import` of either imports exactly what
an import of the local file does; a wrong password is refused in words that do not show it."""
import glob
import json
import os
import subprocess
import sys
import time
import zipfile

import bcrypt
import oras.client
import requests
import yaml

from conftest import ADMIN_PASSWORD, free_port
from test_scanning import VULNDB

REGISTRY_PASSWORD = "Mirror-Passw0rd"


def build_all_zip(path):
    """The PyPI advisories of the shared corpus as osv.dev publishes them: JSON records in a zip."""
    count = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted(glob.glob(os.path.join(VULNDB, "pypi", "**", "*.yaml"), recursive=True)):
            record = yaml.safe_load(open(source))
            archive.writestr(os.path.basename(source)[:-5] + ".json", json.dumps(record, default=str))
            count += 1
    return count


def vulndb_import(binary, data_dir, location, **env):
    result = subprocess.run([binary, "vulndb", "import", location], capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, BERTH_DATA_DIR=data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD, **env))
    return result


def summary(output):
    """The lines that say what was imported, without the time taken."""
    lines = [line for line in output.splitlines() if "advisories" in line]
    lines += [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("imported in")]
    return lines


def start(args, port):
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{args[0]} did not start")


def start_registry(directory):
    """Debian's docker-registry on a free loopback port, behind htpasswd with user `mirror`."""
    port = free_port()
    directory.mkdir()
    with open(directory / "htpasswd", "w") as f:
        f.write("mirror:" + bcrypt.hashpw(REGISTRY_PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode() + "\n")
    config = {"version": 0.1, "log": {"level": "error", "accesslog": {"disabled": True}},
              "storage": {"filesystem": {"rootdirectory": str(directory / "data")}},
              "http": {"addr": f"127.0.0.1:{port}"},
              "auth": {"htpasswd": {"realm": "mirror", "path": str(directory / "htpasswd")}}}
    with open(directory / "config.yml", "w") as f:
        json.dump(config, f)  # JSON is YAML
    return start(["docker-registry", "serve", str(directory / "config.yml")], port), f"127.0.0.1:{port}"


def test_vulndb_import_from_http_and_from_an_oci_artifact(berth_binary, tmp_path, monkeypatch):
    files = tmp_path / "files"
    files.mkdir()
    assert build_all_zip(files / "all.zip") > 200

    local = vulndb_import(berth_binary, str(tmp_path / "local"), str(files / "all.zip"))
    assert local.returncode == 0, local.stderr
    expected = summary(local.stdout)
    assert any(line.strip().startswith("PyPI:") for line in expected), local.stdout

    http_port = free_port()
    http = start([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(files), str(http_port)], http_port)
    try:
        via_http = vulndb_import(berth_binary, str(tmp_path / "http"), f"http://127.0.0.1:{http_port}/all.zip")
        assert via_http.returncode == 0, via_http.stderr
        assert summary(via_http.stdout) == expected, via_http.stdout
        missing = vulndb_import(berth_binary, str(tmp_path / "http"), f"http://127.0.0.1:{http_port}/none.zip")
        assert missing.returncode != 0 and "answered 404" in missing.stderr + missing.stdout
    finally:
        http.terminate()
        http.wait()

    registry, host = start_registry(tmp_path / "registry")
    try:
        client = oras.client.OrasClient(hostname=host, insecure=True, auth_backend="basic")
        client.login(username="mirror", password=REGISTRY_PASSWORD, hostname=host, tls_verify=False)
        monkeypatch.chdir(files)  # oras names the layer by the path it is given
        client.push(target=f"{host}/vulndb/osv:2026-12-06", files=["all.zip"], disable_path_validation=True)

        location = f"oci+http://{host}/vulndb/osv:2026-12-06"
        via_oci = vulndb_import(berth_binary, str(tmp_path / "oci"), location,
                                BERTH_VULNDB_USERNAME="mirror", BERTH_VULNDB_PASSWORD=REGISTRY_PASSWORD)
        assert via_oci.returncode == 0, via_oci.stderr
        assert summary(via_oci.stdout) == expected, via_oci.stdout
        again = vulndb_import(berth_binary, str(tmp_path / "oci"), location,
                              BERTH_VULNDB_USERNAME="mirror", BERTH_VULNDB_PASSWORD=REGISTRY_PASSWORD)
        assert " 0 added, 0 updated, 0 removed" in again.stdout, again.stdout

        refused = vulndb_import(berth_binary, str(tmp_path / "oci"), location,
                                BERTH_VULNDB_USERNAME="mirror", BERTH_VULNDB_PASSWORD="Wrong-Passw0rd")
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0 and "not authorized" in output and "Wrong-Passw0rd" not in output, output
        anonymous = vulndb_import(berth_binary, str(tmp_path / "oci"), location)
        assert anonymous.returncode != 0 and "none are configured" in anonymous.stdout + anonymous.stderr
    finally:
        registry.terminate()
        registry.wait()
