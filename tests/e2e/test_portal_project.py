"""The project tabs of the portal in a real headless Chromium: members, labels, scanner, tag
immutability, webhooks and logs. Each change is made through the page, as a user would, and
checked with the API; bad input shows the API's words beside the field and creates nothing; a
skopeo push reaches a webhook receiver on loopback and shows on the Webhooks and Logs tabs. A
Guest sees the same tabs without the controls, and the widest tab fits a phone's width."""
import requests
from selenium.webdriver.support.ui import Select

from conftest import ADMIN_PASSWORD, run, wait_for
from portal import Portal
from test_clients import CREDS, build_umoci_image
from test_webhooks import Receiver, push_image, tar_layer

API = "/api/v2.0"
GUEST_PASSWORD = "Guest-Passw0rd"


def api(berth, method, path, **kwargs):
    response = requests.request(method, berth.url + API + path, auth=berth.auth, **kwargs)
    assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
    return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None


def create_project(berth, name):
    api(berth, "POST", "/projects", json={"project_name": name})
    return api(berth, "GET", f"/projects/{name}")["project_id"]


def create_user(berth, username, password=GUEST_PASSWORD):
    api(berth, "POST", "/users", json={"username": username, "email": f"{username}@example.com", "realname": username.title(),
                                       "password": password})


def members(berth, project_id):
    return {m["entity_name"]: m for m in api(berth, "GET", f"/projects/{project_id}/members")}


def dialog_button(portal, css):
    """A button of the open dialog (the table behind has buttons with the same words)."""
    portal.find(f"dialog[open] {css}").click()


def test_an_admin_manages_every_project_tab(berth, tmp_path):
    project_id = create_project(berth, "tabs")
    create_user(berth, "dora")
    api(berth, "POST", "/scanners", json={"name": "Second", "url": "http://127.0.0.1:9/second"})
    receiver = Receiver()
    receiver.start()
    portal = Portal(berth.url)
    try:
        portal.log_in("admin", ADMIN_PASSWORD)
        check_members(portal, berth, project_id)
        check_labels(portal, berth, project_id)
        check_scanner(portal, berth, project_id)
        check_immutability(portal, berth, project_id)
        check_webhooks_and_logs(portal, berth, project_id, receiver, tmp_path)
        portal.assert_clean()
    finally:
        portal.close()
        receiver.stop()


def check_members(portal, berth, project_id):
    portal.go(f"/projects/{project_id}/members")
    portal.wait_text("Project Admin")
    # A user who does not exist: the API's words beside the field, nobody added.
    portal.expected_failures.append(f"/projects/{project_id}/members - Failed to load resource: the server responded with a status of 404")
    portal.click("Add member")
    portal.fill("Username", "ghost")
    portal.choose("Role", "Developer")
    portal.click("Add")
    assert "user not found" in portal.field_error("Username")
    assert set(members(berth, project_id)) == {"admin"}
    portal.fill("Username", "dora")
    portal.click("Add")
    portal.wait_text("dora")
    assert members(berth, project_id)["dora"]["role_id"] == 2
    portal.click("Change role of dora")
    portal.choose("Role", "Maintainer")
    portal.click("Save")
    portal.wait_text("Maintainer", css="tbody")
    assert members(berth, project_id)["dora"]["role_id"] == 4
    portal.screenshot("project-members")
    portal.click("Remove dora")
    dialog_button(portal, "button.danger")
    portal.wait_gone("dora", css="tbody", timeout=15)
    assert set(members(berth, project_id)) == {"admin"}


def check_labels(portal, berth, project_id):
    portal.go(f"/projects/{project_id}/labels")
    portal.click("New label")
    portal.fill("Name", "release")
    # A colour input opens the system picker on click: set its value as the picker would.
    colour = portal.field("Colour")
    portal.driver.execute_script("arguments[0].value = '#d9381e'; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", colour)
    portal.fill("Description", "Shipped to customers")
    portal.click("Create")
    portal.wait_text("Shipped to customers")
    chip = portal.find("tbody .label-chip")
    assert chip.text == "release"
    labels = api(berth, "GET", "/labels", params={"scope": "p", "project_id": project_id})
    assert [(label["name"], label["color"], label["description"]) for label in labels] == [("release", "#d9381e", "Shipped to customers")]
    portal.screenshot("project-labels")


