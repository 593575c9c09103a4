// System configuration (`/configurations`): read-only mode, how users sign in (the database, an
// LDAP directory or an OpenID provider) and the audit log's settings; any other key the server returns is shown
// read-only, so nothing it reports is hidden.

import { api } from "../api.js";
import { h, clear, field, form, checkbox, select, toast } from "../dom.js";
import { connectionTest } from "./admin-shared.js";

/** Harbor's LDAP settings as this page edits them; `type` is text unless said. */
const LDAP_USER_SETTINGS = [
  { key: "ldap_url", label: "LDAP URL", hint: "ldaps://ldap.example.com:636, or ldap://…:389." },
  { key: "ldap_search_dn", label: "Search DN", hint: "The account Berth binds as to look users and groups up; empty to search anonymously." },
  { key: "ldap_search_password", label: "Search password", type: "password", hint: "Leave it empty to keep the stored password: it is never shown." },
  { key: "ldap_base_dn", label: "Base DN", hint: "Where users are searched, for example ou=people,dc=example,dc=com." },
  { key: "ldap_filter", label: "User filter", hint: "Added to every user search, for example (objectClass=person); empty for none." },
  { key: "ldap_uid", label: "UID attribute", hint: "The attribute users sign in with: uid, cn, sAMAccountName…" },
  { key: "ldap_scope", label: "User search scope", type: "scope" },
  { key: "ldap_timeout", label: "Timeout in seconds", type: "number" },
  { key: "ldap_verify_cert", label: "Verify the server's TLS certificate", type: "boolean" },
  { key: "ldap_start_tls", label: "Use StartTLS on an ldap:// URL", type: "boolean" },
];
const LDAP_GROUP_SETTINGS = [
  { key: "ldap_group_base_dn", label: "Group base DN", hint: "Where groups are searched, for example ou=groups,dc=example,dc=com." },
  { key: "ldap_group_search_filter", label: "Group filter", hint: "For example (objectClass=groupOfNames)." },
  { key: "ldap_group_attribute_name", label: "Group name attribute", hint: "The attribute that names a group, usually cn." },
  { key: "ldap_group_admin_dn", label: "Administrators' group DN", hint: "Its members are system administrators of Berth; empty for none." },
  { key: "ldap_group_membership_attribute", label: "Membership attribute", hint: "The user attribute that lists a user's groups, usually memberof." },
  { key: "ldap_group_search_scope", label: "Group search scope", type: "scope" },
];
const LDAP_SETTINGS = [...LDAP_USER_SETTINGS, ...LDAP_GROUP_SETTINGS];
/** Harbor's OIDC settings; the client secret is write-only like the LDAP password. */
const OIDC_SETTINGS = [
  { key: "oidc_name", label: "Provider name", hint: "Shown on the login page's button." },
  { key: "oidc_endpoint", label: "Issuer URL", hint: "The provider's issuer; its discovery document is read from /.well-known/openid-configuration." },
  { key: "oidc_client_id", label: "Client ID" },
  { key: "oidc_client_secret", label: "Client secret", type: "password", hint: "Leave it empty to keep the stored secret: it is never shown." },
  { key: "oidc_scope", label: "Scopes", hint: "Comma-separated; openid is always asked for." },
  { key: "oidc_user_claim", label: "Username claim", hint: "The ID token claim that names the user; empty is name." },
  { key: "oidc_groups_claim", label: "Groups claim", hint: "The claim listing the user's groups; empty reads none." },
  { key: "oidc_admin_group", label: "Administrators' group", hint: "Members of this group are system administrators of Berth." },
  { key: "oidc_auto_onboard", label: "Create users at their first sign-in", type: "boolean" },
  { key: "oidc_verify_cert", label: "Verify the provider's TLS certificate", type: "boolean" },
];
const SCOPES = [["0", "Base: the base DN only"], ["1", "One level below the base DN"], ["2", "Subtree: everything below the base DN"]];

/** The keys PUT /configurations accepts (ConfigurationHandlers.swift) that this page edits. */
const EDITABLE = ["audit_log_forward_endpoint", "skip_audit_log_database", "disabled_audit_log_event_types", "read_only",
  "project_creation_restriction", "storage_per_project", "auth_mode", ...LDAP_SETTINGS.map((s) => s.key),
  ...OIDC_SETTINGS.map((s) => s.key)];
