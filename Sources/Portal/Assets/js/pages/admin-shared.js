// What several administration sections share: status words for jobs, a log viewer, Harbor's
// schedule bodies, row buttons that report their failure, paged lists, redraws in place, and
// the sign-in mode with the group search that depends on it (also used by project members).

import { api } from "../api.js";
import { h, clear, pager, dialog, confirmDialog, toast, formatTime, redrawOnChange, actionButton, field, uniqueId } from "../dom.js";
import { scheduleForm } from "../schedule.js";

// ---------- statuses

/** Harbor's status names (job service: Pending..Stopped; replication: InProgress, Succeed, Failed) in words. */
const STATUS_WORDS = {
  Pending: ["Pending", "info"], Running: ["Running", "info"], InProgress: ["In progress", "info"],
  Success: ["Succeeded", "ok"], Succeed: ["Succeeded", "ok"],
  Error: ["Failed", "danger"], Failed: ["Failed", "danger"], Stopped: ["Stopped", "warn"],
};

export function statusWords(status) {
  return (STATUS_WORDS[status] || [status || "Unknown"])[0];
}

export function statusBadge(status) {
  const kind = (STATUS_WORDS[status] || [])[1] || "";
  return h("span", { class: `badge ${kind}`, dataset: { status } }, statusWords(status));
}

export function isUnfinished(status) {
  return status === "Pending" || status === "Running" || status === "InProgress";
}

// ---------- dialogs and buttons

/** A dialog whose body carries the administration styles (dialogs live outside <main>). */
export function adminDialog(title, content) {
  return dialog(title, (close) => h("div", { class: "admin-view" }, content(close)));
}

/** Shows a job's log (plain text from `path`) in a scrollable, keyboard-focusable <pre>. */
export function showLog(title, path) {
  adminDialog(title, (close) => {
    const log = h("pre", { class: "log", tabindex: "0", "aria-label": title }, "Loading…");
    api.get(path, undefined, { raw: true })
      .then(({ data }) => { log.textContent = data || "(the log is empty)"; })
      .catch((error) => { log.textContent = error.message; });
    return h("div", {}, log, h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Close")));
  });
}

/**
 * A button in a table row: `label` names it for screen readers ("Delete user bob"), failures
 * become an error toast, and `confirm: [title, message, confirmLabel]` asks first.
 */
export function rowButton(text, label, action, { confirm, kind = "link" } = {}) {
  return actionButton(text, action, { label, confirm, kind });
}

export function rowButtons(...buttons) {
  return h("span", { class: "row-actions" }, buttons);
}

/**
 * "Test connection" for a form: runs `ping()` and says in words whether the other side
 * answered (`success`) or why not. Answers [the button's row, the result line].
 */
export function connectionTest(ping, success, label = "Test connection") {
  const result = h("div", { role: "status", class: "ping-result", dataset: { test: "ping-result" } });
  const button = h("button", { type: "button", class: "secondary", onclick: async () => {
    button.disabled = true;
    clear(result, h("span", { class: "muted" }, "Testing…"));
    try {
      await ping();
      clear(result, h("span", { class: "badge ok" }, "Connection OK"), " ", success);
    } catch (error) {
      clear(result, h("span", { class: "badge danger" }, "Connection failed"), " ", error.message);
    } finally {
      button.disabled = false;
    }
  } }, label);
  return [h("div", { class: "actions" }, button), result];
}

/** A progress bar of `done` out of `total`, named for screen readers. */
export function progressBar(done, total, label) {
  const percent = total ? Math.round((100 * done) / total) : 0;
  return h("span", { class: "progress", role: "progressbar", "aria-valuenow": percent, "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": label },
    h("span", { style: `width:${percent}%` }));
}

/** A search box that calls `onChange(text)` once typing pauses. */
export function searchBox(label, onChange) {
  const input = h("input", { type: "search", placeholder: label, "aria-label": label });
  let debounce;
  input.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => onChange(input.value.trim()), 250);
  });
  return input;
}

// ---------- sign-in mode and groups

/** Harbor's user group types. */
export const GROUP_TYPES = { 1: "LDAP", 2: "HTTP", 3: "OIDC" };

/** Whether users sign in through LDAP (`/systeminfo` tells anyone, project admins included). */
export async function usesLdap() {
  const { data } = await api.get("/systeminfo");
  return data.auth_mode === "ldap_auth";
}

/** The directory's groups whose names contain `text` (system administrators only), as searchPicker items. */
export async function findLdapGroups(text) {
  const { data } = await api.get("/ldap/groups/search", { groupname: text });
  return (data || []).map((g) => ({ name: g.group_name, detail: g.ldap_group_dn, value: g.ldap_group_dn }));
}

/**
 * A search inside a form that fills one of its fields: `find(text)` answers [{name, detail,
 * value}], shown as radio buttons; choosing one calls `onPick(item)`. Forms cannot nest, so it
 * searches on its button or on Enter in its box (which would otherwise submit the form).
 */
