// Administration: one module per section of the side navigation (`#/admin/<section>[/<id>]`).
// This file only checks who is asking and hands the view to the section's module.

import { h, clear } from "../dom.js";
import * as users from "./admin-users.js";
import * as groups from "./admin-groups.js";
import * as robots from "./admin-robots.js";
import * as registries from "./admin-registries.js";
import * as replications from "./admin-replications.js";
import * as security from "./admin-security.js";
import * as scanners from "./admin-scanners.js";
import * as gc from "./admin-gc.js";
import * as allowlist from "./admin-allowlist.js";
import * as audit from "./admin-audit.js";
import * as jobs from "./admin-jobs.js";
import * as configuration from "./admin-configuration.js";

const SECTIONS = { users, groups, robots, registries, replications, security, scanners, gc, allowlist, audit, jobs, configuration };

export async function render(view, { section, id }, ctx) {
  if (!ctx.session.user) return ctx.go("/login");
  if (!ctx.session.user.sysadmin_flag) {
    clear(view, h("h1", {}, "Administration"), h("p", {}, "Only system administrators see this page."));
    return;
  }
  const module = Object.hasOwn(SECTIONS, section) ? SECTIONS[section] : null;
  if (!module) {
    clear(view, h("h1", {}, "Not found"), h("p", {}, "There is no administration section ", h("code", {}, section), "."));
    return;
  }
  // The wrapper's class scopes the administration styles (berth.css, "Administration" section).
  const root = h("div", { class: "admin-view" }, h("p", { class: "muted" }, "Loading…"));
  clear(view, root);
  await module.render(root, id, ctx);
}
