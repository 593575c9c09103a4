// Replications: the rules, and (`#/admin/replications/<id>`) one rule's executions. A rule is
// run by hand with "Replicate", which opens its executions to follow the run.

import { api } from "../api.js";
import { h, clear, table, toast } from "../dom.js";
import { rowButton, rowButtons } from "./admin-shared.js";
import { openRuleEditor, isPull, remoteOf, describeFilters, startReplication, TRIGGER_WORDS } from "./admin-replication-rule.js";
import * as executions from "./admin-replication-executions.js";

export async function render(view, id, ctx) {
  if (id) return executions.render(view, id, ctx);
  const list = h("div");
  async function load() {
    const { data } = await api.get("/replication/policies", { page_size: 100 });
    if (!ctx.alive) return;
    clear(list, table({
      caption: "Replication rules",
      columns: [
        { title: "Name", render: (p) => h("a", { href: `#/admin/replications/${p.id}` }, p.name) },
        { title: "Status", render: (p) => (p.enabled ? h("span", { class: "badge ok" }, "Enabled") : h("span", { class: "badge warn" }, "Disabled")) },
        { title: "Mode", render: (p) => (isPull(p) ? "Pull-based" : "Push-based") },
        { title: "Remote registry", render: (p) => (remoteOf(p) ? `${remoteOf(p).name} (${remoteOf(p).url})` : "") },
        { title: "Resources", render: (p) => describeFilters(p) },
        { title: "Destination namespace", render: (p) => p.dest_namespace || "" },
        { title: "Trigger", render: (p) => TRIGGER_WORDS[p.trigger && p.trigger.type] || "" },
        { title: "Actions", render: (p) => rowButtons(
          rowButton("Replicate", `Replicate ${p.name}`, async () => {
            await startReplication(p);
            ctx.go(`/admin/replications/${p.id}`);
          }),
          rowButton("Edit", `Edit rule ${p.name}`, () => openRuleEditor(p, load)),
          rowButton("Delete", `Delete rule ${p.name}`, async () => {
            await api.del(`/replication/policies/${p.id}`);
            toast(`Rule ${p.name} deleted`);
            await load();
          }, { confirm: ["Delete replication rule", `Delete ${p.name} and the history of its runs?`] })) },
      ],
      rows: data || [],
      empty: "No replication rules yet.",
    }));
  }
  clear(view,
    h("h1", {}, "Replications"),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => openRuleEditor(null, load) }, "New replication rule")),
    list);
  await load();
}
