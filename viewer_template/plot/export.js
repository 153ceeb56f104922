// The plot as a figure file: PNG at 2× (the WebGL plot drawn again at twice the CSS pixels,
// with title and legend painted beside it) and SVG (title, legend and points as vector shapes).
// An SVG of hundreds of thousands of circles is too heavy for the editors people open it in, so
// above SVG_POINT_LIMIT visible cells the SVG holds the points as that same 2× image, as
// matplotlib's rasterized=True does, and keeps text and legend as vectors; the page says so.

import { figureModel, eachPoint } from "./figure.js";
import { figureLayout } from "./figurelayout.js";
import { FONT } from "../look.js";
import { cssColor } from "../colormaps.js";
import { saveBlob, fileName } from "../files.js";
import { count } from "../format.js";
import { DIM_ALPHA } from "./renderer.js";
import { LABEL_FONT } from "./labels.js";
import { worldToScreen } from "./camera.js";
import { bothMasks, imageDataUrl } from "./tissue.js";
import { NO_CATEGORIES } from "../store.js";

const SCALE = 2;
export const SVG_POINT_LIMIT = 50000;
const NS = "http://www.w3.org/2000/svg";

function measurer() {
  const g = document.createElement("canvas").getContext("2d");
  return (text, size, weight = 400) => {
    g.font = `${weight} ${size}px ${FONT}`;
    return g.measureText(text).width;
  };
}

/** The figure's panels: the main plot (with the category names on it), then each side view (plot/split.js). */
function panelsNow(view, store, labels, split) {
  const state = store.get();
  const drawing = view.drawing();
  if (!state.embedding || !drawing.arrays) throw new Error("nothing is drawn yet");
  const sides = (split?.drawings() ?? []).map((d) => ({ state: { ...state, color: d.color, categories: NO_CATEGORIES }, drawing: d.drawing,
    snapshot: d.snapshot, labels: null }));
  return [{ state, drawing, snapshot: (scale) => view.snapshot(scale), labels }, ...sides];
}

const moved = (op, dx, dy) => (op.type === "circle" ? { ...op, cx: op.cx + dx, cy: op.cy + dy } : { ...op, x: op.x + dx, y: op.y + dy });

/** Side-by-side views as one figure: the dataset's title and what the views share once, then the
 * views in two columns (as the page shows three or four), each titled by its colouring with its legend. */
function sideBySide(models, panels, measure) {
  const parts = models.map((m, i) => figureLayout({ title: m.what, subtitle: "", legend: m.legend }, panels[i].drawing.size, measure));
  const cols = 2;
  const cellW = Math.max(...parts.map((l) => l.width));
  const cellH = Math.max(...parts.map((l) => l.height)) - SUB_ROOM; // no subtitle line in a view
  const width = cols * cellW;
  const height = TOP + Math.ceil(parts.length / cols) * cellH;
  const whole = figureLayout({ title: models[0].title, subtitle: models[0].where, legend: { kind: "none" } }, { width: width - 32, height: 0 }, measure);
  const ops = whole.ops.filter((op) => op.type === "text");
  parts.forEach((part, i) => {
    const dx = (i % cols) * cellW;
    const dy = TOP + Math.floor(i / cols) * cellH;
    ops.push(...part.ops.filter((op) => op.text !== "").map((op) => moved((op.y ?? op.cy) > SUB_Y ? moved(op, 0, -SUB_ROOM) : op, dx, dy)));
    panels[i].plot = { ...part.plot, x: part.plot.x + dx, y: part.plot.y + dy - SUB_ROOM };
  });
  return { width, height, ops };
}

const TOP = 52; // the figure's title and subtitle over side-by-side views
const SUB_Y = 40; // a view's subtitle line (figurelayout.js), left out: what lies below it moves up
const SUB_ROOM = 20;

/** {layout, panels}: the figure's text and legends, and each panel with its plot's place (`plot`). */
function layoutNow(view, store, dataset, labels, split) {
  const panels = panelsNow(view, store, labels, split);
  // the subtitle counts the cells drawn: the subset's, of the shown library only
  const drawn = bothMasks(panels[0].state.subset?.mask ?? null, view.libraryCells?.() ?? null);
  const measure = measurer();
  const models = panels.map((p) => figureModel(p.state, dataset, drawn));
  let layout;
  if (panels.length === 1) {
    layout = figureLayout(models[0], panels[0].drawing.size, measure);
    panels[0].plot = layout.plot;
  } else layout = sideBySide(models, panels, measure);
  const at = panels[0].plot;
  for (const p of labels ? labels.placed(panels[0].drawing.size) : []) {
    layout.ops.push({ type: "text", x: at.x + p.x, y: at.y + p.y + 4, size: LABEL_FONT.size, weight: LABEL_FONT.weight,
      color: "#1d232b", text: p.text, anchor: "middle", halo: true });
  }
  return { state: panels[0].state, layout, panels };
}