def check_scanner(portal, berth, project_id):
    portal.go(f"/projects/{project_id}/scanner")
    portal.wait_text("Berth")
    portal.screenshot("project-scanner")
    portal.click("Select scanner")
    portal.choose("Scanner", "Second")
    portal.click("Save")
    portal.rendered(f"/projects/{project_id}/scanner")
    portal.wait_text("http://127.0.0.1:9/second")
    assert api(berth, "GET", f"/projects/{project_id}/scanner")["name"] == "Second"


def check_immutability(portal, berth, project_id):
    portal.go(f"/projects/{project_id}/immutability")
    portal.wait_text("0 of 15 rules")
    portal.click("Add rule")
    portal.fill("Repositories", "app")
    Select(portal.find("dialog[open] select[aria-label='Tags matching or excluding']")).select_by_visible_text("matching")
    portal.fill("Tags", "rel-*")
    portal.click("Add")
    portal.wait_text("Repositories matching app, tags matching rel-*")
    rules = api(berth, "GET", "/projects/tabs/immutabletagrules")
    assert len(rules) == 1 and rules[0]["disabled"] is False
    assert rules[0]["tag_selectors"] == [{"kind": "doublestar", "decoration": "matches", "pattern": "rel-*"}]
    assert rules[0]["scope_selectors"]["repository"][0]["pattern"] == "app"
    portal.click("Disable rule 1")
    portal.wait_text("Disabled", css="ol.rule-list")
    assert api(berth, "GET", "/projects/tabs/immutabletagrules")[0]["disabled"] is True
    portal.screenshot("project-immutability")


def check_webhooks_and_logs(portal, berth, project_id, receiver, tmp_path):
    portal.go(f"/projects/{project_id}/webhooks")
    portal.wait_text("No webhooks yet")
    # An address that is not http(s): the API's words beside the field, no policy stored.
    portal.expected_failures.append(f"/projects/{project_id}/webhook/policies - Failed to load resource: the server responded with a status of 400")
    portal.click("New webhook")
    # Slack takes neither a payload format nor an auth header: the form hides them.
    portal.choose("Notify type", "Slack")
    assert not visible_labels(portal) & {"Payload format", "Auth header"}
    portal.choose("Notify type", "HTTP")
    assert visible_labels(portal) >= {"Payload format", "Auth header"}
    portal.fill("Name", "ci-hook")
    portal.fill("Endpoint URL", "ftp://127.0.0.1/hook")
    portal.tick("Artifact pushed")
    portal.click("Add")
    assert "http:// or https://" in portal.field_error("Endpoint URL")
    assert api(berth, "GET", f"/projects/{project_id}/webhook/policies") == []
    portal.fill("Endpoint URL", receiver.url + "/hook")
    portal.fill("Auth header", "Bearer hook-secret")
    portal.click("Add")
    portal.wait_text("ci-hook", css="tbody")
    [policy] = api(berth, "GET", f"/projects/{project_id}/webhook/policies")
    assert policy["event_types"] == ["PUSH_ARTIFACT"] and policy["enabled"] is True
    assert policy["targets"][0]["address"] == receiver.url + "/hook" and policy["targets"][0]["payload_format"] == "Default"

    # skopeo pushes; the receiver gets the event; the execution appears on the open tab by itself.
    portal.click("Executions of ci-hook")
    portal.wait_text("No deliveries yet")
    layout, digest = build_umoci_image(str(tmp_path))
    run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{layout}:v1", f"docker://{berth.host}/tabs/app:v1")
    events = wait_for(lambda: receiver.at("/hook"), 30, "the PUSH_ARTIFACT delivery")
    headers, body = events[0]
    assert body["type"] == "PUSH_ARTIFACT" and body["event_data"]["repository"]["repo_full_name"] == "tabs/app"
    assert body["event_data"]["resources"][0]["digest"] == digest and headers.get("Authorization") == "Bearer hook-secret"
    portal.wait_text("1 of 1 succeeded", css="main section.panel")
    execution = api(berth, "GET", f"/projects/{project_id}/webhook/policies/{policy['id']}/executions")[0]
    portal.wait_text("Artifact pushed", css="main section.panel tbody")
    portal.screenshot("project-webhooks")
    portal.click(f"Tasks of execution {execution['id']}")
    task = api(berth, "GET", f"/projects/{project_id}/webhook/policies/{policy['id']}/executions/{execution['id']}/tasks")[0]
    portal.click(f"Log of task {task['id']}")
    portal.wait_text("answered 200", css="dialog[open] pre.log")
    portal.dialog_close()
    # Last triggered is filled in on the policy's row by the tab's polling.
    portal.wait_gone("never", css="tbody", timeout=15)

    portal.go(f"/projects/{project_id}/logs")
    portal.wait_text("create artifact: tabs/app:v1")
    operation = Select(portal.find("select[aria-label='Operation']"))
    operation.select_by_visible_text("Delete")
    portal.wait_text("Nothing matches the filter.")
    operation.select_by_visible_text("Create")
    portal.wait_text("create artifact: tabs/app:v1")
    portal.screenshot("project-logs")