const GIB = 1024 * 1024 * 1024;

export async function render(view) {
  const [{ data: settings }, { data: events }] = await Promise.all([
    api.get("/configurations"),
    api.get("/auditlog-exts/events").catch(() => ({ data: [] })),
  ]);
  const value = (key) => (settings[key] ? settings[key].value : undefined);
  const endpoint = h("input", { type: "text", autocomplete: "off", placeholder: "syslog.example.com:514", value: value("audit_log_forward_endpoint") || "" });
  const skip = checkbox("Do not keep audit logs in the database (forward them only)", value("skip_audit_log_database") === true);
  const disabled = new Set(String(value("disabled_audit_log_event_types") || "").split(",").map((t) => t.trim()).filter(Boolean));
  const eventBoxes = (events || []).map((e) => checkbox(e.event_type, disabled.has(e.event_type), { value: e.event_type }));
  const fields = {
    endpoint: field("Audit log forward endpoint", endpoint, "host:port of a syslog receiver over TCP; empty to forward nothing."),
    skip,
    events: h("fieldset", { class: "checklist" }, h("legend", {}, "Event types not to record"), eventBoxes),
  };
  // The fieldset and checkbox are not field() wrappers: errors about them go beside the endpoint
  // (the one rule between them names it) or to the form's own line.
  const editor = form({
    fields,
    submitLabel: "Save",
    errorField: (error) => (/endpoint|syslog|connect/i.test(error.message) ? "endpoint" : null),
    onSubmit: async () => {
      await api.put("/configurations", {
        audit_log_forward_endpoint: endpoint.value.trim(),
        skip_audit_log_database: skip.input.checked,
        disabled_audit_log_event_types: eventBoxes.filter((b) => b.input.checked).map((b) => b.input.value).join(","),
      });
      toast("Configuration saved");
    },
  });
  const readOnly = checkbox("Read only: refuse every push, deletion and change until this is turned off", value("read_only") === true);
  const creators = select([["everyone", "Everyone"], ["adminonly", "Administrators only"]], value("project_creation_restriction") || "everyone");
  const perProject = value("storage_per_project");
  const quota = h("input", { type: "number", min: "-1", step: "any", value: perProject > 0 ? String(perProject / GIB) : "-1" });
  const systemFields = {
    readOnly,
    creators: field("Who may create projects", creators),
    quota: field("Storage quota of a new project, in GiB (-1 for none)", quota),
  };
  const systemForm = form({
    fields: systemFields,
    submitLabel: "Save",
    errorField: (error) => (/storage_per_project/.test(error.message) ? "quota" : /project_creation/.test(error.message) ? "creators" : null),
    onSubmit: async () => {
      const gib = Number(quota.value);
      await api.put("/configurations", {
        read_only: readOnly.input.checked,
        project_creation_restriction: creators.value,
        storage_per_project: gib < 0 ? -1 : Math.round(gib * GIB),
      });
      toast("System settings saved");
    },
  });
  const others = Object.keys(settings).filter((key) => !EDITABLE.includes(key)).sort();
  clear(view,
    h("h1", {}, "Configuration"),
    h("section", { class: "panel" }, h("h2", {}, "System"), systemForm),
    h("section", { class: "panel" }, h("h2", {}, "Authentication"), authenticationForm(value)),
    h("section", { class: "panel" }, h("h2", {}, "Audit log"), editor),
    others.length ? h("section", { class: "panel" }, h("h2", {}, "Other settings (read-only)"),
      h("dl", { class: "kv" }, others.flatMap((key) => [h("dt", {}, key), h("dd", { class: "mono" }, JSON.stringify(settings[key].value))]))) : null);
}

// ---------- authentication

/** A control for one LDAP setting: {wrapper, read()} where read() is the value as the API takes it. */
function settingControl(setting, current) {
  if (setting.type === "boolean") {
    const box = checkbox(setting.label, current === true);
    return { wrapper: box, read: () => box.input.checked };
  }
  if (setting.type === "scope") {
    const control = select(SCOPES, current ?? 2);
    return { wrapper: field(setting.label, control), read: () => Number(control.value) };
  }
  const input = setting.type === "number"
    ? h("input", { type: "number", min: "1", max: "300", value: String(current ?? "") })
    // The stored password is never sent back; new-password keeps the browser from filling in the admin's own.
    : setting.type === "password" ? h("input", { type: "password", autocomplete: "new-password" })
      : h("input", { type: "text", autocomplete: "off", spellcheck: false, value: current ?? "" });
  const read = setting.type === "number" ? () => Number(input.value) : setting.type === "password" ? () => input.value : () => input.value.trim();
  return { wrapper: field(setting.label, input, setting.hint), read };
}

