// One project: a summary and a tab per concern. Each tab draws into the panel below the tab bar
// from the project's own endpoints; the tabs of their own modules are imported below.

import { api, harborQuery } from "../api.js";
import { h, clear, table, pager, formatTime, formatSize, copyButton, severityChart } from "../dom.js";
import * as members from "./project-members.js";
import * as labels from "./project-labels.js";
import * as scanner from "./project-scanner.js";
import * as immutability from "./project-immutability.js";
import * as webhooks from "./project-webhooks.js";
import * as logs from "./project-logs.js";
import * as policy from "./project-policy.js";
import * as robots from "./project-robots.js";
import * as retention from "./project-retention.js";

const TABS = [
  ["summary", "Summary", summary],
  ["repositories", "Repositories", repositories],
  ["members", "Members", members.render],
  ["robots", "Robot accounts", robots.render],
  ["labels", "Labels", labels.render],
  ["scanner", "Scanner", scanner.render],
  ["policy", "Configuration", policy.render],
  ["retention", "Tag retention", retention.render],
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
      page: state.page, page_size: 15, q: harborQuery({ name: state.name }),
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
