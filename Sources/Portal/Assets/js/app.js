// The portal's frame: who is logged in, the side navigation, and the hash router that draws one
// view at a time into <main>. Views are modules under pages/; each exports render(view, params, ctx).

import { api, request, whenSessionEnds } from "./api.js";
import { h, clear, alertBox } from "./dom.js";
import { showBanner } from "./banner.js";
import * as login from "./pages/login.js";
import * as projects from "./pages/projects.js";
import * as project from "./pages/project.js";
import * as repository from "./pages/repository.js";
import * as artifact from "./pages/artifact.js";
import * as profile from "./pages/profile.js";
import * as admin from "./pages/admin.js";
import * as search from "./pages/search.js";

/** The logged-in user (`/users/current`), or null for an anonymous visitor. */
export const session = { user: null, systemInfo: null };

const routes = [
  [/^\/login$/, login.render],
  [/^\/projects$/, projects.render],
  [/^\/projects\/(\d+)\/repositories\/([^/]+)\/artifacts\/([^/]+)$/, (view, m, ctx) => artifact.render(view, { projectId: m[1], repository: decodeURIComponent(m[2]), reference: decodeURIComponent(m[3]) }, ctx)],
  [/^\/projects\/(\d+)\/repositories\/([^/]+)$/, (view, m, ctx) => repository.render(view, { projectId: m[1], repository: decodeURIComponent(m[2]) }, ctx)],
  [/^\/projects\/(\d+)(?:\/([a-z-]+))?$/, (view, m, ctx) => project.render(view, { projectId: m[1], tab: m[2] || "summary" }, ctx)],
  [/^\/profile$/, profile.render],
  [/^\/search$/, search.render],
  [/^\/admin\/([a-z-]+)(?:\/(\d+))?$/, (view, m, ctx) => admin.render(view, { section: m[1], id: m[2] }, ctx)],
];

/** What a view may ask of the frame: timers that stop when the view is left, and navigation. */
function makeContext() {
  const timers = [];
  const following = new Set();
  let alive = true;
  return {
    session,
    /** Calls fn every `ms` while this view is shown and fn returns something other than false. */
    every(ms, fn) {
      const tick = async () => {
        if (!alive) return;
        // A hidden tab does not poll: nothing is watching, and its requests would keep the
        // session alive for ever.
        if (document.hidden) { timers.push(setTimeout(tick, ms)); return; }
        let again = true;
        try { again = (await fn()) !== false; } catch (_) { again = true; }
        if (alive && again) timers.push(setTimeout(tick, ms));
      };
      timers.push(setTimeout(tick, ms));
    },
    /**
     * Polls fn every `ms` while it returns something true (work still running); asking again
     * while it polls changes nothing. For "follow this scan / run until it ends".
     */
    follow(ms, fn) {
      if (following.has(fn)) return;
      following.add(fn);
      this.every(ms, async () => {
        const more = Boolean(await fn());
        if (!more) following.delete(fn);
        return more;
      });
    },
    leave() { alive = false; timers.forEach(clearTimeout); },
    get alive() { return alive; },
    go(path) { location.hash = "#" + path; },
    reload() { route(); },
  };
}

let current = null;

