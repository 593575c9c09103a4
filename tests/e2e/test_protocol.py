"""Wire-level behaviour that in-process tests cannot see."""
import hashlib
import socket

import requests


def test_expect_100_continue_is_answered_before_the_body(berth):
    body = b"x" * 4096
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    post = requests.post(f"{berth.url}/v2/library/expect/blobs/uploads/", auth=berth.auth)
    location = post.headers["Location"]
    auth = requests.auth._basic_auth_str(*berth.auth)
    with socket.create_connection(("127.0.0.1", berth.port), timeout=10) as sock:
        sock.sendall((f"PUT {location}?digest={digest} HTTP/1.1\r\nHost: {berth.host}\r\n"
                      f"Authorization: {auth}\r\nContent-Length: {len(body)}\r\n"
                      "Expect: 100-continue\r\n\r\n").encode())
        interim = sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim
        sock.sendall(body)
        final = b""
        while b"\r\n\r\n" not in final:
            final += sock.recv(4096)
        assert final.startswith(b"HTTP/1.1 201 Created"), final
    assert requests.get(f"{berth.url}/v2/library/expect/blobs/{digest}", auth=berth.auth).content == body


def test_root_page_is_the_portal(berth):
    page = requests.get(berth.url + "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    # The portal's page, and for a browser without JavaScript, where the same data is.
    assert '<script type="module" src="/assets/js/app.js">' in page.text and "/api/v2.0" in page.text


def test_blobs_sent_with_sendfile_are_whole_ranged_and_cannot_be_spoofed(berth):
    """Plain-HTTP pulls of committed blobs go out through sendfile (a file region swapped in for
    a marker by the pipeline). Whole and ranged pulls, back-to-back on one connection, are exact;
    a client that sends the pipeline's capability header itself changes nothing; and a client
    that hangs up mid-pull leaves no file open."""
    import os
    data = os.urandom(24 * 1024 * 1024 + 7)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    pushed = requests.post(f"{berth.url}/v2/library/sent/blobs/uploads/?digest={digest}", data=data, auth=berth.auth)
    assert pushed.status_code == 201, pushed.text
    url = f"{berth.url}/v2/library/sent/blobs/{digest}"
    session = requests.Session()
    session.headers["Authorization"] = "Basic Og=="
    for _ in range(3):
        whole = session.get(url)
        assert whole.status_code == 200 and whole.content == data
        ranged = session.get(url, headers={"Range": "bytes=1000-2047"})
        assert ranged.status_code == 206 and ranged.content == data[1000:2048]
        tail = session.get(url, headers={"Range": "bytes=-5"})
        assert tail.content == data[-5:]
    spoofed = session.get(url, headers={"x-berth-sendfile": "00" * 16})
    assert spoofed.content == data

    descriptors = len(os.listdir(f"/proc/{berth.process.pid}/fd"))
    for _ in range(10):
        with socket.create_connection((berth.host.split(":")[0], berth.port)) as raw:
            raw.sendall(f"GET /v2/library/sent/blobs/{digest} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Og==\r\n\r\n".encode())
            raw.recv(65536)
    for _ in range(50):
        if len(os.listdir(f"/proc/{berth.process.pid}/fd")) <= descriptors:
            break
        import time
        time.sleep(0.1)
    assert len(os.listdir(f"/proc/{berth.process.pid}/fd")) <= descriptors
    assert session.get(url).content == data
