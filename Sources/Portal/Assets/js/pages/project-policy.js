// A project's configuration tab: its metadata (access, content trust, the vulnerability gate,
// scan on push, SBOMs, which CVE allowlist applies).

import { api } from "../api.js";
import { h, clear, field, form, checkbox, toast, select } from "../dom.js";
import { canManage } from "./project.js";

export async function render(panel, project, ctx) {
  const meta = project.metadata || {};
  const editable = canManage(project, ctx);
  const isPublic = checkbox("Public: anyone may pull images of this project, without logging in", meta.public === "true", { disabled: !editable });
  const cosign = checkbox("Cosign: only signed images may be pulled", meta.enable_content_trust_cosign === "true", { disabled: !editable });
  const notation = checkbox("Notation: only signed images may be pulled", meta.enable_content_trust === "true", { disabled: !editable });
  const preventVul = checkbox("Prevent vulnerable images from running", meta.prevent_vul === "true", { disabled: !editable });
  const severity = select([["critical", "Critical"], ["high", "High"], ["medium", "Medium"], ["low", "Low"], ["none", "None"]],
    (meta.severity || "low").toLowerCase(), { disabled: !editable });
  const autoScan = checkbox("Automatically scan images on push", meta.auto_scan === "true", { disabled: !editable });
  const autoSbom = checkbox("Automatically generate an SBOM on push", meta.auto_sbom_generation === "true", { disabled: !editable });
  const reuse = checkbox("Use the system CVE allowlist", meta.reuse_sys_cve_allowlist !== "false", { disabled: !editable });
  const severityField = field("Prevent images with vulnerabilities of this severity and above", severity);
  const configForm = form({
    fields: { severity: severityField },
    extra: [
      h("fieldset", {}, h("legend", {}, "Access"), isPublic),
      h("fieldset", {}, h("legend", {}, "Deployment security"), cosign, notation, preventVul),
      h("fieldset", {}, h("legend", {}, "Vulnerability scanning"), autoScan, autoSbom),
      h("fieldset", {}, h("legend", {}, "CVE allowlist"), reuse),
    ],
    errorField: (error) => (/severity/i.test(error.message) ? "severity" : null),
    onSubmit: async () => {
      await api.put(`/projects/${project.project_id}`, {
        metadata: {
          public: String(isPublic.input.checked),
          enable_content_trust_cosign: String(cosign.input.checked),
          enable_content_trust: String(notation.input.checked),
          prevent_vul: String(preventVul.input.checked),
          severity: severity.value,
          auto_scan: String(autoScan.input.checked),
          auto_sbom_generation: String(autoSbom.input.checked),
          reuse_sys_cve_allowlist: String(reuse.input.checked),
        },
      });
      toast("Configuration saved");
    },
  });
  // The severity field sits with the gate it tunes.
  preventVul.after(severityField);
  if (!editable) configForm.querySelector("button[type=submit]").hidden = true;
  clear(panel, h("div", { class: "panel" }, editable ? null : h("p", { class: "muted" }, "Only project administrators change these."), configForm));
}
