// Webhooks: policies that POST a project's events (push, pull, scan, ...) to an HTTP endpoint or
// Slack, when each last fired, and each policy's deliveries (executions, their tasks and logs).
// Project administrators manage policies; maintainers read them, auth headers masked.

import { api, harborQuery } from "../api.js";
import { h, clear, table, field, form, checkbox, select, dialog, confirmDialog, toast, formatTime } from "../dom.js";
import { can, notPermitted, filteredList, rowActions, groupField } from "./project-shared.js";

const EVENT_NAMES = {
  PUSH_ARTIFACT: "Artifact pushed", PULL_ARTIFACT: "Artifact pulled", DELETE_ARTIFACT: "Artifact deleted",
  QUOTA_EXCEED: "Quota exceeded", QUOTA_WARNING: "Quota near threshold", SCANNING_FAILED: "Scanning failed",
  SCANNING_STOPPED: "Scanning stopped", SCANNING_COMPLETED: "Scanning finished", REPLICATION: "Replication status changed",
  TAG_RETENTION: "Tag retention finished",
};
const NOTIFY_NAMES = { http: "HTTP", slack: "Slack" };
const POLL_MS = 3000;

const eventName = (type) => EVENT_NAMES[type] || type;

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "webhook.list")) return notPermitted(panel, "project administrators and maintainers", "webhooks");
  const manage = can(project, ctx, "webhook.manage");
  const base = `/projects/${project.project_id}/webhook`;
  const executionsArea = h("div");
  let shown = null; // {policy, list}: the policy whose executions are listed below the policies

  const policies = filteredList({
    ctx,
    caption: "Webhook policies",
    pageSize: 10,
    filters: [{ key: "name", label: "Filter webhooks by name" }],
    toolbar: manage ? [h("button", { type: "button", onclick: () => editPolicy(base, null, policies.reload) }, "New webhook")] : [],
    empty: "No webhooks yet.",
    fetch: (query) => fetchPolicies(base, query),
    columns: [
      { title: "Name", render: (p) => p.name },
      { title: "Status", render: (p) => h("span", { class: `badge ${p.enabled ? "ok" : "warn"}` }, p.enabled ? "Enabled" : "Disabled") },
      { title: "Notify type", render: (p) => (p.targets || []).map((t) => NOTIFY_NAMES[t.type] || t.type).join(", ") },
      { title: "Endpoint", render: (p) => h("span", { class: "mono wrap" }, (p.targets || []).map((t) => t.address).join(" ")) },
      { title: "Event types", render: (p) => (p.event_types || []).map((type) => h("span", { class: "badge" }, eventName(type))) },
      { title: "Last triggered", render: (p) => formatTime(p.last_trigger_time) || h("span", { class: "muted" }, "never") },
      { title: "Created", render: (p) => [formatTime(p.creation_time), p.creator ? ` by ${p.creator}` : ""] },
      { title: "Actions", render: (p) => rowActions(
        ["Executions", `Executions of ${p.name}`, () => showExecutions(p)],
        manage && ["Edit", `Edit webhook ${p.name}`, () => editPolicy(base, p, policies.reload)],
        manage && [p.enabled ? "Disable" : "Enable", `${p.enabled ? "Disable" : "Enable"} webhook ${p.name}`, () => togglePolicy(base, p, policies.reload)],
        manage && ["Delete", `Delete webhook ${p.name}`, () => deletePolicy(base, p, async () => {
          if (shown && shown.policy.id === p.id) { shown = null; clear(executionsArea); }
          await policies.reload();
        })]) },
    ],
  });

  function showExecutions(policy) {
    shown = { policy, list: executionList(base, policy, ctx) };
    clear(executionsArea, h("section", { class: "panel", "aria-labelledby": "webhook-executions-title" },
      h("h3", { id: "webhook-executions-title", class: "panel-title" }, `Executions of ${policy.name}`), shown.list.element));
    shown.list.reload().catch((error) => toast(error.message, "error"));
    executionsArea.querySelector("h3").scrollIntoView({ block: "nearest" });
  }

  clear(panel, policies.element, executionsArea);
  await policies.reload();
  // Deliveries follow events the page does not see: refresh in place (a redraw only on change).
  ctx.every(POLL_MS, async () => {
    await policies.reload();
    if (shown) await shown.list.reload();
  });
}

