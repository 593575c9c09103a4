// A project's own labels (scope "p"), which its artifacts can carry beside the global ones.
// Project administrators and maintainers create, edit and delete them; members read them.

import { api, harborQuery } from "../api.js";
import { h, field, form, dialog, confirmDialog, toast, formatTime } from "../dom.js";
import { can, notPermitted, filteredList, rowActions } from "./project-shared.js";

const DEFAULT_COLOR = "#0b5cad";

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "label.list")) return notPermitted(panel, "project members (other than limited guests)", "labels");
  const manage = can(project, ctx, "label.manage");
  const list = filteredList({
    ctx,
    caption: "Labels",
    filters: [{ key: "name", label: "Filter labels by name" }],
    toolbar: manage ? [h("button", { type: "button", onclick: () => editLabel(project, null, list.reload) }, "New label")] : [],
    empty: "No labels in this project yet.",
    fetch: ({ page, pageSize, filters }) => api.get("/labels", {
      scope: "p", project_id: project.project_id, page, page_size: pageSize, q: harborQuery(filters),
    }),
    columns: [
      { title: "Label", render: (label) => labelChip(label) },
      { title: "Description", render: (label) => label.description },
      { title: "Created", render: (label) => formatTime(label.creation_time) },
      ...(manage ? [{ title: "Actions", render: (label) => rowActions(
        ["Edit", `Edit label ${label.name}`, () => editLabel(project, label, list.reload)],
        ["Delete", `Delete label ${label.name}`, () => deleteLabel(label, list.reload)]) }] : []),
    ],
  });
  panel.replaceChildren(list.element);
  await list.reload();
}

/** The label as artifacts show it: its name on its colour, in black or white, whichever reads. */
export function labelChip(label) {
  const color = label.color || "";
  return h("span", { class: "label-chip", style: color ? `background:${color};color:${textColorOn(color)}` : "" }, label.name);
}

function textColorOn(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.55 ? "#1d2733" : "#ffffff";
}

/** Creates a label (`label` null) or edits one; scope and project cannot change. */
function editLabel(project, label, reload) {
  dialog(label ? `Edit label ${label.name}` : "New label", (close) => {
    const name = h("input", { type: "text", name: "name", autocomplete: "off", value: label ? label.name : "" });
    const color = h("input", { type: "color", name: "color", value: (label && label.color) || DEFAULT_COLOR });
    const description = h("textarea", { name: "description", rows: 2 }, label ? label.description : "");
    const preview = h("span", { "aria-hidden": "true" });
    const showPreview = () => preview.replaceChildren(labelChip({ name: name.value.trim() || "label", color: color.value }));
    name.addEventListener("input", showPreview);
    color.addEventListener("input", showPreview);
    showPreview();
    const fields = {
      name: field("Name", name),
      color: field("Colour", color, "Shown behind the name wherever the label appears."),
      description: field("Description", description),
    };
    fields.color.append(h("div", { class: "label-preview" }, "Preview: ", preview));
    setTimeout(() => name.focus());
    return form({
      fields,
      submitLabel: label ? "Save" : "Create",
      cancel: close,
      errorField: (error) => (/colou?r/i.test(error.message) ? "color" : /description/i.test(error.message) ? "description" : "name"),
      onSubmit: async () => {
        const body = { name: name.value.trim(), description: description.value, color: color.value };
        if (label) await api.put(`/labels/${label.id}`, body);
        else await api.post("/labels", { ...body, scope: "p", project_id: project.project_id });
        close();
        toast(label ? `Label ${body.name} saved` : `Label ${body.name} created`);
        await reload();
      },
    });
  });
}

async function deleteLabel(label, reload) {
  if (!(await confirmDialog("Delete label", `Delete label ${label.name}? It is taken off every artifact that has it.`))) return;
  try {
    await api.del(`/labels/${label.id}`);
    toast(`Label ${label.name} deleted`);
    await reload();
  } catch (error) {
    toast(error.message, "error");
  }
}
