// Replication rules: how one reads (mode, remote registry, filters), starting one, and the
// editor: pull from a remote registry into Berth or push from Berth to one; which repositories
// and tags; where they land; when the rule runs.

import { api } from "../api.js";
import { h, field, form, checkbox, select, toast } from "../dom.js";
import { adminDialog } from "./admin-shared.js";

export const TRIGGER_WORDS = { manual: "Manual", scheduled: "Scheduled", event_based: "Event based" };

/** Pull when the remote registry is the source (Harbor names the local side id 0, "Local"). */
export function isPull(policy) {
  return Boolean(policy.src_registry && policy.src_registry.id > 0);
}

export function remoteOf(policy) {
  return isPull(policy) ? policy.src_registry : policy.dest_registry;
}

function filterValue(policy, type) {
  const found = (policy.filters || []).find((f) => f.type === type);
  return found ? [].concat(found.value).join(", ") : "";
}

export function describeFilters(policy) {
  const name = filterValue(policy, "name");
  const tag = filterValue(policy, "tag");
  return [name ? `name ${name}` : "every repository", tag ? `tag ${tag}` : "every tag"].join(", ");
}

export async function startReplication(policy) {
  await api.post("/replication/executions", { policy_id: policy.id });
  toast(`Replication of ${policy.name} started`);
}

/** Which field an API error belongs beside, from the words Berth's validation uses. */
function errorFieldOf(error, pull) {
  const text = error.message;
  if (/cron/i.test(text)) return "cron";
  if (/event_based|trigger/i.test(text)) return "trigger";
  if (/namespace/i.test(text)) return "namespace";
  if (/filter name/i.test(text)) return "nameFilter";
  if (/filter tag/i.test(text)) return "tagFilter";
  if (/registry/i.test(text)) return pull ? "source" : "destination";
  if (/name/i.test(text)) return "name";
  return null;
}

/** Opens the editor: `existing` null creates a rule; `onSaved()` runs after a save. */
export async function openRuleEditor(existing, onSaved) {
  const { data: registries } = await api.get("/registries", { page_size: 100 });
  adminDialog(existing ? `Edit rule ${existing.name}` : "New replication rule", (close) => {
    if (!registries || !registries.length) {
      return h("div", {}, h("p", {}, "A rule replicates from or to a registry endpoint: add one first."),
        h("div", { class: "actions" }, h("a", { class: "button", href: "#/admin/registries", onclick: close }, "Registries")));
    }
    return ruleForm(registries, existing, close, onSaved);
  });
}

function ruleForm(registries, existing, close, onSaved) {
  const policy = existing || { enabled: true, override: true, trigger: { type: "manual" }, filters: [] };
  const registryOptions = registries.map((r) => [r.id, `${r.name} (${r.url})`]);
  const remote = existing ? remoteOf(existing) : null;
  const inputs = {
    name: h("input", { type: "text", autocomplete: "off", value: policy.name || "" }),
    description: h("input", { type: "text", value: policy.description || "" }),
    mode: select([["pull", "Pull-based: from the remote registry into Berth"], ["push", "Push-based: from Berth to the remote registry"]],
      existing && !isPull(existing) ? "push" : "pull"),
    source: select(registryOptions, remote ? remote.id : registries[0].id),
    destination: select(registryOptions, remote ? remote.id : registries[0].id),
    nameFilter: h("input", { type: "text", autocomplete: "off", value: filterValue(policy, "name"), placeholder: "library/**" }),
    tagFilter: h("input", { type: "text", autocomplete: "off", value: filterValue(policy, "tag"), placeholder: "v* or {1.25,latest}" }),
    namespace: h("input", { type: "text", autocomplete: "off", value: policy.dest_namespace || "" }),
    trigger: select(Object.entries(TRIGGER_WORDS), (policy.trigger && policy.trigger.type) || "manual"),
    cron: h("input", { type: "text", autocomplete: "off", placeholder: "0 0 3 * * *", value: (policy.trigger && policy.trigger.trigger_settings && policy.trigger.trigger_settings.cron) || "" }),
  };
  const fields = {
    name: field("Name", inputs.name),
    description: field("Description", inputs.description),
    mode: field("Replication mode", inputs.mode),
    source: field("Source registry", inputs.source),
    destination: field("Destination registry", inputs.destination),
    nameFilter: field("Name filter", inputs.nameFilter, "Repositories to replicate, such as library/nginx or library/**. Empty: every one."),
    tagFilter: field("Tag filter", inputs.tagFilter, "Tags to replicate, such as v* or {1.25,latest}. Empty: every tag."),
    namespace: field("Destination namespace", inputs.namespace, "The project (pull) or namespace (push) the repositories land in; empty keeps theirs."),
    trigger: field("Trigger mode", inputs.trigger),
    cron: field("Cron (seconds minutes hours day-of-month month day-of-week)", inputs.cron),
  };
  const override = checkbox("Override artifacts of the same name at the destination", policy.override !== false);
  const deletion = checkbox("Delete remote artifacts when they are deleted here", Boolean(policy.replicate_deletion || policy.deletion));
  const enabled = checkbox("Enable rule", policy.enabled !== false);
  const eventOption = inputs.trigger.querySelector('option[value="event_based"]');
  function showWhatApplies() {
    const pull = inputs.mode.value === "pull";
    fields.source.hidden = !pull;
    fields.destination.hidden = pull;
    deletion.hidden = pull;
    // Event-based rules replicate pushes made to Berth: they exist for push rules only.
    eventOption.disabled = pull;
    if (pull && inputs.trigger.value === "event_based") inputs.trigger.value = "manual";
    fields.cron.hidden = inputs.trigger.value !== "scheduled";
  }
  inputs.mode.addEventListener("change", showWhatApplies);
  inputs.trigger.addEventListener("change", showWhatApplies);
  showWhatApplies();
  setTimeout(() => inputs.name.focus());

  return form({
    fields,
    extra: [override, deletion, enabled],
    submitLabel: existing ? "Save" : "Create",
    cancel: close,
    errorField: (error) => errorFieldOf(error, inputs.mode.value === "pull"),
    onSubmit: async () => {
      const pull = inputs.mode.value === "pull";
      const registry = { id: Number(pull ? inputs.source.value : inputs.destination.value) };
      // Filters this form does not show (labels, resource type) are kept as they were.
      const filters = (policy.filters || []).filter((f) => f.type !== "name" && f.type !== "tag");
      if (inputs.nameFilter.value.trim()) filters.push({ type: "name", value: inputs.nameFilter.value.trim(), decoration: "matches" });
      if (inputs.tagFilter.value.trim()) filters.push({ type: "tag", value: inputs.tagFilter.value.trim(), decoration: "matches" });
      const trigger = { type: inputs.trigger.value, trigger_settings: { cron: inputs.trigger.value === "scheduled" ? inputs.cron.value.trim() : "" } };
      const body = {
        name: inputs.name.value.trim(), description: inputs.description.value,
        src_registry: pull ? registry : null, dest_registry: pull ? null : registry,
        dest_namespace: inputs.namespace.value.trim(), filters, trigger,
        override: override.input.checked, replicate_deletion: !pull && deletion.input.checked, enabled: enabled.input.checked,
      };
      if (existing) await api.put(`/replication/policies/${existing.id}`, body);
      else await api.post("/replication/policies", body);
      close();
      toast(`Replication rule ${body.name} saved`);
      await onSaved();
    },
  });
}