/** One page of policies, each with the latest trigger time of any of its event types. */
async function fetchPolicies(base, { page, pageSize, filters }) {
  const [list, triggers] = await Promise.all([
    api.get(`${base}/policies`, { page, page_size: pageSize, q: harborQuery(filters) }),
    api.get(`${base}/lasttrigger`),
  ]);
  const latest = {};
  for (const entry of triggers.data || []) {
    if (entry.last_trigger_time && (!latest[entry.policy_name] || entry.last_trigger_time > latest[entry.policy_name])) {
      latest[entry.policy_name] = entry.last_trigger_time;
    }
  }
  return { total: list.total, data: (list.data || []).map((p) => ({ ...p, last_trigger_time: latest[p.name] || null })) };
}

// ---------- the policy form

async function editPolicy(base, policy, reload) {
  let supported;
  try {
    supported = (await api.get(`${base}/events`)).data;
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  dialog(policy ? `Edit webhook ${policy.name}` : "New webhook", (close) => policyForm(base, policy, supported, close, reload));
}

function policyForm(base, policy, supported, close, reload) {
  const target = (policy && policy.targets && policy.targets[0]) || { type: "http", payload_format: "Default" };
  const httpFormats = ((supported.payload_formats || []).find((f) => f.notify_type === "http") || { formats: ["Default"] }).formats;
  const name = h("input", { type: "text", name: "name", autocomplete: "off", value: policy ? policy.name : "" });
  const description = h("textarea", { name: "description", rows: 2 }, policy ? policy.description : "");
  const type = select((supported.notify_type || ["http"]).map((t) => [t, NOTIFY_NAMES[t] || t]), target.type, { name: "notify_type" });
  const format = select(httpFormats.map((f) => [f, f]), target.payload_format || "Default", { name: "payload_format" });
  const address = h("input", { type: "url", name: "address", autocomplete: "off", value: target.address || "", placeholder: "https://ci.example.com/hook" });
  const auth = h("input", { type: "text", name: "auth_header", autocomplete: "off", value: target.auth_header || "", placeholder: "Bearer TOKEN" });
  const skipVerify = checkbox("Skip certificate verification", Boolean(target.skip_cert_verify));
  const enabled = checkbox("Enabled", policy ? Boolean(policy.enabled) : true);
  const chosen = new Set(policy ? policy.event_types : []);
  const eventBoxes = (supported.event_type || []).map((type) => checkbox(eventName(type), chosen.has(type), { value: type, name: "event_types" }));
  const fields = {
    name: field("Name", name),
    description: field("Description", description),
    type: field("Notify type", type),
    format: field("Payload format", format, "CloudEvents wraps the event in a CloudEvents 1.0 envelope."),
    address: field("Endpoint URL", address, "An http:// or https:// address; for Slack, the incoming webhook's URL."),
    auth: field("Auth header", auth, "Sent as the Authorization header, for example Bearer TOKEN."),
    events: groupField("Event types", h("div", { class: "check-grid" }, eventBoxes)),
  };
  // Slack takes neither a payload format nor an auth header (Harbor's form hides them too).
  // (a class, not `hidden`: .field's display:grid would override the attribute)
  const showHttpOnly = () => [fields.format, fields.auth].forEach((f) => f.classList.toggle("collapsed", type.value !== "http"));
  type.addEventListener("change", showHttpOnly);
  showHttpOnly();
  setTimeout(() => name.focus());
  return form({
    fields,
    extra: [skipVerify, enabled],
    submitLabel: policy ? "Save" : "Add",
    cancel: close,
    errorField: policyErrorField,
    onSubmit: async () => {
      const http = type.value === "http";
      const body = {
        name: name.value.trim(),
        description: description.value,
        enabled: enabled.input.checked,
        event_types: eventBoxes.filter((box) => box.input.checked).map((box) => box.input.value),
        // The form edits the first target, as Harbor's does; more set through the API stay.
        targets: [{
          type: type.value, address: address.value.trim(), skip_cert_verify: skipVerify.input.checked,
          auth_header: http ? auth.value : "", payload_format: http ? format.value : undefined,
        }, ...((policy && policy.targets) || []).slice(1)],
      };
      if (policy) await api.put(`${base}/policies/${policy.id}`, body);
      else await api.post(`${base}/policies`, body);
      close();
      toast(policy ? `Webhook ${body.name} saved` : `Webhook ${body.name} added`);
      await reload();
    },
  });
}

/** The field an API refusal is about, from the words of WebhookHandlers.validated. */
function policyErrorField(error) {
  const message = error.message;
  if (/target type/i.test(message)) return "type";
  if (/payload format/i.test(message)) return "format";
  if (/address|notification target|auth_header/i.test(message)) return "address";
  if (/event type/i.test(message)) return "events";
  return "name";
}

/** The policy as PUT takes it: what GET answered, less what the list added. */
function policyBody(policy) {
  const { last_trigger_time: _lastTrigger, ...body } = policy;
  return body;
}

async function togglePolicy(base, policy, reload) {
  try {
    await api.put(`${base}/policies/${policy.id}`, { ...policyBody(policy), enabled: !policy.enabled });
    toast(`Webhook ${policy.name} ${policy.enabled ? "disabled" : "enabled"}`);
    await reload();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function deletePolicy(base, policy, reload) {
  if (!(await confirmDialog("Delete webhook", `Delete webhook ${policy.name}? Its delivery history goes with it.`))) return;
  try {
    await api.del(`${base}/policies/${policy.id}`);
    toast(`Webhook ${policy.name} deleted`);
    await reload();
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---------- executions, tasks, logs

function executionList(base, policy, ctx) {
  const path = `${base}/policies/${policy.id}/executions`;
  return filteredList({
    ctx,
    caption: `Executions of ${policy.name}`,
    pageSize: 10,
    empty: "No deliveries yet: they appear when one of the policy's events happens.",
    fetch: ({ page, pageSize }) => api.get(path, { page, page_size: pageSize }),
    columns: [
      { title: "ID", render: (e) => String(e.id) },
      { title: "Event type", render: (e) => eventName(e.extra_attrs && e.extra_attrs.event_type) },
      { title: "Status", render: (e) => statusBadge(e.status) },
      { title: "Tasks", render: (e) => `${e.metrics.success_task_count} of ${e.metrics.task_count} succeeded` },
      { title: "Started", render: (e) => formatTime(e.start_time) },
      { title: "Duration", render: (e) => duration(e.start_time, e.end_time) },
      { title: "Details", render: (e) => rowActions(["Tasks", `Tasks of execution ${e.id}`, () => showTasks(path, e)]) },
    ],
  });
}

function statusBadge(status) {
  const kind = { Success: "ok", Error: "danger", Stopped: "warn", Running: "info", Pending: "info" }[status] || "";
  return h("span", { class: `badge ${kind}` }, status);
}

function duration(start, end) {
  if (!end || end.startsWith("0001-")) return "";
  const seconds = (new Date(end) - new Date(start)) / 1000;
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
}

/** A dialog with the execution's payload and its tasks; a task's log opens below them. */
async function showTasks(path, execution) {
  let tasks;
  try {
    tasks = (await api.get(`${path}/${execution.id}/tasks`, { page_size: 100 })).data || [];
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  dialog(`Execution ${execution.id}`, (close) => {
    const logArea = h("div", { "aria-live": "polite" });
    const payload = execution.extra_attrs && execution.extra_attrs.payload;
    return h("div", {},
      h("dl", { class: "kv" },
        h("dt", {}, "Event type"), h("dd", {}, eventName(execution.extra_attrs && execution.extra_attrs.event_type)),
        h("dt", {}, "Status"), h("dd", {}, statusBadge(execution.status), execution.status_message ? ` ${execution.status_message}` : ""),
        h("dt", {}, "Trigger"), h("dd", {}, execution.trigger)),
      payload ? h("details", {}, h("summary", {}, "Payload"), h("pre", { class: "log" }, prettyJSON(payload))) : null,
      h("h3", {}, "Tasks"),
      table({
        caption: `Tasks of execution ${execution.id}`,
        rows: tasks,
        empty: "No tasks.",
        columns: [
          { title: "ID", render: (t) => String(t.id) },
          { title: "Status", render: (t) => [statusBadge(t.status), t.status_message ? ` ${t.status_message}` : ""] },
          { title: "Attempts", render: (t) => String(t.run_count) },
          { title: "Started", render: (t) => formatTime(t.start_time) },
          { title: "Ended", render: (t) => formatTime(t.end_time) },
          { title: "Log", render: (t) => rowActions(["Log", `Log of task ${t.id}`, () => showLog(`${path}/${execution.id}/tasks/${t.id}/log`, t, logArea)]) },
        ],
      }),
      logArea,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: close }, "Close")));
  });
}

async function showLog(path, task, area) {
  clear(area, h("p", { class: "muted" }, "Loading…"));
  try {
    const { data } = await api.get(path, undefined, { raw: true });
    clear(area, h("h3", {}, `Log of task ${task.id}`), h("pre", { class: "log", tabindex: "0", dataset: { test: "task-log" } }, data || "(empty)"));
  } catch (error) {
    clear(area, h("p", { class: "error" }, error.message));
  }
}

function prettyJSON(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
}
