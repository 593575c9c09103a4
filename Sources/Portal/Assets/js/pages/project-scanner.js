// The scanner that scans this project's artifacts (the system default unless the project chose
// one), and for project administrators the choice among the enabled registered scanners.

import { api } from "../api.js";
import { h, clear, field, form, select, dialog, toast, formatTime } from "../dom.js";
import { can, notPermitted } from "./project-shared.js";

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "scanner.read")) return notPermitted(panel, "project members", "scanner");
  const { data: scanner } = await api.get(`/projects/${project.project_id}/scanner`);
  if (!ctx.alive) return;
  const change = can(project, ctx, "scanner.change");
  clear(panel,
    h("section", { class: "panel", "aria-labelledby": "scanner-title" },
      h("h3", { id: "scanner-title", class: "panel-title" }, "Scanner of this project"),
      scannerDetails(scanner),
      change ? h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => chooseScanner(project, scanner, ctx) }, "Select scanner")) : null));
}

function scannerDetails(scanner) {
  const capabilities = Object.entries(scanner.capabilities || {}).filter(([, on]) => on)
    .map(([name]) => ({ support_vulnerability: "Vulnerabilities", support_sbom: "SBOM" })[name] || name);
  return h("dl", { class: "kv", dataset: { test: "project-scanner" } },
    h("dt", {}, "Name"), h("dd", {}, scanner.name, " ", scanner.is_default ? h("span", { class: "badge info" }, "Default") : null,
      scanner.disabled ? h("span", { class: "badge warn" }, "Disabled") : null),
    h("dt", {}, "Adapter"), h("dd", {}, [scanner.adapter, scanner.vendor && `by ${scanner.vendor}`, scanner.version].filter(Boolean).join(" ")),
    h("dt", {}, "Endpoint"), h("dd", { class: "mono" }, scanner.url),
    h("dt", {}, "Health"), h("dd", {}, healthBadge(scanner.health)),
    h("dt", {}, "Scans for"), h("dd", {}, capabilities.join(", ") || "—"),
    scanner.description ? [h("dt", {}, "Description"), h("dd", { class: "prose" }, scanner.description)] : null,
    scanner.update_time && !scanner.update_time.startsWith("1970-") ? [h("dt", {}, "Updated"), h("dd", {}, formatTime(scanner.update_time))] : null);
}

function healthBadge(health) {
  if (!health) return h("span", { class: "muted" }, "unknown");
  return h("span", { class: `badge ${health === "healthy" ? "ok" : "danger"}` }, health);
}

/** Harbor's "Select scanner": the enabled registrations, the current one preselected. */
async function chooseScanner(project, current, ctx) {
  let candidates;
  try {
    candidates = (await api.get(`/projects/${project.project_id}/scanner/candidates`, { page_size: 100 })).data || [];
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  dialog("Select scanner", (close) => {
    const choice = select(candidates.map((s) => [s.uuid, `${s.name}${s.is_default ? " (default)" : ""}`]), current.uuid, { name: "scanner" });
    const details = h("div", { "aria-live": "polite" });
    const showDetails = () => clear(details, scannerDetails(candidates.find((s) => s.uuid === choice.value) || current));
    choice.addEventListener("change", showDetails);
    showDetails();
    const fields = { scanner: field("Scanner", choice, "New scans of this project's artifacts use it; existing reports stay.") };
    setTimeout(() => choice.focus());
    return form({
      fields,
      extra: [details],
      submitLabel: "Save",
      cancel: close,
      errorField: () => "scanner",
      onSubmit: async () => {
        await api.put(`/projects/${project.project_id}/scanner`, { uuid: choice.value });
        close();
        toast("Scanner changed");
        ctx.reload();
      },
    });
  });
}
