// System configuration (`/configurations`): read-only mode and the audit log's settings; any
// other key the server returns is shown read-only, so nothing it reports is hidden.

import { api } from "../api.js";
import { h, clear, field, form, checkbox, select, toast } from "../dom.js";

/** The keys PUT /configurations accepts (ConfigurationHandlers.swift). */
const EDITABLE = ["audit_log_forward_endpoint", "skip_audit_log_database", "disabled_audit_log_event_types", "read_only",
  "project_creation_restriction", "storage_per_project"];
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
    h("section", { class: "panel" }, h("h2", {}, "Audit log"), editor),
    others.length ? h("section", { class: "panel" }, h("h2", {}, "Other settings (read-only)"),
      h("dl", { class: "kv" }, others.flatMap((key) => [h("dt", {}, key), h("dd", { class: "mono" }, JSON.stringify(settings[key].value))]))) : null);
}
