// Category names on the plot, for the colouring's categorical column (the look's `labels`
// toggle): HTML text over the canvas (textContent, a white halo), placed by centres.js again on
// every camera move and resize, so names follow pan and zoom and never pile up. The centres are
// computed once per embedding, column and subset. placed() gives the same names to the exports.

import { el } from "../dom.js";
import { FONT } from "../look.js";
import { categoryCentres, placeLabels } from "./centres.js";
import { baseOf, turnPoint } from "./rotation.js";

export const LABEL_FONT = { size: 12, weight: 650 };

export function labelMeasurer() {
  const g = document.createElement("canvas").getContext("2d");
  g.font = `${LABEL_FONT.weight} ${LABEL_FONT.size}px ${FONT}`;
  const cache = new Map();
  return (text) => {
    if (!cache.has(text)) cache.set(text, g.measureText(text).width);
    return cache.get(text);
  };
}

/** The categorical column names are drawn for, or null (continuous, no colouring, toggled off). */
function labelledColumn(s) {
  if (!s.look.labels || !s.embedding || s.color.kind !== "obs" || s.color.column.kind === "continuous") return null;
  return s.color.column;
}

export function createPlotLabels({ area, store, view }) {
  const layer = el("div", "plot-labels");
  layer.id = "plot-labels";
  layer.setAttribute("aria-hidden", "true"); // the legend names the categories for screen readers
  area.append(layer);
  const measure = labelMeasurer();
  let key = null; // [embedding, column, subset] the centres belong to
  let centres = [];
  let frame = 0;
  const spans = new Map(); // code → span, reused across frames

  // a 3-D embedding: the medians of the three coordinates, once, turned with the cloud (its
  // projected cells' medians would be recomputed on every frame of a turn)
  function centresFor(s, column) {
    const subset = s.subset?.mask ?? null;
    const e = baseOf(s.embedding);
    if (!key || key[0] !== e || key[1] !== column || key[2] !== subset) {
      centres = categoryCentres(e, column.codes, column.categories.length, subset);
      key = [e, column, subset];
    }
    return e === s.embedding ? centres : centres.map((c) => ({ ...c, ...turnPoint(s.embedding, c) }));
  }

  /** Names placed for a plot of `size` (CSS px) in the current view: [{code, text, x, y, w, h}]. */
  function placed(size = view.size()) {
    const s = store.get();
    const column = labelledColumn(s);
    if (!column || !s.camera) return [];
    return placeLabels(centresFor(s, column), { camera: s.camera, bounds: s.embedding.bounds, size, names: column.categories,
      hidden: s.categories.hidden, measure });
  }

  function draw() {
    frame = 0;
    const shown = new Set();
    for (const p of placed()) {
      let span = spans.get(p.code);
      if (!span || span.textContent !== p.text) {
        span?.remove();
        span = el("span", "plot-label", p.text);
        span.dataset.code = String(p.code);
        spans.set(p.code, span);
        layer.append(span);
      }
      span.style.transform = `translate(${(p.x - p.w / 2).toFixed(1)}px, ${(p.y - p.h / 2).toFixed(1)}px)`;
      span.hidden = false;
      shown.add(p.code);
    }
    for (const [code, span] of spans) if (!shown.has(code)) span.hidden = true;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  store.subscribe((s, prev, changed) => {
    // names are kept while a 3-D embedding turns (the same id): only their places change
    if (changed.includes("color") || (changed.includes("embedding") && prev.embedding?.id !== s.embedding?.id)) {
      for (const span of spans.values()) span.remove();
      spans.clear();
    }
    schedule();
  }, ["embedding", "color", "categories", "camera", "subset", "look"]);
  new ResizeObserver(schedule).observe(area);
  return { placed };
}
