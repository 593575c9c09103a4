// One project: a summary and a tab per concern. Each tab draws into the panel below the tab bar
// from the project's own endpoints; the tabs of their own modules are imported below.

import { api, repoSegment } from "../api.js";
import { h, clear, table, pager, field, form, checkbox, dialog, confirmDialog, toast, formatTime, formatSize, select, copyBox, copyButton, severityChart, SEVERITIES } from "../dom.js";
import * as members from "./project-members.js";
import * as labels from "./project-labels.js";
import * as scanner from "./project-scanner.js";
import * as immutability from "./project-immutability.js";
import * as webhooks from "./project-webhooks.js";
import * as logs from "./project-logs.js";

const TABS = [
  ["summary", "Summary", summary],
  ["repositories", "Repositories", repositories],
  ["members", "Members", members.render],
  ["robots", "Robot accounts", robots],
  ["labels", "Labels", labels.render],
  ["scanner", "Scanner", scanner.render],
  ["policy", "Configuration", policy],
  ["retention", "Tag retention", retention],
  ["immutability", "Tag immutability", immutability.render],
  ["webhooks", "Webhooks", webhooks.render],
  ["logs", "Logs", logs.render],
];

export async function render(view, { projectId, tab }, ctx) {
  const { data: project } = await api.get(`/projects/${projectId}`);
  const entry = TABS.find(([key]) => key === tab) || TABS[0];
  const panel = h("section", { "aria-labelledby": "tab-title" });
  clear(view,
    h("div", { class: "breadcrumb" }, h("a", { href: "#/projects" }, "Projects"), " / "),
    h("h1", {}, project.name, " ", h("span", { class: `badge ${project.metadata.public === "true" ? "info" : ""}` }, project.metadata.public === "true" ? "Public" : "Private"),
      project.registry_id ? h("span", { class: "badge" }, "Proxy cache") : null),
    h("nav", { class: "tabs", "aria-label": "Project" }, TABS.map(([key, title]) =>
      h("a", { href: `#/projects/${projectId}/${key}`, "aria-current": key === entry[0] ? "page" : null }, title))),
    h("h2", { id: "tab-title", class: "visually-hidden" }, entry[1]),
    panel);
  await entry[2](panel, project, ctx);
}

/** The role the current user holds here (1 admin, 4 maintainer, 2 developer, 3 guest, 5 limited guest). */
export function canManage(project, ctx) {
  return Boolean(ctx.session.user && (ctx.session.user.sysadmin_flag || project.current_user_role_id === 1));
}

// ---------- summary

