// Every call the portal makes goes through here: the same /api/v2.0 the CLI users call, with the
// session cookie, the CSRF token on changes, and Harbor's error body turned into an ApiError.

export class ApiError extends Error {
  /** `body` is the parsed JSON answer, for the calls whose failure says more than `errors` (LDAP import). */
  constructor(status, message, code, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

/** Called when a request comes back 401 while the portal thinks it is logged in. */
let onSessionEnded = () => {};
export function whenSessionEnds(handler) { onSessionEnded = handler; }

/**
 * `request("GET", "/projects", {query: {page: 1}})` -> {data, total, headers}.
 * `body` is sent as JSON, `form` as application/x-www-form-urlencoded; `raw` returns text.
 */
export async function request(method, path, { query, body, form, raw, base = "/api/v2.0" } = {}) {
  const url = new URL(base + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = { Accept: "application/json" };
  let payload;
  if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  if (form !== undefined) { headers["Content-Type"] = "application/x-www-form-urlencoded"; payload = new URLSearchParams(form).toString(); }
  if (method !== "GET" && method !== "HEAD") headers["X-Harbor-CSRF-Token"] = cookie("__csrf");
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "The server cannot be reached: " + error.message);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let code;
    let json;
    try {
      json = await response.json();
      const first = json.errors && json.errors[0];
      if (first) { message = first.message || message; code = first.code; }
    } catch (_) { /* not JSON: keep the status line */ }
    if (response.status === 401) onSessionEnded();
    throw new ApiError(response.status, message, code, json);
  }
  const total = response.headers.get("X-Total-Count");
  let data = null;
  if (raw) data = await response.text();
  else if (response.status !== 204 && (response.headers.get("Content-Type") || "").includes("json")) data = await response.json();
  return { data, total: total === null ? null : Number(total), headers: response.headers };
}

export const api = {
  get: (path, query, options) => request("GET", path, { ...options, query }),
  post: (path, body, options) => request("POST", path, { ...options, body }),
  put: (path, body, options) => request("PUT", path, { ...options, body }),
  patch: (path, body, options) => request("PATCH", path, { ...options, body }),
  del: (path, options) => request("DELETE", path, options),
};

/**
 * Harbor's `q` for a listing from {key: value}: `key=~value` (substring) unless the key is in
 * `exactKeys` (`key=value`); empty values are left out, and undefined when nothing is left.
 */
export function harborQuery(filters, exactKeys = []) {
  const parts = Object.entries(filters).filter(([, value]) => value)
    // Terms are separated by commas: a value cannot hold one.
    .map(([key, value]) => `${key}=${exactKeys.includes(key) ? "" : "~"}${String(value).replaceAll(",", " ")}`);
  return parts.length ? parts.join(",") : undefined;
}

/** Path segment of a repository name inside a project: `a/b` -> `a%252Fb` (Harbor's double encoding). */
export function repoSegment(repositoryName) {
  return encodeURIComponent(encodeURIComponent(repositoryName));
}
