// Garbage collection: run it now (or as a dry run that only reports), its schedule, and the
// history of runs with their logs, updated in place while one runs.

import { api } from "../api.js";
import { h, clear, table, field, checkbox, select, toast, formatTime, actionButton } from "../dom.js";
import { statusBadge, isUnfinished, rowButton, rowButtons, pagedList, poller, showLog, schedulePanel, jobParameters } from "./admin-shared.js";

const PATH = "/system/gc";
const PAGE_SIZE = 10;

export async function render(view, _id, ctx) {
  const { data: scheduled } = await api.get(`${PATH}/schedule`);
  const saved = jobParameters(scheduled);
  const untagged = checkbox("Also delete untagged artifacts", Boolean(saved.delete_untagged));
  const workers = select([1, 2, 3, 4, 5].map((n) => [n, String(n)]), saved.workers || 1);
  const parameters = (dryRun = false) => ({ delete_untagged: untagged.input.checked, dry_run: dryRun, workers: Number(workers.value) });

  const history = pagedList({ pageSize: PAGE_SIZE, fetchPage: (paging) => api.get(PATH, paging), draw: (runs) => historyTable(runs, refresh) });
  /** Redraws the history if it changed; answers whether a run is still going (the poll goes on). */
  const refresh = async (page) => (await history.load(page)).some((run) => isUnfinished(run.job_status));
  const watch = poller(ctx, refresh);

  async function run(dryRun) {
    try {
      // Harbor runs GC now by "scheduling" it Manual.
      await api.post(`${PATH}/schedule`, { schedule: { type: "Manual" }, parameters: parameters(dryRun) });
      toast(dryRun ? "Dry run started" : "Garbage collection started");
      await refresh(1);
      watch();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  clear(view,
    h("h1", {}, "Garbage collection"),
    h("section", { class: "panel" },
      h("p", { class: "muted" }, "Deletes the blobs no artifact uses any more, freeing storage. Pushes go on while it runs."),
      h("div", { class: "form" }, untagged, field("Workers", workers, "Blobs deleted at the same time."),
        h("div", { class: "actions" },
          actionButton("GC now", () => run(false)),
          actionButton("Dry run", () => run(true), { kind: "secondary" })))),
    h("section", { class: "panel" }, h("h2", {}, "Schedule"),
      await schedulePanel(`${PATH}/schedule`, { parameters: () => parameters(false) })),
    h("h2", {}, "History"),
    history.element);
  if (await refresh(1)) watch();
}

function historyTable(runs, refresh) {
  return table({
    caption: "Garbage collection runs",
    columns: [
      { title: "ID", render: (r) => String(r.id) },
      { title: "Trigger", render: (r) => (r.job_kind === "SCHEDULE" ? "Schedule" : "Manual") },
      { title: "Dry run", render: (r) => (jobParameters(r).dry_run ? "Yes" : "No") },
      { title: "Status", render: (r) => h("span", { dataset: { test: "gc-status" } }, statusBadge(r.job_status)) },
      { title: "Started", render: (r) => formatTime(r.creation_time) },
      { title: "Updated", render: (r) => formatTime(r.update_time) },
      { title: "Actions", render: (r) => rowButtons(
        rowButton("Log", `Log of GC run ${r.id}`, () => showLog(`Log of GC run ${r.id}`, `${PATH}/${r.id}/log`)),
        isUnfinished(r.job_status) ? rowButton("Stop", `Stop GC run ${r.id}`, async () => { await api.put(`${PATH}/${r.id}`); await refresh(); }) : null) },
    ],
    rows: runs,
    empty: "Garbage collection has not run yet.",
  });
}
