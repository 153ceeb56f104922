// The comparison panel: choose group A and group B (the selection, categories of a column, a
// saved cell set; B may be "the rest"), Compare, see what will be read, its progress (with
// Cancel), then the result (results.js). A comparison that would read more than ASK_ABOVE asks
// first: groups without spatial coherence (another embedding's region, a gene threshold) fill
// most leaves partly and read most of the cell-major copy. Nothing is read while closed.

import { el } from "../dom.js";
import { count } from "../format.js";
import { formatHash, linkState } from "../urlstate.js";
import { unavailableText } from "./client.js";
import { selectedCells } from "./groups.js";
import { formatComparison } from "../urlstate.js";
import { createGroupPicker } from "./picker.js";
import { createResults } from "./results.js";

export const ASK_ABOVE = 40e6;

const megabytes = (b) => `${(b / 1e6).toFixed(b < 1e5 ? 2 : 1)} MB`;

export function createComparePanel({ details, root, store, dataset, comparer, genes, onGene }) {
  const ds = dataset;
  const note = el("p", "note cmp-note");
  const pickers = el("div", "cmp-pickers");
  const a = createGroupPicker({ role: "A", store, dataset: ds, onChange: changed });
  const b = createGroupPicker({ role: "B", store, dataset: ds, onChange: changed });
  pickers.append(a.node, b.node);
  const run = Object.assign(el("button", "button cmp-run", "Compare"), { type: "button", id: "cmp-run" });
  const status = el("div", "cmp-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const results = createResults({ genes, onGene });
  root.replaceChildren(note, pickers, run, status, results.node);

  let available = null; // the worker's description of the bundle's comparison data
  let job = null;

  let settled = false; // the choosers show their first groups (defaults or a link's)

  function changed() {
    run.disabled = !settled || !!job || !a.value() || !b.value() || !available?.available;
  }

  function say(text, kind = "") {
    status.replaceChildren(...(text ? [el("p", `note ${kind}`, text)] : []));
  }

  function progressBar(received, total, onCancel) {
    const bar = el("progress");
    bar.max = Math.max(total, 1);
    bar.value = Math.min(received, total);
    const cancel = Object.assign(el("button", "button", "Cancel"), { type: "button", id: "cmp-cancel" });
    cancel.addEventListener("click", onCancel);
    const text = total ? `Reading ${megabytes(received)} of ${megabytes(total)}…` : "Computing…";
    const line = el("div", "cmp-progress");
    line.append(el("span", "note", text), bar, cancel);
    status.replaceChildren(line);
    return { bar, text: line.firstChild };
  }

  function askFirst(plan) {
    const line = el("div", "cmp-confirm");
    const go = Object.assign(el("button", "button", `Read ${megabytes(plan.toRead)}`), { type: "button", id: "cmp-proceed" });
    const stop = Object.assign(el("button", "button", "Cancel"), { type: "button" });
    go.addEventListener("click", () => { job?.proceed(); progressBar(0, plan.toRead, () => job?.cancel()); });
    stop.addEventListener("click", () => job?.cancel());
    line.append(el("p", "note", `This comparison reads ${megabytes(plan.toRead)} (${count(plan.files)} files): groups that ` +
      "are not compact in the default embedding need most of their cells read one by one."), go, stop);
    status.replaceChildren(line);
    go.focus();
  }

  /** Compare spec A with spec B and show the result. */
  async function compare(specA, specB) {
    job?.cancel();
    let bar = null;
    let plan = null;
    say("Planning what to read…");
    const mine = comparer.run(specA, specB, {
      askAbove: ASK_ABOVE,
      onPlanned: (p) => {
        plan = p;
        if (p.toRead <= ASK_ABOVE) bar = progressBar(0, p.toRead, () => mine.cancel());
      },
      onConfirm: () => askFirst(plan),
      onProgress: (received, total) => {
        bar ??= progressBar(received, total, () => mine.cancel());
        bar.bar.value = Math.min(received, total);
        bar.text.textContent = `Reading ${megabytes(Math.min(received, total))} of ${megabytes(total)}…`;
      },
    });
    job = mine;
    changed();
    try {
      const result = await mine.promise;
      if (job !== mine) return;
      say("");
      store.set({ comparison: { a: specA, b: specB } });
      await results.show(result);
      results.setHighlight(highlighted(store.get()));
    } catch (err) {
      if (job !== mine) return;
      say(err.name === "AbortError" ? "Cancelled: nothing was compared." : err.message, err.name === "AbortError" ? "" : "error");
    } finally {
      if (job === mine) job = null;
      changed();
    }
  }

  const highlighted = (s) => (s.color.kind === "gene" ? s.color.index : -1);
  store.subscribe((s) => results.setHighlight(highlighted(s)), ["color"]);
  // the link is the view as it is now, with the comparison shown
  store.subscribe((s) => {
    const link = linkState(s);
    results.setLink(formatComparison(link.comparison) ? new URL(formatHash(link), location.href).href : null);
  }, ["comparison", "color", "embedding", "camera", "selection"]);
  run.addEventListener("click", () => compare(a.value(), b.value()));

  async function ready() {
    available ??= await comparer.available();
    if (!available.available) {
      note.textContent = unavailableText(available);
      note.classList.toggle("error", !!available.error);
      pickers.hidden = true;
      run.hidden = true;
    } else if (!available.spatial) {
      note.textContent = "This bundle was exported without cell-level comparison data: only categories of its DE " +
        "columns can be compared (not the selection or cell sets).";
    } else {
      note.textContent = "Welch's t-test over all genes between two groups of cells, computed here in your browser.";
    }
    changed();
    return available;
  }

  async function defaults() {
    const s = store.get();
    if (selectedCells(s.selection, ds.nCells)) await a.set("selection");
    else {
      const column = ds.obsColumns.find((o) => o.id === s.color.id && s.color.kind === "obs" && o.kind !== "continuous")
        || ds.obsColumns.find((o) => o.kind === "categorical");
      if (column) {
        const obs = await ds.obs(column.id);
        const k = s.categories.highlight ?? obs.counts.findIndex((c) => c >= 2);
        await a.set({ obs: column.name, categories: [obs.categories[Math.max(k, 0)]] });
      }
    }
    await b.set("rest");
    changed();
  }

  /** The panel is usable (tests and scripts wait for data-state="ready" on its body). */
  function settle() {
    settled = true;
    root.dataset.state = "ready";
    changed();
  }

  let started = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || started) return;
    started = true;
    await ready();
    if (!store.get().comparison) await defaults();
    settle();
  });

  /** Show and run the comparison {a, b} of a link (opens the panel). */
  async function open(comparison) {
    started = true;
    details.open = true;
    const info = await ready();
    if (!info.available) return;
    const shown = (await a.set(comparison.a)) && (await b.set(comparison.b));
    settle();
    if (!shown) {
      say("The link's comparison names a group this viewer cannot show.", "error");
      return;
    }
    await compare(comparison.a, comparison.b);
  }

  return { open, compare, close: () => job?.cancel() };
}
