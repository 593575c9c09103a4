// What several project tabs share: who may do what (so a tab never asks for what the API would
// refuse), a paged list with filters, a labelled group of controls that can show an error, and
// the repository/tag selector editor of tag rules.

import { h, clear, table, pager, field, select, uniqueId, toast } from "../dom.js";
import { canManage } from "./project.js";

export const ROLE_NAMES = { 1: "Project Admin", 4: "Maintainer", 2: "Developer", 3: "Guest", 5: "Limited Guest" };
/** Harbor's order, most powerful first. */
export const ROLE_CHOICES = [1, 4, 2, 3, 5].map((id) => [String(id), ROLE_NAMES[id]]);

// The project roles allowed each action, from Access/ProjectRole.swift (Harbor's RBAC matrix).
// Asking first keeps a Guest's tab from drawing a 403 as "Something went wrong".
const ALLOWED_ROLES = {
  "member.list": [1, 4, 2, 3],
  "label.list": [1, 4, 2, 3],
  "label.manage": [1, 4],
  "scanner.read": [1, 4, 2, 3, 5],
  "scanner.change": [1],
  "immutable.list": [1, 4],
  "immutable.manage": [1, 4],
  "webhook.list": [1, 4],
  "webhook.manage": [1],
  "log.list": [1],
  "robot.list": [1, 4, 2, 3],
  "retention.read": [1, 4, 2],
};
// What non-members may read in a public project (ProjectRole.publicProjectPermissions); the
// label listing asks for a login all the same (LabelHandlers.list).
const PUBLIC_ACTIONS = { "label.list": "logged-in", "scanner.read": "anyone" };

/** Whether the current user may do `action` ("label.manage", ...) in `project`. */
export function can(project, ctx, action) {
  if (action === "member.manage") return canManage(project, ctx);
  const user = ctx.session.user;
  if (user && user.sysadmin_flag) return true;
  if (user && (ALLOWED_ROLES[action] || []).includes(project.current_user_role_id)) return true;
  const isPublic = project.metadata && project.metadata.public === "true";
  return Boolean(isPublic && (PUBLIC_ACTIONS[action] === "anyone" || (PUBLIC_ACTIONS[action] === "logged-in" && user)));
}

/** Says who may see `what` instead of drawing a request the API refuses. */
export function notPermitted(panel, who, what) {
  clear(panel, h("p", { class: "muted", dataset: { test: "not-permitted" } }, `Only ${who} see the ${what} of this project.`));
}

/** "Delete", "Edit" ... buttons of a table row, each named for screen readers with its target. */
export function rowActions(...buttons) {
  return h("div", { class: "row-actions" }, buttons.filter(Boolean).map(([text, label, onclick, kind]) =>
    h("button", { type: "button", class: kind || "link", "aria-label": label, onclick }, text)));
}

/**
 * A server-paged list with its filter controls above it (admin-shared.js's pagedList takes its
 * filters from a search form instead).
 * `filters`: [{key, label, options?}] (a search box, or a select when options are given);
 * `fetch({page, pageSize, filters})` answers {data, total}; `toolbar` goes left of the filters.
 * Returns {element, reload}; reload keeps the page and filters (for polling and after changes), and
 * leaves the table alone when nothing in it changed.
 */
export function filteredList({ ctx, caption, columns, fetch, filters = [], toolbar = [], empty, pageSize = 15 }) {
  const state = { page: 1, values: {} };
  const area = h("div");
  // What the user asks for (a filter, another page) reports a failure; the first load and the
  // callers' reloads let theirs reach the caller.
  const refresh = () => reload().catch((error) => toast(error.message, "error"));
  const controls = filters.map((filter) => filterControl(filter, (value) => {
    state.values[filter.key] = value;
    state.page = 1;
    refresh();
  }));
  let drawn = null;
  async function reload() {
    const { data, total } = await fetch({ page: state.page, pageSize, filters: state.values });
    if (!ctx.alive) return;
    const rows = data || [];
    // A deletion can empty the last page: step back instead of showing an empty page.
    if (rows.length === 0 && state.page > 1) { state.page -= 1; return reload(); }
    // Polling redraws only what changed, so keyboard focus and scroll stay put in between.
    const key = JSON.stringify([state.page, state.values, rows, total]);
    if (key === drawn) return;
    drawn = key;
    const filtered = Object.values(state.values).some(Boolean);
    clear(area,
      table({ caption, columns, rows, empty: filtered && empty ? "Nothing matches the filter." : empty }),
      pager({ page: state.page, pageSize, total: total === null ? rows.length : total, onPage: (page) => { state.page = page; refresh(); } }));
  }
  const element = h("div", {},
    h("div", { class: "toolbar" }, toolbar, h("span", { class: "spacer" }), controls),
    area);
  return { element, reload };
}

