// The job service dashboard: the queue of each job type (pause, resume, stop), the worker pools
// and what each worker runs, and the schedules. Redrawn in place every few seconds.

import { api } from "../api.js";
import { h, redrawOnChange, clear, table, toast, formatTime } from "../dom.js";
import { rowButton, rowButtons, statusBadge } from "./admin-shared.js";

const REFRESH_MS = 4000;
/** The queue of the schedules themselves (Berth's Scheduler): pausing it holds every schedule. */
const SCHEDULER = "SCHEDULER";

export async function render(view, _id, ctx) {
  const queues = h("div");
  const workers = h("div");
  const schedules = h("div");
  const refreshers = [
    redrawOnChange(queues, fetchQueues, (data) => queuesTable(data, refresh)),
    redrawOnChange(workers, fetchWorkers, workersTables),
    redrawOnChange(schedules, fetchSchedules, schedulesSection(refresh)),
  ];
  async function refresh() {
    await Promise.all(refreshers.map((r) => r()));
    return true;
  }
  clear(view,
    h("h1", {}, "Job service"),
    h("p", { class: "muted" }, `Refreshed every ${REFRESH_MS / 1000} seconds.`),
    h("h2", {}, "Queues"),
    h("div", { class: "toolbar" },
      queueButton("Pause all", "all", "pause", refresh), queueButton("Resume all", "all", "resume", refresh),
      queueButton("Stop all", "all", "stop", refresh, ["Stop every job", "Stop every pending and running job of every type?", "Stop all"])),
    queues,
    h("h2", {}, "Workers"), workers,
    h("h2", {}, "Schedules"), schedules);
  await refresh();
  ctx.every(REFRESH_MS, refresh);
}

async function fetchQueues() {
  return (await api.get("/jobservice/queues")).data || [];
}

async function fetchWorkers() {
  const [{ data: pools }, { data: workers }] = await Promise.all([api.get("/jobservice/pools"), api.get("/jobservice/pools/all/workers")]);
  return { pools: pools || [], workers: workers || [] };
}

async function fetchSchedules() {
  const [{ data: list }, { data: status }] = await Promise.all([api.get("/schedules", { page_size: 100 }), api.get("/schedules/all/paused")]);
  return { list: list || [], paused: Boolean(status && status.paused) };
}

/** PUT /jobservice/queues/{type} {action}; `confirm` asks first (a stop cannot be undone). */
function queueButton(text, jobType, action, refresh, confirm, label = text) {
  return rowButton(text, label, async () => {
    await api.put(`/jobservice/queues/${encodeURIComponent(jobType)}`, { action });
    toast(`${jobType === "all" ? "Every queue" : jobType}: ${action} done`);
    await refresh();
  }, { confirm, kind: jobType === "all" ? "secondary" : "link" });
}

function queuesTable(queues, refresh) {
  return table({
    caption: "Job queues",
    columns: [
      { title: "Job type", render: (q) => q.job_type },
      { title: "Pending", render: (q) => String(q.count) },
      { title: "Latency", render: (q) => `${q.latency} s` },
      { title: "State", render: (q) => (q.paused ? h("span", { class: "badge warn" }, "Paused") : h("span", { class: "badge ok" }, "Active")) },
      { title: "Actions", render: (q) => rowButtons(
        q.paused ? queueButton("Resume", q.job_type, "resume", refresh, null, `Resume ${q.job_type}`)
          : queueButton("Pause", q.job_type, "pause", refresh, null, `Pause ${q.job_type}`),
        queueButton("Stop", q.job_type, "stop", refresh, ["Stop jobs", `Stop every pending and running ${q.job_type} job?`, "Stop"], `Stop ${q.job_type}`)) },
    ],
    rows: queues,
    empty: "No job types.",
  });
}

function workersTables({ pools, workers }) {
  return [
    table({
      caption: "Worker pools",
      columns: [
        { title: "Pool", render: (p) => h("span", { class: "mono" }, p.worker_pool_id) },
        { title: "Host", render: (p) => p.host },
        { title: "Process", render: (p) => String(p.pid) },
        { title: "Workers", render: (p) => String(p.concurrency) },
        { title: "Started", render: (p) => formatTime(p.start_at) },
      ],
      rows: pools,
      empty: "No worker pool is alive.",
    }),
    h("div", { class: "spaced" }, table({
      caption: "Workers",
      columns: [
        { title: "Worker", render: (w) => h("span", { class: "mono" }, w.id) },
        { title: "Job", render: (w) => w.job_name || h("span", { class: "muted" }, "Idle") },
        { title: "Job ID", render: (w) => w.job_id },
        { title: "Status", render: (w) => (w.check_in ? statusBadge(w.check_in) : "") },
        { title: "Started", render: (w) => formatTime(w.start_at) },
      ],
      rows: workers,
      empty: "No workers.",
    })),
  ];
}

function schedulesSection(refresh) {
  return ({ list, paused }) => [
    h("p", {}, paused ? "The scheduler is paused: no schedule fires. " : "The scheduler is running. ",
      paused ? queueButton("Resume the scheduler", SCHEDULER, "resume", refresh)
        : queueButton("Pause the scheduler", SCHEDULER, "pause", refresh)),
    table({
      caption: "Schedules",
      columns: [
        { title: "ID", render: (s) => String(s.id) },
        { title: "Job type", render: (s) => s.vendor_type },
        { title: "Of", render: (s) => (s.vendor_id > 0 ? String(s.vendor_id) : "") },
        { title: "Cron", render: (s) => h("span", { class: "mono" }, s.cron) },
        { title: "Updated", render: (s) => formatTime(s.update_time) },
      ],
      rows: list,
      empty: "Nothing is scheduled.",
    }),
  ];
}
