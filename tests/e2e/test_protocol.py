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
