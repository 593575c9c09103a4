"""Harbor 2.13's audit log ext: `/auditlog-exts` (its event types, with description and result),
`/auditlog-exts/events`, the project listing, and the settings of `/configurations`: event types
switched off, lines forwarded to a syslog receiver over TCP (a real listener in the test), and
lines kept out of the database."""
import hashlib
import json
import socket
import threading
import time

import requests

from conftest import free_port, wait_for
from test_swagger_schema import validate
from test_webhooks import push_image, tar_layer


class SyslogReceiver:
    """A TCP listener that keeps every line it receives."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.endpoint = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self.lines, self.lock = [], threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            threading.Thread(target=self.read, args=(connection,), daemon=True).start()

    def read(self, connection):
        buffer = b""
        while True:
            data = connection.recv(65536)
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                with self.lock:
                    self.lines.append(line.decode())

    def received(self, text):
        with self.lock:
            return [line for line in self.lines if text in line]


def ext_lines(berth, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return requests.get(f"{berth.url}/api/v2.0/auditlog-exts?page_size=100&{params}", auth=berth.auth).json()


def test_audit_log_ext_settings_forwarding_and_listing(berth):
    api, a = f"{berth.url}/api/v2.0", berth.auth
    receiver = SyslogReceiver()
    configurations = f"{api}/configurations"

    # Bad settings are refused and change nothing.
    closed = f"127.0.0.1:{free_port()}"
    for body, words in [({"audit_log_forward_endpoint": closed}, "could not connect"),
                        ({"audit_log_forward_endpoint": "no-port"}, "host:port"),
                        ({"disabled_audit_log_event_types": "pull_artifact,push_everything"}, "unknown audit log event type"),
                        ({"skip_audit_log_database": True}, "forward endpoint should be configured"),
                        ({"skip_audit_log_database": "yes"}, "wrong type"),
                        ({"robot_name_prefix": "bot$"}, "not a configuration")]:
        refused = requests.put(configurations, auth=a, json=body)
        assert refused.status_code == 400 and words in refused.text, (body, refused.text)
    settings = requests.get(configurations, auth=a).json()
    assert settings["audit_log_forward_endpoint"] == {"value": "", "editable": True}
    assert settings["skip_audit_log_database"]["value"] is False

    # Forwarding on, pulls and project creation switched off.
    assert requests.put(configurations, auth=a, json={"audit_log_forward_endpoint": receiver.endpoint,
                                                      "disabled_audit_log_event_types": "pull_artifact, create_project"}).status_code == 200
    settings = requests.get(configurations, auth=a).json()
    assert settings["audit_log_forward_endpoint"]["value"] == receiver.endpoint
    assert settings["disabled_audit_log_event_types"]["value"] == "pull_artifact,create_project"

    assert requests.post(f"{api}/users", auth=a, json={"username": "alice", "email": "alice@example.com", "realname": "Alice",
                                                       "password": "Alice-Passw0rd"}).status_code == 201
    alice = requests.get(f"{api}/users/search?username=alice", auth=a).json()[0]["user_id"]
    assert requests.put(f"{api}/users/{alice}/password", auth=("alice", "Alice-Passw0rd"),
                        json={"old_password": "wrong-one", "new_password": "Alice-Passw0rd2"}).status_code == 403
    assert requests.put(f"{api}/users/{alice}/password", auth=("alice", "Alice-Passw0rd"),
                        json={"old_password": "Alice-Passw0rd", "new_password": "Alice-Passw0rd2"}).status_code == 200
    # `docker login` asks the token service for a token without scope: Harbor's login_user.
    assert requests.get(f"{berth.url}/service/token?service=harbor-registry", auth=("alice", "Alice-Passw0rd2")).status_code == 200
    assert requests.post(f"{api}/projects", auth=a, json={"project_name": "audited"}).status_code == 201
    assert requests.post(f"{api}/projects/audited/members", auth=a,
                         json={"role_id": 1, "member_user": {"username": "alice"}}).status_code == 201
    digest = push_image(berth, "audited/app", "v1", tar_layer("a.txt", 10))
    assert requests.get(f"{berth.url}/v2/audited/app/manifests/v1", auth=a).status_code == 200
    robot = requests.post(f"{api}/robots", auth=a, json={
        "name": "ci", "level": "project", "duration": 30,
        "permissions": [{"kind": "project", "namespace": "audited", "access": [{"resource": "repository", "action": "pull"}]}]})
    assert robot.status_code == 201, robot.text
    assert requests.delete(f"{api}/robots/{robot.json()['id']}", auth=a).status_code == 200
    assert requests.delete(f"{api}/projects/audited/repositories/app/artifacts/v1", auth=a).status_code == 200

    wait_for(lambda: receiver.received("action:delete, resource:audited/app"), timeout=30, what="the forwarded deletion")
    lines = ext_lines(berth)
    validate(lines, "AuditLogExt", array=True)
    seen = {(line["operation"], line["resource_type"], line["resource"]): line for line in lines}
    assert ("create", "user", "alice") in seen and ("login", "user", "alice") in seen
    assert ("create", "artifact", "audited/app:v1") in seen
    assert ("delete", "artifact", f"audited/app@{digest}") in seen
    assert ("create", "robot", "robot$audited+ci") in seen and ("delete", "robot", "robot$audited+ci") in seen
    updates = [line for line in lines if line["operation"] == "update" and line["resource_type"] == "user"]
    assert [u["operation_result"] for u in sorted(updates, key=lambda u: u["id"])] == [False, True], updates
    assert "change password of user with name: alice" in updates[0]["operation_description"]
    assert any(line["resource_type"] == "configuration" and "audit_log_forward_endpoint" in line["operation_description"]
               for line in lines)
    # Switched-off types are neither kept nor forwarded; the pull still counts.
    time.sleep(1.5)  # pulls are written in batches every second
    assert not [line for line in ext_lines(berth) if line["operation"] == "pull" or line["resource_type"] == "project"]
    assert not receiver.received("action:pull") and not receiver.received("resourceType=\"project\"")
    assert requests.get(f"{api}/projects/audited/repositories/app", auth=a).json()["pull_count"] == 1
    # The legacy audit log keeps its own shape and every other line.
    assert any(line["operation"] == "push" for line in requests.get(f"{api}/audit-logs?page_size=100", auth=a).json())

    forwarded = receiver.received("action:create, resource:alice")
    assert forwarded and forwarded[0].startswith("<6>") and " audit[" in forwarded[0] and 'operator="admin"' in forwarded[0]

    # The event types, the project's listing (its admin may read it; a stranger may not), filters.
    events = requests.get(f"{api}/auditlog-exts/events", auth=a).json()
    validate(events, "AuditLogEventType", array=True)
    assert [e["event_type"] for e in events][:3] == ["create_artifact", "delete_artifact", "pull_artifact"] and len(events) == 14
    assert requests.get(f"{api}/auditlog-exts/events", auth=("alice", "Alice-Passw0rd2")).status_code == 403
    project_lines = requests.get(f"{api}/projects/audited/auditlog-exts", auth=("alice", "Alice-Passw0rd2")).json()
    assert {line["resource_type"] for line in project_lines} >= {"artifact", "robot"}
    assert not [line for line in project_lines if line["resource_type"] == "user"]
    assert requests.get(f"{api}/auditlog-exts", auth=("alice", "Alice-Passw0rd2")).json() == project_lines[:10]
    assert [line["resource_type"] for line in ext_lines(berth, q="operation%3Dcreate")] and \
        all(line["operation"] == "create" for line in ext_lines(berth, q="operation%3Dcreate"))
    assert requests.get(f"{api}/auditlog-exts").status_code == 401

    # Kept out of the database: forwarded only.
    assert requests.put(configurations, auth=a, json={"skip_audit_log_database": True}).status_code == 200
    assert requests.post(f"{api}/users", auth=a, json={"username": "bob", "email": "bob@example.com", "realname": "Bob",
                                                       "password": "Bob-Passw0rd1"}).status_code == 201
    wait_for(lambda: receiver.received("action:create, resource:bob"), timeout=30, what="bob's forwarded line")
    assert not [line for line in ext_lines(berth) if line["resource"] == "bob"]