export function searchPicker(label, find, onPick) {
  const input = h("input", { type: "search", autocomplete: "off" });
  const status = h("div", { class: "muted", role: "status" });
  const choices = h("div");
  const group = uniqueId("pick");
  async function search() {
    clear(status, "Searching…");
    choices.replaceChildren();
    try {
      const found = await find(input.value.trim());
      clear(status, found.length ? `${found.length} found: choose one.` : "Nothing found.");
      if (found.length) clear(choices, h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, label), found.map((item) => radio(group, item, onPick))));
    } catch (error) {
      clear(status, h("span", { class: "error" }, error.message));
    }
  }
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); search(); } });
  const wrapper = field(label, input);
  const row = h("span", { class: "selector-row" });
  input.replaceWith(row);
  row.append(input, h("button", { type: "button", class: "secondary", onclick: search }, "Search"));
  wrapper.append(status, choices);
  return wrapper;
}

function radio(group, item, onPick) {
  const input = h("input", { type: "radio", name: group, id: uniqueId("choice"), value: item.value, onchange: () => onPick(item) });
  return h("label", { class: "check", for: input.id }, input,
    h("span", { class: "wrap" }, item.name, item.detail ? h("span", { class: "muted" }, ` — ${item.detail}`) : null));
}

// ---------- lists

/**
 * A list paged by the server: `fetchPage({page, page_size})` answers {data, total} and
 * `draw(rows)` returns the table. `load(page)` shows a page (1 after a filter changed; the
 * current one when omitted, as polls do) and answers its rows.
 */
export function pagedList({ fetchPage, draw, pageSize = 15 }) {
  const element = h("div");
  let current = 1;
  const redraw = redrawOnChange(element,
    async () => {
      const { data, total } = await fetchPage({ page: current, page_size: pageSize });
      return { page: current, rows: data || [], total };
    },
    ({ page, rows, total }) => [draw(rows), pager({ page, pageSize, total, onPage: (next) => load(next).catch((error) => toast(error.message, "error")) })]);
  async function load(page = current) {
    current = page;
    return (await redraw()).rows;
  }
  return { element, load };
}

/**
 * A filter form (`fields` are field() wrappers) with a Search button; `onSearch()` runs on
 * submit and its failure shows on the form's line.
 */
export function searchForm(label, fields, onSearch) {
  const problem = h("div", { class: "form-error", role: "alert", hidden: true });
  const element = h("form", { class: "filters", role: "search", "aria-label": label }, fields,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Search")), problem);
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    try { await onSearch(); } catch (error) { problem.textContent = error.message; problem.hidden = false; }
  });
  return element;
}

/**
 * Polls `refresh` (which answers whether something still runs) every `ms` while it does; the
 * returned `start()` may be called again after starting a job: one poll at a time.
 */
export function poller(ctx, refresh, ms = 2000) {
  let polling = false;
  return function start() {
    if (polling) return;
    polling = true;
    ctx.every(ms, async () => {
      const busy = await refresh();
      if (!busy) polling = false;
      return busy;
    });
  };
}

// ---------- schedules

/** The crons of scheduleForm's presets, by Harbor's schedule type. */
const PRESET_TYPES = { "0 0 * * * *": "Hourly", "0 0 0 * * *": "Daily", "0 0 0 * * 0": "Weekly" };

/** Harbor's `schedule` object for a cron from scheduleForm ("" meaning none). */
function scheduleOf(cron) {
  if (!cron) return { type: "None" };
  return { type: PRESET_TYPES[cron] || "Custom", cron };
}

function describeSchedule(current) {
  if (!current || !current.schedule || current.schedule.type === "None") return "No schedule: it runs only when started by hand.";
  const { type, cron, next_scheduled_time: next } = current.schedule;
  return `${type} (${cron})${next ? `; next run ${formatTime(next)}` : ""}.`;
}

/**
 * A system job's schedule (`/system/gc/schedule`, `/system/scanAll/schedule`): what is set now,
 * and scheduleForm to change it. `parameters()` adds the job's own parameters to the body.
 */
export async function schedulePanel(path, { parameters } = {}) {
  let current = (await api.get(path)).data;
  const status = h("p", { dataset: { test: "schedule-status" } }, "Current schedule: ", describeSchedule(current));
  const cron = current && current.schedule && current.schedule.type !== "None" ? current.schedule.cron || "" : "";
  const editor = scheduleForm(cron, true, async (chosen) => {
    const body = { schedule: scheduleOf(chosen), ...(parameters ? { parameters: parameters() } : {}) };
    // Harbor's UI: PUT once a schedule exists, POST the first time.
    if (current) await api.put(path, body);
    else await api.post(path, body);
    current = (await api.get(path)).data;
    clear(status, "Current schedule: ", describeSchedule(current));
  });
  return h("div", {}, status, editor);
}

/** The JSON of `job_parameters` (a string in Harbor's answers), or {} when unreadable. */
export function jobParameters(entry) {
  try { return JSON.parse((entry && entry.job_parameters) || "{}") || {}; } catch (_) { return {}; }
}

/** A `card` with a muted caption and a big figure. */
export function figureCard(caption, value, test) {
  return h("div", { class: "card" }, h("div", { class: "muted" }, caption), h("div", { class: "figure", dataset: test ? { test } : undefined }, String(value ?? 0)));
}
