// System robot accounts: robots that pull or push in every project or in chosen ones. Created
// with level "system"; the secret is shown once, and a refresh (PATCH) makes a new one.

import { api } from "../api.js";
import { h, clear, table, field, form, checkbox, toast, formatTime } from "../dom.js";
import { showSecret } from "./project-robots.js";
import { adminDialog, rowButton, rowButtons } from "./admin-shared.js";

const PAGE_SIZE = 100;

export async function render(view, _id, ctx) {
  const list = h("div");
  async function load() {
    // Project robots belong to their projects' pages: Harbor's `Level=system` leaves them out.
    const { data } = await api.get("/robots", { q: "Level=system", page_size: PAGE_SIZE });
    if (!ctx.alive) return;
    clear(list, table({
      caption: "System robot accounts",
      columns: [
        { title: "Name", render: (r) => r.name },
        { title: "Status", render: (r) => (r.disable ? h("span", { class: "badge warn" }, "Disabled") : h("span", { class: "badge ok" }, "Enabled")) },
        { title: "Projects", render: (r) => describeProjects(r.permissions) },
        { title: "Permissions", render: (r) => describeAccess(r.permissions) },
        { title: "Created", render: (r) => formatTime(r.creation_time) },
        { title: "Expires", render: (r) => (r.expires_at === -1 ? "Never" : new Date(r.expires_at * 1000).toLocaleDateString()) },
        { title: "Description", render: (r) => r.description || "" },
        { title: "Actions", render: (r) => robotActions(r, load) },
      ],
      rows: data || [],
      empty: "No system robot accounts.",
    }));
  }
  clear(view,
    h("h1", {}, "Robot accounts"),
    h("p", { class: "muted" }, "System robot accounts work across projects. Robots of a single project are on that project's Robot accounts tab."),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => openCreate(load) }, "New robot account")),
    list);
  await load();
}

function describeProjects(permissions = []) {
  const names = permissions.filter((p) => p.kind === "project").map((p) => p.namespace);
  return names.includes("*") ? "All projects" : names.join(", ");
}

function describeAccess(permissions = []) {
  const actions = new Set(permissions.flatMap((p) => p.access.map((a) => `${a.action} ${a.resource}`)));
  return [...actions].join(", ");
}

function robotActions(robot, reload) {
  return rowButtons(
    rowButton(robot.disable ? "Enable" : "Disable", `${robot.disable ? "Enable" : "Disable"} ${robot.name}`, async () => {
      // The level and duration are sent back as read: only `disable` changes.
      await api.put(`/robots/${robot.id}`, { description: robot.description, level: robot.level, duration: robot.duration, disable: !robot.disable });
      toast(`${robot.name} ${robot.disable ? "enabled" : "disabled"}`);
      await reload();
    }),
    rowButton("Refresh secret", `Refresh the secret of ${robot.name}`, async () => {
      // An empty secret asks the server for a new random one, as Harbor's UI does.
      const { data } = await api.patch(`/robots/${robot.id}`, { secret: "" });
      showSecret({ name: robot.name, secret: data.secret });
    }, { confirm: ["Refresh secret", `Give ${robot.name} a new secret? The old one stops working at once.`, "Refresh"] }),
    rowButton("Delete", `Delete ${robot.name}`, async () => {
      await api.del(`/robots/${robot.id}`);
      toast(`${robot.name} deleted`);
      await reload();
    }, { confirm: ["Delete robot account", `Delete ${robot.name}? Clients using its secret stop working.`] }));
}

async function openCreate(reload) {
  const { data: projects } = await api.get("/projects", { page_size: 100 });
  adminDialog("New system robot account", (close) => {
    const name = h("input", { type: "text", autocomplete: "off" });
    const description = h("input", { type: "text" });
    const days = h("input", { type: "number", min: "-1", value: "30" });
    const scope = h("select", {}, h("option", { value: "all" }, "All projects"), h("option", { value: "chosen" }, "Chosen projects"));
    const choices = (projects || []).map((p) => checkbox(p.name, false, { value: p.name }));
    const projectList = h("fieldset", { class: "checklist", hidden: true }, h("legend", {}, "Projects"),
      choices.length ? choices : h("p", { class: "muted" }, "There are no projects yet."));
    scope.addEventListener("change", () => { projectList.hidden = scope.value !== "chosen"; });
    const pull = checkbox("Pull", true);
    const push = checkbox("Push", false);
    const fields = {
      name: field("Name", name, "Clients log in as robot$NAME. Lower-case letters and digits, separated by . _ or -."),
      description: field("Description", description),
      days: field("Expires after (days, -1 for never)", days),
      scope: field("Projects", scope),
      permissions: h("fieldset", { class: "checklist" }, h("legend", {}, "Permissions in those projects"), pull, push),
    };
    setTimeout(() => name.focus());
    const element = form({
      fields,
      submitLabel: "Add",
      cancel: close,
      errorField: (error) => ("field" in error ? error.field : /duration|days/i.test(error.message) ? "days" : /permission|access|project/i.test(error.message) ? "scope" : "name"),
      onSubmit: async () => {
        const access = [pull.input.checked && "pull", push.input.checked && "push"].filter(Boolean).map((action) => ({ resource: "repository", action }));
        if (!access.length) throw Object.assign(new Error("Choose Pull, Push or both."), { field: null });
        const namespaces = scope.value === "all" ? ["*"] : choices.filter((c) => c.input.checked).map((c) => c.input.value);
        if (!namespaces.length) throw Object.assign(new Error("Choose at least one project."), { field: "scope" });
        const { data } = await api.post("/robots", {
          name: name.value.trim(), description: description.value, duration: Number(days.value), level: "system", disable: false,
          permissions: namespaces.map((namespace) => ({ kind: "project", namespace, access })),
        });
        close();
        showSecret(data);
        await reload();
      },
    });
    // Projects are chosen between the scope and the permissions; the form() only knows real fields.
    fields.scope.after(projectList);
    return element;
  });
}
