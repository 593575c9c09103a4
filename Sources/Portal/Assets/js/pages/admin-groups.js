// User groups (`/usergroups`): the LDAP groups (known by their DN) and OIDC groups (by name) that
// can be project members. Listed with their type and DN, created, renamed and deleted here.

import { api } from "../api.js";
import { h, clear, table, field, form, select, toast } from "../dom.js";
import { adminDialog, pagedList, rowButton, rowButtons, searchBox, searchPicker, findLdapGroups, usesLdap, GROUP_TYPES } from "./admin-shared.js";

export async function render(view) {
  const ldap = await usesLdap();
  let name = "";
  const list = pagedList({
    fetchPage: (paging) => api.get("/usergroups", { ...paging, group_name: name }),
    draw: (groups) => table({
      caption: "User groups",
      columns: [
        { title: "Name", render: (g) => g.group_name },
        { title: "Type", render: (g) => h("span", { class: "badge" }, GROUP_TYPES[g.group_type] || String(g.group_type)) },
        { title: "LDAP group DN", render: (g) => (g.ldap_group_dn ? h("span", { class: "mono wrap" }, g.ldap_group_dn) : "") },
        { title: "Actions", render: (g) => groupActions(g, reload) },
      ],
      rows: groups,
      empty: name ? "No group matches the filter." : "No user groups. LDAP groups are also added when a member signs in or when one is added to a project.",
    }),
  });
  const reload = () => list.load();
  const filter = searchBox("Filter groups by name", (text) => { name = text; list.load(1); });
  clear(view,
    h("h1", {}, "Groups"),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => openCreate(ldap, reload) }, "New group"), h("span", { class: "spacer" }), filter),
    list.element);
  await list.load(1);
}

function groupActions(group, reload) {
  return rowButtons(
    rowButton("Rename", `Rename group ${group.group_name}`, () => openRename(group, reload)),
    rowButton("Delete", `Delete group ${group.group_name}`, async () => {
      await api.del(`/usergroups/${group.id}`);
      toast(`Group ${group.group_name} deleted`);
      await reload();
    }, { confirm: ["Delete group", `Delete ${group.group_name}? Its project memberships go with it; its members keep their own.`] }));
}

function openCreate(ldap, reload) {
  adminDialog("New group", (close) => {
    // LDAP groups need LDAP sign-in (the API refuses them otherwise): only OIDC is offered then.
    const type = select(ldap ? [["1", "LDAP group"], ["3", "OIDC group"]] : [["3", "OIDC group"]], ldap ? "1" : "3");
    const dn = h("input", { type: "text", autocomplete: "off" });
    const name = h("input", { type: "text", autocomplete: "off" });
    const fields = {
      type: field("Group type", type),
      dn: field("LDAP group DN", dn, "The group's entry, under the group base DN of the LDAP settings."),
      name: field("Group name", name, "An OIDC group's name as the provider's groups claim names it; left empty for an LDAP group, the directory's name is used."),
    };
    const picker = ldap ? searchPicker("Find LDAP groups by name", findLdapGroups, (item) => { dn.value = item.value; }) : null;
    const showType = () => {
      const isLdap = type.value === "1";
      fields.dn.hidden = !isLdap;
      if (picker) picker.hidden = !isLdap;
    };
    type.addEventListener("change", showType);
    showType();
    setTimeout(() => type.focus());
    const element = form({
      fields,
      submitLabel: "Create",
      cancel: close,
      errorField: (error) => (/auth_mode|group_type/.test(error.message) ? "type"
        : type.value === "1" && /\bDN\b|ldap_group_dn|directory/i.test(error.message) ? "dn" : "name"),
      onSubmit: async () => {
        const body = type.value === "1"
          ? { group_type: 1, ldap_group_dn: dn.value.trim(), group_name: name.value.trim() || undefined }
          : { group_type: 3, group_name: name.value.trim() };
        await api.post("/usergroups", body);
        close();
        toast(`Group ${body.group_name || body.ldap_group_dn} created`);
        await reload();
      },
    });
    if (picker) fields.dn.before(picker);
    return element;
  });
}

function openRename(group, reload) {
  adminDialog(`Rename ${group.group_name}`, (close) => {
    const name = h("input", { type: "text", autocomplete: "off", value: group.group_name });
    const fields = { name: field("Group name", name, group.group_type === 1 ? "Only the name shown in Berth changes: the group is still its DN." : undefined) };
    setTimeout(() => name.select());
    return form({
      fields,
      submitLabel: "Rename",
      cancel: close,
      errorField: () => "name",
      onSubmit: async () => {
        await api.put(`/usergroups/${group.id}`, { group_name: name.value.trim() });
        close();
        toast(`Group renamed to ${name.value.trim()}`);
        await reload();
      },
    });
  });
}
