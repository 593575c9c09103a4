// Small building blocks every page uses: element creation, tables with paging, forms whose
// fields show the API's message beside them, dialogs, toasts, and the severity bar.

/** h("a", {href: "#/x", class: "y", onclick: fn}, "text", child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "style") element.style.cssText = value; // CSSOM: allowed by the page's style-src 'self'
    else if (value === true) element.setAttribute(key, "");
    else if (key in element && typeof element[key] !== "function" && !key.includes("-")) element[key] = value;
    else element.setAttribute(key, value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let uniqueCounter = 0;
export function uniqueId(prefix = "f") { uniqueCounter += 1; return `${prefix}-${uniqueCounter}`; }

// ---------- formatting

export function formatSize(bytes) {
  if (bytes === undefined || bytes === null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${unit === 0 ? value : value.toFixed(2)} ${units[unit]}`;
}

export function formatTime(value) {
  if (!value || String(value).startsWith("0001-")) return "";
  const date = new Date(value);
  return isNaN(date) ? String(value) : date.toLocaleString();
}

export function shortDigest(digest) {
  return digest ? digest.replace(/^sha256:/, "sha256:").slice(0, 19) : "";
}

// ---------- messages

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

export function alertBox(message, kind = "error") {
  return h("div", { class: `alert ${kind === "error" ? "" : kind}`, role: kind === "error" ? "alert" : "status" }, message);
}

// ---------- tables

/**
 * table({columns: [{title, render: row => node|string, sortKey}], rows, empty, caption, onSort, sort})
 * `sort` is {key, descending}; clicking a sortable header calls onSort(key).
 */
export function table({ columns, rows, empty = "Nothing here yet.", caption, sort, onSort, rowAttrs }) {
  const head = h("tr", {}, columns.map((column) => {
    if (!column.sortKey || !onSort) return h("th", { scope: "col" }, column.title);
    const active = sort && sort.key === column.sortKey;
    const arrow = active ? (sort.descending ? " ▼" : " ▲") : "";
    return h("th", { scope: "col", "aria-sort": active ? (sort.descending ? "descending" : "ascending") : "none" },
      h("button", { class: "sort", type: "button", onclick: () => onSort(column.sortKey) }, column.title + arrow));
  }));
  const body = rows.length === 0
    ? [h("tr", {}, h("td", { class: "empty", colspan: columns.length }, empty))]
    : rows.map((row) => h("tr", rowAttrs ? rowAttrs(row) : {}, columns.map((column) => h("td", { dataset: { label: column.title } }, column.render(row)))));
  return h("div", { class: "table-wrap" },
    h("table", {}, caption ? h("caption", { class: "visually-hidden" }, caption) : null, h("thead", {}, head), h("tbody", {}, body)));
}

/** Previous/next paging for a list whose total comes from X-Total-Count. */
export function pager({ page, pageSize, total, onPage }) {
  const pages = Math.max(1, Math.ceil((total || 0) / pageSize));
  return h("div", { class: "pager" },
    h("span", {}, `${total || 0} item${total === 1 ? "" : "s"} · page ${page} of ${pages}`),
    h("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => onPage(page - 1), "aria-label": "Previous page" }, "‹"),
    h("button", { type: "button", class: "secondary", disabled: page >= pages, onclick: () => onPage(page + 1), "aria-label": "Next page" }, "›"));
}

/**
 * Redraws `holder` with `draw(data)` only when `fetch()` answers something new, so a poll does
 * not take the keyboard focus away from a button the user is on. Returns the data.
 */
export function redrawOnChange(holder, fetch, draw) {
  let last;
  return async () => {
    const data = await fetch();
    const text = JSON.stringify(data);
    if (text !== last) {
      last = text;
      clear(holder, draw(data));
    }
    return data;
  };
}

// ---------- forms

/**
 * A labelled field. `input` is an element (its id is set when missing); returns the wrapper with
 * `.showError(message)` and `.clearError()`.
 */
export function field(label, input, hint) {
  if (!input.id) input.id = uniqueId("field");
  const error = h("div", { class: "error", id: input.id + "-error", role: "alert", hidden: true });
  const hintNode = hint ? h("div", { class: "hint", id: input.id + "-hint" }, hint) : null;
  input.setAttribute("aria-describedby", [hintNode && hintNode.id, error.id].filter(Boolean).join(" "));
  const wrapper = h("div", { class: "field" }, h("label", { for: input.id }, label), input, hintNode, error);
  wrapper.showError = (message) => {
    error.textContent = message;
    error.hidden = false;
    wrapper.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
  };
  wrapper.clearError = () => {
    error.hidden = true;
    wrapper.classList.remove("invalid");
    input.removeAttribute("aria-invalid");
  };
  return wrapper;
}

export function checkbox(label, checked, attrs = {}) {
  const input = h("input", { type: "checkbox", checked, ...attrs });
  if (!input.id) input.id = uniqueId("check");
  const wrapper = h("div", { class: "field" }, h("label", { class: "check", for: input.id }, input, h("span", {}, label)));
  wrapper.input = input;
  return wrapper;
}

export function select(options, value, attrs = {}) {
  return h("select", attrs, options.map(([optionValue, text]) => h("option", { value: optionValue, selected: String(optionValue) === String(value) }, text)));
}

/**
 * Wires a form to an async submit. `fields` maps names to field wrappers; `errorField(error)`
 * says which field an API error belongs beside (else the form's own error line shows it).
 */
export function form({ fields, submitLabel = "Save", onSubmit, errorField, extra = [], cancel }) {
  const formError = h("div", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, submitLabel);
  const element = h("form", { class: "form", novalidate: true }, Object.values(fields), extra, formError,
    h("div", { class: "actions" }, submit, cancel ? h("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel") : null));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.hidden = true;
    for (const wrapper of Object.values(fields)) wrapper.clearError && wrapper.clearError();
    submit.disabled = true;
    try {
      await onSubmit();
    } catch (error) {
      const name = errorField ? errorField(error) : null;
      if (name && fields[name] && fields[name].showError) {
        fields[name].showError(error.message);
        fields[name].querySelector("input, select, textarea")?.focus();
      } else {
        formError.textContent = error.message;
        formError.hidden = false;
      }
    } finally {
      submit.disabled = false;
    }
  });
  element.showError = (message) => { formError.textContent = message; formError.hidden = false; };
  return element;
}

