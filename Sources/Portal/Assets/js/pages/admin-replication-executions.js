// One replication rule's executions (`#/admin/replications/<policyId>`): status and progress
// updated in place while a run lasts, each execution's tasks (one per artifact copied or
// deleted), each task's log, and stopping a run.

import { api } from "../api.js";
import { h, redrawOnChange, actionButton, clear, table, toast, formatTime } from "../dom.js";
import { statusBadge, isUnfinished, rowButton, rowButtons, pagedList, poller, progressBar, showLog } from "./admin-shared.js";
import { openRuleEditor, isPull, remoteOf, describeFilters, startReplication, TRIGGER_WORDS } from "./admin-replication-rule.js";

const PAGE_SIZE = 10;

export async function render(view, policyId, ctx) {
  const { data: policy } = await api.get(`/replication/policies/${policyId}`);
  const tasksHolder = h("section", { class: "panel", "aria-live": "polite", hidden: true });

  const executions = pagedList({
    pageSize: PAGE_SIZE,
    fetchPage: (paging) => api.get("/replication/executions", { ...paging, policy_id: policyId }),
    draw: (rows) => executionsTable(rows, { onTasks: select, onStop: stop }),
  });
  let refreshTasks = null;

  /** Redraws what changed; answers whether a run shown is still going (the poll goes on). */
  async function refresh() {
    const rows = await executions.load();
    if (refreshTasks) await refreshTasks();
    return rows.some((e) => isUnfinished(e.status));
  }
  const watch = poller(ctx, refresh);

  function select(execution) {
    tasksHolder.hidden = false;
    const body = h("div");
    clear(tasksHolder, h("h2", {}, `Tasks of execution ${execution.id}`), body);
    refreshTasks = redrawOnChange(body,
      () => api.get(`/replication/executions/${execution.id}/tasks`, { page_size: 100 }).then(({ data }) => data || []),
      (tasks) => tasksTable(execution.id, tasks));
    refreshTasks().catch((error) => toast(error.message, "error"));
    tasksHolder.scrollIntoView({ block: "nearest" });
  }

  async function stop(execution) {
    await api.put(`/replication/executions/${execution.id}`);
    await refresh();
  }

  clear(view,
    h("div", { class: "breadcrumb" }, h("a", { href: "#/admin/replications" }, "Replications"), " / "),
    h("h1", {}, policy.name),
    policySummary(policy),
    h("div", { class: "toolbar" },
      actionButton("Replicate", async () => { await startReplication(policy); watch(); }),
      h("button", { type: "button", class: "secondary", onclick: () => openRuleEditor(policy, () => ctx.reload()) }, "Edit rule")),
    h("h2", {}, "Executions"),
    executions.element,
    tasksHolder);
  if (await refresh()) watch();
}

function policySummary(policy) {
  const remote = remoteOf(policy);
  const trigger = policy.trigger || {};
  return h("section", { class: "panel" }, h("dl", { class: "kv" },
    h("dt", {}, "Mode"), h("dd", {}, isPull(policy) ? "Pull-based" : "Push-based"),
    h("dt", {}, isPull(policy) ? "Source registry" : "Destination registry"), h("dd", {}, remote ? `${remote.name} (${remote.url})` : ""),
    h("dt", {}, "Resources"), h("dd", {}, describeFilters(policy)),
    h("dt", {}, "Destination namespace"), h("dd", {}, policy.dest_namespace || "(kept)"),
    h("dt", {}, "Trigger"), h("dd", {}, TRIGGER_WORDS[trigger.type] || "", trigger.type === "scheduled" ? ` (${trigger.trigger_settings.cron})` : ""),
    h("dt", {}, "Override"), h("dd", {}, policy.override ? "Yes" : "No"),
    h("dt", {}, "Enabled"), h("dd", {}, policy.enabled ? "Yes" : "No")));
}

/** How far a run is: a bar of the tasks that ended, and the counts in words. */
function progress(execution) {
  const ended = execution.succeed + execution.failed + execution.stopped;
  // A run that ended without tasks (nothing matched) is complete, not at 0 %.
  const [done, total] = execution.total || isUnfinished(execution.status) ? [ended, execution.total] : [1, 1];
  const words = `${execution.succeed} of ${execution.total} succeeded` +
    (execution.failed ? `, ${execution.failed} failed` : "") + (execution.stopped ? `, ${execution.stopped} stopped` : "") +
    (execution.in_progress ? `, ${execution.in_progress} in progress` : "");
  return h("div", {},
    progressBar(done, total, `Execution ${execution.id} progress`),
    h("div", { class: "muted" }, words));
}

function executionsTable(executions, { onTasks, onStop }) {
  return table({
    caption: "Executions",
    columns: [
      { title: "ID", render: (e) => String(e.id) },
      { title: "Status", render: (e) => h("div", { dataset: { test: "execution-status" } }, statusBadge(e.status),
        e.status_text ? h("div", { class: "muted" }, e.status_text) : null) },
      { title: "Progress", render: progress },
      { title: "Trigger", render: (e) => TRIGGER_WORDS[e.trigger] || e.trigger },
      { title: "Started", render: (e) => formatTime(e.start_time) },
      { title: "Ended", render: (e) => formatTime(e.end_time) },
      { title: "Actions", render: (e) => rowButtons(
        rowButton("Tasks", `Tasks of execution ${e.id}`, () => onTasks(e)),
        isUnfinished(e.status) ? rowButton("Stop", `Stop execution ${e.id}`, () => onStop(e),
          { confirm: ["Stop execution", `Stop execution ${e.id}? Tasks not yet done are stopped.`, "Stop"] }) : null) },
    ],
    rows: executions,
    empty: "This rule has not run yet.",
  });
}

function tasksTable(executionId, tasks) {
  return table({
    caption: `Tasks of execution ${executionId}`,
    columns: [
      { title: "ID", render: (t) => String(t.id) },
      { title: "Resource type", render: (t) => t.resource_type },
      { title: "Source", render: (t) => h("span", { class: "mono" }, t.src_resource) },
      { title: "Destination", render: (t) => h("span", { class: "mono" }, t.dst_resource) },
      { title: "Operation", render: (t) => t.operation },
      { title: "Status", render: (t) => statusBadge(t.status) },
      { title: "Started", render: (t) => formatTime(t.start_time) },
      { title: "Ended", render: (t) => formatTime(t.end_time) },
      { title: "Log", render: (t) => rowButton("Log", `Log of task ${t.id}`,
        () => showLog(`Log of task ${t.id}`, `/replication/executions/${executionId}/tasks/${t.id}/log`)) },
    ],
    rows: tasks,
    empty: "No tasks: nothing matched the rule's filters, or the run failed before copying (see its status).",
  });
}
