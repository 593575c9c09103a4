"""Issue 3's end-to-end scenario with skopeo: roles, a project robot, anonymous access, secret refresh."""
import requests

from conftest import ADMIN_PASSWORD
from test_clients import build_umoci_image

API = "/api/v2.0"


def api(berth, method, path, auth=None, **kwargs):
    return requests.request(method, berth.url + API + path, auth=auth or berth.auth, **kwargs)


def copy(src, dest, creds=None, src_creds=None):
    args = ["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false"]
    if creds:
        args += ["--dest-creds", creds]
    if src_creds:
        args += ["--src-creds", src_creds]
    return subprocess_run(args + [src, dest])


def subprocess_run(args):
    import subprocess
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def test_roles_robot_and_anonymous_with_skopeo(berth, tmp_path):
    layout, _ = build_umoci_image(str(tmp_path))
    image = f"oci:{layout}:v1"

    assert api(berth, "POST", "/projects", json={"project_name": "private", "metadata": {"public": "false"}}).status_code == 201
    for name in ("developer", "guest"):
        assert api(berth, "POST", "/users", json={"username": name, "password": "Passw0rd-" + name}).status_code == 201
    users = {u["username"]: u["user_id"] for u in api(berth, "GET", "/users").json()}
    assert api(berth, "POST", "/projects/private/members",
               json={"role_id": 2, "member_user": {"user_id": users["developer"]}}).status_code == 201
    assert api(berth, "POST", "/projects/private/members",
               json={"role_id": 3, "member_user": {"username": "guest"}}).status_code == 201
    robot = api(berth, "POST", "/robots", json={
        "name": "ci", "level": "project", "duration": -1,
        "permissions": [{"kind": "project", "namespace": "private",
                         "access": [{"resource": "repository", "action": "push"},
                                    {"resource": "repository", "action": "pull"}]}]})
    assert robot.status_code == 201, robot.text
    robot_name, robot_secret = robot.json()["name"], robot.json()["secret"]
    assert robot_name == "robot$private+ci"

    target = f"docker://{berth.host}/private/app"
    # The robot and the developer push (skopeo gets a Bearer token for each).
    assert copy(image, f"{target}:robot", creds=f"{robot_name}:{robot_secret}").returncode == 0
    assert copy(image, f"{target}:developer", creds="developer:Passw0rd-developer").returncode == 0
    # The guest pulls but cannot push.
    assert copy(f"{target}:robot", f"oci:{tmp_path}/guest:v1", src_creds="guest:Passw0rd-guest").returncode == 0
    refused = copy(image, f"{target}:guest", creds="guest:Passw0rd-guest")
    assert refused.returncode != 0
    # Anonymous: not the private project, but library (public) works.
    assert copy(f"{target}:robot", f"oci:{tmp_path}/anon:v1").returncode != 0
    assert copy(image, f"docker://{berth.host}/library/app:v1", creds=f"admin:{ADMIN_PASSWORD}").returncode == 0
    assert copy(f"docker://{berth.host}/library/app:v1", f"oci:{tmp_path}/anon-lib:v1").returncode == 0

    # After a secret refresh the old robot secret fails at once.
    robot_id = robot.json()["id"]
    refreshed = api(berth, "PATCH", f"/robots/{robot_id}", json={})
    assert refreshed.status_code == 200
    new_secret = refreshed.json()["secret"]
    assert copy(image, f"{target}:old", creds=f"{robot_name}:{robot_secret}").returncode != 0
    assert copy(image, f"{target}:new", creds=f"{robot_name}:{new_secret}").returncode == 0


def test_token_claims_follow_roles(berth):
    assert api(berth, "POST", "/projects", json={"project_name": "p"}).status_code == 201
    assert api(berth, "POST", "/users", json={"username": "g", "password": "Passw0rd-g"}).status_code == 201
    assert api(berth, "POST", "/projects/p/members", json={"role_id": 3, "member_user": {"username": "g"}}).status_code == 201
    token = requests.get(berth.url + "/service/token", auth=("g", "Passw0rd-g"),
                         params={"service": "harbor-registry", "scope": "repository:p/app:pull,push"})
    assert token.status_code == 200
    import base64
    import json
    payload = token.json()["token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["access"] == [{"type": "repository", "name": "p/app", "actions": ["pull"]}]
    assert isinstance(claims["exp"], int) and claims["exp"] - claims["iat"] == 1800
    wrong = requests.get(berth.url + "/service/token", auth=("g", "nope"),
                         params={"service": "harbor-registry", "scope": "repository:p/app:pull"})
    assert wrong.status_code == 401
