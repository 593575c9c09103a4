"""Responses of the implemented Harbor API operations validate against Harbor's swagger definitions,
and carry no field the definition does not have."""
import copy
import os

import jsonschema
import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SWAGGER = next(p for p in [
    os.environ.get("BERTH_SHARED", "") + "/reference/harbor-api-v2.0-swagger.yaml",
    os.path.join(HERE, "..", "..", "..", "shared", "reference", "harbor-api-v2.0-swagger.yaml"),
    "/work/shared/reference/harbor-api-v2.0-swagger.yaml",
] if os.path.exists(p))
DEFINITIONS = yaml.safe_load(open(SWAGGER))["definitions"]
# Harbor's swagger types every ExtraAttrs value as an object, yet Harbor itself returns strings there
# ("architecture": "amd64"); clients follow the responses, so the test does too.
DEFINITIONS["ExtraAttrs"] = {"type": "object"}
# The same for retention rule parameters: typed as objects, sent and returned as numbers
# ({"latestPushedK": 10}) by Harbor's own UI.
DEFINITIONS["RetentionRule"]["properties"]["params"] = {"type": "object"}


def strict(schema):
    """Forbids properties the definition does not list (swagger leaves additionalProperties open)."""
    schema = copy.deepcopy(schema)
    if schema.get("type", "object") == "object" and "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    for value in schema.get("properties", {}).values():
        value.update(strict(value))
    if "items" in schema:
        schema["items"] = strict(schema["items"])
    return schema


def validate(body, definition, array=False):
    definitions = {name: strict(d) for name, d in DEFINITIONS.items()}
    ref = {"$ref": f"#/definitions/{definition}"}
    schema = {"definitions": definitions, **({"type": "array", "items": ref} if array else ref)}
    jsonschema.Draft4Validator(schema).validate(body)


def test_responses_match_swagger(berth):
    api = berth.url + "/api/v2.0"
    a = berth.auth
    assert requests.post(api + "/projects", auth=a, json={"project_name": "schema", "metadata": {"public": "false", "auto_scan": "true"}}).status_code == 201
    assert requests.post(api + "/users", auth=a, json={"username": "sam", "password": "Passw0rd-sam", "realname": "Sam"}).status_code == 201
    sam = [u for u in requests.get(api + "/users", auth=a).json() if u["username"] == "sam"][0]
    assert requests.post(api + "/projects/schema/members", auth=a, json={"role_id": 2, "member_user": {"user_id": sam["user_id"]}}).status_code == 201
    robot = requests.post(api + "/robots", auth=a, json={
        "name": "r", "level": "project", "duration": 7,
        "permissions": [{"kind": "project", "namespace": "schema", "access": [{"resource": "repository", "action": "pull"}]}]})
    assert robot.status_code == 201
    validate(robot.json(), "RobotCreated")

    validate(requests.get(api + "/users", auth=a).json(), "UserResp", array=True)
    validate(requests.get(api + "/users/current", auth=a).json(), "UserResp")
    validate(requests.get(api + f"/users/{sam['user_id']}", auth=a).json(), "UserResp")
    validate(requests.get(api + "/users/search?username=sa", auth=a).json(), "UserSearchRespItem", array=True)
    validate(requests.get(api + "/projects", auth=a).json(), "Project", array=True)
    validate(requests.get(api + "/projects/schema", auth=a, headers={"X-Is-Resource-Name": "true"}).json(), "Project")
    validate(requests.get(api + "/projects/schema/summary", auth=a).json(), "ProjectSummary")
    validate(requests.get(api + "/projects/schema/metadatas", auth=a).json(), "ProjectMetadata")
    members = requests.get(api + "/projects/schema/members", auth=a).json()
    validate(members, "ProjectMemberEntity", array=True)
    validate(requests.get(api + f"/projects/schema/members/{members[0]['id']}", auth=a).json(), "ProjectMemberEntity")
    validate(requests.get(api + "/robots", auth=a).json(), "Robot", array=True)
    validate(requests.get(api + f"/robots/{robot.json()['id']}", auth=a).json(), "Robot")
    validate(requests.patch(api + f"/robots/{robot.json()['id']}", auth=a, json={}).json(), "RobotSec")
    # Repositories, artifacts, tags and audit logs, after a push through the registry.
    import subprocess
    from test_clients import build_umoci_image
    import tempfile
    layout, _ = build_umoci_image(tempfile.mkdtemp(prefix="schema-"))
    subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"{a[0]}:{a[1]}",
                    f"oci:{layout}:v1", f"docker://{berth.host}/schema/team/app:v1"], check=True, capture_output=True)
    validate(requests.get(api + "/projects/schema/repositories", auth=a).json(), "Repository", array=True)
    validate(requests.get(api + "/projects/schema/repositories/team%252Fapp", auth=a).json(), "Repository")
    artifacts = requests.get(api + "/projects/schema/repositories/team%252Fapp/artifacts", auth=a).json()
    validate(artifacts, "Artifact", array=True)
    validate(requests.get(api + "/projects/schema/repositories/team%252Fapp/artifacts/v1", auth=a).json(), "Artifact")
    label = requests.post(api + "/labels", auth=a, json={"name": "schema", "scope": "g", "color": "#112233"})
    assert label.status_code == 201, label.text
    label_id = int(label.headers["Location"].rsplit("/", 1)[1])
    assert requests.post(api + "/projects/schema/repositories/team%252Fapp/artifacts/v1/labels", auth=a, json={"id": label_id}).status_code == 200
    validate(requests.get(api + "/labels?scope=g", auth=a).json(), "Label", array=True)
    validate(requests.get(api + f"/labels/{label_id}", auth=a).json(), "Label")
    labelled = requests.get(api + "/projects/schema/repositories/team%252Fapp/artifacts/v1?with_label=true", auth=a).json()
    validate(labelled, "Artifact")
    validate(requests.get(api + "/search?q=schema", auth=a).json(), "Search")
    validate(requests.get(api + "/statistics", auth=a).json(), "Statistic")
    assert [l["name"] for l in labelled["labels"]] == ["schema"]
    assert requests.post(api + "/projects/schema/repositories/team%252Fapp/artifacts/v1/tags", auth=a, json={"name": "v2"}).status_code == 201
    validate(requests.get(api + "/projects/schema/repositories/team%252Fapp/artifacts/v1/tags", auth=a).json(), "Tag", array=True)
    validate(requests.get(api + "/audit-logs", auth=a).json(), "AuditLog", array=True)
    validate(requests.get(api + "/projects/schema/logs", auth=a).json(), "AuditLog", array=True)
    for status, response in [(404, requests.get(api + "/projects/nosuch", auth=a)),
                             (401, requests.get(api + "/users/current")),
                             (400, requests.post(api + "/projects", auth=a, json={"project_name": "Bad Name"})),
                             (409, requests.post(api + "/projects", auth=a, json={"project_name": "schema"}))]:
        assert response.status_code == status
        validate(response.json(), "Errors")


