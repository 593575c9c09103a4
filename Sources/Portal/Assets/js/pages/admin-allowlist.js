// The system CVE allowlist: CVEs ignored when deciding whether an image is too vulnerable to
// pull, in every project that uses the system list, until an optional expiry date.

import { api } from "../api.js";
import { h, clear, field, form, checkbox, toast, formatTime } from "../dom.js";
import { rowButton } from "./admin-shared.js";

export async function render(view) {
  const { data: allowlist } = await api.get("/system/CVEAllowlist");
  let ids = (allowlist.items || []).map((item) => item.cve_id);
  const itemsHolder = h("div");
  const drawItems = () => clear(itemsHolder, ids.length === 0
    ? h("p", { class: "muted" }, "The allowlist is empty.")
    : h("ul", { class: "allowlist", dataset: { test: "allowlist-items" } }, ids.map((id) =>
      h("li", {}, h("span", { class: "mono" }, id), " ", rowButton("Remove", `Remove ${id}`, () => { ids = ids.filter((other) => other !== id); drawItems(); })))));

  const additions = h("textarea", { rows: 3, placeholder: "CVE-2024-1234, CVE-2023-5678" });
  const never = checkbox("Never expires", !allowlist.expires_at);
  const expiry = h("input", { type: "date", value: allowlist.expires_at ? dateValue(allowlist.expires_at) : "", disabled: !allowlist.expires_at });
  never.input.addEventListener("change", () => { expiry.disabled = never.input.checked; });
  const addButton = h("button", { type: "button", class: "secondary", onclick: () => {
    const fresh = additions.value.split(/[\s,]+/).map((id) => id.trim()).filter((id) => id && !ids.includes(id));
    ids = ids.concat([...new Set(fresh)]);
    additions.value = "";
    drawItems();
  } }, "Add to the list");
  const fields = {
    additions: field("CVE IDs to add (separated by commas, spaces or lines)", additions),
    expiry: field("Expires on", expiry, "The allowlist stops applying at the start of this day."),
  };
  const editor = form({
    fields,
    submitLabel: "Save allowlist",
    errorField: (error) => (/expir/i.test(error.message) ? "expiry" : "additions"),
    onSubmit: async () => {
      if (!never.input.checked && !expiry.value) throw new Error("Choose an expiry date, or tick Never expires.");
      await api.put("/system/CVEAllowlist", {
        items: ids.map((cve_id) => ({ cve_id })),
        expires_at: never.input.checked ? null : Math.floor(new Date(expiry.value + "T00:00:00").getTime() / 1000),
      });
      toast("CVE allowlist saved");
    },
  });
  // The Add button belongs with the text box it reads, "Never expires" with the date it overrides.
  fields.additions.append(h("div", { class: "actions" }, addButton));
  fields.expiry.before(never);
  drawItems();
  clear(view,
    h("h1", {}, "CVE allowlist"),
    h("p", { class: "muted" }, "Vulnerabilities listed here are ignored by the pull gate of projects that use the system allowlist. ",
      allowlist.update_time && !allowlist.update_time.startsWith("1970") ? `Last changed ${formatTime(allowlist.update_time)}.` : ""),
    h("section", { class: "panel" }, h("h2", {}, "Allowed CVEs"), itemsHolder),
    h("section", { class: "panel" }, editor));
}

/** `YYYY-MM-DD` of seconds since the epoch, in local time (what <input type=date> shows). */
function dateValue(seconds) {
  const date = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
