// The security hub: every stored vulnerability report at once. Totals, counts by severity, the
// most dangerous CVEs and artifacts, and the searchable list of vulnerabilities.

import { api, harborQuery } from "../api.js";
import { h, clear, table, field, select, severityChart, shortDigest, SEVERITIES, externalLink } from "../dom.js";
import { pagedList, figureCard, searchForm } from "./admin-shared.js";

export async function render(view) {
  const { data: summary } = await api.get("/security/summary", { with_dangerous_cve: true, with_dangerous_artifact: true });
  const counts = { Critical: summary.critical_cnt, High: summary.high_cnt, Medium: summary.medium_cnt, Low: summary.low_cnt, Unknown: summary.unknown_cnt };
  const vulnerabilities = vulnerabilityList();
  clear(view,
    h("h1", {}, "Security hub"),
    h("div", { class: "cards" },
      figureCard("Artifacts", summary.total_artifact, "total-artifacts"),
      figureCard("Scanned artifacts", summary.scanned_cnt, "scanned-artifacts"),
      figureCard("Vulnerabilities", summary.total_vuls, "total-vulnerabilities"),
      figureCard("Fixable", summary.fixable_cnt, "fixable")),
    h("section", { class: "panel" }, h("h2", {}, "Vulnerabilities by severity"), severityChart(counts)),
    h("div", { class: "admin-columns" },
      h("section", {}, h("h2", {}, "Most dangerous CVEs"), dangerousCVEs(summary.dangerous_cves || [])),
      h("section", {}, h("h2", {}, "Most dangerous artifacts"), dangerousArtifacts(summary.dangerous_artifacts || []))),
    h("h2", {}, "Vulnerabilities"),
    vulnerabilities.element);
  await vulnerabilities.load(1);
}

function severityTag(severity) {
  return h("span", { class: `sev ${severity}` }, severity);
}

/** `#/projects/…/artifacts/…` for a repository named with its project (`proj/app`). */
function artifactLink(projectId, repositoryName, digest) {
  const inProject = repositoryName.slice(repositoryName.indexOf("/") + 1);
  return h("a", { href: `#/projects/${projectId}/repositories/${encodeURIComponent(inProject)}/artifacts/${encodeURIComponent(digest)}`, class: "mono" },
    `${repositoryName}@${shortDigest(digest)}`);
}

function dangerousCVEs(cves) {
  return table({
    caption: "Most dangerous CVEs",
    columns: [
      { title: "CVE", render: (c) => c.cve_id },
      { title: "Severity", render: (c) => severityTag(c.severity) },
      { title: "CVSS 3", render: (c) => (c.cvss_score_v3 ?? "") },
      { title: "Package", render: (c) => `${c.package} ${c.version}` },
    ],
    rows: cves,
    empty: "No vulnerabilities found.",
  });
}

function dangerousArtifacts(artifacts) {
  return table({
    caption: "Most dangerous artifacts",
    columns: [
      { title: "Artifact", render: (a) => artifactLink(a.project_id, a.repository_name, a.digest) },
      { title: "Critical", render: (a) => String(a.critical_cnt) },
      { title: "High", render: (a) => String(a.high_cnt) },
      { title: "Medium", render: (a) => String(a.medium_cnt) },
    ],
    rows: artifacts,
    empty: "No vulnerable artifacts.",
  });
}

/** The filters `/security/vul` takes in `q`, all exact matches. */
const FILTERS = [["cve_id", "CVE ID"], ["package", "Package"], ["repository_name", "Repository name"]];

function vulnerabilityList() {
  let query = "";
  const inputs = Object.fromEntries(FILTERS.map(([key]) => [key, h("input", { type: "text", autocomplete: "off" })]));
  const severity = select([["", "Any"], ...SEVERITIES.map((s) => [s, s]), ["None", "None"]], "");
  const list = pagedList({
    fetchPage: (paging) => api.get("/security/vul", { ...paging, q: query || undefined, with_tag: true }),
    draw: (rows) => table({
      caption: "Vulnerabilities",
      columns: [
        { title: "CVE", render: (v) => externalLink((v.links || [])[0], v.cve_id) },
        { title: "Artifact", render: (v) => artifactLink(v.project_id, v.repository_name, v.digest) },
        { title: "Tags", render: (v) => (v.tags || []).map((t) => h("span", { class: "badge" }, t)) },
        { title: "Severity", render: (v) => severityTag(v.severity) },
        { title: "CVSS 3", render: (v) => (v.cvss_v3_score ?? "") },
        { title: "Package", render: (v) => v.package },
        { title: "Version", render: (v) => v.version },
        { title: "Fixed in", render: (v) => v.fixed_version || h("span", { class: "muted" }, "not fixed") },
      ],
      rows,
      empty: query ? "No vulnerability matches the filters." : "No vulnerabilities found.",
    }),
  });
  const filters = searchForm("Filter vulnerabilities", [...FILTERS.map(([key, label]) => field(label, inputs[key])), field("Severity", severity)], () => {
    query = harborQuery({ ...Object.fromEntries(FILTERS.map(([key]) => [key, inputs[key].value.trim()])), severity: severity.value },
      [...FILTERS.map(([key]) => key), "severity"]);
    return list.load(1);
  });
  return { element: h("div", {}, filters, list.element), load: list.load };
}
