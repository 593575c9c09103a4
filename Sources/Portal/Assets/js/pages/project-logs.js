// The project's audit log (Harbor 2.13's audit log ext): who pushed, pulled and deleted what,
// newest first, filtered by user, resource and operation. Project administrators see it.

import { api, harborQuery } from "../api.js";
import { h, formatTime } from "../dom.js";
import { can, notPermitted, filteredList } from "./project-shared.js";

// The operations the ext log names (a push is "create").
const OPERATIONS = [["", "All operations"], ["create", "Create"], ["delete", "Delete"], ["pull", "Pull"], ["update", "Update"]];

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "log.list")) return notPermitted(panel, "project administrators", "logs");
  const list = filteredList({
    ctx,
    caption: "Audit log",
    filters: [
      { key: "username", label: "Filter by user name" },
      { key: "resource", label: "Filter by resource" },
      { key: "operation", label: "Operation", options: OPERATIONS },
    ],
    empty: "No audit log entries.",
    // By name: this endpoint does not take the project's id (see AuditLogHandlers.projectLogsExt).
    fetch: ({ page, pageSize, filters }) => api.get(`/projects/${encodeURIComponent(project.name)}/auditlog-exts`, {
      page, page_size: pageSize, sort: "-op_time", q: harborQuery(filters, ["operation"]),
    }),
    columns: [
      { title: "Time", render: (entry) => formatTime(entry.op_time) },
      { title: "User", render: (entry) => entry.username },
      { title: "Operation", render: (entry) => entry.operation },
      { title: "Resource type", render: (entry) => entry.resource_type },
      { title: "Resource", render: (entry) => h("span", { class: "mono wrap" }, entry.resource) },
      { title: "Description", render: (entry) => entry.operation_description },
      { title: "Result", render: (entry) => h("span", { class: `badge ${entry.operation_result ? "ok" : "danger"}` }, entry.operation_result ? "Success" : "Failure") },
    ],
  });
  panel.replaceChildren(
    h("p", { class: "muted" }, "Artifact pushes, pulls and deletions, and the project's own creation, as recorded in the audit log."),
    list.element);
  await list.reload();
}
