// Registry endpoints: the remote registries replication rules and proxy-cache projects talk to.
// Creating and editing them, testing the connection with the form's values, deleting them.

import { api } from "../api.js";
import { h, clear, table, field, form, checkbox, select, toast, formatTime } from "../dom.js";
import { adminDialog, rowButton, rowButtons, connectionTest } from "./admin-shared.js";

const ADAPTER_NAMES = {
  "docker-hub": "Docker Hub", "docker-registry": "Docker Registry", "github-ghcr": "GitHub Container Registry", harbor: "Harbor", quay: "Quay",
};
/** What `credential.access_secret` reads when a secret is stored: it never comes back. */
const HIDDEN_SECRET = "*****";

function adapterName(type) {
  return ADAPTER_NAMES[type] || type;
}

export async function render(view, _id, ctx) {
  const { data: adapters } = await api.get("/replication/adapters");
  const list = h("div");
  async function load() {
    const { data } = await api.get("/registries", { page_size: 100 });
    if (!ctx.alive) return;
    clear(list, table({
      caption: "Registry endpoints",
      columns: [
        { title: "Name", render: (r) => r.name },
        { title: "Status", render: (r) => healthBadge(r.status) },
        { title: "Endpoint URL", render: (r) => h("span", { class: "mono" }, r.url) },
        { title: "Provider", render: (r) => adapterName(r.type) },
        { title: "Verify certificate", render: (r) => (r.insecure ? "No" : "Yes") },
        { title: "Access ID", render: (r) => (r.credential && r.credential.access_key) || "" },
        { title: "Created", render: (r) => formatTime(r.creation_time) },
        { title: "Description", render: (r) => r.description || "" },
        { title: "Actions", render: (r) => rowButtons(
          rowButton("Edit", `Edit registry ${r.name}`, () => openEditor(adapters, r, load)),
          rowButton("Delete", `Delete registry ${r.name}`, async () => {
            await api.del(`/registries/${r.id}`);
            toast(`Registry ${r.name} deleted`);
            await load();
          }, { confirm: ["Delete registry endpoint", `Delete ${r.name}? Rules and proxy-cache projects that use it must go first.`] })) },
      ],
      rows: data || [],
      empty: "No registry endpoints yet.",
    }));
  }
  clear(view,
    h("h1", {}, "Registries"),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => openEditor(adapters, null, load) }, "New endpoint")),
    list);
  await load();
}

function healthBadge(status) {
  if (status === "healthy") return h("span", { class: "badge ok" }, "Healthy");
  if (status === "unhealthy") return h("span", { class: "badge danger" }, "Unhealthy");
  return h("span", { class: "badge" }, status || "Unknown");
}

/** The dialog that creates (`existing` null) or edits a registry endpoint. */
function openEditor(adapters, existing, reload) {
  adminDialog(existing ? `Edit ${existing.name}` : "New registry endpoint", (close) => {
    const credential = (existing && existing.credential) || {};
    const inputs = {
      type: select(adapters.map((a) => [a, adapterName(a)]), existing ? existing.type : "docker-registry", { disabled: Boolean(existing) }),
      name: h("input", { type: "text", autocomplete: "off", value: existing ? existing.name : "" }),
      description: h("input", { type: "text", value: existing ? existing.description || "" : "" }),
      url: h("input", { type: "url", autocomplete: "off", placeholder: "https://registry.example.com", value: existing ? existing.url : "" }),
      key: h("input", { type: "text", autocomplete: "off", value: credential.access_key || "" }),
      secret: h("input", { type: "password", autocomplete: "new-password",
        placeholder: credential.access_secret === HIDDEN_SECRET ? "Unchanged: type to replace it" : "" }),
    };
    const insecure = checkbox("Skip TLS certificate verification (insecure)", Boolean(existing && existing.insecure));
    const fields = {
      type: field("Provider", inputs.type, existing ? "The provider of an endpoint cannot change." : null),
      name: field("Name", inputs.name),
      description: field("Description", inputs.description),
      url: field("Endpoint URL", inputs.url, "http(s)://host[:port], without a path."),
      key: field("Access ID", inputs.key, "Leave empty for anonymous access."),
      secret: field("Access secret", inputs.secret),
    };
    const values = () => ({
      url: inputs.url.value.trim(), access_key: inputs.key.value.trim(), access_secret: inputs.secret.value, insecure: insecure.input.checked,
    });
    const errorField = (error) => (/\burl\b|address/i.test(error.message) ? "url"
      : /adapter|type/i.test(error.message) ? "type"
        : /credential|access_key|access_secret|unauthori[sz]ed|denied|password/i.test(error.message) ? "secret"
          : /name/i.test(error.message) ? "name" : null);
    // A stored endpoint is pinged by id, so that its stored secret is used while the field is empty.
    const test = connectionTest(() => api.post("/registries/ping", { ...(existing ? { id: existing.id } : {}), type: inputs.type.value, ...values() }),
      "The registry answered and accepted the credentials.");
    setTimeout(() => (existing ? inputs.name : inputs.type).focus());
    return form({
      fields,
      extra: [insecure, ...test],
      submitLabel: existing ? "Save" : "Create",
      cancel: close,
      errorField,
      onSubmit: async () => {
        const { url, access_key, access_secret, insecure: skipVerify } = values();
        const name = inputs.name.value.trim();
        if (existing) {
          // An empty secret keeps the stored one.
          await api.put(`/registries/${existing.id}`, {
            name, description: inputs.description.value, url, access_key, access_secret, insecure: skipVerify,
            credential_type: access_key ? "basic" : "",
          });
        } else {
          await api.post("/registries", {
            name, type: inputs.type.value, description: inputs.description.value, url, insecure: skipVerify,
            credential: access_key ? { type: "basic", access_key, access_secret } : undefined,
          });
        }
        close();
        toast(`Registry ${name} saved`);
        await reload();
      },
    });
  });
}
