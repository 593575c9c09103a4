"""The container image scripts/build-image makes (BERTH_IMAGE_LAYOUT, an OCI layout; scripts/test
builds it): pushed into a running Berth with skopeo, pulled back, unpacked with umoci, and the
binary run inside the image's root: `--version`, then a short `serve` that answers."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from conftest import ADMIN_PASSWORD, Berth, free_port, run  # noqa: E402

VERSION_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "HarborAPI", "BerthVersion.swift")


def version():
    text = open(VERSION_FILE).read()
    return text.split('static let current = "')[1].split('"')[0]


@pytest.fixture
def image_layout():
    layout = os.environ.get("BERTH_IMAGE_LAYOUT")
    if not layout:
        pytest.fail("BERTH_IMAGE_LAYOUT is not set: scripts/test builds the image with scripts/build-image")
    return layout


def test_image_round_trips_through_berth_and_runs_from_its_root(image_layout, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("running the binary inside the image's root needs chroot, which needs root")
    tag = version()
    binary = os.environ.get("BERTH_BINARY") or os.path.abspath(".build/debug/berth")
    registry = Berth(binary, str(tmp_path / "registry"), free_port())
    registry.start()
    try:
        target = f"docker://{registry.host}/library/berth:{tag}"
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"admin:{ADMIN_PASSWORD}", f"oci:{image_layout}:{tag}", target)
        pulled = str(tmp_path / "pulled")
        run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", f"admin:{ADMIN_PASSWORD}", target, f"oci:{pulled}:{tag}")
    finally:
        registry.stop()

    bundle = str(tmp_path / "bundle")
    run("umoci", "unpack", "--image", f"{pulled}:{tag}", bundle)
    config = json.load(open(os.path.join(bundle, "config.json")))
    assert config["process"]["args"] == ["/usr/local/bin/berth", "serve"]
    assert config["process"]["user"]["uid"] == 10000
    rootfs = os.path.join(bundle, "rootfs")
    assert not os.path.exists(os.path.join(rootfs, "bin", "sh")), "the image is meant to hold no shell"

    # A container runtime mounts /proc; the Swift runtime reads the process's arguments there.
    os.makedirs(os.path.join(rootfs, "proc"), exist_ok=True)
    subprocess.run(["mount", "-t", "proc", "proc", os.path.join(rootfs, "proc")], check=True)
    try:
        run_inside(rootfs, tag)
    finally:
        subprocess.run(["umount", os.path.join(rootfs, "proc")])
    shutil.rmtree(bundle, ignore_errors=True)


def run_inside(rootfs, tag):
    shown = subprocess.run(["chroot", rootfs, "/usr/local/bin/berth", "--version"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == tag

    port = free_port()
    env = {"BERTH_LISTEN": f"127.0.0.1:{port}", "BERTH_DATA_DIR": "/var/lib/berth", "BERTH_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "BERTH_SHUTDOWN_DRAIN_SECONDS": "0", "PATH": "/usr/local/bin"}
    server = subprocess.Popen([shutil.which("chroot"), "--userspec=10000:10000", rootfs, "/usr/local/bin/berth", "serve"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        answer = None
        while time.time() < deadline and server.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/v2.0/ping", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200 and answer.text == "Pong", server.stdout.read() if server.poll() is not None else "no answer"
        info = requests.get(f"http://127.0.0.1:{port}/api/v2.0/systeminfo", auth=("admin", ADMIN_PASSWORD)).json()
        assert info["harbor_version"] == f"berth-{tag}"
    finally:
        server.terminate()
        server.wait(timeout=30)
