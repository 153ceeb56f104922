// The lasso and rectangle tools: what a one-pointer drag does when the toolbar's mode is not
// "pan" (pointer.js hands the drag over). The path is drawn on an SVG layer over the canvas;
// when the pointer lifts it becomes a clause in the embedding's data coordinates: simplified to
// at most 200 vertices (points within half a pixel of the path go first) and rounded to six
// significant digits, the precision of a link, so a link gives back exactly these cells. On a 3-D
// embedding the clause keeps the rotation it was drawn under (its coordinates are the turned ones).

import * as cam from "./camera.js";
import { round6, simplify } from "../selection/geometry.js";

const NS = "http://www.w3.org/2000/svg";
const STEP = 2; // CSS px between recorded lasso points
const MIN_SIZE = 3; // CSS px: a smaller drag is a click, not a selection

export function createLassoTool({ area, canvas, store, view, selectMode, onSelect }) {
  let tool = "pan";
  let drawing = null; // {kind, points: [[x, y]] in CSS px, mode}
  let frame = 0;
  const svg = document.createElementNS(NS, "svg");
  svg.classList.add("lasso-layer");
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS(NS, "path");
  svg.append(shape);
  area.append(svg);

  function setTool(next) {
    cancel();
    tool = next;
    canvas.dataset.tool = next;
  }

  function render() {
    frame = 0;
    if (!drawing) {
      shape.setAttribute("d", "");
      return;
    }
    const p = drawing.points;
    let d = "";
    if (drawing.kind === "rect" && p.length > 1) {
      const [[x0, y0], [x1, y1]] = [p[0], p[p.length - 1]];
      d = `M${x0},${y0}H${x1}V${y1}H${x0}Z`;
    } else if (drawing.kind === "lasso") {
      d = `M${p.map(([x, y]) => `${x},${y}`).join("L")}Z`;
    }
    shape.setAttribute("d", d);
    svg.dataset.mode = drawing.mode;
  }
  const queue = () => { if (!frame) frame = requestAnimationFrame(render); };

  /** Does a drag starting with this event draw (true) or pan (false)? */
  const takes = () => tool !== "pan" && !!store.get().embedding;

  function begin(x, y, ev) {
    drawing = { kind: tool, points: [[x, y]], mode: selectMode.of(ev) };
    queue();
  }

  function move(x, y) {
    if (!drawing) return;
    const p = drawing.points;
    if (drawing.kind === "rect") drawing.points = [p[0], [x, y]];
    else {
      const [lx, ly] = p[p.length - 1];
      if (Math.hypot(x - lx, y - ly) >= STEP) p.push([x, y]);
    }
    queue();
  }

  /** The drawn shape as a clause in data coordinates, or null when it is too small. */
  function clauseOf(d) {
    const s = store.get();
    const e = s.embedding;
    const xs = d.points.map((p) => p[0]);
    const ys = d.points.map((p) => p[1]);
    if (Math.max(...xs) - Math.min(...xs) < MIN_SIZE || Math.max(...ys) - Math.min(...ys) < MIN_SIZE) return null;
    const { width, height } = view.size();
    const toData = ([x, y]) => cam.screenToWorld(s.camera, e.bounds, width, height, x, y).map(round6);
    const rot = e.rotation ? { rot: e.rotation } : {}; // a 3-D embedding: the rotation it was drawn under
    if (d.kind === "rect") {
      const [[ax, ay], [bx, by]] = [d.points[0], d.points[d.points.length - 1]].map(toData);
      return { type: "rect", embedding: e.key, x0: Math.min(ax, bx), y0: Math.min(ay, by), x1: Math.max(ax, bx), y1: Math.max(ay, by), ...rot };
    }
    if (d.points.length < 3) return null;
    return { type: "lasso", embedding: e.key, points: simplify(d.points).map(toData), ...rot };
  }

  /** The pointer lifted: select. False when the drag was too small to mean a shape. */
  function end(x, y) {
    if (!drawing) return false;
    move(x, y);
    const d = drawing;
    drawing = null;
    queue();
    const clause = clauseOf(d);
    if (!clause) return false;
    onSelect(clause, d.mode);
    return true;
  }

  /** Drop the shape being drawn (a second finger, Escape); true when there was one. */
  function cancel() {
    if (!drawing) return false;
    drawing = null;
    queue();
    return true;
  }

  return { setTool, tool: () => tool, takes, begin, move, end, cancel, drawing: () => !!drawing };
}