def visible_labels(portal):
    return {label.text.strip() for label in portal.all("dialog[open] label") if label.is_displayed()}


def test_a_guest_sees_the_tabs_without_management_controls(berth):
    project_id = create_project(berth, "shared")
    create_user(berth, "gus")
    api(berth, "POST", f"/projects/{project_id}/members", json={"role_id": 3, "member_user": {"username": "gus"}})
    api(berth, "POST", "/labels", json={"name": "stable", "color": "#1d7a35", "scope": "p", "project_id": project_id})
    portal = Portal(berth.url)
    try:
        portal.log_in("gus", GUEST_PASSWORD)
        portal.go(f"/projects/{project_id}/members")
        portal.wait_text("gus", css="tbody")
        assert "Guest" in portal.find("tbody").text
        assert_no_buttons(portal, "Add member", "Change role of admin", "Remove admin", "Change role of gus", "Remove gus")
        portal.go(f"/projects/{project_id}/labels")
        portal.wait_text("stable", css="tbody")
        assert_no_buttons(portal, "New label", "Edit label stable", "Delete label stable")
        portal.go(f"/projects/{project_id}/scanner")
        portal.wait_text("Berth")
        assert_no_buttons(portal, "Select scanner")
        for tab, words in [("immutability", "Only project administrators and maintainers see the tag immutability rules"),
                           ("webhooks", "Only project administrators and maintainers see the webhooks"),
                           ("logs", "Only project administrators see the logs")]:
            portal.go(f"/projects/{project_id}/{tab}")
            portal.wait_text(words)
            assert_no_buttons(portal, "Add rule", "New webhook")
        portal.screenshot("project-guest-webhooks")
        portal.assert_clean()
    finally:
        portal.close()


def assert_no_buttons(portal, *names):
    shown = {b.text.strip() for b in portal.all("main button")} | {b.get_attribute("aria-label") for b in portal.all("main button")}
    assert not shown & set(names), f"a guest sees {shown & set(names)}"


def test_the_webhooks_tab_fits_a_phone(berth):
    project_id = create_project(berth, "phone")
    receiver = Receiver()
    receiver.start()
    api(berth, "POST", f"/projects/{project_id}/webhook/policies", json={
        "name": "phone-hook", "enabled": True, "event_types": ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT"],
        "targets": [{"type": "http", "address": receiver.url + "/a/rather/long/path/for/a/narrow/screen"}]})
    assert isinstance(push_image(berth, "phone/app", "v1", tar_layer("one.txt", 64)), str)
    wait_for(lambda: receiver.received, 30, "the delivery")
    portal = Portal(berth.url, width=390, height=844)  # a phone's viewport (portal.py emulates it)
    try:
        portal.log_in("admin", ADMIN_PASSWORD)
        portal.go(f"/projects/{project_id}/webhooks")
        portal.wait_text("phone-hook", css="tbody")
        portal.click("Executions of phone-hook")
        portal.wait_text("1 of 1 succeeded", css="main section.panel")
        # The page itself does not scroll sideways; the wide tables do, inside .table-wrap.
        page_width = portal.driver.execute_script("return document.documentElement.scrollWidth")
        assert page_width <= 390, f"the page is {page_width} px wide at 390"
        wrap = portal.find(".table-wrap")
        assert portal.driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", wrap)
        portal.screenshot("project-webhooks-phone")
        portal.assert_clean()
    finally:
        portal.close()
        receiver.stop()
