// Placeholder until administration is written.
import { h, clear } from "../dom.js";

export async function render(view, { section }) {
  clear(view, h("h1", {}, section), h("p", { class: "muted" }, "Coming soon."));
}
