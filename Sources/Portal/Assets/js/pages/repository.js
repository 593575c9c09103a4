// A repository: its artifacts, paged by the server (15 at a time, so 10,000 artifacts load as
// fast as 10), with tags, size, push and pull times, the severity bar, signature and SBOM badges,
// and the pull command. A scan in progress updates in place.

import { api, repoSegment, harborQuery } from "../api.js";
import { h, clear, table, pager, toast, confirmDialog, formatTime, formatSize, shortDigest, severityBar, scanOverview, copyButton, actionButton } from "../dom.js";
import { registryHost, canManage } from "./project.js";

const PAGE_SIZE = 15;

export async function render(view, { projectId, repository }, ctx) {
  const [{ data: project }, host] = await Promise.all([api.get(`/projects/${projectId}`), registryHost()]);
  const fullName = `${project.name}/${repository}`;
  const base = `/projects/${project.name}/repositories/${repoSegment(repository)}`;
  const state = { page: 1, tag: "" };
  const list = h("div");
  const filter = h("input", { type: "search", placeholder: "Filter by tag", "aria-label": "Filter artifacts by tag" });
  let debounce;
  filter.addEventListener("input", () => { clearTimeout(debounce); debounce = setTimeout(() => { state.tag = filter.value.trim(); state.page = 1; load(); }, 250); });
  // Scanning is for project admins and maintainers (Harbor's role matrix gives developers read only).
  const mayScan = Boolean(ctx.session.user) && (ctx.session.user.sysadmin_flag || [1, 4].includes(project.current_user_role_id));

  async function load() {
    const { data, total } = await api.get(`${base}/artifacts`, {
      page: state.page, page_size: PAGE_SIZE, with_tag: true, with_label: true, with_scan_overview: true,
      with_sbom_overview: true, with_accessory: true, q: harborQuery({ tags: state.tag }),
    });
    if (!ctx.alive) return false;
    const rows = data || [];
    clear(list,
      table({
        caption: `Artifacts of ${fullName}`,
        columns: [
          { title: "Artifact", render: (a) => h("a", { href: `#/projects/${projectId}/repositories/${encodeURIComponent(repository)}/artifacts/${encodeURIComponent(a.digest)}`, class: "mono" }, shortDigest(a.digest)) },
          { title: "Type", render: (a) => a.type },
          { title: "Tags", render: (a) => (a.tags || []).map((t) => h("span", { class: "badge" }, t.name)) },
          { title: "Size", render: (a) => formatSize(a.size) },
          { title: "Vulnerabilities", render: (a) => severityBar(scanOverview(a)) },
          { title: "Signed / SBOM", render: (a) => badges(a) },
          { title: "Labels", render: (a) => (a.labels || []).map((l) => h("span", { class: "badge", style: `background:${l.color || "#e6ecf2"}` }, l.name)) },
          { title: "Push time", render: (a) => formatTime(a.push_time) },
          { title: "Pull time", render: (a) => formatTime(a.pull_time) },
          { title: "Pull command", render: (a) => copyButton(`docker pull ${host}/${fullName}${a.tags && a.tags.length ? ":" + a.tags[0].name : "@" + a.digest}`, `Copy the pull command of ${shortDigest(a.digest)}`) },
          { title: "", render: (a) => h("div", { class: "actions" },
            mayScan ? actionButton("Scan", () => scan(a), { label: `Scan ${shortDigest(a.digest)}`, kind: "secondary" }) : null,
            canManage(project, ctx) || (ctx.session.user && project.current_user_role_id === 4)
              ? h("button", { type: "button", class: "link", "aria-label": `Delete ${shortDigest(a.digest)}`, onclick: () => remove(a) }, "Delete") : null) },
        ],
        rows,
        empty: state.tag ? "No artifact has a matching tag." : "No artifacts.",
      }),
      pager({ page: state.page, pageSize: PAGE_SIZE, total, onPage: (p) => { state.page = p; load(); } }));
    return rows.some((a) => { const o = scanOverview(a); return o && (o.scan_status === "Running" || o.scan_status === "Pending"); });
  }

  async function scan(artifact) {
    await api.post(`${base}/artifacts/${artifact.digest}/scan`, {});
    toast("Scan requested");
    ctx.follow(2000, load);
  }

  async function remove(artifact) {
    if (!(await confirmDialog("Delete artifact", `Delete ${shortDigest(artifact.digest)} and its tags ${(artifact.tags || []).map((t) => t.name).join(", ")}?`))) return;
    try { await api.del(`${base}/artifacts/${artifact.digest}`); toast("Artifact deleted"); await load(); } catch (error) { toast(error.message, "error"); }
  }

  clear(view,
    h("div", { class: "breadcrumb" }, h("a", { href: "#/projects" }, "Projects"), " / ", h("a", { href: `#/projects/${projectId}/repositories` }, project.name), " / "),
    h("h1", {}, repository),
    h("div", { class: "toolbar" }, h("span", { class: "spacer" }), filter),
    list);
  // Scans in progress (or queued) are followed until they end, without a reload.
  if (await load()) ctx.follow(2000, load);
}

function badges(artifact) {
  const types = (artifact.accessories || []).map((a) => a.type);
  const signed = types.some((t) => t.startsWith("signature."));
  const sbom = types.includes("sbom.harbor") || (artifact.sbom_overview && artifact.sbom_overview.scan_status === "Success");
  return [
    signed ? h("span", { class: "badge ok", title: "Signed" }, "✔ signed") : h("span", { class: "badge" }, "unsigned"),
    sbom ? h("span", { class: "badge info" }, "SBOM") : null,
  ];
}
