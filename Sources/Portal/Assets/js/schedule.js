// The schedule editor that retention, GC, scan-all and the other system jobs share.

import { h, field, form, select, toast } from "./dom.js";

/** A cron field with Harbor's presets; `onSave(cron)` with "" meaning none. Shared by GC and retention. */
export function scheduleForm(cron, editable, onSave) {
  const presets = [["", "None"], ["0 0 * * * *", "Hourly"], ["0 0 0 * * *", "Daily"], ["0 0 0 * * 0", "Weekly"], ["custom", "Custom"]];
  const known = presets.some(([value]) => value === cron);
  const kind = select(presets, known ? cron : "custom", { disabled: !editable });
  const custom = h("input", { type: "text", value: known ? "" : cron, placeholder: "0 0 3 * * *", disabled: !editable, hidden: known });
  kind.addEventListener("change", () => { custom.hidden = kind.value !== "custom"; if (!custom.hidden) custom.focus(); });
  const fields = {
    kind: field("Schedule", kind),
    cron: field("Cron (seconds minutes hours day-of-month month day-of-week)", custom),
  };
  const element = form({
    fields,
    submitLabel: "Save schedule",
    errorField: () => (kind.value === "custom" ? "cron" : "kind"),
    onSubmit: async () => {
      await onSave(kind.value === "custom" ? custom.value.trim() : kind.value);
      toast("Schedule saved");
    },
  });
  const toggleCron = () => { fields.cron.hidden = kind.value !== "custom"; };
  kind.addEventListener("change", toggleCron);
  toggleCron();
  custom.hidden = false;
  if (!editable) element.querySelector("button[type=submit]").hidden = true;
  return element;
}
