// The tooltip of one cell: its id, the value it is coloured by, and the last categorical column
// shown (context while colouring by a gene). Every dataset string goes in as text.

import { el } from "../dom.js";
import { formatNumber } from "../format.js";

export function createTooltip({ box, store, dataset, view, picker }) {
  let cell = -1;
  let frame = 0;
  let at = null; // the latest hover position, handled once per animation frame
  let context = null; // the last categorical column the plot was coloured by

  store.subscribe((s) => {
    const c = s.color;
    if (c.kind === "obs" && c.column.kind !== "continuous") context = c.column;
  }, ["color"]);

  function lines(i) {
    const { color } = store.get();
    const out = [];
    if (color.kind === "obs" && color.column.kind !== "continuous") {
      const c = color.column.codes[i];
      out.push([color.column.name, c >= 0 ? color.column.categories[c] : "NA (missing)"]);
    } else if (color.kind === "obs") {
      out.push([color.column.name, formatNumber(color.column.values[i])]);
    } else if (color.kind === "gene") {
      out.push([color.label, formatNumber(color.values[i])]);
    } else if (color.kind === "blend") {
      out.push([color.a.label, formatNumber(color.a.values[i])], [color.b.label, formatNumber(color.b.values[i])]);
    } else if (color.kind === "geneset") {
      out.push([`${color.label} (mean)`, formatNumber(color.values[i])]);
    }
    if (context && !(color.kind === "obs" && color.column === context)) {
      const c = context.codes[i];
      out.push([context.name, c >= 0 ? context.categories[c] : "NA (missing)"]);
    }
    return out;
  }

  function show(i, sx, sy) {
    cell = i;
    const head = el("div", "tip-cell", `cell ${i + 1}`);
    box.replaceChildren(head);
    for (const [k, v] of lines(i)) {
      const row = el("div");
      // names and values from the dataset are isolated: an unclosed U+202E cannot reverse "1.25"
      row.append(el("bdi", "tip-key", k), el("span", "tip-key", ": "), el("bdi", null, v));
      box.append(row);
    }
    dataset.obsName(i).then((name) => {
      if (cell === i && name !== undefined) head.textContent = name;
    }).catch(() => {});
    box.hidden = false;
    const { width, height } = view.size();
    const w = box.offsetWidth;
    const h = box.offsetHeight;
    box.style.left = `${Math.min(sx + 14, width - w - 4)}px`;
    box.style.top = `${sy + 14 + h > height ? sy - h - 10 : sy + 14}px`;
  }

  function hide() {
    box.hidden = true;
    cell = -1;
  }

  /** Show the cell under (sx, sy), if any; at most once per frame however fast the mouse moves. */
  function hoverAt(sx, sy) {
    at = [sx, sy];
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const i = picker.pick(at[0], at[1], picker.radius());
      if (i < 0) hide();
      else show(i, at[0], at[1]);
    });
  }

  /** A tap (touch): the cell under the finger, searched a little wider than under a mouse. */
  function tapAt(sx, sy) {
    const i = picker.pick(sx, sy, Math.max(16, picker.radius()));
    if (i < 0) hide();
    else show(i, sx, sy);
  }

  return { show, hide, hoverAt, tapAt, current: () => cell };
}
