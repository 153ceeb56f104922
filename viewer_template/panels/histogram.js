// One histogram with a brush: all cells (the subset shown, or every cell) in grey, the cells
// selected before the last step in a middle tone when this histogram made that step (the
// context a brush is dragged in), the selected cells in colour, on one count scale. Drag across
// it (mouse, pen, finger) or click a bar to select a range of bins; the "≥" and "<" fields do
// the same from the keyboard. A range is [edges[a], edges[b + 1]) and the last bin is open at
// the top, so the cells of the brushed bars are exactly the cells selected. Drawn on a canvas:
// redrawn as often as a brush moves, without a DOM element per bar.

import { el } from "../dom.js";
import { count, formatNumber } from "../format.js";

const H = 54; // CSS px
const GAP = 4; // between the bar of zeros and the value bars
const COLORS = { all: "#d3d8df", base: "#a9bddf", sel: "#2f5fb3", brush: "rgba(47, 95, 179, 0.12)", edge: "#2f5fb3", axis: "#b9c0c9" };

/**
 * edges: Float64Array of bin edges; zero: 0 has a bar of its own (genes); label: for the
 * accessible names. onRange({lo, hi}, ev, phase): phase is "start", "move" or "end" for a drag,
 * "end" alone for a click or the fields.
 */
