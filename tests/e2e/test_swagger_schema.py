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
