// A project's tag retention: its rules in words, adding and deleting rules, the schedule, dry
// runs and runs, and the runs' progress in place.

import { api } from "../api.js";
import { h, clear, table, field, form, checkbox, dialog, confirmDialog, toast, formatTime, select, actionButton } from "../dom.js";
import { selectorEditor, describeSelectors, can, notPermitted } from "./project-shared.js";
import { scheduleForm } from "../schedule.js";

const TEMPLATES = [
  ["latestPushedK", "retain the most recently pushed # artifacts", "latestPushedK"],
  ["latestPulledN", "retain the most recently pulled # artifacts", "latestPulledN"],
  ["nDaysSinceLastPush", "retain the artifacts pushed within the last # days", "nDaysSinceLastPush"],
  ["nDaysSinceLastPull", "retain the artifacts pulled within the last # days", "nDaysSinceLastPull"],
  ["always", "retain always", null],
];

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "retention.read")) return notPermitted(panel, "project administrators, maintainers and developers", "tag retention rules");
  const id = project.metadata && project.metadata.retention_id;
  const policyData = id ? (await api.get(`/retentions/${id}`)).data : null;
  // Harbor lets project admins, maintainers and developers manage retention (the same who read it).
  const editable = can(project, ctx, "retention.read");
  const rules = (policyData && policyData.rules) || [];
  const runs = h("div");
  const describe = (rule) => {
    const template = TEMPLATES.find(([key]) => key === rule.template);
    const count = template && template[2] ? rule.params[template[2]] : "";
    return `${describeSelectors(rule)}: ${template ? template[1].replace("#", count) : rule.template}`;
  };
  async function loadRuns() {
    if (!id) return;
    const { data } = await api.get(`/retentions/${id}/executions`, { page_size: 10 });
    if (!ctx.alive) return;
    clear(runs, table({
      caption: "Retention runs",
      columns: [
        { title: "ID", render: (e) => String(e.id) },
        { title: "Status", render: (e) => e.status },
        { title: "Dry run", render: (e) => (e.dry_run ? "Yes" : "No") },
        { title: "Trigger", render: (e) => e.trigger },
        { title: "Started", render: (e) => formatTime(e.start_time) },
      ],
      rows: data || [],
      empty: "No runs yet.",
    }));
    return (data || []).some((e) => e.status === "Running" || e.status === "Pending" || e.status === "InProgress");
  }
  async function start(dryRun) {
    await api.post(`/retentions/${id}/executions`, { dry_run: dryRun });
    toast(dryRun ? "Dry run started" : "Retention started");
    ctx.follow(3000, loadRuns);
  }
  async function save(newRules, cron) {
    const body = {
      algorithm: "or", rules: newRules,
      trigger: { kind: "Schedule", settings: { cron: cron !== undefined ? cron : (policyData ? policyData.trigger.settings.cron || "" : "") } },
      scope: { level: "project", ref: project.project_id },
    };
    if (policyData) await api.put(`/retentions/${id}`, { ...body, id: Number(id) });
    else await api.post("/retentions", body);
    ctx.reload();
  }
  clear(panel,
    h("div", { class: "panel" },
      h("h3", {}, "Retention rules"),
      rules.length === 0 ? h("p", { class: "muted" }, "No rules: every artifact is kept.")
        : h("ul", { dataset: { test: "retention-rules" } }, rules.map((rule, index) => h("li", {}, describe(rule), " ",
          editable ? h("button", { type: "button", class: "link", onclick: () => save(rules.filter((_, i) => i !== index)) }, "Delete") : null))),
      editable ? h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => addRule(rules, save) }, "Add rule"),
        policyData ? actionButton("Dry run", () => start(true), { kind: "secondary" }) : null,
        policyData ? actionButton("Run now", () => start(false), {
          kind: "secondary", confirm: ["Run retention", "Delete now every artifact the rules do not retain?", "Run"],
        }) : null) : null),
    policyData ? h("div", { class: "panel" }, h("h3", {}, "Schedule"), scheduleForm(policyData.trigger.settings.cron || "", editable, (cron) => save(rules, cron))) : null,
    h("h3", {}, "Runs"), runs);
  if (await loadRuns()) ctx.follow(3000, loadRuns);
}

function addRule(rules, save) {
  dialog("Add a retention rule", (close) => {
    const selectors = selectorEditor(null);
    const template = select(TEMPLATES.map(([key, text]) => [key, text.replace("#", "N")]), "latestPushedK");
    const count = h("input", { type: "number", min: "0", value: "10", style: "max-width:8rem" });
    const untagged = checkbox("Include untagged artifacts", true);
    const fields = {
      repositories: selectors.fields.repositories,
      template: field("By artifact count or number of days", template),
      count: field("Count (N)", count),
      tags: selectors.fields.tags,
    };
    return form({
      fields,
      extra: [untagged],
      submitLabel: "Add",
      cancel: close,
      errorField: (error) => (/param|count|retain/i.test(error.message) ? "count" : selectors.errorField(error)),
      onSubmit: async () => {
        const chosen = TEMPLATES.find(([key]) => key === template.value);
        const { tag_selectors, scope_selectors } = selectors.selectors();
        // Retention's tag selector also says whether untagged artifacts are in scope.
        tag_selectors[0].extras = JSON.stringify({ untagged: untagged.input.checked });
        const rule = {
          disabled: false, action: "retain", template: chosen[0],
          params: chosen[2] ? { [chosen[2]]: Number(count.value) } : {},
          tag_selectors, scope_selectors,
        };
        await save([...rules, rule]);
        close();
        toast("Retention rule added");
      },
    });
  });
}