export function createHistogram({ edges, zero = false, label, onRange }) {
  const B = edges.length - 1;
  const slots = B + (zero ? 1 : 0); // the zero bar takes the first slot
  const root = el("div", "hist");
  const canvas = el("canvas", "hist-canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Histogram of ${label}; drag across it to select a range`);
  const axis = el("div", "hist-axis");
  axis.append(el("span", null, formatNumber(edges[0])), el("span", null, formatNumber(edges[B])));
  const note = el("div", "hist-note");
  const form = el("form", "hist-form");
  const from = el("input");
  const to = el("input");
  for (const [input, what] of [[from, "at least"], [to, "below"]]) {
    Object.assign(input, { type: "number", step: "any", inputMode: "decimal" });
    input.setAttribute("aria-label", `${label}: ${what}`);
  }
  const go = el("button", "button hist-go", "Select");
  go.type = "submit";
  form.append(el("span", null, "≥"), from, el("span", null, "<"), to, go);
  root.append(canvas, axis, note, form);

  let counts = null; // the last crossfilter view
  let brush = null; // [first slot, last slot] or null
  let frame = 0;

  const width = () => Math.max(40, canvas.clientWidth || 260);
  const slotW = (w) => (w - (zero ? GAP : 0)) / slots;
  const xOf = (s, w) => s * slotW(w) + (zero && s > 0 ? GAP : 0);

  function draw() {
    frame = 0;
    const w = width();
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(H * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, H);
    if (counts?.totals) {
      // counts[0] is "no value"; slot s is counts[s + 1] (with zero: the zero bar, then the bins)
      const { totals, selected, base, active } = counts;
      let max = 1;
      for (let s = zero ? 1 : 0; s < slots; s++) max = Math.max(max, totals[s + 1]);
      const layers = [[totals, COLORS.all], [active ? base : null, COLORS.base], [active ? selected : null, COLORS.sel]];
      const bw = Math.max(0.5, slotW(w) - 1);
      for (const [arr, color] of layers) {
        if (!arr) continue;
        g.fillStyle = color;
        for (let s = 0; s < slots; s++) {
          const v = arr[s + 1];
          if (!v) continue;
          const h = Math.min(H - 1, Math.max(1, (v / max) * (H - 3)));
          g.fillRect(xOf(s, w) + 0.5, H - 1 - h, bw, h);
        }
      }
    }
    g.fillStyle = COLORS.axis;
    g.fillRect(0, H - 1, w, 1);
    if (brush) {
      const [s0, s1] = brush[0] <= brush[1] ? brush : [brush[1], brush[0]];
      const x0 = xOf(s0, w);
      const x1 = xOf(s1, w) + slotW(w);
      g.fillStyle = COLORS.brush;
      g.fillRect(x0, 0, x1 - x0, H);
      g.strokeStyle = COLORS.edge;
      g.lineWidth = 1;
      g.strokeRect(x0 + 0.5, 0.5, x1 - x0 - 1, H - 1);
    }
  }
  const queue = () => { if (!frame) frame = requestAnimationFrame(draw); };
  new ResizeObserver(queue).observe(canvas);

  /** slot under a client x (clamped) */
  function slotAt(clientX) {
    const r = canvas.getBoundingClientRect();
    const x = clientX - r.left;
    const sw = slotW(r.width || width());
    const s = zero ? (x < sw + GAP / 2 ? 0 : Math.floor((x - GAP) / sw)) : Math.floor(x / sw);
    return Math.max(0, Math.min(slots - 1, s));
  }

  /** slots a..b → {lo, hi}: the zero bar is [0, first edge); the top bin is open upwards. */
  function rangeOf(a, b) {
    const [s0, s1] = a <= b ? [a, b] : [b, a];
    const bin = (s) => s - (zero ? 1 : 0); // value bin of a slot (−1: the zero bar)
    const lo = bin(s0) < 0 ? 0 : edges[bin(s0)];
    const hi = bin(s1) >= B - 1 ? null : edges[bin(s1) + 1];
    return { lo, hi };
  }

  let drag = null; // {start, id, ev}
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" && ev.button !== 0) return;
    ev.preventDefault();
    try { canvas.setPointerCapture(ev.pointerId); } catch { /* synthetic */ }
    const s = slotAt(ev.clientX);
    drag = { start: s, id: ev.pointerId, ev };
    brush = [s, s];
    queue();
    onRange(rangeOf(s, s), ev, "start");
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const s = slotAt(ev.clientX);
    if (brush[1] === s) return; // still on the same bar: nothing new to select
    brush = [drag.start, s];
    queue();
    onRange(rangeOf(drag.start, s), drag.ev, "move");
  });
  const finish = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const d = drag;
    drag = null;
    onRange(rangeOf(d.start, brush[1]), d.ev, ev.type === "pointerup" ? "end" : "cancel");
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  // Shift/Alt held with Enter (or the button's click) choose the mode, as with a mouse
  let lastKey = null;
  form.addEventListener("keydown", (ev) => { lastKey = ev; });
  go.addEventListener("click", (ev) => { lastKey = ev; });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const lo = from.value === "" ? null : Number(from.value);
    const hi = to.value === "" ? null : Number(to.value);
    if ([lo, hi].some((v) => v !== null && !Number.isFinite(v))) return;
    onRange({ lo, hi }, lastKey, "end");
  });

  /** The slot whose bin starts at v (from) or ends at v (to); values between edges round inwards. */
  function slotOfValue(v, isEnd) {
    const off = zero ? 1 : 0;
    let k;
    if (isEnd) {
      for (k = B - 1; k > 0 && edges[k] >= v;) k--;
    } else {
      for (k = 0; k < B - 1 && edges[k + 1] <= v;) k++;
    }
    return k + off;
  }

  /** The brush for a range {lo, hi} of this histogram's values (from the selection), or none. */
  function setRange(range) {
    if (document.activeElement !== from && document.activeElement !== to) {
      from.value = range?.lo == null ? "" : String(range.lo);
      to.value = range?.hi == null ? "" : String(range.hi);
    }
    if (drag) return;
    if (!range) brush = null;
    else {
      const first = zero && range.lo !== null && range.lo <= 0 ? 0 : slotOfValue(range.lo ?? -Infinity, false);
      const last = slotOfValue(range.hi ?? Infinity, true);
      brush = last < first ? null : [first, last];
    }
    queue();
  }

  /** counts from the crossfilter: [missing, (zero,) bins…] of all, selected, base */
  function update(view) {
    counts = view;
    queue();
    const { totals, selected, active } = view;
    if (!totals) return;
    const bits = [];
    if (zero) bits.push(`0: ${active && selected ? `${count(selected[1])} of ` : ""}${count(totals[1])} cells`);
    if (totals[0]) bits.push(`no value: ${count(totals[0])}`);
    note.textContent = bits.join(" · ");
    root.dataset.counted = active && selected ? "selected" : "all";
  }

  return { node: root, update, setRange, bars: () => counts };
}
