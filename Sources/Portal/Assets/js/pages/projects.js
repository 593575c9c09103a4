// Projects: the list (filtered by name, paged by the server), creating and deleting projects.

import { api } from "../api.js";
import { h, clear, table, pager, field, form, checkbox, dialog, confirmDialog, toast, formatTime, select } from "../dom.js";

const ROLES = { 1: "Project admin", 2: "Developer", 3: "Guest", 4: "Maintainer", 5: "Limited guest" };
const PAGE_SIZE = 15;

export async function render(view, _match, ctx) {
  const state = { page: 1, name: "" };
  const listArea = h("div");
  const filter = h("input", { type: "search", placeholder: "Filter by name", "aria-label": "Filter projects by name" });
  let debounce;
  filter.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { state.name = filter.value.trim(); state.page = 1; load(); }, 250);
  });

  async function load() {
    const { data, total } = await api.get("/projects", {
      page: state.page, page_size: PAGE_SIZE, name: state.name || undefined, with_detail: true,
    });
    if (!ctx.alive) return;
    clear(listArea,
      table({
        caption: "Projects",
        columns: [
          { title: "Project name", render: (p) => h("a", { href: `#/projects/${p.project_id}` }, p.name) },
          { title: "Access level", render: (p) => h("span", { class: `badge ${p.metadata.public === "true" ? "info" : ""}` }, p.metadata.public === "true" ? "Public" : "Private") },
          { title: "Type", render: (p) => (p.registry_id ? "Proxy cache" : "Project") },
          { title: "Role", render: (p) => ROLES[p.current_user_role_id] || "" },
          { title: "Repositories", render: (p) => String(p.repo_count) },
          { title: "Creation time", render: (p) => formatTime(p.creation_time) },
          { title: "", render: (p) => (ctx.session.user && (ctx.session.user.sysadmin_flag || p.current_user_role_id === 1)
            ? h("button", { type: "button", class: "link", "aria-label": `Delete project ${p.name}`, onclick: () => remove(p) }, "Delete") : "") },
        ],
        rows: data || [],
        empty: state.name ? "No project matches the filter." : "No projects yet.",
      }),
      pager({ page: state.page, pageSize: PAGE_SIZE, total, onPage: (page) => { state.page = page; load(); } }));
  }

  async function remove(project) {
    if (!(await confirmDialog("Delete project", `Delete project ${project.name}? Its repositories must be deleted first.`))) return;
    try {
      await api.del(`/projects/${project.project_id}`);
      toast(`Project ${project.name} deleted`);
      load();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // With project_creation_restriction set to adminonly, only administrators are offered creation.
  const info = ctx.session.user ? (await api.get("/systeminfo").catch(() => ({ data: {} }))).data : {};
  const mayCreate = ctx.session.user && (ctx.session.user.sysadmin_flag || info.project_creation_restriction !== "adminonly");
  const newButton = mayCreate ? h("button", { type: "button", onclick: () => openCreate(ctx) }, "New project") : null;
  clear(view,
    h("h1", {}, "Projects"),
    ctx.session.user ? null : h("p", { class: "muted" }, "You are not logged in: only public projects are listed. ", h("a", { href: "#/login" }, "Log in")),
    h("div", { class: "toolbar" }, newButton, h("span", { class: "spacer" }), filter),
    listArea);
  await load();
}

function openCreate(ctx) {
  dialog("New project", (close) => {
    const name = h("input", { type: "text", name: "project_name", autocomplete: "off" });
    const isPublic = checkbox("Public: anyone may pull, without logging in", false);
    const limit = h("input", { type: "number", min: "-1", value: "-1", style: "max-width:9rem" });
    const unit = select([["1073741824", "GiB"], ["1048576", "MiB"], ["1099511627776", "TiB"]], "1073741824", { "aria-label": "Unit of the storage quota" });
    const fields = {
      name: field("Project name", name, "Lower-case letters, digits and . _ - ; 1 to 255 characters, starting with a letter or digit."),
      limit: field("Storage quota (-1 for none)", h("span", {}, limit, " ", unit)),
    };
    fields.limit.querySelector("label").setAttribute("for", limit.id = "project-quota");
    setTimeout(() => name.focus());
    return form({
      fields,
      extra: [isPublic],
      submitLabel: "Create",
      cancel: close,
      errorField: (error) => (/storage|limit/i.test(error.message) ? "limit" : "name"),
      onSubmit: async () => {
        const quota = Number(limit.value);
        await api.post("/projects", {
          project_name: name.value.trim(),
          public: isPublic.input.checked,
          storage_limit: quota < 0 ? -1 : Math.round(quota * Number(unit.value)),
        });
        close();
        toast(`Project ${name.value.trim()} created`);
        ctx.reload();
      },
    });
  });
}