async function summary(panel, project) {
  const [{ data: info }, security] = await Promise.all([
    api.get(`/projects/${project.project_id}/summary`),
    api.get("/security/summary", { with_dangerous_cve: false, with_dangerous_artifact: false, project_id: project.project_id }).catch(() => null),
  ]);
  const hard = info.quota && info.quota.hard && info.quota.hard.storage;
  const used = (info.quota && info.quota.used && info.quota.used.storage) || 0;
  const percent = hard > 0 ? Math.min(100, Math.round((100 * used) / hard)) : 0;
  const counts = {};
  if (security && security.data) {
    counts.Critical = security.data.critical_cnt; counts.High = security.data.high_cnt; counts.Medium = security.data.medium_cnt;
    counts.Low = security.data.low_cnt; counts.Unknown = security.data.unknown_cnt;
  }
  clear(panel,
    h("div", { class: "cards" },
      h("div", { class: "card" }, h("div", { class: "muted" }, "Repositories"), h("div", { class: "figure", dataset: { test: "repo-count" } }, String(info.repo_count))),
      h("div", { class: "card" }, h("div", { class: "muted" }, "Quota used"),
        h("div", { class: "figure" }, formatSize(used)),
        hard > 0 ? h("div", {}, h("span", { class: "progress", role: "progressbar", "aria-valuenow": percent, "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "Quota used" },
          h("span", { style: `width:${percent}%` })), ` ${percent}% of ${formatSize(hard)}`) : h("div", { class: "muted" }, "No limit")),
      h("div", { class: "card" }, h("div", { class: "muted" }, "Members"),
        h("div", {}, `${info.project_admin_count || 0} admins, ${info.maintainer_count || 0} maintainers, ${info.developer_count || 0} developers, ${info.guest_count || 0} guests`))),
    security && security.data ? h("section", { class: "panel" }, h("h2", {}, "Vulnerabilities by severity"),
      h("p", { class: "muted" }, `${security.data.total_vuls || 0} vulnerabilities in ${security.data.scanned_cnt || 0} scanned of ${security.data.total_artifact || 0} artifacts; ${security.data.fixable_cnt || 0} fixable.`),
      severityChart(counts)) : null);
}

// ---------- repositories

async function repositories(panel, project, ctx) {
  const state = { page: 1, name: "" };
  const list = h("div");
  const filter = h("input", { type: "search", placeholder: "Filter by name", "aria-label": "Filter repositories by name" });
  let debounce;
  filter.addEventListener("input", () => { clearTimeout(debounce); debounce = setTimeout(() => { state.name = filter.value.trim(); state.page = 1; load(); }, 250); });
  const host = await registryHost();
  async function load() {
    const { data, total } = await api.get(`/projects/${project.name}/repositories`, {
      page: state.page, page_size: 15, q: state.name ? `name=~${state.name}` : undefined,
    });
    if (!ctx.alive) return;
    clear(list,
      table({
        caption: "Repositories",
        columns: [
          { title: "Name", render: (r) => h("a", { href: `#/projects/${project.project_id}/repositories/${encodeURIComponent(r.name.slice(project.name.length + 1))}` }, r.name) },
          { title: "Artifacts", render: (r) => String(r.artifact_count) },
          { title: "Pulls", render: (r) => String(r.pull_count) },
          { title: "Last modified", render: (r) => formatTime(r.update_time) },
          { title: "Pull command", render: (r) => copyButton(`docker pull ${host}/${r.name}`, `Copy the pull command of ${r.name}`) },
        ],
        rows: data || [],
        empty: state.name ? "No repository matches." : `No repositories yet. Push one: docker push ${host}/${project.name}/IMAGE:TAG`,
      }),
      pager({ page: state.page, pageSize: 15, total, onPage: (p) => { state.page = p; load(); } }));
  }
  clear(panel, h("div", { class: "toolbar" }, h("span", { class: "spacer" }), filter), list);
  await load();
}

/** `host[:port]` as clients name this registry (systeminfo's registry_url, else this page's host). */
export async function registryHost() {
  try {
    const { data } = await api.get("/systeminfo");
    if (data && data.registry_url) return data.registry_url.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  } catch (_) { /* fall back to the page's host */ }
  return location.host;
}

// ---------- configuration (project metadata)

async function policy(panel, project, ctx) {
  const meta = project.metadata || {};
  const editable = canManage(project, ctx);
  const isPublic = checkbox("Public: anyone may pull images of this project, without logging in", meta.public === "true", { disabled: !editable });
  const cosign = checkbox("Cosign: only signed images may be pulled", meta.enable_content_trust_cosign === "true", { disabled: !editable });
  const notation = checkbox("Notation: only signed images may be pulled", meta.enable_content_trust === "true", { disabled: !editable });
  const preventVul = checkbox("Prevent vulnerable images from running", meta.prevent_vul === "true", { disabled: !editable });
  const severity = select([["critical", "Critical"], ["high", "High"], ["medium", "Medium"], ["low", "Low"], ["none", "None"]],
    (meta.severity || "low").toLowerCase(), { disabled: !editable });
  const autoScan = checkbox("Automatically scan images on push", meta.auto_scan === "true", { disabled: !editable });
  const autoSbom = checkbox("Automatically generate an SBOM on push", meta.auto_sbom_generation === "true", { disabled: !editable });
  const reuse = checkbox("Use the system CVE allowlist", meta.reuse_sys_cve_allowlist !== "false", { disabled: !editable });
  const severityField = field("Prevent images with vulnerabilities of this severity and above", severity);
  const configForm = form({
    fields: { severity: severityField },
    extra: [
      h("fieldset", {}, h("legend", {}, "Access"), isPublic),
      h("fieldset", {}, h("legend", {}, "Deployment security"), cosign, notation, preventVul),
      h("fieldset", {}, h("legend", {}, "Vulnerability scanning"), autoScan, autoSbom),
      h("fieldset", {}, h("legend", {}, "CVE allowlist"), reuse),
    ],
    errorField: (error) => (/severity/i.test(error.message) ? "severity" : null),
    onSubmit: async () => {
      await api.put(`/projects/${project.project_id}`, {
        metadata: {
          public: String(isPublic.input.checked),
          enable_content_trust_cosign: String(cosign.input.checked),
          enable_content_trust: String(notation.input.checked),
          prevent_vul: String(preventVul.input.checked),
          severity: severity.value,
          auto_scan: String(autoScan.input.checked),
          auto_sbom_generation: String(autoSbom.input.checked),
          reuse_sys_cve_allowlist: String(reuse.input.checked),
        },
      });
      toast("Configuration saved");
    },
  });
  // The severity field sits with the gate it tunes.
  preventVul.after(severityField);
  if (!editable) configForm.querySelector("button[type=submit]").hidden = true;
  clear(panel, h("div", { class: "panel" }, editable ? null : h("p", { class: "muted" }, "Only project administrators change these."), configForm));
}

// ---------- robot accounts

const PERMISSION_SETS = {
  pull: [["repository", "pull"]],
  push: [["repository", "pull"], ["repository", "push"]],
  full: [["repository", "pull"], ["repository", "push"], ["repository", "delete"], ["artifact", "delete"], ["artifact", "read"],
    ["artifact-label", "create"], ["artifact-label", "delete"], ["tag", "create"], ["tag", "delete"], ["tag", "list"], ["scan", "create"], ["scan", "stop"]],
};

async function robots(panel, project, ctx) {
  const list = h("div");
  async function load() {
    const { data } = await api.get("/robots", { q: `Level=project,ProjectID=${project.project_id}`, page_size: 100 });
    if (!ctx.alive) return;
    clear(list, table({
      caption: "Robot accounts",
      columns: [
        { title: "Name", render: (r) => r.name },
        { title: "Status", render: (r) => (r.disable ? h("span", { class: "badge warn" }, "Disabled") : h("span", { class: "badge ok" }, "Enabled")) },
        { title: "Permissions", render: (r) => (r.permissions || []).flatMap((p) => p.access.map((a) => `${a.action} ${a.resource}`)).join(", ") },
        { title: "Created", render: (r) => formatTime(r.creation_time) },
        { title: "Expires", render: (r) => (r.expires_at === -1 ? "Never" : new Date(r.expires_at * 1000).toLocaleDateString()) },
        { title: "", render: (r) => canManage(project, ctx) ? h("button", { type: "button", class: "link", "aria-label": `Delete ${r.name}`, onclick: async () => {
          if (!(await confirmDialog("Delete robot account", `Delete ${r.name}? Clients using its secret stop working.`))) return;
          try { await api.del(`/robots/${r.id}`); toast(`${r.name} deleted`); load(); } catch (error) { toast(error.message, "error"); }
        } }, "Delete") : "" },
      ],
      rows: data || [],
      empty: "No robot accounts.",
    }));
  }
  clear(panel,
    h("div", { class: "toolbar" }, canManage(project, ctx) ? h("button", { type: "button", onclick: () => createRobot(project, load) }, "New robot account") : null),
    list);
  await load();
}

function createRobot(project, reload) {
  dialog("New robot account", (close) => {
    const name = h("input", { type: "text", autocomplete: "off" });
    const description = h("input", { type: "text" });
    const days = h("input", { type: "number", min: "-1", value: "30", style: "max-width:8rem" });
    const permissions = select([["pull", "Pull"], ["push", "Push and pull"], ["full", "Push, pull, delete, tag, label and scan"]], "push");
    const fields = {
      name: field("Name", name, `Clients log in as robot$${project.name}+NAME.`),
      description: field("Description", description),
      days: field("Expires after (days, -1 for never)", days),
      permissions: field("Permissions", permissions),
    };
    setTimeout(() => name.focus());
    return form({
      fields,
      submitLabel: "Add",
      cancel: close,
      errorField: (error) => (/duration|expire|days/i.test(error.message) ? "days" : /permission|access/i.test(error.message) ? "permissions" : "name"),
      onSubmit: async () => {
        const access = PERMISSION_SETS[permissions.value].map(([resource, action]) => ({ resource, action }));
        const { data } = await api.post("/robots", {
          name: name.value.trim(), description: description.value, duration: Number(days.value), level: "project", disable: false,
          permissions: [{ kind: "project", namespace: project.name, access }],
        });
        close();
        showSecret(data);
        reload();
      },
    });
  });
}

/** Shows a new robot's secret once, with a copy button: it is not stored where it can be read again. */
export function showSecret(created) {
  dialog(`Robot account ${created.name}`, (close) => h("div", { class: "form" },
    h("p", {}, "Copy the secret now: Berth keeps only its hash and cannot show it again."),
    h("div", { class: "field" }, h("span", { class: "label" }, "Name"), copyBox(created.name, "Copy name")),
    h("div", { class: "field" }, h("span", { class: "label" }, "Secret"), h("div", { dataset: { test: "robot-secret" } }, copyBox(created.secret, "Copy secret"))),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Done"))));
}

// ---------- tag retention

const TEMPLATES = [
  ["latestPushedK", "retain the most recently pushed # artifacts", "latestPushedK"],
  ["latestPulledN", "retain the most recently pulled # artifacts", "latestPulledN"],
  ["nDaysSinceLastPush", "retain the artifacts pushed within the last # days", "nDaysSinceLastPush"],
  ["nDaysSinceLastPull", "retain the artifacts pulled within the last # days", "nDaysSinceLastPull"],
  ["always", "retain always", null],
];

async function retention(panel, project, ctx) {
  const id = project.metadata && project.metadata.retention_id;
  const policyData = id ? (await api.get(`/retentions/${id}`)).data : null;
  const editable = canManage(project, ctx);
  const rules = (policyData && policyData.rules) || [];
  const runs = h("div");
  const describe = (rule) => {
    const template = TEMPLATES.find(([key]) => key === rule.template);
    const count = template && template[2] ? rule.params[template[2]] : "";
    const text = template ? template[1].replace("#", count) : rule.template;
    const repos = (rule.scope_selectors.repository || []).map((s) => `${s.decoration} ${s.pattern}`).join(", ");
    const tags = (rule.tag_selectors || []).map((s) => `${s.decoration} ${s.pattern}`).join(", ");
    return `For repositories ${repos}: ${text}, tags ${tags}`;
  };
  async function loadRuns() {
    if (!id) return;
    const { data } = await api.get(`/retentions/${id}/executions`, { page_size: 10 });
    if (!ctx.alive) return;
    clear(runs, table({
      caption: "Retention runs",
      columns: [
        { title: "ID", render: (e) => String(e.id) },
        { title: "Status", render: (e) => e.status },
        { title: "Dry run", render: (e) => (e.dry_run ? "Yes" : "No") },
        { title: "Trigger", render: (e) => e.trigger },
        { title: "Started", render: (e) => formatTime(e.start_time) },
      ],
      rows: data || [],
      empty: "No runs yet.",
    }));
    return (data || []).some((e) => e.status === "Running" || e.status === "Pending" || e.status === "InProgress");
  }
  async function save(newRules, cron) {
    const body = {
      algorithm: "or", rules: newRules,
      trigger: { kind: "Schedule", settings: { cron: cron !== undefined ? cron : (policyData ? policyData.trigger.settings.cron || "" : "") } },
      scope: { level: "project", ref: project.project_id },
    };
    if (policyData) await api.put(`/retentions/${id}`, { ...body, id: Number(id) });
    else await api.post("/retentions", body);
    ctx.reload();
  }
  clear(panel,
    h("div", { class: "panel" },
      h("h3", {}, "Retention rules"),
      rules.length === 0 ? h("p", { class: "muted" }, "No rules: every artifact is kept.")
        : h("ul", { dataset: { test: "retention-rules" } }, rules.map((rule, index) => h("li", {}, describe(rule), " ",
          editable ? h("button", { type: "button", class: "link", onclick: () => save(rules.filter((_, i) => i !== index)) }, "Delete") : null))),
      editable ? h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => addRule(rules, save) }, "Add rule"),
        policyData ? h("button", { type: "button", class: "secondary", onclick: async () => {
          try { await api.post(`/retentions/${id}/executions`, { dry_run: true }); toast("Dry run started"); ctx.follow(3000, loadRuns); } catch (e) { toast(e.message, "error"); }
        } }, "Dry run") : null,
        policyData ? h("button", { type: "button", class: "secondary", onclick: async () => {
          if (!(await confirmDialog("Run retention", "Delete now every artifact the rules do not retain?", "Run"))) return;
          try { await api.post(`/retentions/${id}/executions`, { dry_run: false }); toast("Retention started"); ctx.follow(3000, loadRuns); } catch (e) { toast(e.message, "error"); }
        } }, "Run now") : null) : null),
    policyData ? h("div", { class: "panel" }, h("h3", {}, "Schedule"), scheduleForm(policyData.trigger.settings.cron || "", editable, (cron) => save(rules, cron))) : null,
    h("h3", {}, "Runs"), runs);
  if (await loadRuns()) ctx.follow(3000, loadRuns);
}

