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
    for status, response in [(404, requests.get(api + "/projects/nosuch", auth=a)),
                             (401, requests.get(api + "/users/current")),
                             (400, requests.post(api + "/projects", auth=a, json={"project_name": "Bad Name"})),
                             (409, requests.post(api + "/projects", auth=a, json={"project_name": "schema"}))]:
        assert response.status_code == status
        validate(response.json(), "Errors")