const ANCHORS = { end: ["right", "end"], middle: ["center", "middle"] };

function paintCanvas(g, ops) {
  for (const op of ops) {
    if (op.type === "text") {
      g.font = `${op.weight ?? 400} ${op.size}px ${FONT}`;
      g.textAlign = ANCHORS[op.anchor]?.[0] ?? "left";
      if (op.halo) { // a white outline keeps a name readable over the points
        g.strokeStyle = "#ffffff";
        g.lineWidth = 3;
        g.lineJoin = "round";
        g.strokeText(op.text, op.x, op.y);
      }
      g.fillStyle = op.color;
      g.fillText(op.text, op.x, op.y);
    } else if (op.type === "circle") {
      g.fillStyle = op.fill;
      g.beginPath();
      g.arc(op.cx, op.cy, op.r, 0, 2 * Math.PI);
      g.fill();
    } else if (op.type === "bar") {
      const grad = g.createLinearGradient(op.x, 0, op.x + op.w, 0);
      for (const [at, colour] of op.stops) grad.addColorStop(at, colour);
      g.fillStyle = grad;
      g.fillRect(op.x, op.y, op.w, op.h);
    } else if (op.type === "rect") {
      g.fillStyle = op.fill;
      g.fillRect(op.x, op.y, op.w, op.h);
    } else if (op.type === "frame") {
      g.strokeStyle = op.stroke;
      g.lineWidth = 1;
      g.strokeRect(op.x + 0.5, op.y + 0.5, op.w - 1, op.h - 1);
    }
  }
}

/** The figure as a PNG Blob at twice the CSS pixels. */
export async function plotPng({ view, store, dataset, labels = null, split = null }) {
  const { layout, panels } = layoutNow(view, store, dataset, labels, split);
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(layout.width * SCALE);
  canvas.height = Math.round(layout.height * SCALE);
  const g = canvas.getContext("2d");
  g.scale(SCALE, SCALE);
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, layout.width, layout.height);
  for (const p of panels) g.drawImage(p.snapshot(SCALE), p.plot.x, p.plot.y, p.drawing.size.width, p.drawing.size.height);
  paintCanvas(g, layout.ops);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not make the PNG"))), "image/png"));
}

function node(tag, attrs, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function svgOps(root, ops) {
  let gradients = 0;
  for (const op of ops) {
    if (op.type === "text") {
      const halo = op.halo ? { stroke: "#ffffff", "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke" } : {};
      root.append(node("text", { x: op.x, y: op.y, "font-size": op.size, "font-weight": op.weight ?? 400, fill: op.color,
        "text-anchor": ANCHORS[op.anchor]?.[1] ?? "start", ...halo }, op.text));
    } else if (op.type === "circle") {
      root.append(node("circle", { cx: op.cx, cy: op.cy, r: op.r, fill: op.fill }));
    } else if (op.type === "bar") {
      const id = `bar${++gradients}`;
      const grad = node("linearGradient", { id, x1: 0, x2: 1, y1: 0, y2: 0 });
      for (const [at, colour] of op.stops) grad.append(node("stop", { offset: at, "stop-color": colour }));
      const defs = node("defs", {});
      defs.append(grad);
      root.append(defs);
      root.append(node("rect", { x: op.x, y: op.y, width: op.w, height: op.h, fill: `url(#${id})` }));
    } else if (op.type === "rect") {
      root.append(node("rect", { x: op.x, y: op.y, width: op.w, height: op.h, fill: op.fill }));
    } else if (op.type === "frame") {
      root.append(node("rect", { x: op.x + 0.5, y: op.y + 0.5, width: op.w - 1, height: op.h - 1, fill: "none", stroke: op.stroke }));
    }
  }
}

/** The points as circles in draw order, consecutive ones of one colour in one group. */
function svgPoints(g, drawing, state, radius, alpha) {
  let group = null;
  let last = "";
  const r = radius.toFixed(2);
  eachPoint({ state, ...drawing }, radius, (x, y, rgb, dimmed) => {
    const fill = cssColor(rgb);
    const key = `${fill}${dimmed}`;
    if (key !== last) {
      group = node("g", { fill, "fill-opacity": (dimmed ? Math.min(alpha, DIM_ALPHA) : alpha).toFixed(3) });
      g.append(group);
      last = key;
    }
    group.append(node("circle", { cx: x.toFixed(2), cy: y.toFixed(2), r }));
  });
}

/** The tissue image under the points, placed as the plot shows it (its first row up, as drawn y-down). */
function svgTissue(drawing, state) {
  const { bitmap, extent, opacity } = drawing.tissue;
  const { width, height } = drawing.size;
  const corner = (x, y) => worldToScreen(state.camera, state.embedding.bounds, width, height, x, y);
  const [x0, y0] = corner(extent[0], extent[1]);
  const [x1, y1] = corner(extent[2], extent[3]);
  const url = imageDataUrl(bitmap);
  const image = node("image", { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0),
    href: url, opacity: opacity.toFixed(3), preserveAspectRatio: "none" });
  if (y1 < y0) image.setAttribute("transform", `matrix(1 0 0 -1 0 ${y0 + y1})`); // y up: the first row at the bottom
  image.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", url);
  return image;
}

