"""Webhooks end to end: policies through Harbor's API, and a real HTTP receiver (a server in the
test) that gets each of the ten event types once per occurrence, in the Default and CloudEvents
formats and as a Slack message, with the policy's auth header; stopped and started again, it gets
the deliveries it missed."""
import gzip
import hashlib
import io
import json
import os
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from conftest import ADMIN_PASSWORD, free_port, run, wait_for
from test_scanning import VULNDB
from test_swagger_schema import validate

ALL_TYPES = ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING",
             "SCANNING_FAILED", "SCANNING_STOPPED", "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION"]
CLOUD_TYPES = {"PUSH_ARTIFACT": "harbor.artifact.pushed", "PULL_ARTIFACT": "harbor.artifact.pulled",
               "DELETE_ARTIFACT": "harbor.artifact.deleted", "QUOTA_EXCEED": "harbor.quota.exceeded",
               "QUOTA_WARNING": "harbor.quota.warned", "SCANNING_FAILED": "harbor.scan.failed",
               "SCANNING_STOPPED": "harbor.scan.stopped", "SCANNING_COMPLETED": "harbor.scan.completed",
               "REPLICATION": "harbor.replication.status.changed", "TAG_RETENTION": "harbor.tag_retention.finished"}


class Receiver:
    """An HTTP server that records every POST (path, headers, JSON body) and answers 200."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received = []
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def at(self, path):
        with self.lock:
            return [(headers, body) for p, headers, body in self.received if p == path]


def push_blob(berth, repository, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    response = requests.post(f"{berth.url}/v2/{repository}/blobs/uploads/?digest={digest}", data=data, auth=berth.auth)
    return digest, response.status_code


def push_image(berth, repository, tag, layer, layer_type="application/vnd.oci.image.layer.v1.tar"):
    """Pushes a one-layer image; returns its digest, or the status of the first refused request."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": tag,
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}).encode()
    descriptors = []
    for data in (config, layer):
        digest, status = push_blob(berth, repository, data)
        if status != 201:
            return status
        descriptors.append({"digest": digest, "size": len(data)})
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **descriptors[0]},
                           "layers": [{"mediaType": layer_type, **descriptors[1]}]}).encode()
    response = requests.put(f"{berth.url}/v2/{repository}/manifests/{tag}", data=manifest, auth=berth.auth,
                            headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    return "sha256:" + hashlib.sha256(manifest).hexdigest() if response.status_code == 201 else response.status_code


def tar_layer(name, size):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = size
        tar.addfile(info, io.BytesIO(os.urandom(size)))
    return buffer.getvalue()


def test_webhook_policies_validate_and_answer_in_harbors_shapes(berth):
    api, a = f"{berth.url}/api/v2.0", berth.auth
    assert requests.post(f"{api}/projects", auth=a, json={"project_name": "shapes"}).status_code == 201
    base = f"{api}/projects/shapes/webhook/policies"
    good = {"name": "ci", "enabled": True, "event_types": ["PUSH_ARTIFACT"],
            "targets": [{"type": "http", "address": "https://ci.example.com/hook/", "auth_header": "Bearer x"}]}
    created = requests.post(base, auth=a, json=good)
    assert created.status_code == 201 and created.headers["Location"].endswith("/webhook/policies/1"), created.text
    assert requests.post(base, auth=a, json=good).status_code == 409
    for bad, words in [({**good, "name": "x", "targets": [{"type": "http", "address": "not a url"}]}, "address"),
                       ({**good, "name": "x", "targets": [{"type": "http", "address": "ftp://example.com/x"}]}, "address"),
                       ({**good, "name": "x", "event_types": ["PUSH_IMAGE"]}, "unsupported event type"),
                       ({**good, "name": "x", "event_types": []}, "empty event type"),
                       ({**good, "name": "x", "targets": []}, "empty notification target"),
                       ({**good, "name": "x", "targets": [{"type": "email", "address": "http://a"}]}, "unsupported target type"),
                       ({**good, "name": "x", "targets": [{"type": "slack", "address": "http://a", "payload_format": "Default"}]}, "slack"),
                       ({**good, "name": "x", "targets": [{"type": "http", "address": "http://a", "payload_format": "XML"}]}, "payload format"),
                       ({**good, "name": ""}, "name")]:
        refused = requests.post(base, auth=a, json=bad)
        assert refused.status_code == 400 and words in refused.text, (bad, refused.text)
    assert requests.post(base, auth=a, data="{not json", headers={"Content-Type": "application/json"}).status_code == 400
    listed = requests.get(base, auth=a).json()
    assert [p["name"] for p in listed] == ["ci"], "nothing stored by refused requests"
    policy = listed[0]
    assert policy["targets"][0]["address"] == "https://ci.example.com/hook" and policy["targets"][0]["payload_format"] == "Default"
    assert policy["creator"] == "admin"
    validate(listed, "WebhookPolicy", array=True)
    validate(requests.get(f"{base}/1", auth=a).json(), "WebhookPolicy")
    validate(requests.get(f"{api}/projects/shapes/webhook/events", auth=a).json(), "SupportedWebhookEventTypes")
    validate(requests.get(f"{api}/projects/shapes/webhook/lasttrigger", auth=a).json(), "WebhookLastTrigger", array=True)

    # Only project admins (and system admins) manage policies; anonymous callers are asked to log in.
    assert requests.post(f"{api}/users", auth=a, json={"username": "dev", "email": "dev@example.com", "realname": "Dev",
                                                       "password": "Dev-Passw0rd"}).status_code == 201
    assert requests.post(f"{api}/projects/shapes/members", auth=a,
                         json={"role_id": 2, "member_user": {"username": "dev"}}).status_code == 201
    assert requests.get(base, auth=("dev", "Dev-Passw0rd")).status_code == 403
    assert requests.get(base).status_code == 401
    # Maintainers may read policies, with auth headers masked.
    assert requests.post(f"{api}/users", auth=a, json={"username": "keeper", "email": "keeper@example.com", "realname": "Keeper",
                                                       "password": "Keeper-Passw0rd"}).status_code == 201
    assert requests.post(f"{api}/projects/shapes/members", auth=a,
                         json={"role_id": 4, "member_user": {"username": "keeper"}}).status_code == 201
    assert requests.get(base, auth=("keeper", "Keeper-Passw0rd")).json()[0]["targets"][0]["auth_header"] == "*****"
    assert requests.get(f"{base}/1", auth=a).json()["targets"][0]["auth_header"] == "Bearer x"
    assert requests.post(base, auth=("keeper", "Keeper-Passw0rd"), json={**good, "name": "k"}).status_code == 403
    # A query string (chat services' tokens) is kept; credentials in the URL are refused.
    chat = {**good, "name": "chat", "targets": [{"type": "slack", "address": "https://hooks.example.com/services/T1/B2?token=abc"}]}
    assert requests.post(base, auth=a, json=chat).status_code == 201
    assert next(p for p in requests.get(base, auth=a).json() if p["name"] == "chat")["targets"][0]["address"] == chat["targets"][0]["address"]
    refused = requests.post(base, auth=a, json={**good, "name": "x", "targets": [{"type": "http", "address": "http://u:p@example.com/x"}]})
    assert refused.status_code == 400 and "auth_header" in refused.text
    updated = requests.put(f"{base}/1", auth=a, json={**good, "name": "ci-renamed", "enabled": False})
    assert updated.status_code == 200, updated.text
    assert requests.get(f"{base}/1", auth=a).json()["name"] == "ci-renamed"
    # A masked header sent back keeps the stored one.
    kept = requests.get(f"{base}/1", auth=a).json()
    kept["targets"][0]["auth_header"] = "*****"
    assert requests.put(f"{base}/1", auth=a, json=kept).status_code == 200
    assert requests.get(f"{base}/1", auth=a).json()["targets"][0]["auth_header"] == "Bearer x"
    assert requests.delete(f"{base}/1", auth=a).status_code == 200
    assert requests.get(f"{base}/1", auth=a).status_code == 404


def test_every_event_type_reaches_the_receiver_once_in_each_format(berth, berth_binary):
    api, a = f"{berth.url}/api/v2.0", berth.auth
    # The scanner refuses to call an image clean without advisories: a small part of the corpus.
    run(berth_binary, "vulndb", "import", os.path.join(VULNDB, "crates"),
        env=dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD))
    receiver = Receiver()
    receiver.start()
    try:
        assert requests.post(f"{api}/projects", auth=a, json={"project_name": "hooks"}).status_code == 201
        assert requests.post(f"{api}/projects", auth=a, json={"project_name": "mirror"}).status_code == 201
        project_id = requests.get(f"{api}/projects/hooks", auth=a).json()["project_id"]
        base = f"{api}/projects/hooks/webhook/policies"
        for name, target in [("default", {"type": "http", "address": receiver.url + "/default", "auth_header": "Bearer hook-secret"}),
                             ("cloud", {"type": "http", "address": receiver.url + "/cloud", "payload_format": "CloudEvents"})]:
            assert requests.post(base, auth=a, json={"name": name, "enabled": True, "event_types": ALL_TYPES,
                                                     "targets": [target]}).status_code == 201
        assert requests.post(base, auth=a, json={"name": "chat", "enabled": True, "event_types": ["PUSH_ARTIFACT"],
                                                 "targets": [{"type": "slack", "address": receiver.url + "/slack"}]}).status_code == 201
        assert requests.post(base, auth=a, json={"name": "off", "enabled": False, "event_types": ALL_TYPES,
                                                 "targets": [{"type": "http", "address": receiver.url + "/off"}]}).status_code == 201
        default_id = next(p["id"] for p in requests.get(base, auth=a).json() if p["name"] == "default")

        # Pushes, a pull, a deletion.
        first = push_image(berth, "hooks/app", "v1", tar_layer("one.txt", 100))
        second = push_image(berth, "hooks/app", "v2", tar_layer("two.txt", 100))
        broken = push_image(berth, "hooks/broken", "v1", os.urandom(300), "application/vnd.oci.image.layer.v1.tar+gzip")
        assert all(isinstance(d, str) for d in (first, second, broken))
        assert requests.get(f"{berth.url}/v2/hooks/app/manifests/v1", auth=a).status_code == 200

        # Scans: one stopped while queued, one that fails (the layer is not gzip), one that completes.
        queue = f"{api}/jobservice/queues/IMAGE_SCAN"
        assert requests.put(queue, auth=a, json={"action": "pause"}).status_code == 200
        assert requests.post(f"{api}/projects/hooks/repositories/app/artifacts/v1/scan", auth=a).status_code == 202
        assert requests.post(f"{api}/projects/hooks/repositories/app/artifacts/v1/scan/stop", auth=a).status_code == 202
        assert requests.put(queue, auth=a, json={"action": "resume"}).status_code == 200
        assert requests.post(f"{api}/projects/hooks/repositories/app/artifacts/v2/scan", auth=a).status_code == 202
        assert requests.post(f"{api}/projects/hooks/repositories/broken/artifacts/v1/scan", auth=a).status_code == 202

        # Replication of hooks/app to the mirror project, through this Berth's own address.
        registry = requests.post(f"{api}/registries", auth=a, json={
            "name": "self", "type": "harbor", "url": berth.url,
            "credential": {"type": "basic", "access_key": "admin", "access_secret": a[1]}})
        assert registry.status_code == 201, registry.text
        registry_id = int(registry.headers["Location"].rsplit("/", 1)[1])
        policy = requests.post(f"{api}/replication/policies", auth=a, json={
            "name": "to-mirror", "dest_registry": {"id": registry_id}, "dest_namespace": "mirror",
            "filters": [{"type": "name", "value": "hooks/app"}, {"type": "tag", "value": "v2"}],
            "trigger": {"type": "manual"}, "enabled": True})
        assert policy.status_code == 201, policy.text
        policy_id = int(policy.headers["Location"].rsplit("/", 1)[1])
        assert requests.post(f"{api}/replication/executions", auth=a, json={"policy_id": policy_id}).status_code == 201

        received = lambda: {body["type"] for _, body in receiver.at("/default")}
        wait_for(lambda: {"SCANNING_FAILED", "SCANNING_COMPLETED", "SCANNING_STOPPED", "REPLICATION"} <= received(), timeout=120,
                 what=lambda: f"the scan and replication events (received {sorted(received())})")

        # Retention keeps the newest of hooks/app and deletes v1.
        retention = requests.post(f"{api}/retentions", auth=a, json={
            "algorithm": "or", "scope": {"level": "project", "ref": project_id}, "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
            "rules": [{"action": "retain", "template": "latestPushedK", "params": {"latestPushedK": 1},
                       "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                       "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "app"}]}}]})
        assert retention.status_code == 201, retention.text
        retention_id = retention.headers["Location"].rsplit("/", 1)[1]
        assert requests.post(f"{api}/retentions/{retention_id}/executions", auth=a, json={"dry_run": False}).status_code == 201

        wait_for(lambda: "TAG_RETENTION" in received(), what="the retention run")
        assert requests.delete(f"{api}/projects/hooks/repositories/broken/artifacts/v1", auth=a).status_code == 200

        # The quota: nearly full after one more push (a warning), then a push that does not fit.
        quota = requests.get(f"{api}/quotas?reference=project&reference_id={project_id}", auth=a).json()[0]
        used, third = quota["used"]["storage"], tar_layer("three.txt", 1500)
        # Room for the third image (its config and manifest are under 1 KiB) and less than 15% more.
        hard = used + len(third) + 1500
        assert requests.put(f"{api}/quotas/{quota['id']}", auth=a, json={"hard": {"storage": hard}}).status_code == 200
        assert isinstance(push_image(berth, "hooks/app", "v3", third), str)
        assert requests.get(f"{api}/quotas/{quota['id']}", auth=a).json()["used"]["storage"] * 100 >= hard * 85
        assert push_image(berth, "hooks/app", "v4", tar_layer("four.txt", 6000)) == 403

        wait_for(lambda: set(ALL_TYPES) <= received(), what=lambda: f"every event type (received {sorted(received())})")
        wait_for(lambda: len(receiver.at("/cloud")) >= len(receiver.at("/default")), what="the CloudEvents deliveries")
        time.sleep(2)  # anything sent twice would have arrived by now

        default = receiver.at("/default")
        counts = {t: sum(1 for _, body in default if body["type"] == t) for t in ALL_TYPES}
        # Three images pushed before the quota, one after it.
        assert counts == {**{t: 1 for t in ALL_TYPES}, "PUSH_ARTIFACT": 4}, counts
        assert all(headers.get("Authorization") == "Bearer hook-secret" for headers, _ in default)
        assert all(headers.get("Content-Type") == "application/json" for headers, _ in default)
        by_type = {body["type"]: body for _, body in default}
        push = next(body for _, body in default if body["type"] == "PUSH_ARTIFACT" and body["event_data"]["resources"][0]["tag"] == "v1")
        assert push["operator"] == "admin" and isinstance(push["occur_at"], int)
        assert push["event_data"]["repository"] == {"name": "app", "namespace": "hooks", "repo_full_name": "hooks/app", "repo_type": "private"}
        assert push["event_data"]["resources"][0] == {"digest": first, "tag": "v1", "resource_url": f"{berth.host}/hooks/app:v1"}
        assert by_type["PULL_ARTIFACT"]["event_data"]["resources"][0]["digest"] == first
        assert by_type["DELETE_ARTIFACT"]["event_data"]["resources"][0]["digest"] == broken
        assert "quota usage reach" in by_type["QUOTA_WARNING"]["event_data"]["custom_attributes"]["Details"]
        assert "exceed" in by_type["QUOTA_EXCEED"]["event_data"]["custom_attributes"]["Details"]
        completed = by_type["SCANNING_COMPLETED"]["event_data"]
        assert completed["resources"][0]["digest"] == second and completed["scan"] == {"scan_type": "vulnerability"}
        overview = completed["resources"][0]["scan_overview"]["application/vnd.security.vulnerability.report; version=1.1"]
        assert overview["scan_status"] == "Success" and overview["complete_percent"] == 100
        assert by_type["SCANNING_FAILED"]["event_data"]["resources"][0]["digest"] == broken
        assert by_type["SCANNING_STOPPED"]["event_data"]["resources"][0]["digest"] == first
        replication = by_type["REPLICATION"]["event_data"]["replication"]
        assert replication["job_status"] == "Success" and replication["successful_artifact"][0]["name_tag"] == "hooks/app:v2"
        assert replication["dest_resource"]["namespace"] == "mirror"
        retained = by_type["TAG_RETENTION"]["event_data"]["retention"]
        assert retained["project_name"] == "hooks" and retained["deleted_artifact"][0]["name_tag"] == "hooks/app:v1", retained

        cloud = receiver.at("/cloud")
        assert sorted(body["type"] for _, body in cloud) == sorted(CLOUD_TYPES[body["type"]] for _, body in default)
        headers, event = next((h, b) for h, b in cloud if b["type"] == "harbor.artifact.pushed")
        assert headers["Content-Type"] == "application/cloudevents+json" and "Authorization" not in headers
        assert event["specversion"] == "1.0" and event["source"].startswith(f"/projects/{project_id}/webhook/policies/")
        assert event["datacontenttype"] == "application/json" and event["operator"] == "admin" and event["id"]
        assert event["data"]["repository"]["repo_full_name"] == "hooks/app"

        slack = receiver.at("/slack")
        assert len(slack) == 4 and "*event_type:* PUSH_ARTIFACT" in json.dumps(slack[0][1]["blocks"])
        assert receiver.at("/off") == []

        # Executions, tasks and logs of the deliveries, in the swagger's shapes.
        executions = requests.get(f"{base}/{default_id}/executions?page_size=100", auth=a)
        assert executions.headers["X-Total-Count"] == str(len(default))
        validate(executions.json(), "Execution", array=True)
        execution = executions.json()[0]
        assert execution["vendor_type"] == "WEBHOOK" and execution["trigger"] == "EVENT" and execution["status"] == "Success"
        assert json.loads(execution["extra_attrs"]["payload"])["type"] == execution["extra_attrs"]["event_type"]
        tasks = requests.get(f"{base}/{default_id}/executions/{execution['id']}/tasks", auth=a).json()
        validate(tasks, "Task", array=True)
        log = requests.get(f"{base}/{default_id}/executions/{execution['id']}/tasks/{tasks[0]['id']}/log", auth=a).text
        assert "answered 200" in log and "hook-secret" not in log
        triggers = requests.get(f"{api}/projects/hooks/webhook/lasttrigger", auth=a).json()
        validate(triggers, "WebhookLastTrigger", array=True)
        assert all(t.get("last_trigger_time") for t in triggers if t["policy_name"] == "default")
    finally:
        receiver.stop()


