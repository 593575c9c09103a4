"""The portal in a real browser (Debian's Chromium through Selenium), on the real binary: the seed's
project steps done through the pages as a Harbor user would, checked through the API and with
skopeo. The administration steps (registries, replication, GC) are in test_portal_admin.py, the
other project tabs in test_portal_project.py. Screenshots land in test-artifacts/portal/.
"""
import json
import os
import subprocess

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import ADMIN_PASSWORD, run, wait_for
from portal import Portal
from test_scanning import VULNDB, build_python_image

API = "/api/v2.0"


def test_the_seeds_project_steps_in_the_portal(berth, berth_binary, tmp_path):
    run(berth_binary, "vulndb", "import", VULNDB,
        env=dict(os.environ, BERTH_DATA_DIR=berth.data_dir, BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD))
    layout = build_python_image(str(tmp_path / "img"))
    portal = Portal(berth.url)
    # Deliberate bad input below: the API answers 400 and 409, which the browser logs.
    portal.expected_failures = ["/api/v2.0/projects - Failed to load resource: the server responded with a status of 400",
                                "/api/v2.0/robots - Failed to load resource: the server responded with a status of 409"]
    try:
        portal.log_in("admin", ADMIN_PASSWORD)
        portal.screenshot("projects")

        # A bad name: the API's words beside the field, and no project.
        portal.click("New project")
        portal.fill("Project name", "My Project!")
        portal.click("Create")
        message = portal.field_error("Project name")
        assert "project name" in message.lower() or "invalid" in message.lower(), message
        assert requests.get(f"{berth.url}{API}/projects", auth=berth.auth).json()[-1]["name"] == "library"
        portal.fill("Project name", "myproject")
        portal.click("Create")
        portal.wait_text("myproject")
        project = requests.get(f"{berth.url}{API}/projects/myproject", auth=berth.auth).json()
        project_id = project["project_id"]
        assert project["metadata"]["public"] == "false"

        # Configuration: scan on push, and the severity gate at Critical.
        portal.go(f"/projects/{project_id}/policy")
        portal.tick("Automatically scan images on push")
        portal.tick("Prevent vulnerable images from running")
        portal.choose("Prevent images with vulnerabilities of this severity and above", "Critical")
        portal.screenshot("project-configuration")
        portal.click("Save")
        portal.wait_text("Configuration saved", css="#toasts")
        metadata = requests.get(f"{berth.url}{API}/projects/{project_id}", auth=berth.auth).json()["metadata"]
        assert metadata["auto_scan"] == "true" and metadata["prevent_vul"] == "true" and metadata["severity"] == "critical", metadata

        # Push with skopeo while the repository page is open: the scan result appears in place.
        portal.go(f"/projects/{project_id}/repositories")
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"admin:{ADMIN_PASSWORD}", f"oci:{layout}:v1",
            f"docker://{berth.host}/myproject/app:v1")
        wait_for(lambda: requests.get(f"{berth.url}{API}/projects/myproject/repositories/app", auth=berth.auth).ok, what="the repository")
        portal.go(f"/projects/{project_id}/repositories/app")
        portal.wait_text("v1")
        portal.wait_text("fixable", timeout=60)
        bar = portal.find(".sevbar")
        assert "vulnerabilities" in bar.get_attribute("aria-label"), bar.get_attribute("aria-label")
        portal.screenshot("repository")

        # The artifact: the vulnerabilities table, filtered by severity and sorted.
        portal.driver.find_element(By.CSS_SELECTOR, "main table a.mono").click()
        portal.rendered()
        portal.wait_text("CVE-2023-43804")
        portal.wait_text("Layers and build history")
        high = portal.driver.find_elements(By.CSS_SELECTOR, "main .sev.High")
        portal.choose("Severity", "Medium")
        portal.wait_text("shown")
        shown = [e.text for e in portal.driver.find_elements(By.CSS_SELECTOR, "main td .sev")]
        assert shown and set(shown) == {"Medium"}, shown
        assert high, "the report lists High findings"
        portal.screenshot("artifact")

        # A robot for CI: Push/Pull, 365 days; its secret is shown once and logs in with skopeo.
        portal.go(f"/projects/{project_id}/robots")
        portal.click("New robot account")
        portal.fill("Name", "ci-pipeline")
        portal.fill("Expires after (days, -1 for never)", "365")
        portal.choose("Permissions", "Push and pull")
        portal.click("Add")
        secret = portal.find("[data-test=robot-secret] input").get_attribute("value")
        portal.screenshot("robot-secret")
        assert len(secret) >= 8
        run("skopeo", "login", "--tls-verify=false", "-u", "robot$myproject+ci-pipeline", "-p", secret, berth.host,
            env=dict(os.environ, REGISTRY_AUTH_FILE=str(tmp_path / "auth.json")))
        run("skopeo", "inspect", "--tls-verify=false", f"docker://{berth.host}/myproject/app:v1",
            env=dict(os.environ, REGISTRY_AUTH_FILE=str(tmp_path / "auth.json")))
        portal.click("Done")
        portal.wait_text("robot$myproject+ci-pipeline")
        # The same name again: the API's conflict beside the field, and still one robot.
        portal.click("New robot account")
        portal.fill("Name", "ci-pipeline")
        portal.click("Add")
        assert "exist" in portal.field_error("Name").lower()
        robots = requests.get(f"{berth.url}{API}/robots", params={"q": f"Level=project,ProjectID={project_id}"}, auth=berth.auth).json()
        assert [r["name"] for r in robots] == ["robot$myproject+ci-pipeline"]
        portal.dialog_close()

        # Tag retention: "most recent 10".
        portal.go(f"/projects/{project_id}/retention")
        portal.click("Add rule")
        portal.choose("By artifact count or number of days", "retain the most recently pushed N artifacts")
        portal.fill("Count (N)", "10")
        portal.click("Add")
        portal.wait_text("retain the most recently pushed 10 artifacts")
        portal.screenshot("project-retention")
        retention_id = requests.get(f"{berth.url}{API}/projects/{project_id}", auth=berth.auth).json()["metadata"]["retention_id"]
        rule = requests.get(f"{berth.url}{API}/retentions/{retention_id}", auth=berth.auth).json()["rules"][0]
        assert rule["template"] == "latestPushedK" and rule["params"]["latestPushedK"] == 10, rule

        # The summary: one repository, and the chart of CVEs by severity.
        portal.go(f"/projects/{project_id}/summary")
        assert portal.find("[data-test=repo-count]").text == "1"
        portal.wait_text("Vulnerabilities by severity")
        portal.screenshot("project-summary")

        # Logging out ends the session: the API no longer knows the browser.
        portal.click("Log out")
        portal.rendered("/login")
        portal.assert_clean()
    finally:
        portal.close()


