// Messages to the person: a dismissible status line over the plot and the full-page error when
// the bundle cannot be shown. Text only. Listeners (the embed API) hear about every error.
// An error stays until dismissed or until what caused it is fixed: each message has a topic
// ("color", "embedding", "link", …) and clear(topic) removes only that topic's message.
// Below: the progress shown over the plot until the first frame (createLoading), the other thing
// the page tells the person about its state: one file fewer to fetch before that frame.

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

// Progress over the plot until the first frame: what is being read and how many bytes of it
// have arrived. The page's HTML shows "Loading…" before any script runs, so it is never blank.

export function createLoading(box) {
  const text = box.querySelector(".loading-text");
  const bar = box.querySelector("progress");
  let received = 0;
  let expected = 0;
  let step = "Loading the dataset";
  let frame = 0;
  const mb = (n) => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);

  function render() {
    frame = 0;
    const size = expected > 0 ? ` ${mb(received)} of ${mb(expected)} MB` : "";
    text.textContent = `${step}…${size}`;
    if (expected > 0) {
      bar.max = expected;
      bar.value = Math.min(received, expected);
    } else {
      bar.removeAttribute("value"); // indeterminate
    }
  }
  const queue = () => { if (!frame && !box.hidden) frame = requestAnimationFrame(render); };

  return {
    /** byte deltas from the data layer */
    progress(r, e) {
      received += r;
      expected += e;
      queue();
    },
    /** what is being loaded now, e.g. "Loading the embedding" */
    step(what) {
      step = what;
      queue();
    },
    done() {
      box.hidden = true;
      if (frame) cancelAnimationFrame(frame);
    },
  };
}
