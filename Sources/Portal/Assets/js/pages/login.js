// The login page: posts Harbor's form to /c/login, which sets the session cookie.

import { request } from "../api.js";
import { h, clear, field, form } from "../dom.js";
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
  clear(view, h("section", { class: "login panel" }, h("h1", {}, "Log in to Berth"), loginForm,
    h("p", { class: "muted" }, "Without an account you see public projects only. ", h("a", { href: "#/projects" }, "Browse public projects"))));
  principal.focus();
}
