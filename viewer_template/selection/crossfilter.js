// Crossfilter, as in cellxgene: counts per category of every shown categorical column and per
// bin of every shown histogram, of all cells (the universe: the subset, or every cell) and of the
// selected ones, kept up to date as the selection changes. The counting runs in a module worker
// (crossfilter-worker.js) so the page never waits for it; one request is in flight at a time and
// only the latest selection is counted next. <html data-xg-counts> is "counting" from a change
// of selection until every watched dimension shows it, then "ready".

import { round6 } from "./geometry.js";

const HIST_BINS = 40;

/** Six significant digits, rounded down / up (the outer edges must hold min and max). */
const floor6 = (v) => (v === 0 ? 0 : down(v));
const ceil6 = (v) => (v === 0 ? 0 : -down(-v));
function down(v) {
  const r = round6(v);
  if (r <= v) return r;
  const e = Math.floor(Math.log10(Math.abs(v))) - 5;
  return round6(r - 10 ** e);
}

/**
 * Bin edges over [min, max]: `count` bins, edges at six significant digits (the precision of a
 * link), so a brushed range of bins is exactly a range clause. One bin when min = max.
 */
export function binEdges(min, max, count = HIST_BINS) {
  const lo = floor6(min);
  const hi = ceil6(max);
  if (!(hi > lo)) return Float64Array.from([lo, hi > lo ? hi : lo + (Math.abs(lo) || 1) * 1e-5]);
  const edges = new Float64Array(count + 1);
  edges[0] = lo;
  edges[count] = hi;
  for (let k = 1; k < count; k++) edges[k] = round6(lo + ((hi - lo) * k) / count);
  return edges;
}

export function createCrossfilter({ store }) {
  const worker = new Worker(new URL("./crossfilter-worker.js", import.meta.url), { type: "module" });
  const html = document.documentElement;
  const dims = new Map(); // id → {name, totals, selected, base, listeners}
  let inflight = null; // revision being counted
  let dirty = false;

  const watched = () => [...dims.entries()].filter(([, d]) => d.listeners.size && d.totals).map(([id]) => id);
  const selection = () => store.get().selection;

  function notify(id) {
    const d = dims.get(id);
    if (!d) return;
    const sel = selection();
    // selected may still be the previous selection's counts (or null) until the worker answers
    const view = { totals: d.totals, selected: sel ? d.selected : null, base: sel ? d.base : null, active: !!sel };
    for (const fn of [...d.listeners]) fn(view);
  }

  /** The dimension the selection's last step was made on (its brush shows the context). */
  function lastDim(sel) {
    const c = sel?.steps[sel.steps.length - 1]?.clause;
    if (!c) return null;
    if (c.type === "gene") return dims.has("gene") ? "gene" : null;
    if (c.type !== "range" && c.type !== "cat") return null;
    for (const [id, d] of dims) if (d.name === c.column) return id;
    return null;
  }

  function request() {
    const sel = selection();
    if (inflight !== null) {
      dirty = true;
      return;
    }
    const ids = watched();
    if (!sel || !ids.length) {
      for (const id of ids) {
        dims.get(id).selected = null;
        dims.get(id).base = null;
        notify(id);
      }
      html.dataset.xgCounts = "ready";
      return;
    }
    const baseId = lastDim(sel);
    inflight = sel.revision;
    dirty = false;
    worker.postMessage({
      type: "count", revision: sel.revision, mask: sel.mask, base: sel.base,
      ids, baseIds: baseId !== null && sel.base && ids.includes(baseId) ? [baseId] : [],
    });
  }

  worker.onmessage = ({ data: m }) => {
    if (m.type === "totals") {
      const d = dims.get(m.id);
      if (!d) return;
      d.totals = m.counts;
      notify(m.id);
      if (d.listeners.size && selection()) {
        d.selected = null;
        recount();
      }
      return;
    }
    if (m.type !== "counts") return;
    inflight = null;
    const sel = selection();
    if (sel && sel.revision === m.revision) {
      for (const [id, d] of dims) {
        if (!(id in m.selected)) continue;
        d.selected = m.selected[id];
        d.base = m.base[id] ?? null;
        notify(id);
      }
    }
    const missing = sel && watched().some((id) => !dims.get(id).selected);
    if (dirty || missing || !sel || sel.revision !== m.revision) request();
    else html.dataset.xgCounts = "ready";
  };
  worker.onerror = (ev) => console.warn("xgexport: the crossfilter worker failed", ev.message);

  /** Count again, and say so: a column shown or defined after the selection was counted is not
   * counted yet, and "ready" must wait for it too. */
  function recount() {
    html.dataset.xgCounts = "counting";
    request();
  }

  store.subscribe((s, prev, changed) => {
    if (changed.includes("subset")) worker.postMessage({ type: "universe", mask: s.subset?.mask ?? null });
    recount();
  }, ["selection", "subset"]);

  /**
   * Give the worker a dimension: {codes} (categorical) or {values, edges, zero} (continuous: see
   * binEdges; zero: 0 gets a bin of its own). `name` is the column name (null for "gene", the
   * id of the current gene's dimension).
   * A second define() of the same id replaces it (a new gene).
   */
  function define(id, name, data) {
    const d = dims.get(id) ?? { listeners: new Set() };
    Object.assign(d, { name, totals: null, selected: null, base: null });
    dims.set(id, d);
    worker.postMessage({ type: "dim", id, ...data });
  }

  /** fn({totals, selected, base, active}) on every change; selected and base are null until
   *  counted, and when nothing is selected (active false). */
  function watch(id, fn) {
    const d = dims.get(id);
    if (!d) throw new Error(`no crossfilter dimension ${id}`);
    d.listeners.add(fn);
    if (d.totals) {
      notify(id);
      if (selection() && !d.selected) recount();
    }
    return () => d.listeners.delete(fn);
  }

  function drop(id) {
    dims.delete(id);
    worker.postMessage({ type: "drop", id });
  }

  html.dataset.xgCounts = "ready";
  return { define, watch, drop, has: (id) => dims.has(id) };
}