// ---------- dialogs

/** Opens a modal dialog; `content(close)` returns its body. Escape and Cancel close it. */
export function dialog(title, content) {
  const titleId = uniqueId("dialog-title");
  const element = h("dialog", { "aria-labelledby": titleId });
  const close = () => { element.close(); element.remove(); };
  element.addEventListener("close", () => element.remove());
  element.append(h("header", {}, h("h2", { id: titleId }, title)), h("div", { class: "body" }, content(close)));
  document.body.append(element);
  element.showModal();
  return close;
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export function confirmDialog(title, message, confirmLabel = "Delete") {
  return new Promise((resolve) => {
    let answered = false;
    const close = dialog(title, (done) => h("div", {},
      h("p", {}, message),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", onclick: () => { answered = true; done(); resolve(true); } }, confirmLabel),
        h("button", { type: "button", class: "secondary", onclick: () => done() }, "Cancel"))));
    document.querySelector("dialog:last-of-type")?.addEventListener("close", () => { if (!answered) resolve(false); });
    return close;
  });
}

// ---------- buttons and links

/**
 * A button that runs `action` once per click: it is disabled until the request ends (a second
 * click cannot start a second GC or scan), asks first when `confirm` ([title, message, label]) is
 * given, and shows a failure as a toast.
 */
export function actionButton(text, action, { label, confirm, kind = "" } = {}) {
  return h("button", { type: "button", class: kind || null, "aria-label": label, onclick: async (event) => {
    const button = event.currentTarget; // read before any await: it is null once the event is over
    if (confirm && !(await confirmDialog(...confirm))) return;
    button.disabled = true;
    try { await action(); } catch (error) { toast(error.message, "error"); } finally { button.disabled = false; }
  } }, text);
}

/** A link to another site from data the API returned (advisory links): http(s) only, else text. */
export function externalLink(url, text) {
  if (!/^https?:\/\//i.test(url || "")) return text;
  return h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, text);
}

// ---------- copy

/** Puts `text` on the clipboard; where the browser refuses, copies the selection of `fallback`. */
async function copyText(text, fallback) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    const input = fallback || document.body.appendChild(h("textarea", { class: "visually-hidden" }, text));
    input.select();
    document.execCommand("copy");
    if (!fallback) input.remove();
  }
  toast("Copied");
}

/** A read-only text box with a Copy button. */
export function copyBox(text, label = "Copy") {
  const input = h("input", { type: "text", readOnly: true, value: text, "aria-label": label.replace(/^Copy\b ?/, "") || "Text to copy" });
  return h("div", { class: "copy" }, input, h("button", { type: "button", class: "secondary", onclick: () => copyText(text, input) }, label));
}

/** A compact button that copies `text` (shown as its tooltip), for narrow table cells. */
export function copyButton(text, label) {
  return h("button", { type: "button", class: "secondary", title: text, "aria-label": label, dataset: { copy: text }, onclick: () => copyText(text) }, "Copy");
}

// ---------- vulnerabilities

export const SEVERITIES = ["Critical", "High", "Medium", "Low", "Unknown"];

/**
 * The severity bar of a scan overview (`{total, fixable, summary: {Critical: n, ...}}`), with a
 * readable label for screen readers and the counts beside it.
 */
export function severityBar(overview) {
  if (!overview) return h("span", { class: "muted" }, "Not scanned");
  const status = overview.scan_status;
  if (status && status !== "Success") {
    const kind = status === "Error" ? "danger" : status === "Running" || status === "Pending" ? "info" : "";
    return h("span", { class: `badge ${kind}` }, status === "Running" ? "Scanning…" : status);
  }
  const counts = (overview.summary && overview.summary.summary) || {};
  const total = (overview.summary && overview.summary.total) || 0;
  if (total === 0) return h("span", { class: "badge ok" }, "No vulnerabilities");
  const words = SEVERITIES.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(", ");
  return h("div", {},
    h("div", { class: "sevbar", role: "img", "aria-label": `${total} vulnerabilities: ${words}` },
      SEVERITIES.filter((s) => counts[s]).map((s) => h("span", { class: s, style: `width:${(100 * counts[s]) / total}%`, title: `${counts[s]} ${s}` }))),
    h("div", { class: "sevbar-label" }, `${total} total · ${overview.summary.fixable || 0} fixable · ${overview.severity}`));
}

/** A horizontal bar chart of counts by severity (the security hub's). */
export function severityChart(counts) {
  const max = Math.max(1, ...SEVERITIES.map((s) => counts[s] || 0));
  return h("div", { class: "chart", role: "list", "aria-label": "Vulnerabilities by severity" },
    SEVERITIES.map((s) => h("div", { class: "row", role: "listitem" },
      h("span", {}, s),
      h("span", { class: `bar sev ${s}`, style: `width:${(100 * (counts[s] || 0)) / max}%` }),
      h("span", {}, String(counts[s] || 0)))));
}

/** The first scan overview of an artifact's `scan_overview` map, which is keyed by report type. */
export function scanOverview(artifact) {
  const overview = artifact && artifact.scan_overview;
  if (!overview) return null;
  return Object.values(overview)[0] || null;
}
