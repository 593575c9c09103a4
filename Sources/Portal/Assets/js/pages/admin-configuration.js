// System configuration (`/configurations`): read-only mode and the audit log's settings; any
// other key the server returns is shown read-only, so nothing it reports is hidden.

import { api } from "../api.js";
import { h, clear, field, form, checkbox, toast } from "../dom.js";

/** The keys PUT /configurations accepts (ConfigurationHandlers.swift). */
const EDITABLE = ["audit_log_forward_endpoint", "skip_audit_log_database", "disabled_audit_log_event_types", "read_only"];

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
  const systemForm = form({
    fields: { readOnly },
    submitLabel: "Save",
    onSubmit: async () => {
      await api.put("/configurations", { read_only: readOnly.input.checked });
      toast(readOnly.input.checked ? "The registry is read only" : "The registry takes changes again");
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
