// Interrogation services: the scanner registrations (the built-in scanner and external
// adapters), and scanning every artifact at once ("scan all"): now, and on a schedule.

import { api } from "../api.js";
import { h, redrawOnChange, actionButton, clear, table, field, form, checkbox, select, toast } from "../dom.js";
import { adminDialog, rowButton, rowButtons, poller, schedulePanel, figureCard, statusWords, connectionTest, progressBar } from "./admin-shared.js";

/** The registration of the scanner built into Berth: it cannot be changed or removed. */
const BUILTIN = "berth-builtin-scanner";
const AUTH_TYPES = [["", "None"], ["Basic", "Basic"], ["Bearer", "Bearer"], ["X-ScannerAdapter-API-Key", "API key (X-ScannerAdapter-API-Key)"]];

export async function render(view, _id, ctx) {
  const list = h("div");
  async function load() {
    const { data } = await api.get("/scanners", { page_size: 100 });
    if (!ctx.alive) return;
    clear(list, registrationsTable(data || [], load));
  }
  clear(view,
    h("h1", {}, "Interrogation services"),
    h("h2", {}, "Scanners"),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => openCreate(load) }, "New scanner")),
    list,
    await scanAllPanel(ctx),
    h("section", { class: "panel" }, h("h2", {}, "Scan-all schedule"), await schedulePanel("/system/scanAll/schedule")));
  await load();
}

function registrationsTable(registrations, reload) {
  return table({
    caption: "Scanners",
    columns: [
      { title: "Name", render: (s) => [s.name, " ", s.is_default ? h("span", { class: "badge info" }, "Default") : null] },
      { title: "Endpoint", render: (s) => h("span", { class: "mono" }, s.url) },
      { title: "Health", render: (s) => (s.health === "healthy" ? h("span", { class: "badge ok" }, "Healthy") : h("span", { class: "badge" }, s.health || "Not checked")) },
      { title: "Enabled", render: (s) => (s.disabled ? h("span", { class: "badge warn" }, "Disabled") : "Yes") },
      { title: "Authorization", render: (s) => s.auth || "None" },
      { title: "Description", render: (s) => s.description },
      { title: "Actions", render: (s) => rowButtons(
        s.is_default || s.disabled ? null : rowButton("Set as default", `Make ${s.name} the default scanner`, async () => {
          await api.patch(`/scanners/${s.uuid}`, { is_default: true });
          toast(`${s.name} is the default scanner`);
          await reload();
        }),
        s.uuid === BUILTIN ? null : rowButton(s.disabled ? "Enable" : "Disable", `${s.disabled ? "Enable" : "Disable"} ${s.name}`, async () => {
          await api.put(`/scanners/${s.uuid}`, { name: s.name, url: s.url, auth: s.auth, disabled: !s.disabled });
          await reload();
        }),
        s.uuid === BUILTIN ? null : rowButton("Delete", `Delete scanner ${s.name}`, async () => {
          await api.del(`/scanners/${s.uuid}`);
          toast(`Scanner ${s.name} deleted`);
          await reload();
        }, { confirm: ["Delete scanner", `Delete ${s.name}? Projects using it fall back to the default scanner.`] })) },
    ],
    rows: registrations,
    empty: "No scanners.",
  });
}

function openCreate(reload) {
  adminDialog("New scanner", (close) => {
    const inputs = {
      name: h("input", { type: "text", autocomplete: "off" }),
      description: h("input", { type: "text" }),
      url: h("input", { type: "url", autocomplete: "off", placeholder: "http://harbor-scanner-trivy:8080" }),
      auth: select(AUTH_TYPES, ""),
      credential: h("input", { type: "password", autocomplete: "new-password" }),
    };
    const fields = {
      name: field("Name", inputs.name),
      description: field("Description", inputs.description),
      url: field("Endpoint URL", inputs.url),
      auth: field("Authorization", inputs.auth),
      credential: field("Credential", inputs.credential, "user:password for Basic; the token or key otherwise."),
    };
    const skipVerify = checkbox("Skip TLS certificate verification", false);
    const internal = checkbox("Use the internal registry address", false);
    const showCredential = () => { fields.credential.hidden = !inputs.auth.value; };
    inputs.auth.addEventListener("change", showCredential);
    showCredential();
    const settings = () => ({ name: inputs.name.value.trim(), url: inputs.url.value.trim(), auth: inputs.auth.value, access_credential: inputs.credential.value });
    const errorField = (error) => (/url|adapter|answered|connect/i.test(error.message) ? "url" : /credential/i.test(error.message) ? "credential"
      : /auth/i.test(error.message) ? "auth" : /name/i.test(error.message) ? "name" : null);
    const test = connectionTest(() => api.post("/scanners/ping", settings()), "The adapter answered with its metadata.");
    setTimeout(() => inputs.name.focus());
    return form({
      fields,
      extra: [skipVerify, internal, ...test],
      submitLabel: "Add",
      cancel: close,
      errorField,
      onSubmit: async () => {
        await api.post("/scanners", {
          ...settings(), description: inputs.description.value, skip_certVerify: skipVerify.input.checked, use_internal_addr: internal.input.checked,
        });
        close();
        toast(`Scanner ${inputs.name.value.trim()} added`);
        await reload();
      },
    });
  });
}

/** "Scan now" over every artifact, with the latest scan-all's counts updated while it runs. */
async function scanAllPanel(ctx) {
  const metrics = h("div", { "aria-live": "polite" });
  const refresh = redrawOnChange(metrics, async () => (await api.get("/scans/all/metrics")).data, drawMetrics);
  const refreshNow = async () => Boolean((await refresh()).ongoing);
  const watch = poller(ctx, refreshNow);
  const scanNow = actionButton("Scan now", async () => {
    // As Harbor's UI does: scan all now is a "Manual" schedule.
    await api.post("/system/scanAll/schedule", { schedule: { type: "Manual" } });
    toast("Scanning every artifact");
    await refreshNow();
    watch();
  });
  const stop = actionButton("Stop scan all", async () => {
    await api.post("/system/scanAll/stop");
    toast("Scan all stopping");
    await refreshNow();
  }, { kind: "secondary" });
  const panel = h("section", { class: "panel" }, h("h2", {}, "Vulnerability scan of every artifact"),
    h("div", { class: "actions" }, scanNow, stop), metrics);
  if (await refreshNow()) watch();
  return panel;
}

function drawMetrics(stats) {
  // Only an existing scan-all execution has a trigger.
  if (!stats.trigger) return h("p", { class: "muted", dataset: { test: "scan-all-metrics" } }, "No scan-all has run yet.");
  const counts = Object.entries(stats.metrics || {}).filter(([, n]) => n > 0);
  return h("div", { dataset: { test: "scan-all-metrics" } },
    h("p", {}, stats.ongoing ? "Scanning: " : "Last scan-all: ", `${stats.completed} of ${stats.total} artifacts done`,
      stats.trigger ? ` (${stats.trigger.toLowerCase()})` : "", "."),
    progressBar(stats.completed, stats.total, "Scan-all progress"),
    h("div", { class: "cards" }, counts.map(([status, n]) => figureCard(statusWords(status), n))));
}
