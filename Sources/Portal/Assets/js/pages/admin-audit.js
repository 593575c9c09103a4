// Audit logs: who did what to which resource, newest first, filtered by user, resource and
// operation (Harbor's `q` terms: user and resource match as substrings, the operation exactly).

import { api, harborQuery } from "../api.js";
import { h, clear, table, field, select, formatTime } from "../dom.js";
import { pagedList, searchForm } from "./admin-shared.js";

const OPERATIONS = ["create", "delete", "update", "pull", "push", "login", "logout"];

export async function render(view) {
  let query = "";
  const username = h("input", { type: "text", autocomplete: "off" });
  const resource = h("input", { type: "text", autocomplete: "off" });
  const operation = select([["", "Any"], ...OPERATIONS.map((o) => [o, o])], "");
  const list = pagedList({
    fetchPage: (paging) => api.get("/audit-logs", { ...paging, q: query || undefined, sort: "-op_time" }),
    draw: (rows) => table({
      caption: "Audit logs",
      columns: [
        { title: "Time", render: (l) => formatTime(l.op_time) },
        { title: "Username", render: (l) => l.username },
        { title: "Resource", render: (l) => h("span", { class: "mono" }, l.resource) },
        { title: "Resource type", render: (l) => l.resource_type },
        { title: "Operation", render: (l) => l.operation },
      ],
      rows,
      empty: query ? "No log line matches the filters." : "Nothing has been logged yet.",
    }),
  });
  const filters = searchForm("Filter audit logs", [field("Username", username), field("Resource", resource), field("Operation", operation)], () => {
    query = harborQuery({ username: username.value.trim(), resource: resource.value.trim(), operation: operation.value }, ["operation"]);
    return list.load(1);
  });
  clear(view, h("h1", {}, "Audit logs"), filters, list.element);
  await list.load(1);
}
