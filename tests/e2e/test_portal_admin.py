"""The portal's administration area in a real Chromium: a registry endpoint for a real Debian
docker-registry (tested through the form), a pull rule from it run with "Replicate" and followed
to Succeeded without a reload, a task's log; the GC schedule saved, a bad cron refused beside its
field with nothing saved, GC run now and its log; a duplicate user refused beside the username;
every section visited and photographed, three of them at a phone's width."""
import requests
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ADMIN_PASSWORD, run
from portal import Portal
from test_clients import build_umoci_image
from test_vulndb_sources import REGISTRY_PASSWORD, start_registry

API = "/api/v2.0"
SECTIONS = ["users", "robots", "registries", "replications", "security", "scanners", "gc", "allowlist", "audit", "jobs", "configuration"]
CRON_LABEL = "Cron (seconds minutes hours day-of-month month day-of-week)"


def api(berth, method, path, **kwargs):
    response = requests.request(method, berth.url + API + path, auth=berth.auth, timeout=30, **kwargs)
    assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def current_path(portal):
    return portal.driver.execute_script("return location.hash.slice(1)")


def visit(portal, path):
    """Goes to `path` (a hash change, so staying on the same page would wait for nothing)."""
    if current_path(portal) != path:
        portal.go(path)
    portal.find("main h1")


def mark_view(portal):
    """Marks the drawn view: the mark survives only if later changes are made in place."""
    portal.driver.execute_script("document.querySelector('main h1').dataset.unchanged = 'yes'")


def assert_view_not_redrawn(portal):
    assert portal.driver.execute_script("return document.querySelector('main h1').dataset.unchanged") == "yes"


def create_registry_endpoint(portal, registry_host):
    portal.go("/admin/registries")
    portal.click("New endpoint")
    portal.choose("Provider", "Docker Registry")
    portal.fill("Name", "upstream")
    portal.fill("Endpoint URL", f"http://{registry_host}")
    portal.fill("Access ID", "mirror")
    portal.fill("Access secret", REGISTRY_PASSWORD)
    portal.click("Test connection")
    portal.wait_text("Connection OK", css="dialog [data-test=ping-result]")
    portal.click("Create")
    portal.wait_text(f"http://{registry_host}", css="main table")


def replicate_through_a_pull_rule(berth, portal, registry_host):
    portal.go("/admin/replications")
    portal.click("New replication rule")
    portal.fill("Name", "pull-hello")
    portal.choose("Replication mode", "Pull-based: from the remote registry into Berth")
    portal.choose("Source registry", f"upstream (http://{registry_host})")
    portal.fill("Name filter", "library/hello")
    portal.fill("Tag filter", "v1")
    portal.fill("Destination namespace", "mirror")
    portal.click("Create")
    portal.wait_text("pull-hello", css="main table")

    portal.click("Replicate pull-hello")
    WebDriverWait(portal.driver, 15).until(lambda d: current_path(portal).startswith("/admin/replications/"))
    portal.rendered(current_path(portal))
    mark_view(portal)
    # The page polls: the status changes in place, without a reload.
    portal.wait_text("Succeeded", css="[data-test=execution-status]", timeout=90)
    portal.wait_text("1 of 1 succeeded", css="main table")
    assert_view_not_redrawn(portal)
    portal.click("Tasks")
    portal.wait_text("mirror/hello:[v1]", css="main section.panel table")
    portal.screenshot("admin-replication-executions")
    portal.click("Log")
    portal.wait_text("copied library/hello:v1", css="dialog pre.log")
    portal.screenshot("admin-replication-task-log")
    portal.dialog_close()
    artifacts = api(berth, "GET", "/projects/mirror/repositories/hello/artifacts", params={"with_tag": "true"})
    assert [t["name"] for a in artifacts for t in a["tags"]] == ["v1"], artifacts


def schedule_and_run_gc(berth, portal):
    portal.go("/admin/gc")
    portal.choose("Schedule", "Daily")
    portal.click("Save schedule")
    portal.wait_text("Current schedule: Daily", css="[data-test=schedule-status]")
    assert api(berth, "GET", "/system/gc/schedule")["schedule"]["type"] == "Daily"

    portal.choose("Schedule", "Custom")
    portal.fill(CRON_LABEL, "not a cron")
    portal.click("Save schedule")
    message = portal.field_error(CRON_LABEL)
    refused = requests.put(berth.url + API + "/system/gc/schedule", auth=berth.auth, timeout=30,
                           json={"schedule": {"type": "Custom", "cron": "not a cron"}, "parameters": {"workers": 1}})
    assert refused.status_code == 400 and message == refused.json()["errors"][0]["message"], (message, refused.text)
    saved = api(berth, "GET", "/system/gc/schedule")["schedule"]
    assert saved["type"] == "Daily" and saved["cron"] == "0 0 0 * * *", saved

    mark_view(portal)
    portal.click("GC now")
    portal.wait_text("Succeeded", css="[data-test=gc-status]", timeout=60)
    assert_view_not_redrawn(portal)
    run_id = api(berth, "GET", "/system/gc")[0]["id"]
    portal.click(f"Log of GC run {run_id}")
    portal.wait_text("garbage collection", css="dialog pre.log")
    portal.screenshot("admin-gc-log")
    portal.dialog_close()


def refuse_a_duplicate_user(portal):
    portal.go("/admin/users")
    for attempt in range(2):
        portal.click("New user")
        portal.fill("Username", "alice")
        portal.fill("Email", f"alice{attempt}@example.com")
        portal.fill("Full name", "Alice Liddell")
        portal.fill("Password", "Alice-Passw0rd")
        portal.fill("Repeat the password", "Alice-Passw0rd")
        portal.click("Create")
        if attempt == 0:
            portal.wait_text("alice", css="main table")
    assert "already used" in portal.field_error("Username")
    portal.dialog_close()


def test_the_administration_area(berth, tmp_path):
    registry, registry_host = start_registry(tmp_path / "upstream")
    portal = None
    try:
        layout, _ = build_umoci_image(str(tmp_path / "image"))
        run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"mirror:{REGISTRY_PASSWORD}",
            f"oci:{layout}:v1", f"docker://{registry_host}/library/hello:v1")
        api(berth, "POST", "/projects", json={"project_name": "mirror"})

        portal = Portal(berth.url)
        # Deliberate bad input: the refused cron and the duplicate user.
        portal.expected_failures += [
            "/api/v2.0/system/gc/schedule - Failed to load resource: the server responded with a status of 400",
            "/api/v2.0/users - Failed to load resource: the server responded with a status of 409",
        ]
        portal.log_in("admin", ADMIN_PASSWORD)
        create_registry_endpoint(portal, registry_host)
        replicate_through_a_pull_rule(berth, portal, registry_host)
        schedule_and_run_gc(berth, portal)
        refuse_a_duplicate_user(portal)

        for section in SECTIONS:
            visit(portal, f"/admin/{section}")
            portal.screenshot(f"admin-{section}")
        portal.assert_clean()
        portal.close()
        portal = None

        phone = Portal(berth.url, width=390, height=844)
        portal = phone
        phone.log_in("admin", ADMIN_PASSWORD)
        for section in ["replications", "gc", "jobs"]:
            visit(phone, f"/admin/{section}")
            phone.screenshot(f"admin-{section}-phone")
        phone.assert_clean()
    finally:
        if portal:
            portal.close()
        registry.kill()
