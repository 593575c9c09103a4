// Placeholder until this tab is written.
import { h, clear } from "../dom.js";

export async function render(panel) {
  clear(panel, h("p", { class: "muted" }, "Coming soon."));
}
