// A project's robot accounts: list, create (the secret shown once), delete.

import { api } from "../api.js";
import { h, clear, table, field, form, dialog, confirmDialog, toast, formatTime, select, copyBox } from "../dom.js";
import { canManage } from "./project.js";
import { can, notPermitted } from "./project-shared.js";

const PERMISSION_SETS = {
  pull: [["repository", "pull"]],
  push: [["repository", "pull"], ["repository", "push"]],
  full: [["repository", "pull"], ["repository", "push"], ["repository", "delete"], ["artifact", "delete"], ["artifact", "read"],
    ["artifact-label", "create"], ["artifact-label", "delete"], ["tag", "create"], ["tag", "delete"], ["tag", "list"], ["scan", "create"], ["scan", "stop"]],
};

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "robot.list")) return notPermitted(panel, "members from guests up", "robot accounts");
  const list = h("div");
  async function load() {
    const { data } = await api.get("/robots", { q: `Level=project,ProjectID=${project.project_id}`, page_size: 100 });
    if (!ctx.alive) return;
    clear(list, table({
      caption: "Robot accounts",
      columns: [
        { title: "Name", render: (r) => r.name },
        { title: "Status", render: (r) => (r.disable ? h("span", { class: "badge warn" }, "Disabled") : h("span", { class: "badge ok" }, "Enabled")) },
        { title: "Permissions", render: (r) => (r.permissions || []).flatMap((p) => p.access.map((a) => `${a.action} ${a.resource}`)).join(", ") },
        { title: "Created", render: (r) => formatTime(r.creation_time) },
        { title: "Expires", render: (r) => (r.expires_at === -1 ? "Never" : new Date(r.expires_at * 1000).toLocaleDateString()) },
        { title: "", render: (r) => canManage(project, ctx) ? h("button", { type: "button", class: "link", "aria-label": `Delete ${r.name}`, onclick: async () => {
          if (!(await confirmDialog("Delete robot account", `Delete ${r.name}? Clients using its secret stop working.`))) return;
          try { await api.del(`/robots/${r.id}`); toast(`${r.name} deleted`); load(); } catch (error) { toast(error.message, "error"); }
        } }, "Delete") : "" },
      ],
      rows: data || [],
      empty: "No robot accounts.",
    }));
  }
  clear(panel,
    h("div", { class: "toolbar" }, canManage(project, ctx) ? h("button", { type: "button", onclick: () => createRobot(project, load) }, "New robot account") : null),
    list);
  await load();
}

function createRobot(project, reload) {
  dialog("New robot account", (close) => {
    const name = h("input", { type: "text", autocomplete: "off" });
    const description = h("input", { type: "text" });
    const days = h("input", { type: "number", min: "-1", value: "30", style: "max-width:8rem" });
    const permissions = select([["pull", "Pull"], ["push", "Push and pull"], ["full", "Push, pull, delete, tag, label and scan"]], "push");
    const fields = {
      name: field("Name", name, `Clients log in as robot$${project.name}+NAME.`),
      description: field("Description", description),
      days: field("Expires after (days, -1 for never)", days),
      permissions: field("Permissions", permissions),
    };
    setTimeout(() => name.focus());
    return form({
      fields,
      submitLabel: "Add",
      cancel: close,
      errorField: (error) => (/duration|expire|days/i.test(error.message) ? "days" : /permission|access/i.test(error.message) ? "permissions" : "name"),
      onSubmit: async () => {
        const access = PERMISSION_SETS[permissions.value].map(([resource, action]) => ({ resource, action }));
        const { data } = await api.post("/robots", {
          name: name.value.trim(), description: description.value, duration: Number(days.value), level: "project", disable: false,
          permissions: [{ kind: "project", namespace: project.name, access }],
        });
        close();
        showSecret(data);
        reload();
      },
    });
  });
}

/** Shows a new robot's secret once, with a copy button: it is not stored where it can be read again. */
export function showSecret(created) {
  dialog(`Robot account ${created.name}`, (close) => h("div", { class: "form" },
    h("p", {}, "Copy the secret now: Berth keeps only its hash and cannot show it again."),
    h("div", { class: "field" }, h("span", { class: "label" }, "Name"), copyBox(created.name, "Copy name")),
    h("div", { class: "field" }, h("span", { class: "label" }, "Secret"), h("div", { dataset: { test: "robot-secret" } }, copyBox(created.secret, "Copy secret"))),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Done"))));
}