def test_an_anonymous_visitor_sees_public_projects_only(berth):
    assert requests.post(f"{berth.url}{API}/projects", auth=berth.auth, json={"project_name": "hidden"}).status_code == 201
    assert requests.post(f"{berth.url}{API}/projects", auth=berth.auth, json={"project_name": "shown", "public": True}).status_code == 201
    portal = Portal(berth.url, width=390, height=844)
    try:
        portal.open("/#/projects")
        portal.wait_text("shown")
        names = [a.text for a in portal.driver.find_elements(By.CSS_SELECTOR, "main table td:first-child a")]
        assert sorted(names) == ["library", "shown"], names
        controls = {b.text for b in portal.all("main button")} - {"‹", "›"}
        assert not controls, f"an anonymous visitor has nothing to create or delete: {controls}"
        portal.screenshot("anonymous-projects-phone")
        # The tabs an anonymous visitor may not read say so, and the project page stays.
        shown = requests.get(f"{berth.url}{API}/projects/shown", auth=berth.auth).json()["project_id"]
        for tab in ("robots", "retention", "members", "logs"):
            portal.go(f"/projects/{shown}/{tab}")
            portal.wait_text("Only ")
            assert portal.find("nav.tabs").is_displayed()
        # Harbor's old addresses still lead somewhere.
        portal.driver.get(berth.url + "/harbor/projects")
        portal.rendered("/projects")
        portal.assert_clean()
    finally:
        portal.close()


