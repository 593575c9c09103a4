// Users: the local user list (paged, filtered by name), creating and deleting users, granting or
// revoking the administrator role, and setting a new password for someone who lost theirs.

import { api } from "../api.js";
import { h, clear, table, field, form, toast, formatTime } from "../dom.js";
import { adminDialog, pagedList, rowButton, rowButtons, searchBox } from "./admin-shared.js";

const PASSWORD_RULE = "8 to 128 characters with an upper-case letter, a lower-case letter and a digit.";

export async function render(view, _id, ctx) {
  let name = "";
  const list = pagedList({
    fetchPage: (paging) => api.get("/users", { ...paging, q: name ? `username=~${name}` : undefined }),
    draw: (users) => table({
      caption: "Users",
      columns: [
        { title: "Username", render: (u) => u.username },
        { title: "Administrator", render: (u) => (u.sysadmin_flag ? h("span", { class: "badge info" }, "Administrator") : "No") },
        { title: "Email", render: (u) => u.email || "" },
        { title: "Full name", render: (u) => u.realname || "" },
        { title: "Registered", render: (u) => formatTime(u.creation_time) },
        { title: "Actions", render: (u) => (u.user_id === ctx.session.user.user_id ? h("span", { class: "muted" }, "You") : userActions(u, reload)) },
      ],
      rows: users,
      empty: name ? "No user matches the filter." : "No users.",
    }),
  });
  const reload = () => list.load();
  const filter = searchBox("Filter users by name", (text) => { name = text; list.load(1); });
  clear(view,
    h("h1", {}, "Users"),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => openCreate(reload) }, "New user"), h("span", { class: "spacer" }), filter),
    list.element);
  await list.load(1);
}

function userActions(user, reload) {
  const grant = !user.sysadmin_flag;
  return rowButtons(
    rowButton(grant ? "Make administrator" : "Revoke administrator", `${grant ? "Make administrator" : "Revoke administrator"}: ${user.username}`, async () => {
      await api.put(`/users/${user.user_id}/sysadmin`, { sysadmin_flag: grant });
      toast(grant ? `${user.username} is now an administrator` : `${user.username} is no longer an administrator`);
      await reload();
    }),
    rowButton("Reset password", `Reset the password of ${user.username}`, () => openResetPassword(user)),
    rowButton("Delete", `Delete user ${user.username}`, async () => {
      await api.del(`/users/${user.user_id}`);
      toast(`User ${user.username} deleted`);
      await reload();
    }, { confirm: ["Delete user", `Delete ${user.username}? Their project memberships go with them.`] }));
}

function openCreate(reload) {
  adminDialog("New user", (close) => {
    const inputs = {
      username: h("input", { type: "text", autocomplete: "off" }),
      email: h("input", { type: "email", autocomplete: "off" }),
      realname: h("input", { type: "text", autocomplete: "off" }),
      password: h("input", { type: "password", autocomplete: "new-password" }),
      repeat: h("input", { type: "password", autocomplete: "new-password" }),
    };
    const fields = {
      username: field("Username", inputs.username, "No spaces and none of , \" ~ # $ %"),
      email: field("Email", inputs.email),
      realname: field("Full name", inputs.realname),
      password: field("Password", inputs.password, PASSWORD_RULE),
      repeat: field("Repeat the password", inputs.repeat),
    };
    setTimeout(() => inputs.username.focus());
    return form({
      fields,
      submitLabel: "Create",
      cancel: close,
      errorField: (error) => error.field || (/password/i.test(error.message) ? "password" : /email/i.test(error.message) ? "email" : "username"),
      onSubmit: async () => {
        if (inputs.password.value !== inputs.repeat.value) throw Object.assign(new Error("The two passwords differ."), { field: "repeat" });
        const username = inputs.username.value.trim();
        await api.post("/users", {
          username, email: inputs.email.value.trim(), realname: inputs.realname.value.trim(), password: inputs.password.value,
        });
        close();
        toast(`User ${username} created`);
        await reload();
      },
    });
  });
}

function openResetPassword(user) {
  adminDialog(`New password for ${user.username}`, (close) => {
    const password = h("input", { type: "password", autocomplete: "new-password" });
    const repeat = h("input", { type: "password", autocomplete: "new-password" });
    const fields = { password: field("New password", password, PASSWORD_RULE), repeat: field("Repeat the new password", repeat) };
    setTimeout(() => password.focus());
    return form({
      fields,
      submitLabel: "Set password",
      cancel: close,
      errorField: (error) => error.field || "password",
      onSubmit: async () => {
        if (password.value !== repeat.value) throw Object.assign(new Error("The two passwords differ."), { field: "repeat" });
        await api.put(`/users/${user.user_id}/password`, { new_password: password.value });
        close();
        toast(`Password of ${user.username} changed; their sessions were logged out`);
      },
    });
  });
}