async function route() {
  const hash = location.hash || "#/projects";
  // In-page anchors (the skip link's #view) are not views.
  if (!hash.startsWith("#/")) return document.getElementById(hash.slice(1))?.focus();
  const path = hash.slice(1).split("?")[0] || "/projects";
  if (current) current.leave();
  const ctx = makeContext();
  current = ctx;
  // Each view draws into its own box: a slow view that finishes after the user moved on writes
  // into a box that is no longer on the page.
  const view = h("div");
  clear(document.getElementById("view"), view);
  drawNavigation(path);
  closeMenu();
  const match = routes.map(([pattern, render]) => [path.match(pattern), render]).find(([found]) => found);
  if (!match) {
    clear(view, h("h1", {}, "Not found"), h("p", {}, "There is no page at ", h("code", {}, path), ". ", h("a", { href: "#/projects" }, "Projects")));
  } else {
    try {
      clear(view, h("p", { class: "muted" }, "Loading…"));
      await match[1](view, match[0], ctx);
    } catch (error) {
      if (ctx.alive) clear(view, h("h1", {}, "Something went wrong"), alertBox(error.message));
    }
  }
  if (!ctx.alive) return;
  performance.mark("berth-rendered");
  document.body.dataset.rendered = path;
  // Screen readers hear the new view's heading; the keyboard starts from it.
  const heading = view.querySelector("h1");
  if (heading && !view.contains(document.activeElement)) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

function closeMenu() {
  document.getElementById("sidenav").classList.remove("open");
  document.querySelector(".menu-toggle").setAttribute("aria-expanded", "false");
}

function link(path, text, active) {
  return h("a", { href: "#" + path, "aria-current": active === path || active.startsWith(path + "/") ? "page" : null }, text);
}

function drawNavigation(path) {
  const nav = document.getElementById("sidenav");
  const items = [h("h2", {}, "Registry"), link("/projects", "Projects", path)];
  if (session.user && session.user.sysadmin_flag) {
    items.push(h("h2", {}, "Administration"),
      link("/admin/users", "Users", path),
      link("/admin/groups", "Groups", path),
      link("/admin/robots", "Robot accounts", path),
      link("/admin/registries", "Registries", path),
      link("/admin/replications", "Replications", path),
      link("/admin/security", "Security hub", path),
      link("/admin/scanners", "Interrogation services", path),
      link("/admin/gc", "Garbage collection", path),
      link("/admin/allowlist", "CVE allowlist", path),
      link("/admin/audit", "Audit logs", path),
      link("/admin/jobs", "Job service", path),
      link("/admin/configuration", "Configuration", path));
  }
  clear(nav, items);
  const menu = document.getElementById("user-menu");
  if (session.user) {
    clear(menu,
      h("a", { href: "#/profile" }, session.user.username),
      h("button", { type: "button", class: "link", onclick: logout }, "Log out"));
  } else {
    clear(menu, h("a", { href: "#/login" }, "Log in"));
  }
}

async function logout() {
  try { await request("POST", "/c/log_out", { base: "" }); } catch (_) { /* the cookie is cleared either way */ }
  session.user = null;
  location.hash = "#/login";
}

export async function refreshSession() {
  // The session cookie is HttpOnly; its companion __csrf says whether there is one to ask about
  // (an anonymous visit then makes no request that fails).
  if (!document.cookie.split(";").some((c) => c.trim().startsWith("__csrf="))) { session.user = null; return; }
  try {
    session.user = (await api.get("/users/current")).data;
  } catch (_) {
    session.user = null;
  }
}

whenSessionEnds(() => {
  if (session.user) {
    session.user = null;
    location.hash = "#/login";
  }
});

async function start() {
  // The banner needs only what /systeminfo tells anyone, so it is asked for beside the session
  // rather than after it; the first view waits for both, so it is not pushed down once drawn.
  const banner = api.get("/systeminfo").then(({ data }) => showBanner(data)).catch(() => { /* no banner */ });
  await Promise.all([refreshSession(), banner]);
  document.querySelector(".menu-toggle").addEventListener("click", (event) => {
    const nav = document.getElementById("sidenav");
    const open = nav.classList.toggle("open");
    event.currentTarget.setAttribute("aria-expanded", String(open));
  });
  document.getElementById("global-search").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = document.getElementById("search-input").value.trim();
    if (text) location.hash = "#/search?q=" + encodeURIComponent(text);
  });
  window.addEventListener("hashchange", route);
  if (!location.hash) history.replaceState(null, "", session.user ? "#/projects" : "#/projects");
  await route();
}

start();
