// One artifact: its details, build history, vulnerabilities (sortable and filterable), SBOM,
// accessories, and the chart additions for Helm charts.

import { api, repoSegment } from "../api.js";
import { h, clear, table, formatTime, formatSize, severityBar, scanOverview, copyBox, select, checkbox, SEVERITIES, externalLink } from "../dom.js";
import { registryHost } from "./project.js";

export async function render(view, { projectId, repository, reference }, ctx) {
  const repoName = repository;
  const [{ data: project }, host] = await Promise.all([api.get(`/projects/${projectId}`), registryHost()]);
  const base = `/projects/${project.name}/repositories/${repoSegment(repoName)}/artifacts/${encodeURIComponent(reference)}`;
  const details = h("div");
  const sections = h("div");

  async function loadDetails() {
    const { data: artifact } = await api.get(base, {
      with_tag: true, with_label: true, with_scan_overview: true, with_sbom_overview: true, with_accessory: true, with_immutable_status: true,
    });
    if (!ctx.alive) return false;
    const overview = scanOverview(artifact);
    clear(details, h("section", { class: "panel" }, h("dl", { class: "kv" },
      h("dt", {}, "Digest"), h("dd", { class: "mono" }, artifact.digest),
      h("dt", {}, "Type"), h("dd", {}, artifact.type, " · ", artifact.manifest_media_type),
      h("dt", {}, "Size"), h("dd", {}, formatSize(artifact.size)),
      h("dt", {}, "Tags"), h("dd", {}, (artifact.tags || []).map((t) => h("span", { class: "badge" }, t.name, t.immutable ? " (immutable)" : ""))),
      h("dt", {}, "Pushed"), h("dd", {}, formatTime(artifact.push_time)),
      h("dt", {}, "Pulled"), h("dd", {}, formatTime(artifact.pull_time) || "never"),
      h("dt", {}, "Platform"), h("dd", {}, [artifact.extra_attrs.os, artifact.extra_attrs.architecture].filter(Boolean).join("/")),
      h("dt", {}, "Vulnerabilities"), h("dd", {}, severityBar(overview)),
      h("dt", {}, "Pull command"), h("dd", {}, copyBox(`docker pull ${host}/${project.name}/${repoName}@${artifact.digest}`, "Copy")))));
    return { artifact, busy: overview && (overview.scan_status === "Running" || overview.scan_status === "Pending") };
  }

  const first = await loadDetails();
  const artifact = first.artifact;
  clear(view,
    h("div", { class: "breadcrumb" },
      h("a", { href: "#/projects" }, "Projects"), " / ",
      h("a", { href: `#/projects/${projectId}/repositories` }, project.name), " / ",
      h("a", { href: `#/projects/${projectId}/repositories/${encodeURIComponent(repoName)}` }, repoName), " / "),
    h("h1", { class: "mono" }, artifact.digest.slice(0, 19)),
    details, sections);

  const parts = [];
  if (artifact.type === "CHART") parts.push(chart(base));
  parts.push(vulnerabilities(base), buildHistory(base, artifact), accessories(base), sbom(base, artifact));
  clear(sections, parts);
  if (first.busy) {
    ctx.every(2000, async () => {
      const next = await loadDetails();
      if (next && !next.busy) { ctx.reload(); return false; }
      return true;
    });
  }
}

function section(title, body) {
  return h("section", { class: "panel" }, h("h2", {}, title), body);
}

/** Draws into a placeholder once the addition arrives (a missing addition says so in words). */
function later(loader) {
  const holder = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  loader().then((node) => clear(holder, node)).catch((error) => clear(holder, h("p", { class: "muted" }, error.status === 404 ? "Not available for this artifact." : error.message)));
  return holder;
}

