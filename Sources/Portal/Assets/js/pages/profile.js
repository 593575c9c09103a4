// The logged-in user's own page: profile fields and a password change.

import { api } from "../api.js";
import { h, clear, field, form, toast } from "../dom.js";

export async function render(view, _match, ctx) {
  const user = ctx.session.user;
  if (!user) return ctx.go("/login");
  const email = h("input", { type: "email", value: user.email || "" });
  const realname = h("input", { type: "text", value: user.realname || "" });
  const comment = h("input", { type: "text", value: user.comment || "" });
  const profileForm = form({
    fields: { email: field("Email", email), realname: field("Full name", realname), comment: field("Comment", comment) },
    onSubmit: async () => {
      await api.put(`/users/${user.user_id}`, { email: email.value, realname: realname.value, comment: comment.value });
      Object.assign(user, { email: email.value, realname: realname.value, comment: comment.value });
      toast("Profile saved");
    },
  });
  const oldPassword = h("input", { type: "password", autocomplete: "current-password" });
  const newPassword = h("input", { type: "password", autocomplete: "new-password" });
  const repeat = h("input", { type: "password", autocomplete: "new-password" });
  const passwordFields = {
    old: field("Current password", oldPassword),
    next: field("New password", newPassword, "At least 8 characters with an upper-case letter, a lower-case letter and a digit."),
    repeat: field("Repeat the new password", repeat),
  };
  const passwordForm = form({
    fields: passwordFields,
    submitLabel: "Change password",
    errorField: (error) => (/old password/i.test(error.message) ? "old" : error.field || "next"),
    onSubmit: async () => {
      if (newPassword.value !== repeat.value) {
        const error = new Error("The two new passwords differ."); error.field = "repeat"; throw error;
      }
      await api.put(`/users/${user.user_id}/password`, { old_password: oldPassword.value, new_password: newPassword.value });
      oldPassword.value = newPassword.value = repeat.value = "";
      toast("Password changed; other sessions were logged out");
    },
  });
  const me = (await api.get("/users/current")).data;
  clear(view,
    h("h1", {}, "Your profile"),
    h("section", { class: "panel" }, h("dl", { class: "kv" },
      h("dt", {}, "Username"), h("dd", {}, user.username),
      h("dt", {}, "Administrator"), h("dd", {}, user.sysadmin_flag ? "Yes" : "No"),
      h("dt", {}, "Member since"), h("dd", {}, new Date(user.creation_time).toLocaleDateString()))),
    h("section", { class: "panel" }, h("h2", {}, "Details"), profileForm),
    me.oidc_user_meta ? cliSecretPanel(me) : h("section", { class: "panel" }, h("h2", {}, "Password"), passwordForm));
}

// OIDC users sign in to docker and skopeo with their CLI secret, shown on request and replaceable.
function cliSecretPanel(me) {
  const shown = h("code", { class: "cli-secret" }, "••••••••");
  const show = h("button", { type: "button" }, "Show");
  show.addEventListener("click", () => { shown.textContent = me.oidc_user_meta.secret; show.remove(); });
  const secret = h("input", { type: "password", autocomplete: "new-password" });
  const secretForm = form({
    fields: { secret: field("New CLI secret", secret, "8 to 128 characters with an upper-case letter, a lower-case letter and a digit.") },
    submitLabel: "Set CLI secret",
    errorField: () => "secret",
    onSubmit: async () => {
      await api.put(`/users/${me.user_id}/cli_secret`, { secret: secret.value });
      me.oidc_user_meta.secret = secret.value;
      if (!show.isConnected) shown.textContent = secret.value;
      secret.value = "";
      toast("CLI secret changed; the old one no longer works");
    },
  });
  return h("section", { class: "panel" }, h("h2", {}, "CLI secret"),
    h("p", {}, "docker login and skopeo take your username and this secret as the password."),
    h("p", {}, shown, " ", show), secretForm);
}