/** One view's points (or their 2× image) clipped to its plot, as the plot shows them. */
function svgPanel(panel, k, raster, defs) {
  const { drawing, state, plot: p } = panel;
  const clip = node("clipPath", { id: `plot-area${k ? `-${k}` : ""}` });
  clip.append(node("rect", { x: p.x, y: p.y, width: p.width, height: p.height }));
  defs.append(clip);
  const out = node("g", { "clip-path": `url(#${clip.id})` });
  if (raster) {
    const url = panel.snapshot(SCALE).toDataURL("image/png");
    const image = node("image", { x: p.x, y: p.y, width: p.width, height: p.height, href: url });
    image.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", url); // for older SVG editors
    out.append(image);
  } else {
    const g = node("g", { transform: `translate(${p.x} ${p.y})` });
    if (drawing.tissue?.opacity > 0) g.append(svgTissue(drawing, state));
    svgPoints(g, drawing, state, drawing.style.size / 2, drawing.style.alpha);
    out.append(g);
  }
  return out;
}

/** The figure as SVG text; {text, points, raster}: raster when the points are an embedded image. */
export function plotSvg({ view, store, dataset, labels = null, split = null }) {
  const { layout, panels } = layoutNow(view, store, dataset, labels, split);
  const visible = panels.reduce((sum, { state, drawing }) => sum + eachPoint({ state, ...drawing }, drawing.style.size / 2, () => {}), 0);
  const raster = visible > SVG_POINT_LIMIT;
  const svg = node("svg", { xmlns: NS, width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, "font-family": FONT });
  svg.append(node("title", {}, layout.ops[0].text));
  svg.append(node("desc", {}, raster ? `${visible} cells drawn as an embedded image; text and legend are vector shapes.`
    : `${visible} cells as circles, in the viewer's drawing order.`));
  svg.append(node("rect", { x: 0, y: 0, width: layout.width, height: layout.height, fill: "#ffffff" }));
  const defs = node("defs", {});
  svg.append(defs);
  panels.forEach((panel, k) => svg.append(svgPanel(panel, k, raster, defs)));
  svgOps(svg, layout.ops);
  return { text: `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`, points: visible, raster };
}

/** Toolbar actions: download the plot as PNG or SVG; messages.show tells what happened. */
export function createPlotExport({ view, store, dataset, messages, labels = null, split = null }) {
  const name = () => {
    const s = store.get();
    const what = s.color.kind === "obs" ? s.color.column.name : s.color.kind === "none" ? "cells" : s.color.label;
    const views = s.split.length ? `_and_${s.split.length}_more_views` : ""; // side by side: the main view's colouring first
    return `${fileName(dataset.meta.title, "plot")}_${fileName(what, "colour")}${views}`;
  };
  return {
    async png() {
      try {
        saveBlob(await plotPng({ view, store, dataset, labels, split }), `${name()}.png`);
      } catch (err) {
        messages.show(`Could not make the PNG: ${err.message}`, "error", "export");
      }
    },
    svg() {
      try {
        const { text, points, raster } = plotSvg({ view, store, dataset, labels, split });
        saveBlob(new Blob([text], { type: "image/svg+xml" }), `${name()}.svg`);
        if (raster) messages.show(`The SVG holds the ${count(points)} cells as an image (more than ${count(SVG_POINT_LIMIT)} circles make SVG editors slow); text and legend are vectors. Zoom in for fewer cells.`, "info", "export");
      } catch (err) {
        messages.show(`Could not make the SVG: ${err.message}`, "error", "export");
      }
    },
  };
}