def test_job_gc_retention_quota_immutable_responses_match_swagger(berth):
    import time
    api = berth.url + "/api/v2.0"
    a = berth.auth
    r = requests.post(api + "/system/gc/schedule", auth=a, json={"schedule": {"type": "Manual"}, "parameters": {"dry_run": True}})
    assert r.status_code == 201, r.text
    gc = r.headers["Location"].rsplit("/", 1)[1]
    deadline = time.time() + 30
    while requests.get(api + f"/system/gc/{gc}", auth=a).json()["job_status"] != "Success" and time.time() < deadline:
        time.sleep(0.1)
    validate(requests.get(api + "/system/gc", auth=a).json(), "GCHistory", array=True)
    validate(requests.get(api + f"/system/gc/{gc}", auth=a).json(), "GCHistory")
    assert requests.post(api + "/system/gc/schedule", auth=a, json={"schedule": {"type": "Daily", "cron": "0 0 2 * * *"}}).status_code == 201
    validate(requests.get(api + "/system/gc/schedule", auth=a).json(), "GCHistory")
    assert requests.post(api + "/system/purgeaudit/schedule", auth=a, json={
        "schedule": {"type": "Hourly", "cron": "0 0 * * * *"}, "parameters": {"audit_retention_hour": 168, "include_event_types": "pull_artifact"}}).status_code == 201
    validate(requests.get(api + "/system/purgeaudit/schedule", auth=a).json(), "ExecHistory")
    validate(requests.get(api + "/schedules", auth=a).json(), "ScheduleTask", array=True)
    validate(requests.get(api + "/schedules/all/paused", auth=a).json(), "SchedulerStatus")
    deadline = time.time() + 30
    while not requests.get(api + "/jobservice/pools", auth=a).json() and time.time() < deadline:
        time.sleep(0.1)
    pools = requests.get(api + "/jobservice/pools", auth=a).json()
    validate(pools, "WorkerPool", array=True)
    validate(requests.get(api + f"/jobservice/pools/{pools[0]['worker_pool_id']}/workers", auth=a).json(), "Worker", array=True)
    validate(requests.get(api + "/jobservice/queues", auth=a).json(), "JobQueue", array=True)

    validate(requests.get(api + "/quotas", auth=a).json(), "Quota", array=True)
    rule = {"tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}
    assert requests.post(api + "/projects/library/immutabletagrules", auth=a, json=rule).status_code == 201
    validate(requests.get(api + "/projects/library/immutabletagrules", auth=a).json(), "ImmutableRule", array=True)

    project = requests.get(api + "/projects/library", auth=a).json()["project_id"]
    policy = {"algorithm": "or", "scope": {"level": "project", "ref": project}, "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
              "rules": [{"action": "retain", "template": "latestPushedK", "params": {"latestPushedK": 10},
                         "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                         "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}]}
    r = requests.post(api + "/retentions", auth=a, json=policy)
    assert r.status_code == 201, r.text
    rid = r.headers["Location"].rsplit("/", 1)[1]
    validate(requests.get(api + f"/retentions/{rid}", auth=a).json(), "RetentionPolicy")
    validate(requests.get(api + "/retentions/metadatas", auth=a).json(), "RetentionMetadata")
    assert requests.post(api + f"/retentions/{rid}/executions", auth=a, json={"dry_run": True}).status_code == 201
    executions = requests.get(api + f"/retentions/{rid}/executions", auth=a).json()
    validate(executions, "RetentionExecution", array=True)
    validate(requests.get(api + f"/retentions/{rid}/executions/{executions[0]['id']}/tasks", auth=a).json(), "RetentionExecutionTask", array=True)
