// The login page: posts Harbor's form to /c/login, which sets the session cookie.

import { api, request } from "../api.js";
import { h, clear, field, form, alertBox } from "../dom.js";
import { refreshSession } from "../app.js";

export async function render(view, _match, ctx) {
  const principal = h("input", { type: "text", name: "principal", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const fields = { principal: field("Username", principal), password: field("Password", password) };
  const loginForm = form({
    fields,
    submitLabel: "Log in",
    errorField: () => "password",
    onSubmit: async () => {
      await request("POST", "/c/login", { base: "", form: { principal: principal.value, password: password.value } });
      await refreshSession();
      ctx.go("/projects");
    },
  });
  // With OIDC, people sign in at the provider (the form stays for the first administrator), and
  // a failed sign-in comes back here with its reason in ?error=.
  const info = await api.get("/systeminfo").then(({ data }) => data).catch(() => ({}));
  const reason = new URLSearchParams(location.hash.split("?")[1] || "").get("error");
  const provider = info.auth_mode === "oidc_auth"
    ? h("p", {}, h("a", { class: "button primary", href: "/c/oidc/login" }, `Log in with ${info.oidc_provider_name || "OIDC provider"}`))
    : null;
  clear(view, h("section", { class: "login panel" }, h("h1", {}, "Log in to Berth"),
    reason ? alertBox(reason) : null, provider, loginForm,
    h("p", { class: "muted" }, "Without an account you see public projects only. ", h("a", { href: "#/projects" }, "Browse public projects"))));
  if (!provider) principal.focus();
}
