// Users: the local user list (paged, filtered by name), creating and deleting users, granting or
// revoking the administrator role, and setting a new password for someone who lost theirs. In
// LDAP mode accounts and passwords are the directory's: users are imported from it instead.

import { api } from "../api.js";
import { h, clear, table, field, form, checkbox, toast, formatTime } from "../dom.js";
import { adminDialog, pagedList, rowButton, rowButtons, searchBox, searchForm, usesLdap } from "./admin-shared.js";

const PASSWORD_RULE = "8 to 128 characters with an upper-case letter, a lower-case letter and a digit.";

export async function render(view, _id, ctx) {
  const ldap = await usesLdap();
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
        { title: "Actions", render: (u) => (u.user_id === ctx.session.user.user_id ? h("span", { class: "muted" }, "You") : userActions(u, ldap, reload)) },
      ],
      rows: users,
      empty: name ? "No user matches the filter." : "No users.",
    }),
  });
  const reload = () => list.load();
  const filter = searchBox("Filter users by name", (text) => { name = text; list.load(1); });
  // The API refuses local accounts in LDAP mode: the directory's are imported instead.
  const create = ldap
    ? h("button", { type: "button", onclick: () => openImport(reload) }, "Import LDAP users")
    : h("button", { type: "button", onclick: () => openCreate(reload) }, "New user");
  clear(view,
    h("h1", {}, "Users"),
    ldap ? h("p", { class: "muted" }, "Users sign in with their LDAP accounts, which their first sign-in adds here; import them to add them to projects before that.") : null,
    h("div", { class: "toolbar" }, create, h("span", { class: "spacer" }), filter),
    list.element);
  await list.load(1);
}

function userActions(user, ldap, reload) {
  const grant = !user.sysadmin_flag;
  return rowButtons(
    rowButton(grant ? "Make administrator" : "Revoke administrator", `${grant ? "Make administrator" : "Revoke administrator"}: ${user.username}`, async () => {
      await api.put(`/users/${user.user_id}/sysadmin`, { sysadmin_flag: grant });
      toast(grant ? `${user.username} is now an administrator` : `${user.username} is no longer an administrator`);
      await reload();
    }),
    // A directory user's password is the directory's; only the first administrator (id 1) keeps a local one.
    ldap && user.user_id !== 1 ? null : rowButton("Reset password", `Reset the password of ${user.username}`, () => openResetPassword(user)),
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

/** Searches the directory's users, and imports the ticked ones; those that fail are listed with why. */
function openImport(reload) {
  adminDialog("Import LDAP users", (close) => {
    const query = h("input", { type: "search", autocomplete: "off" });
    const found = h("fieldset", { class: "checklist", hidden: true }, h("legend", {}, "Directory users"));
    const failures = h("div", { class: "alert", role: "alert", hidden: true });
    let boxes = [];
    const search = searchForm("Search the directory", [field("Username contains", query)], async () => {
      const { data } = await api.get("/ldap/users/search", { username: query.value.trim() });
      boxes = (data || []).map((u) => checkbox(describeDirectoryUser(u), false, { value: u.username }));
      clear(found, h("legend", {}, "Directory users"), boxes.length ? boxes : h("p", { class: "muted" }, "No directory user matches."));
      found.hidden = false;
    });
    const importForm = form({
      fields: { found },
      extra: [failures],
      submitLabel: "Import",
      cancel: close,
      onSubmit: async () => {
        failures.hidden = true;
        const uids = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
        if (!uids.length) throw new Error("Search, then tick the users to import.");
        const failed = await importUsers(uids);
        const imported = uids.length - failed.length;
        if (imported) toast(`${imported} user${imported === 1 ? "" : "s"} imported`);
        await reload();
        if (!failed.length) return close();
        clear(failures, h("p", {}, "Not imported:"), h("ul", {}, failed.map((f) => h("li", {}, `${f.uid}: ${f.error}`))));
        failures.hidden = false;
      },
    });
    setTimeout(() => query.focus());
    return h("div", {}, search, importForm);
  });
}

function describeDirectoryUser(user) {
  const details = [user.realname, user.email].filter(Boolean).join(", ");
  return details ? `${user.username} (${details})` : user.username;
}

/** Imports directory users; answers the ones that failed ([{uid, error}]: Harbor's 404 lists them, the others were imported). */
async function importUsers(uids) {
  try {
    await api.post("/ldap/users/import", { ldap_uid_list: uids });
    return [];
  } catch (error) {
    if (error.status === 404 && Array.isArray(error.body)) return error.body;
    throw error;
  }
}