/** Auth mode and the LDAP settings, a test of the directory with what the form holds, and Save. */
function authenticationForm(value) {
  const modes = [["db_auth", "Database: Berth's own users"], ["ldap_auth", "LDAP: users of a directory"],
    ["oidc_auth", "OIDC: users of an OpenID provider"]];
  const current = value("auth_mode") || "db_auth";
  // A mode this page does not know (a newer server's) is shown as it is, so Save does not switch it to Database.
  if (!modes.some(([key]) => key === current)) modes.push([current, current]);
  const mode = select(modes, current);
  const controls = Object.fromEntries(LDAP_SETTINGS.map((s) => [s.key, settingControl(s, value(s.key))]));
  const oidcControls = Object.fromEntries(OIDC_SETTINGS.map((s) => [s.key, settingControl(s, value(s.key))]));
  // Fields are named by their API keys, so a refusal (which names its key) finds its field.
  const fields = { auth_mode: field("Authentication mode", mode, "It can be changed only while admin is the only user: accounts made one way do not sign in the other.") };
  for (const [key, control] of Object.entries({ ...controls, ...oidcControls })) fields[key] = control.wrapper;
  const ldapValues = () => Object.fromEntries(Object.entries(controls).map(([key, control]) => [key, control.read()]));
  const oidcValues = () => Object.fromEntries(Object.entries(oidcControls).map(([key, control]) => [key, control.read()]));
  const test = connectionTest(async () => {
    const { ldap_timeout: timeout, ...values } = ldapValues();
    // /ldap/ping names the timeout differently; an empty password tests the stored one.
    const { data } = await api.post("/ldap/ping", { ...values, ldap_connection_timeout: timeout || undefined });
    if (!data.success) throw new Error(data.message);
  }, "Berth bound with the search DN and found the base DN.", "Test LDAP server");
  const element = form({
    fields,
    submitLabel: "Save",
    errorField: (error) => (/^(auth_mode|ldap_\w+|oidc_\w+)/.exec(error.message) || [])[1] || (/auth mode/i.test(error.message) ? "auth_mode" : null),
    onSubmit: async () => {
      const values = mode.value === "ldap_auth" ? ldapValues() : mode.value === "oidc_auth" ? oidcValues() : {};
      // Empty keeps the stored password or secret.
      if (!values.ldap_search_password) delete values.ldap_search_password;
      if (!values.oidc_client_secret) delete values.oidc_client_secret;
      // Only the settings of the chosen mode are sent: they are the ones shown.
      await api.put("/configurations", { auth_mode: mode.value, ...values });
      controls.ldap_search_password.wrapper.querySelector("input").value = "";
      oidcControls.oidc_client_secret.wrapper.querySelector("input").value = "";
      toast("Authentication settings saved");
    },
  });
  // The LDAP fields, in two groups, and their test go between the mode and the Save button.
  const ldapPart = h("div", { class: "ldap-settings" },
    h("fieldset", { class: "settings" }, h("legend", {}, "LDAP users"), LDAP_USER_SETTINGS.map((s) => fields[s.key])),
    h("fieldset", { class: "settings" }, h("legend", {}, "LDAP groups"), LDAP_GROUP_SETTINGS.map((s) => fields[s.key])),
    test);
  const oidcPart = h("fieldset", { class: "settings oidc-settings" }, h("legend", {}, "OpenID provider"),
    OIDC_SETTINGS.map((s) => fields[s.key]),
    h("p", { class: "muted" }, "Register ", h("code", {}, `${location.origin}/c/oidc/callback`), " as the redirect URI with the provider."));
  fields.auth_mode.after(ldapPart, oidcPart);
  const showLdap = () => { ldapPart.hidden = mode.value !== "ldap_auth"; oidcPart.hidden = mode.value !== "oidc_auth"; };
  mode.addEventListener("change", showLdap);
  showLdap();
  return element;
}