def test_a_user_changes_their_password_on_their_profile(berth):
    created = requests.post(f"{berth.url}{API}/users", auth=berth.auth,
                            json={"username": "erin", "password": "Erin-Passw0rd", "email": "erin@example.com"})
    assert created.status_code == 201, created.text
    portal = Portal(berth.url)
    portal.expected_failures = ["/password - Failed to load resource: the server responded with a status of 403"]
    try:
        portal.log_in("erin", "Erin-Passw0rd")
        assert not portal.all("#sidenav a[href='#/admin/users']"), "no administration for a plain user"
        portal.go("/profile")
        portal.fill("Full name", "Erin Example")
        portal.click("Save")
        portal.wait_text("Profile saved", css="#toasts")
        def change_password(old):
            for label, value in (("Current password", old), ("New password", "Erin-Passw0rd2"),
                                 ("Repeat the new password", "Erin-Passw0rd2")):
                portal.fill(label, value)
            portal.click("Change password")
        change_password("wrong-one")
        assert "old password" in portal.field_error("Current password")
        change_password("Erin-Passw0rd")
        portal.wait_text("Password changed", css="#toasts")
        portal.screenshot("profile")
        assert requests.get(f"{berth.url}{API}/users/current", auth=("erin", "Erin-Passw0rd2")).json()["realname"] == "Erin Example"
        assert requests.get(f"{berth.url}{API}/users/current", auth=("erin", "Erin-Passw0rd")).status_code == 401
        # The browser that made the change stays logged in.
        portal.go("/projects")
        portal.wait_text("erin", css="#user-menu")
        portal.assert_clean()
    finally:
        portal.close()


def test_the_banner_is_on_every_page_as_text_until_closed(berth):
    def set_banner(**banner):
        response = requests.put(f"{berth.url}{API}/configurations", auth=berth.auth, json={"banner_message": json.dumps(banner)})
        assert response.status_code == 200, response.text
    def banner_shown():
        return portal.driver.find_element(By.ID, "banner").is_displayed()
    message = "Maintenance at 18:00 <b>not bold</b>"
    set_banner(closable=True, message=message, type="danger", fromDate="2000-01-01T00:00:00Z")
    portal = Portal(berth.url)
    try:
        portal.open("/#/login")
        assert portal.find("#banner .banner-text").text == message, "the markup is shown as typed"
        assert not portal.all("#banner b") and "danger" in portal.find("#banner").get_attribute("class")
        portal.screenshot("banner-login")
        portal.log_in("admin", ADMIN_PASSWORD)
        portal.open("/#/projects")
        portal.wait_text("admin", css="#user-menu")
        assert portal.find("#banner .banner-text").text == message
        # Closed, it stays closed for this browser session.
        portal.click("Close the announcement")
        wait_for(lambda: not banner_shown(), 5, "the banner to close")
        portal.open("/#/projects")
        assert not banner_shown()
        # Past its toDate, a banner is not shown.
        set_banner(closable=False, message="Old news", type="info", toDate="2000-01-02T00:00:00Z")
        portal.open("/#/projects")
        assert not banner_shown()
        portal.assert_clean()
    finally:
        portal.close()


def test_the_keyboard_alone_logs_in_and_opens_a_dialog(berth):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    portal = Portal(berth.url)
    try:
        portal.open("/#/login")
        keys = ActionChains(portal.driver)
        # The username field has the focus; Tab reaches the password, Enter sends the form.
        keys.send_keys("admin", Keys.TAB, ADMIN_PASSWORD, Keys.ENTER).perform()
        portal.rendered("/projects")
        assert portal.driver.switch_to.active_element.tag_name == "h1"
        # Tab from the heading to "New project", Enter opens its dialog with the name field focused.
        for _ in range(10):
            ActionChains(portal.driver).send_keys(Keys.TAB).perform()
            if portal.driver.switch_to.active_element.text == "New project":
                break
        assert portal.driver.switch_to.active_element.text == "New project"
        ActionChains(portal.driver).send_keys(Keys.ENTER).perform()
        portal.find("dialog[open]")
        portal.wait_text("Project name", css="dialog")
        assert portal.driver.switch_to.active_element.get_attribute("name") == "project_name"
        ActionChains(portal.driver).send_keys(Keys.ESCAPE).perform()
        wait_for(lambda: not portal.all("dialog[open]"), 5, "the dialog to close")
        portal.assert_clean()
    finally:
        portal.close()
