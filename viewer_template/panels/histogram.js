// One histogram with a brush: all cells (the subset shown, or every cell) in grey, the cells
// selected before the last step in a middle tone when this histogram made that step (the
// context a brush is dragged in), the selected cells in colour, on one count scale. Drag across
// it (mouse, pen, finger) or click a bar to select a range of bins; the "≥" and "<" fields do
// the same from the keyboard. A range is [edges[a], edges[b + 1]) and the last bin is open at
// the top, so the cells of the brushed bars are exactly the cells selected.

import { el } from "../dom.js";
import { count, formatNumber } from "../format.js";

const NS = "http://www.w3.org/2000/svg";
const W = 260;
const H = 54;
const GAP = 4; // between the bar of zeros and the value bars

function svgEl(tag, cls) {
  const node = document.createElementNS(NS, tag);
  if (cls) node.setAttribute("class", cls);
  return node;
}

/**
 * edges: Float64Array of bin edges; zero: 0 has a bar of its own (genes); label: for the
 * accessible names. onRange({lo, hi}, ev, phase): phase is "start", "move" or "end" for a drag,
 * "end" alone for a click or the fields.
 */
export function createHistogram({ edges, zero = false, label, onRange }) {
  const B = edges.length - 1;
  const slots = B + (zero ? 1 : 0); // the zero bar takes one slot
  const slotW = (W - (zero ? GAP : 0)) / slots;
  const xOf = (s) => s * slotW + (zero && s > 0 ? GAP : 0); // slot 0 is the zero bar when zero
  const root = el("div", "hist");
  const svg = svgEl("svg", "hist-svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Histogram of ${label}; drag across it to select a range`);
  const layers = ["all", "base", "sel"].map((name) => {
    const g = svgEl("g", `hist-${name}`);
    svg.append(g);
    return Array.from({ length: slots }, () => g.appendChild(svgEl("rect")));
  });
  const brush = svgEl("rect", "hist-brush");
  brush.setAttribute("y", "0");
  brush.setAttribute("height", String(H));
  svg.append(brush);

  const axis = el("div", "hist-axis");
  const lowText = el("span", null, formatNumber(edges[0]));
  const highText = el("span", null, formatNumber(edges[B]));
  axis.append(lowText, highText);
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
  root.append(svg, axis, note, form);

  /** slot under a client x (clamped) */
  function slotAt(clientX) {
    const r = svg.getBoundingClientRect();
    const x = ((clientX - r.left) / Math.max(1, r.width)) * W;
    let s = zero ? (x < slotW + GAP / 2 ? 0 : Math.floor((x - GAP) / slotW)) : Math.floor(x / slotW);
    s = Math.max(0, Math.min(slots - 1, s));
    return s;
  }

  /** slots a..b → {lo, hi}: the zero bar is [0, first edge); the top bin is open upwards. */
  function rangeOf(a, b) {
    const [s0, s1] = a <= b ? [a, b] : [b, a];
    const bin = (s) => s - (zero ? 1 : 0); // value bin of a slot (−1: the zero bar)
    const lo = bin(s0) < 0 ? 0 : edges[bin(s0)];
    const hi = bin(s1) >= B - 1 ? null : edges[bin(s1) + 1];
    return { lo, hi };
  }

  let drag = null; // {start, ev}
  svg.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" && ev.button !== 0) return;
    ev.preventDefault();
    try { svg.setPointerCapture(ev.pointerId); } catch { /* synthetic */ }
    const s = slotAt(ev.clientX);
    drag = { start: s, id: ev.pointerId, ev };
    showBrush(s, s);
    onRange(rangeOf(s, s), ev, "start");
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const s = slotAt(ev.clientX);
    showBrush(drag.start, s);
    onRange(rangeOf(drag.start, s), drag.ev, "move");
  });
  const finish = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const s = slotAt(ev.clientX);
    const d = drag;
    drag = null;
    onRange(rangeOf(d.start, s), d.ev, ev.type === "pointerup" ? "end" : "cancel");
  };
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", finish);

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
  function showBrush(a, b) {
    if (a === null) {
      brush.setAttribute("width", "0");
      return;
    }
    const [s0, s1] = a <= b ? [a, b] : [b, a];
    brush.setAttribute("x", String(xOf(s0)));
    brush.setAttribute("width", String(xOf(s1) + slotW - xOf(s0)));
  }

  /** The brush for a range {lo, hi} of this histogram's values (from the selection), or none. */
  function setRange(range) {
    if (!range) {
      if (!drag) showBrush(null);
      return;
    }
    const { lo, hi } = range;
    from.value = lo === null ? "" : String(lo);
    to.value = hi === null ? "" : String(hi);
    if (drag) return;
    const first = lo !== null && lo <= 0 && zero ? 0 : slotOfValue(lo ?? -Infinity, false);
    const last = slotOfValue(hi ?? Infinity, true);
    if (last < first) showBrush(null);
    else showBrush(first, last);
  }

  /** The slot whose bin starts at v (from) or ends at v (to); values between edges round inwards. */
  function slotOfValue(v, isEnd) {
    const off = zero ? 1 : 0;
    if (isEnd) {
      let k = B - 1;
      while (k > 0 && edges[k] >= v) k--;
      return k + off;
    }
    let k = 0;
    while (k < B - 1 && edges[k + 1] <= v) k++;
    return k + off;
  }

  /** counts arrays from the crossfilter: [missing, (zero,) bins…] */
  function update({ totals, selected, base, active }) {
    if (!totals) return;
    // counts[0] is "no value"; slot s is counts[s + 1] (with zero: the zero bar, then the bins)
    const at = (arr, s) => (arr ? arr[s + 1] : 0);
    let max = 1;
    for (let s = zero ? 1 : 0; s < slots; s++) max = Math.max(max, at(totals, s));
    const height = (v) => Math.min(H, (v / max) * (H - 2));
    for (let s = 0; s < slots; s++) {
      const rows = [at(totals, s), active ? at(base, s) : 0, active ? at(selected, s) : 0];
      rows.forEach((v, layer) => {
        const r = layers[layer][s];
        const h = v > 0 ? Math.max(1, height(v)) : 0;
        r.setAttribute("x", String(xOf(s) + 0.5));
        r.setAttribute("width", String(Math.max(0.5, slotW - 1)));
        r.setAttribute("y", String(H - h));
        r.setAttribute("height", String(h));
      });
      if (!base || !active) layers[1][s].setAttribute("height", "0");
    }
    const missing = totals[0];
    const bits = [];
    if (zero) bits.push(`0: ${active && selected ? `${count(selected[1])} of ` : ""}${count(totals[1])} cells`);
    if (missing) bits.push(`no value: ${count(missing)}`);
    note.textContent = bits.join(" · ");
    root.dataset.counted = active && selected ? "selected" : "all";
  }

  showBrush(null);
  return { node: root, update, setRange };
}
