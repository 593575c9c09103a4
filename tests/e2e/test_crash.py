"""Kill -9 the server in the middle of uploads: nothing partial becomes visible and a chunked
session resumes after the restart."""
import hashlib
import http.client
import os
import time

import requests


def stream_then_die(berth, method, path, total, die_after, headers=None):
    """Sends `total` bytes in a request but kills the server after `die_after` of them."""
    conn = http.client.HTTPConnection("127.0.0.1", berth.port, timeout=10)
    conn.putrequest(method, path)
    conn.putheader("Authorization", requests.auth._basic_auth_str(*berth.auth))
    conn.putheader("Content-Length", str(total))
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    data = os.urandom(die_after)
    conn.send(data)
    time.sleep(0.3)
    berth.kill()
    conn.close()
    return data


def blob_files(berth):
    root = os.path.join(berth.data_dir, "storage", "blobs")
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def test_killed_monolithic_upload_leaves_nothing(berth):
    claimed = "sha256:" + hashlib.sha256(b"never completed").hexdigest()
    stream_then_die(berth, "POST", f"/v2/library/crash/blobs/uploads/?digest={claimed}",
                    total=64 * 1024 * 1024, die_after=8 * 1024 * 1024)
    berth.start()
    assert requests.head(f"{berth.url}/v2/library/crash/blobs/{claimed}", auth=berth.auth).status_code == 404
    assert blob_files(berth) == []


def test_killed_chunked_upload_resumes_after_restart(berth):
    post = requests.post(f"{berth.url}/v2/library/crash/blobs/uploads/", auth=berth.auth)
    assert post.status_code == 202
    location = post.headers["Location"]

    sent = stream_then_die(berth, "PATCH", location, total=32 * 1024 * 1024, die_after=4 * 1024 * 1024)
    berth.start()

    status = requests.get(berth.url + location, auth=berth.auth)
    assert status.status_code == 204
    received = int(status.headers["Range"].split("-")[1]) + 1
    assert 0 < received <= len(sent)
    assert blob_files(berth) == []

    rest = os.urandom(1024 * 1024)
    whole = sent[:received] + rest
    patch = requests.patch(berth.url + location, data=rest, auth=berth.auth,
                           headers={"Content-Range": f"{received}-{received + len(rest) - 1}"})
    assert patch.status_code == 202, patch.text
    digest = "sha256:" + hashlib.sha256(whole).hexdigest()
    put = requests.put(berth.url + patch.headers["Location"] + f"?digest={digest}", auth=berth.auth)
    assert put.status_code == 201, put.text
    pulled = requests.get(f"{berth.url}/v2/library/crash/blobs/{digest}", auth=berth.auth)
    assert pulled.content == whole
