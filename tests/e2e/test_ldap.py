"""Issue 13: sign-in through the real slapd of scripts/ldap-test-server (tests/ldap/berth.ldif),
with skopeo and with the portal's login page. An LDAP group is the project member."""
import os

import pytest
import requests

from portal import Portal
from test_access import api, copy
from test_clients import build_umoci_image

LDAP_URL = os.environ.get("BERTH_TEST_LDAP_URL")
BASE = os.environ.get("BERTH_TEST_LDAP_BASE_DN", "")

pytestmark = pytest.mark.skipif(not LDAP_URL, reason="start scripts/ldap-test-server and export its BERTH_TEST_LDAP_* variables")


def use_directory(berth):
    settings = {
        "auth_mode": "ldap_auth", "ldap_url": LDAP_URL,
        "ldap_search_dn": os.environ["BERTH_TEST_LDAP_ADMIN_DN"],
        "ldap_search_password": os.environ["BERTH_TEST_LDAP_ADMIN_PASSWORD"],
        "ldap_base_dn": f"ou=people,{BASE}", "ldap_uid": "uid", "ldap_filter": "(objectClass=inetOrgPerson)",
        "ldap_group_base_dn": f"ou=groups,{BASE}", "ldap_group_search_filter": "(objectClass=groupOfNames)",
        "ldap_group_admin_dn": f"cn=admins,ou=groups,{BASE}",
    }
    response = api(berth, "PUT", "/configurations", json=settings)
    assert response.status_code == 200, response.text
    assert api(berth, "POST", "/ldap/ping").json()["success"] is True


def test_directory_users_push_and_pull_with_skopeo_through_their_group(berth, tmp_path):
    use_directory(berth)
    layout, _ = build_umoci_image(str(tmp_path))
    image = f"oci:{layout}:v1"
    assert api(berth, "POST", "/projects", json={"project_name": "team", "metadata": {"public": "false"}}).status_code == 201
    added = api(berth, "POST", "/projects/team/members",
                json={"role_id": 2, "member_group": {"ldap_group_dn": f"cn=developers,ou=groups,{BASE}"}})
    assert added.status_code == 201, added.text

    target = f"docker://{berth.host}/team/app"
    # alice is a developer through the developers group: she pushes.
    pushed = copy(image, f"{target}:v1", creds="alice:Alice-Passw0rd1")
    assert pushed.returncode == 0, pushed.stderr
    # bob, in the same group, pulls; a wrong password is refused.
    assert copy(f"{target}:v1", f"oci:{tmp_path}/bob:v1", src_creds="bob:Bob-Passw0rd2").returncode == 0
    assert copy(f"{target}:v1", f"oci:{tmp_path}/bad:v1", src_creds="bob:not-his-password").returncode != 0
    # carol is in no project group but in the administrators' group.
    assert copy(f"{target}:v1", f"oci:{tmp_path}/carol:v1", src_creds="carol:Carol-Passw0rd3").returncode == 0
    # The push is recorded under alice's name.
    artifact = api(berth, "GET", "/projects/team/repositories/app/artifacts/v1").json()
    assert artifact["tags"][0]["name"] == "v1"
    users = {u["username"] for u in api(berth, "GET", "/users").json()}
    assert {"alice", "bob", "carol"} <= users


def test_a_directory_user_logs_in_to_the_portal(berth):
    use_directory(berth)
    assert api(berth, "POST", "/projects", json={"project_name": "team", "metadata": {"public": "false"}}).status_code == 201
    assert api(berth, "POST", "/projects/team/members",
               json={"role_id": 3, "member_group": {"ldap_group_dn": f"cn=developers,ou=groups,{BASE}"}}).status_code == 201
    portal = Portal(berth.url)
    try:
        portal.log_in("bob", "Bob-Passw0rd2")
        portal.wait_text("team")
        portal.screenshot("ldap-user-projects")
        # The session is bob's: the API answers with his profile and his project.
        cookies = {c["name"]: c["value"] for c in portal.driver.get_cookies()}
        me = requests.get(f"{berth.url}/api/v2.0/users/current", cookies=cookies)
        assert me.status_code == 200 and me.json()["username"] == "bob", me.text
        assert me.json()["email"] == "bob@berth.test"
        portal.assert_clean()
    finally:
        portal.close()