function addRule(rules, save) {
  dialog("Add a retention rule", (close) => {
    const repoDecoration = select([["repoMatches", "matching"], ["repoExcludes", "excluding"]], "repoMatches", { "aria-label": "Repositories matching or excluding" });
    const repoPattern = h("input", { type: "text", value: "**" });
    const template = select(TEMPLATES.map(([key, text]) => [key, text.replace("#", "N")]), "latestPushedK");
    const count = h("input", { type: "number", min: "0", value: "10", style: "max-width:8rem" });
    const tagDecoration = select([["matches", "matching"], ["excludes", "excluding"]], "matches", { "aria-label": "Tags matching or excluding" });
    const tagPattern = h("input", { type: "text", value: "**" });
    const untagged = checkbox("Include untagged artifacts", true);
    const fields = {
      repositories: field("Repositories", h("span", { class: "actions" }, repoDecoration, repoPattern), "Patterns like ** or app-*"),
      template: field("By artifact count or number of days", template),
      count: field("Count (N)", count),
      tags: field("Tags", h("span", { class: "actions" }, tagDecoration, tagPattern)),
    };
    fields.repositories.querySelector("label").setAttribute("for", repoPattern.id = "retention-repo-pattern");
    fields.tags.querySelector("label").setAttribute("for", tagPattern.id = "retention-tag-pattern");
    return form({
      fields,
      extra: [untagged],
      submitLabel: "Add",
      cancel: close,
      errorField: (error) => (/param|count|retain/i.test(error.message) ? "count" : /tag/i.test(error.message) ? "tags" : "repositories"),
      onSubmit: async () => {
        const chosen = TEMPLATES.find(([key]) => key === template.value);
        const rule = {
          disabled: false, action: "retain", template: chosen[0],
          params: chosen[2] ? { [chosen[2]]: Number(count.value) } : {},
          tag_selectors: [{ kind: "doublestar", decoration: tagDecoration.value, pattern: tagPattern.value, extras: JSON.stringify({ untagged: untagged.input.checked }) }],
          scope_selectors: { repository: [{ kind: "doublestar", decoration: repoDecoration.value, pattern: repoPattern.value }] },
        };
        await save([...rules, rule]);
        close();
        toast("Retention rule added");
      },
    });
  });
}

