// Tag immutability rules: tags these rules select cannot be overwritten or deleted (up to 15
// rules a project). Project administrators and maintainers add, edit, switch off and delete them.

import { api } from "../api.js";
import { h, clear, form, dialog, confirmDialog, toast } from "../dom.js";
import { can, notPermitted, rowActions, selectorEditor, describeSelectors } from "./project-shared.js";

const MAXIMUM_RULES = 15;

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "immutable.list")) return notPermitted(panel, "project administrators and maintainers", "tag immutability rules");
  const manage = can(project, ctx, "immutable.manage");
  const base = `/projects/${project.project_id}/immutabletagrules`;
  const list = h("div");

  async function load() {
    const { data } = await api.get(base, { page_size: 100 });
    if (!ctx.alive) return;
    const rules = data || [];
    const actions = (rule, index) => rowActions(
      ["Edit", `Edit rule ${index + 1}`, () => editRule(base, rule, load)],
      [rule.disabled ? "Enable" : "Disable", `${rule.disabled ? "Enable" : "Disable"} rule ${index + 1}`, () => toggleRule(base, rule, load)],
      ["Delete", `Delete rule ${index + 1}`, () => deleteRule(base, rule, index, load)]);
    clear(list,
      h("div", { class: "toolbar" },
        manage ? h("button", { type: "button", disabled: rules.length >= MAXIMUM_RULES, onclick: () => editRule(base, null, load) }, "Add rule") : null,
        h("span", { class: "muted" }, `${rules.length} of ${MAXIMUM_RULES} rules`)),
      rules.length === 0
        ? h("p", { class: "muted" }, "No rules: every tag can be overwritten and deleted.")
        : h("ol", { class: "rule-list", dataset: { test: "immutable-rules" } }, rules.map((rule, index) => h("li", { class: rule.disabled ? "disabled" : "" },
          h("span", {}, describeSelectors(rule), " "),
          h("span", { class: `badge ${rule.disabled ? "warn" : "ok"}` }, rule.disabled ? "Disabled" : "Enabled"),
          manage ? actions(rule, index) : null))));
  }
  clear(panel,
    h("p", { class: "muted" }, "A tag selected by an enabled rule cannot be pushed again or deleted, until the rule is disabled."),
    list);
  await load();
}

/** The body Harbor takes for a rule: the fixed action and template, and the selectors. */
function ruleBody(rule, selectors, disabled) {
  return { ...(rule ? { id: rule.id, priority: rule.priority } : {}), disabled, action: "immutable", template: "immutable_template", ...selectors };
}

function editRule(base, rule, reload) {
  dialog(rule ? "Edit immutability rule" : "Add immutability rule", (close) => {
    const editor = selectorEditor(rule);
    setTimeout(() => editor.fields.repositories.querySelector("input").focus());
    return form({
      fields: editor.fields,
      submitLabel: rule ? "Save" : "Add",
      cancel: close,
      errorField: editor.errorField,
      onSubmit: async () => {
        const body = ruleBody(rule, editor.selectors(), rule ? rule.disabled : false);
        if (rule) await api.put(`${base}/${rule.id}`, body);
        else await api.post(base, body);
        close();
        toast(rule ? "Rule saved" : "Rule added");
        await reload();
      },
    });
  });
}

async function toggleRule(base, rule, reload) {
  const selectors = { tag_selectors: rule.tag_selectors, scope_selectors: rule.scope_selectors };
  try {
    await api.put(`${base}/${rule.id}`, ruleBody(rule, selectors, !rule.disabled));
    toast(rule.disabled ? "Rule enabled" : "Rule disabled");
    await reload();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function deleteRule(base, rule, index, reload) {
  if (!(await confirmDialog("Delete rule", `Delete rule ${index + 1} (${describeSelectors(rule)})? Its tags can be overwritten again.`))) return;
  try {
    await api.del(`${base}/${rule.id}`);
    toast("Rule deleted");
    await reload();
  } catch (error) {
    toast(error.message, "error");
  }
}
