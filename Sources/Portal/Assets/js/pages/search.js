// Global search: projects and repositories whose names contain the text (`/search?q=`).

import { api } from "../api.js";
import { h, clear, table, formatTime } from "../dom.js";

export async function render(view) {
  const text = new URLSearchParams((location.hash.split("?")[1]) || "").get("q") || "";
  document.getElementById("search-input").value = text;
  const { data } = await api.get("/search", { q: text });
  clear(view,
    h("h1", {}, `Search: ${text}`),
    h("h2", {}, "Projects"),
    table({
      columns: [
        { title: "Name", render: (p) => h("a", { href: `#/projects/${p.project_id}` }, p.name) },
        { title: "Access", render: (p) => (p.metadata && p.metadata.public === "true" ? "Public" : "Private") },
        { title: "Repositories", render: (p) => String(p.repo_count) },
        { title: "Created", render: (p) => formatTime(p.creation_time) },
      ],
      rows: data.project || [],
      empty: "No project matches.",
    }),
    h("h2", {}, "Repositories"),
    table({
      columns: [
        { title: "Name", render: (r) => h("a", { href: `#/projects/${r.project_id}/repositories/${encodeURIComponent(r.repository_name.slice(r.project_name.length + 1))}` }, r.repository_name) },
        { title: "Artifacts", render: (r) => String(r.artifact_count) },
        { title: "Pulls", render: (r) => String(r.pull_count) },
      ],
      rows: data.repository || [],
      empty: "No repository matches.",
    }));
}