function vulnerabilities(base) {
  return section("Vulnerabilities", later(async () => {
    const { data } = await api.get(`${base}/additions/vulnerabilities`);
    const report = data && Object.values(data)[0];
    if (!report || !report.vulnerabilities) return h("p", { class: "muted" }, "Not scanned yet.");
    const all = report.vulnerabilities;
    const state = { sort: { key: "severity", descending: true }, severity: "", fixable: false, pkg: "" };
    const rank = (s) => ["Unknown", "None", "Negligible", "Low", "Medium", "High", "Critical"].indexOf(s);
    const severity = select([["", "All severities"], ...SEVERITIES.map((s) => [s, s])], "", { "aria-label": "Severity" });
    const fixable = checkbox("Fixable only", false);
    const pkg = h("input", { type: "search", placeholder: "Package", "aria-label": "Filter by package" });
    const holder = h("div");
    const draw = () => {
      let rows = all.filter((v) => (!state.severity || v.severity === state.severity) && (!state.fixable || v.fix_version)
        && (!state.pkg || v.package.toLowerCase().includes(state.pkg.toLowerCase())));
      const key = state.sort.key;
      const value = (v) => key === "severity" ? rank(v.severity) : key === "score" ? ((v.preferred_cvss && v.preferred_cvss.score_v3) || 0) : String(v[key] || "");
      rows = rows.slice().sort((a, b) => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0) * (state.sort.descending ? -1 : 1));
      clear(holder, h("p", { class: "muted" }, `${rows.length} of ${all.length} shown`), table({
        caption: "Vulnerabilities",
        sort: state.sort,
        onSort: (k) => { state.sort = { key: k, descending: state.sort.key === k ? !state.sort.descending : true }; draw(); },
        columns: [
          { title: "Vulnerability", sortKey: "id", render: (v) => externalLink((v.links || [])[0], v.id) },
          { title: "Severity", sortKey: "severity", render: (v) => h("span", { class: `sev ${v.severity}` }, v.severity) },
          { title: "CVSS3", sortKey: "score", render: (v) => String((v.preferred_cvss && v.preferred_cvss.score_v3) || "") },
          { title: "Package", sortKey: "package", render: (v) => v.package },
          { title: "Current version", render: (v) => v.version },
          { title: "Fixed in", sortKey: "fix_version", render: (v) => v.fix_version || "" },
        ],
        rows: rows.slice(0, 500),
        empty: "No vulnerability matches.",
      }), rows.length > 500 ? h("p", { class: "muted" }, "The first 500 are shown; narrow the filter.") : null);
    };
    severity.addEventListener("change", () => { state.severity = severity.value; draw(); });
    fixable.input.addEventListener("change", () => { state.fixable = fixable.input.checked; draw(); });
    pkg.addEventListener("input", () => { state.pkg = pkg.value.trim(); draw(); });
    draw();
    return h("div", {}, h("div", { class: "toolbar" }, severity, fixable, pkg), holder);
  }));
}

function buildHistory(base, artifact) {
  if (artifact.type !== "IMAGE") return null;
  return section("Layers and build history", later(async () => {
    const { data } = await api.get(`${base}/additions/build_history`);
    return table({
      caption: "Build history",
      columns: [
        { title: "Created", render: (step) => formatTime(step.created) },
        { title: "Layer", render: (step) => (step.empty_layer ? h("span", { class: "muted" }, "no layer") : h("span", { class: "badge" }, "layer")) },
        { title: "Command", render: (step) => h("code", {}, step.created_by || "") },
      ],
      rows: data || [],
      empty: "The image records no history.",
    });
  }));
}

function accessories(base) {
  return section("Accessories", later(async () => {
    const { data } = await api.get(`${base}/accessories`, { page_size: 100 });
    return table({
      caption: "Accessories",
      columns: [
        { title: "Type", render: (a) => a.type },
        { title: "Digest", render: (a) => h("span", { class: "mono" }, a.digest.slice(0, 19)) },
        { title: "Size", render: (a) => formatSize(a.size) },
        { title: "Created", render: (a) => formatTime(a.creation_time) },
      ],
      rows: data || [],
      empty: "No signatures, SBOMs or other accessories.",
    });
  }));
}

function sbom(base, artifact) {
  return section("SBOM", later(async () => {
    if (!artifact.sbom_overview || !artifact.sbom_overview.sbom_digest) return h("p", { class: "muted" }, "No SBOM has been generated.");
    const { data } = await api.get(`${base}/additions/sbom`);
    const packages = (data && (data.packages || (data.sbom && data.sbom.packages))) || [];
    return h("div", {},
      h("p", {}, `${packages.length} packages`),
      table({
        caption: "SBOM packages",
        columns: [
          { title: "Package", render: (p) => p.name },
          { title: "Version", render: (p) => p.versionInfo || p.version || "" },
          { title: "License", render: (p) => p.licenseConcluded || p.licenseDeclared || "" },
        ],
        rows: packages.slice(0, 500),
        empty: "The SBOM lists no packages.",
      }));
  }));
}

function chart(base) {
  return section("Chart", later(async () => {
    const [readme, values] = await Promise.all([
      api.get(`${base}/additions/readme.md`, undefined, { raw: true }).catch(() => null),
      api.get(`${base}/additions/values.yaml`, undefined, { raw: true }).catch(() => null),
    ]);
    return h("div", {},
      h("h3", {}, "README"), readme ? h("pre", { class: "log" }, readme.data) : h("p", { class: "muted" }, "No README."),
      h("h3", {}, "Default values"), values ? h("pre", { class: "log" }, values.data) : h("p", { class: "muted" }, "No values."));
  }));
}
