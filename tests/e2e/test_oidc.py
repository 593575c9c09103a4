"""Issue 13: sign-in through a real OpenID provider (tests/oidc/provider.py on pyop, started by
scripts/oidc-test-provider): the portal's button, the provider's own login form in Chromium, the
way back to Berth, and then docker's way in, skopeo with the user's CLI secret."""
import os

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ADMIN_PASSWORD
from portal import Portal
from test_access import api, copy
from test_clients import build_umoci_image

ISSUER = os.environ.get("BERTH_TEST_OIDC_URL")

pytestmark = pytest.mark.skipif(not ISSUER, reason="start scripts/oidc-test-provider and export BERTH_TEST_OIDC_URL")


def configure_in_the_portal(portal, berth):
    """An administrator sets the provider up on the Configuration page."""
    portal.log_in("admin", ADMIN_PASSWORD)
    portal.go("/admin/configuration")
    portal.choose("Authentication mode", "OIDC: users of an OpenID provider")
    portal.fill("Provider name", "Test provider")
    portal.fill("Issuer URL", ISSUER)
    portal.fill("Client ID", "berth")
    portal.fill("Client secret", "berth-secret")
    portal.fill("Scopes", "openid,profile,email,groups")
    portal.fill("Username claim", "preferred_username")
    portal.fill("Groups claim", "groups")
    portal.tick("Create users at their first sign-in")
    portal.screenshot("admin-configuration-oidc")
    portal.driver.find_element(By.XPATH, "//section[h2='Authentication']//button[@type='submit']").click()
    portal.wait_text("Authentication settings saved", css="#toasts")
    stored = api(berth, "GET", "/configurations").json()
    assert stored["auth_mode"]["value"] == "oidc_auth" and stored["oidc_endpoint"]["value"] == ISSUER
    assert "oidc_client_secret" not in stored, "a secret is never listed"
    portal.click("Log out")


def test_a_person_signs_in_at_the_provider_and_skopeo_uses_the_cli_secret(berth, tmp_path):
    assert api(berth, "POST", "/projects", json={"project_name": "team", "metadata": {"public": "false"}}).status_code == 201
    assert api(berth, "POST", "/projects/team/members",
               json={"role_id": 2, "member_group": {"group_type": 3, "group_name": "team-a"}}).status_code == 201

    portal = Portal(berth.url)
    # The test provider's page has no icon: the browser's own request for one is not Berth's.
    portal.expected_failures = [f"{ISSUER}/favicon.ico - Failed to load resource"]
    try:
        configure_in_the_portal(portal, berth)
        portal.open("/#/login")
        portal.click("Log in with Test provider")
        # The provider's page, not Berth's: found by its own field ids.
        driver = portal.driver
        WebDriverWait(driver, 20).until(EC.visibility_of_element_located((By.ID, "username"))).send_keys("alice")
        driver.find_element(By.ID, "password").send_keys("Alice-Oidc-1")
        driver.find_element(By.ID, "submit").click()
        portal.rendered("/projects")
        portal.wait_text("team")
        portal.screenshot("oidc-signed-in")
        cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
        me = requests.get(f"{berth.url}/api/v2.0/users/current", cookies=cookies).json()
        assert me["username"] == "alice" and me["email"] == "alice@oidc.test"
        secret = me["oidc_user_meta"]["secret"]
        # The profile shows the CLI secret on request.
        portal.go("/profile")
        portal.click("Show")
        portal.wait_text(secret)
        portal.assert_clean()
    finally:
        portal.close()

    layout, _ = build_umoci_image(str(tmp_path))
    pushed = copy(f"oci:{layout}:v1", f"docker://{berth.host}/team/app:v1", creds=f"alice:{secret}")
    assert pushed.returncode == 0, pushed.stderr
    refused = copy(f"oci:{layout}:v1", f"docker://{berth.host}/team/app:v2", creds="alice:Alice-Oidc-1")
    assert refused.returncode != 0, "the provider's password is not a CLI secret"
