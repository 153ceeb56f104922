// Histograms of every continuous column (the cells panel's "Values") and of the gene the plot
// is coloured by, with brushing. A column is read when its histogram first scrolls into view,
// and counted by the crossfilter only while it is in view. A brushed range becomes a selection
// step (a range clause, or a gene clause); dragging adjusts that step, and the brush follows
// the selection (a link, Back) when its last step is this histogram's range.

import { el, iso } from "../dom.js";
import { binEdges } from "../selection/crossfilter.js";
import { createHistogram } from "./histogram.js";

/**
 * A brush gesture to selection steps: the first update adds a step (or adjusts this
 * histogram's own last step), later ones replace it; live until the pointer lifts. One apply
 * in flight at a time, the latest range next.
 */
function brushing({ store, selection, selectMode, clauseOf, owns }) {
  let mode = "replace";
  let started = false;
  let busy = false;
  let next = null;

  function run(args) {
    if (busy) {
      next = args;
      return;
    }
    busy = true;
    const [range, live, replaceLast] = args;
    selection.apply(clauseOf(range), mode, { live, replaceLast, visibleOnly: true })
      .catch((err) => console.warn("xgexport: selection failed:", err.message))
      .finally(() => {
        busy = false;
        if (next) {
          const later = next;
          next = null;
          run(later);
        }
      });
  }

  return (range, ev, phase) => {
    if (phase === "start" || (phase === "end" && !started)) {
      mode = selectMode.of(ev);
      const last = store.get().selection?.steps.at(-1);
      // a brush on the histogram that made the last step, in the same mode, adjusts that step
      const adjust = !!last && owns(last.clause) && (last.mode === mode || mode === "replace");
      started = phase === "start";
      run([range, phase !== "end", adjust]);
      return;
    }
    run([range, phase === "move", true]);
    if (phase !== "move") started = false;
  };
}

function block(parent, title) {
  const section = el("section", "hist-block");
  const head = el("h4", "hist-name");
  head.append(el("bdi", null, title));
  const body = el("div", "hist-body");
  body.append(el("p", "note", "Scroll here to load."));
  section.append(head, body);
  parent.append(section);
  return { section, head, body };
}

export function createHistograms({ box, geneBox, store, columns, crossfilter, selection, selectMode }) {
  const shown = new Map(); // section → {id, load(), watch(), unwatch()}
  const ranges = new Map(); // dimension → fn(selection) keeping its brush in step with the selection

  function follow(dim, owns, hist) {
    const sync = (sel) => {
      const last = sel?.steps.at(-1);
      hist.setRange(last && owns(last.clause) ? last.clause : null);
    };
    ranges.set(dim, sync);
    sync(store.get().selection);
  }

  function columnHistogram(info, body) {
    const dim = `obs:${info.id}`;
    let unwatch = null;
    let hist = null;
    const owns = (c) => c.type === "range" && c.column === info.name;
    const watch = () => { if (hist && !unwatch) unwatch = crossfilter.watch(dim, hist.update); };
    const load = async () => {
      const col = await columns.load(info.id);
      const edges = binEdges(col.min, col.max);
      crossfilter.define(dim, info.name, { values: col.values, edges, zero: false });
      hist = createHistogram({
        edges, label: info.name,
        onRange: brushing({ store, selection, selectMode, owns, clauseOf: ({ lo, hi }) => ({ type: "range", column: info.name, lo, hi }) }),
      });
      hist.node.dataset.column = info.name;
      body.replaceChildren(hist.node);
      follow(dim, owns, hist);
      watch();
    };
    return { load, watch, unwatch: () => { unwatch?.(); unwatch = null; } };
  }

  const list = columns.list().filter((c) => c.kind === "continuous");
  box.hidden = list.length === 0;
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const h = shown.get(entry.target);
      if (!entry.isIntersecting) {
        h.unwatch();
        continue;
      }
      if (!h.loading) {
        h.loading = h.load().catch((err) => {
          entry.target.querySelector(".hist-body").replaceChildren(el("p", "note error", `Could not load it: ${err.message}`));
        });
      } else h.watch();
    }
  });
  for (const info of list) {
    const { section, body } = block(box, info.name);
    section.dataset.column = info.name;
    shown.set(section, columnHistogram(info, body));
    observer.observe(section);
  }

  // the gene the plot is coloured by
  let geneUnwatch = null;
  let geneSpec = null;
  function showGene(s) {
    const c = s.color;
    if (c.kind !== "gene") {
      geneUnwatch?.();
      geneUnwatch = null;
      geneSpec = null;
      geneBox.hidden = true;
      geneBox.replaceChildren();
      ranges.delete("gene");
      return;
    }
    if (c.spec === geneSpec) return;
    geneSpec = c.spec;
    geneUnwatch?.();
    const token = c.spec.slice("gene:".length);
    const edges = binEdges(c.min, c.trueMax);
    crossfilter.define("gene", null, { values: c.values, edges, zero: c.zero });
    const owns = (cl) => cl.type === "gene" && cl.gene === token;
    const hist = createHistogram({
      edges, zero: c.zero, label: c.label,
      onRange: brushing({ store, selection, selectMode, owns, clauseOf: ({ lo, hi }) => ({ type: "gene", gene: token, lo, hi }) }),
    });
    const head = el("h4", "hist-name");
    head.append("Expression of ", el("bdi", null, c.label));
    head.title = `Drag across the histogram to select cells by their expression of ${iso(c.label)}`;
    geneBox.replaceChildren(head, hist.node);
    geneBox.hidden = false;
    follow("gene", owns, hist);
    geneUnwatch = crossfilter.watch("gene", hist.update);
  }

  store.subscribe(showGene, ["color"]);
  store.subscribe((s) => { for (const sync of ranges.values()) sync(s.selection); }, ["selection"]);
  showGene(store.get());
}