/** A cron field with Harbor's presets; `onSave(cron)` with "" meaning none. Shared by GC and retention. */
export function scheduleForm(cron, editable, onSave) {
  const presets = [["", "None"], ["0 0 * * * *", "Hourly"], ["0 0 0 * * *", "Daily"], ["0 0 0 * * 0", "Weekly"], ["custom", "Custom"]];
  const known = presets.some(([value]) => value === cron);
  const kind = select(presets, known ? cron : "custom", { disabled: !editable });
  const custom = h("input", { type: "text", value: known ? "" : cron, placeholder: "0 0 3 * * *", disabled: !editable, hidden: known });
  kind.addEventListener("change", () => { custom.hidden = kind.value !== "custom"; if (!custom.hidden) custom.focus(); });
  const fields = {
    kind: field("Schedule", kind),
    cron: field("Cron (seconds minutes hours day-of-month month day-of-week)", custom),
  };
  const element = form({
    fields,
    submitLabel: "Save schedule",
    errorField: () => (kind.value === "custom" ? "cron" : "kind"),
    onSubmit: async () => {
      await onSave(kind.value === "custom" ? custom.value.trim() : kind.value);
      toast("Schedule saved");
    },
  });
  const toggleCron = () => { fields.cron.hidden = kind.value !== "custom"; };
  kind.addEventListener("change", toggleCron);
  toggleCron();
  custom.hidden = false;
  if (!editable) element.querySelector("button[type=submit]").hidden = true;
  return element;
}

export { SEVERITIES };