function filterControl({ key, label, options }, onChange) {
  if (options) {
    const control = select(options, "", { "aria-label": label, name: key });
    control.addEventListener("change", () => onChange(control.value));
    return control;
  }
  const control = h("input", { type: "search", placeholder: label, "aria-label": label, name: key });
  let debounce;
  control.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => onChange(control.value.trim()), 250);
  });
  return control;
}

/**
 * A fieldset of controls (checkboxes, a selector row) that shows an API error below its legend,
 * with the .showError/.clearError of field() so form() can put a message there.
 */
export function groupField(legend, children, hint) {
  const error = h("div", { class: "error", id: uniqueId("group-error"), role: "alert", hidden: true });
  const wrapper = h("fieldset", { class: "group", "aria-describedby": error.id },
    h("legend", {}, legend), hint ? h("div", { class: "hint" }, hint) : null, children, error);
  wrapper.showError = (message) => { error.textContent = message; error.hidden = false; wrapper.classList.add("invalid"); };
  wrapper.clearError = () => { error.hidden = true; wrapper.classList.remove("invalid"); };
  return wrapper;
}

// ---------- tag rule selectors (immutability; the same shape as retention's)

/**
 * The "Repositories" and "Tags" rows of a tag rule: matching/excluding plus a doublestar pattern.
 * `rule` prefills them (its first selector of each kind: Harbor's form edits no more either).
 * Returns {fields: {repositories, tags}, selectors(), errorField(error)} where
 * selectors() is the rule's {tag_selectors, scope_selectors} as Harbor takes them.
 */
export function selectorEditor(rule) {
  const repo = (rule && rule.scope_selectors && rule.scope_selectors.repository && rule.scope_selectors.repository[0]) || {};
  const tag = (rule && rule.tag_selectors && rule.tag_selectors[0]) || {};
  const repoDecoration = select([["repoMatches", "matching"], ["repoExcludes", "excluding"]], repo.decoration || "repoMatches",
    { "aria-label": "Repositories matching or excluding" });
  const repoPattern = h("input", { type: "text", value: repo.pattern === undefined ? "**" : repo.pattern, autocomplete: "off" });
  const tagDecoration = select([["matches", "matching"], ["excludes", "excluding"]], tag.decoration || "matches",
    { "aria-label": "Tags matching or excluding" });
  const tagPattern = h("input", { type: "text", value: tag.pattern === undefined ? "**" : tag.pattern, autocomplete: "off" });
  const fields = {
    repositories: selectorField("Repositories", repoDecoration, repoPattern,
      "Doublestar patterns inside the project: ** for all, app-*, {web,api}."),
    tags: selectorField("Tags", tagDecoration, tagPattern, "For example v* or {latest,stable}."),
  };
  const selectors = () => ({
    tag_selectors: [{ kind: "doublestar", decoration: tagDecoration.value, pattern: tagPattern.value.trim() }],
    scope_selectors: { repository: [{ kind: "doublestar", decoration: repoDecoration.value, pattern: repoPattern.value.trim() }] },
  });
  /** Which row an API refusal is about: the API names tag selectors, or quotes the bad pattern. */
  const errorField = (error) => {
    const quoted = /invalid pattern "(.*)"/.exec(error.message);
    if (quoted) return quoted[1] === tagPattern.value.trim() ? "tags" : "repositories";
    return /tag_selectors|tag selector/i.test(error.message) ? "tags" : "repositories";
  };
  return { fields, selectors, errorField };
}

/** field() around the pattern (its label, hint and error name the pattern), with the select before it. */
function selectorField(label, decoration, pattern, hint) {
  const wrapper = field(label, pattern, hint);
  const row = h("span", { class: "selector-row" });
  pattern.replaceWith(row);
  row.append(decoration, pattern);
  return wrapper;
}

/** "Repositories matching **, tags excluding v*": a rule in words. */
export function describeSelectors(rule) {
  const words = { repoMatches: "matching", repoExcludes: "excluding", matches: "matching", excludes: "excluding" };
  const list = (selectors) => (selectors || []).map((s) => `${words[s.decoration] || s.decoration} ${s.pattern || '""'}`).join(" and ");
  return `Repositories ${list(rule.scope_selectors && rule.scope_selectors.repository)}, tags ${list(rule.tag_selectors)}`;
}
