// A project's members: the users and groups who hold a role in it. Project administrators (and
// system administrators) add users by name or groups (LDAP by DN, else OIDC by name), change
// their role and remove them; others only read.

import { api } from "../api.js";
import { h, field, form, select, dialog, confirmDialog, toast, uniqueId } from "../dom.js";
import { can, notPermitted, filteredList, rowActions, ROLE_NAMES, ROLE_CHOICES } from "./project-shared.js";
import { usesLdap, findLdapGroups, searchPicker } from "./admin-shared.js";

export async function render(panel, project, ctx) {
  if (!can(project, ctx, "member.list")) return notPermitted(panel, "project members (other than limited guests)", "members");
  const manage = can(project, ctx, "member.manage");
  const list = filteredList({
    ctx,
    caption: "Members",
    filters: [{ key: "entityname", label: "Filter members by name" }],
    toolbar: manage ? [h("button", { type: "button", onclick: () => addMember(project, ctx, list.reload).catch((error) => toast(error.message, "error")) }, "Add member")] : [],
    empty: "No members.",
    fetch: ({ page, pageSize, filters }) => api.get(`/projects/${project.project_id}/members`, { page, page_size: pageSize, entityname: filters.entityname }),
    columns: [
      { title: "Name", render: (m) => m.entity_name },
      { title: "Member type", render: (m) => (m.entity_type === "g" ? "Group" : "User") },
      { title: "Role", render: (m) => ROLE_NAMES[m.role_id] || m.role_name },
      ...(manage ? [{ title: "Actions", render: (m) => memberActions(project, m, ctx, list.reload) }] : []),
    ],
  });
  panel.replaceChildren(list.element);
  await list.reload();
}

function memberActions(project, member, ctx, reload) {
  // Harbor does not let you change or drop your own membership: you could lock yourself out.
  // A group's entity_id is a group id, which may equal one's user id.
  if (ctx.session.user && member.entity_type === "u" && member.entity_id === ctx.session.user.user_id) return h("span", { class: "muted" }, "You");
  return rowActions(
    ["Change role", `Change role of ${member.entity_name}`, () => changeRole(project, member, reload)],
    ["Remove", `Remove ${member.entity_name}`, () => removeMember(project, member, reload)]);
}

function roleSelect(value) {
  return select(ROLE_CHOICES, value, { name: "role" });
}

async function addMember(project, ctx, reload) {
  const ldap = await usesLdap();
  dialog("Add member", (close) => {
    const kind = select([["user", "User"], ["group", "Group"]], "user", { name: "kind" });
    const suggestions = h("datalist", { id: uniqueId("member-suggestions") });
    const username = h("input", { type: "text", name: "username", autocomplete: "off" });
    username.setAttribute("list", suggestions.id); // input.list is a read-only property: h() cannot set it
    suggestUsers(username, suggestions);
    const group = h("input", { type: "text", name: "group", autocomplete: "off" });
    // Least privilege by default: the admin raises it on purpose.
    const role = roleSelect("3");
    const fields = {
      kind: field("Member type", kind),
      username: field("Username", username, "An existing user of this registry."),
      group: ldap
        ? field("LDAP group DN", group, "For example cn=developers,ou=groups,dc=example,dc=com: the group must be in the directory.")
        : field("Group name", group, "An OIDC group, named as the provider's groups claim names it; it is created when new."),
      role: field("Role", role),
    };
    // A group picked from the search is named in the toast by its name rather than its DN.
    let pickedName = null;
    group.addEventListener("input", () => { pickedName = null; });
    const picker = groupPicker(ldap, ctx, (item) => { group.value = item.value; pickedName = item.name; });
    const showKind = () => {
      const isGroup = kind.value === "group";
      fields.username.hidden = isGroup;
      fields.group.hidden = !isGroup;
      if (picker) picker.hidden = !isGroup;
    };
    kind.addEventListener("change", showKind);
    showKind();
    setTimeout(() => kind.focus());
    const element = form({
      fields,
      extra: [suggestions],
      submitLabel: "Add",
      cancel: close,
      errorField: (error) => (/role/i.test(error.message) ? "role" : kind.value === "group" ? "group" : "username"),
      onSubmit: async () => {
        const isGroup = kind.value === "group";
        const name = (isGroup ? group : username).value.trim();
        const member = isGroup ? { member_group: ldap ? { ldap_group_dn: name } : { group_type: 3, group_name: name } } : { member_user: { username: name } };
        await api.post(`/projects/${project.project_id}/members`, { role_id: Number(role.value), ...member });
        close();
        toast(`${(isGroup && pickedName) || name} added as ${ROLE_NAMES[role.value]}`);
        await reload();
      },
    });
    if (picker) fields.group.before(picker);
    return element;
  });
}

/**
 * A search that fills the group field: the directory's groups for system administrators in
 * LDAP mode (only they may search it; others type the DN), else the OIDC groups Berth knows.
 */
function groupPicker(ldap, ctx, onPick) {
  if (ldap) return ctx.session.user.sysadmin_flag ? searchPicker("Find LDAP groups by name", findLdapGroups, onPick) : null;
  return searchPicker("Find groups by name", async (text) => {
    if (!text) throw new Error("Type part of the group's name."); // the API needs one
    const { data } = await api.get("/usergroups/search", { groupname: text, page_size: 20 });
    return (data || []).filter((g) => g.group_type === 3).map((g) => ({ name: g.group_name, value: g.group_name }));
  }, onPick);
}

/** Offers the users whose names contain what was typed (`/users/search`), as Harbor's typeahead. */
function suggestUsers(input, datalist) {
  let debounce;
  input.addEventListener("input", () => {
    clearTimeout(debounce);
    const text = input.value.trim();
    if (!text) return;
    debounce = setTimeout(async () => {
      try {
        const { data } = await api.get("/users/search", { username: text, page_size: 10 });
        datalist.replaceChildren(...(data || []).map((user) => h("option", { value: user.username })));
      } catch (_) { /* suggestions are a convenience: the form still works without them */ }
    }, 250);
  });
}

function changeRole(project, member, reload) {
  dialog(`Change role of ${member.entity_name}`, (close) => {
    const role = roleSelect(String(member.role_id));
    const fields = { role: field("Role", role) };
    setTimeout(() => role.focus());
    return form({
      fields,
      submitLabel: "Save",
      cancel: close,
      errorField: () => "role",
      onSubmit: async () => {
        await api.put(`/projects/${project.project_id}/members/${member.id}`, { role_id: Number(role.value) });
        close();
        toast(`${member.entity_name} is now ${ROLE_NAMES[role.value]}`);
        await reload();
      },
    });
  });
}

async function removeMember(project, member, reload) {
  if (!(await confirmDialog("Remove member", `Remove ${member.entity_name} from ${project.name}? They lose the access the role gave them.`, "Remove"))) return;
  try {
    await api.del(`/projects/${project.project_id}/members/${member.id}`);
    toast(`${member.entity_name} removed`);
    await reload();
  } catch (error) {
    toast(error.message, "error");
  }
}
