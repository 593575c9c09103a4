// Harbor's banner (the `banner_message` setting, in /systeminfo for anyone): a strip under the
// top bar of every page, the login page's too. The frame draws it once per page load.
// The text is an administrator's but is shown as text only: it is never read as HTML.

import { h, clear } from "./dom.js";

const TYPES = ["success", "info", "warning", "danger"];
const CLOSED_KEY = "berth-banner-closed:";

/**
 * Harbor's banner JSON text -> {message, type, closable, fromDate, toDate}, or null for none:
 * empty, not JSON (the setting is free text) or without a message.
 */
export function parseBanner(text) {
  if (!text) return null;
  let banner;
  try { banner = JSON.parse(text); } catch (_) { return null; }
  if (!banner || typeof banner.message !== "string" || !banner.message.trim()) return null;
  return {
    message: banner.message,
    // Harbor's default; an unknown type must not become a class name.
    type: TYPES.includes(banner.type) ? banner.type : "warning",
    closable: banner.closable === true,
    fromDate: banner.fromDate,
    toDate: banner.toDate,
  };
}

/** Whether `now` is within the banner's dates; an unreadable date hides it, as in Harbor. */
function inWindow(banner, now) {
  if (banner.fromDate && !(now >= new Date(banner.fromDate))) return false;
  if (banner.toDate && !(now <= new Date(banner.toDate))) return false;
  return true;
}

// sessionStorage can be refused (storage disabled): the banner then simply stays.
function wasClosed(message) {
  try { return sessionStorage.getItem(CLOSED_KEY + message) === "1"; } catch (_) { return false; }
}

function rememberClosed(message) {
  try { sessionStorage.setItem(CLOSED_KEY + message, "1"); } catch (_) { /* closed for this page only */ }
}

/** Draws the banner of a /systeminfo answer into #banner, or leaves it hidden. */
export function showBanner(info) {
  const holder = document.getElementById("banner");
  const banner = parseBanner(info && info.banner_message);
  // The server's clock, as Harbor does: a browser whose clock is off still sees the window the
  // administrator set.
  const now = info && info.current_time && !isNaN(new Date(info.current_time)) ? new Date(info.current_time) : new Date();
  if (!banner || !inWindow(banner, now) || (banner.closable && wasClosed(banner.message))) {
    holder.hidden = true;
    return;
  }
  const text = h("span", { class: "banner-text" });
  text.textContent = banner.message;
  const close = banner.closable ? h("button", { type: "button", class: "banner-close", "aria-label": "Close the announcement", onclick: () => {
    rememberClosed(banner.message);
    holder.hidden = true;
    // The button is gone: the keyboard continues from the view rather than the top of the page.
    document.getElementById("view").focus({ preventScroll: true });
  } }, "×") : null;
  holder.className = `banner ${banner.type}`;
  clear(holder, text, close);
  holder.hidden = false;
}
