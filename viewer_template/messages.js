// Messages to the person: a dismissible status line over the plot and the full-page error when
// the bundle cannot be shown. Text only. Listeners (the embed API) hear about every error.
// An error stays until dismissed or until what caused it is fixed: each message has a topic
// ("color", "embedding", "link", …) and clear(topic) removes only that topic's message.

import { el } from "./dom.js";

export function createMessages({ status, fatalBox, onError = () => {} }) {
  let timer = 0;
  let topic = null;

  function show(text, kind = "info", about = null) {
    topic = about;
    clearTimeout(timer);
    const close = el("button", "status-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => { status.hidden = true; });
    status.replaceChildren(el("span", null, text), close);
    status.className = `status status-${kind}`;
    status.hidden = false;
    if (kind === "info") timer = setTimeout(() => { status.hidden = true; }, 4000);
    if (kind === "error") onError(text);
  }

  /** Hide the status line if it shows a message about this topic. */
  function clear(about) {
    if (topic === about) status.hidden = true;
  }

  function fatal(err) {
    console.warn("xgexport:", err);
    const text = err && err.message ? err.message : String(err);
    fatalBox.replaceChildren(el("h2", null, "The dataset could not be loaded"), el("p", null, text));
    fatalBox.hidden = false;
    onError(text);
  }

  return { show, clear, fatal };
}