def test_deliveries_missed_while_the_receiver_is_down_arrive_when_it_is_back(berth):
    api, a = f"{berth.url}/api/v2.0", berth.auth
    receiver = Receiver()
    receiver.start()
    try:
        assert requests.post(f"{api}/projects", auth=a, json={"project_name": "flaky"}).status_code == 201
        base = f"{api}/projects/flaky/webhook/policies"
        assert requests.post(base, auth=a, json={"name": "hook", "enabled": True, "event_types": ["PUSH_ARTIFACT"],
                                                 "targets": [{"type": "http", "address": receiver.url + "/in"}]}).status_code == 201
        push_image(berth, "flaky/app", "before", tar_layer("a", 10))
        wait_for(lambda: len(receiver.at("/in")) == 1, what="the first delivery")

        receiver.stop()
        for tag in ("down1", "down2", "down3"):
            assert isinstance(push_image(berth, "flaky/app", tag, tar_layer(tag, 10)), str)
        policy_id = requests.get(base, auth=a).json()[0]["id"]

        def failed_attempts():
            executions = requests.get(f"{base}/{policy_id}/executions?page_size=10", auth=a).json()
            logs = []
            for execution in executions:
                for task in requests.get(f"{base}/{policy_id}/executions/{execution['id']}/tasks", auth=a).json():
                    logs.append(requests.get(f"{base}/{policy_id}/executions/{execution['id']}/tasks/{task['id']}/log", auth=a).text)
            return sum(1 for text in logs if "not delivered" in text) >= 3
        wait_for(failed_attempts, timeout=30, what="the deliveries to fail while the receiver is down")

        receiver.start()
        wait_for(lambda: {b["event_data"]["resources"][0]["tag"] for _, b in receiver.at("/in")} >= {"before", "down1", "down2", "down3"},
                 timeout=90, what="the missed deliveries")
        statuses = [e["status"] for e in requests.get(f"{base}/{policy_id}/executions?page_size=10", auth=a).json()]
        assert statuses == ["Success"] * 4, statuses
    finally:
        receiver.stop()
