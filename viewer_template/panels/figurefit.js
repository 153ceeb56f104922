// Figures laid out for the width their panel has (violin, heatmap, dot plot): the panel body's
// content width, told again when it changes, and text measured to wrap titles and legends to
// it. Text is measured in the page's font and padded by SLACK: a saved SVG opened in another
// program may draw it in a slightly wider font, and a line cut off there reads as broken.

import { FONT } from "../look.js";

const SLACK = 1.1;
const NS = "http://www.w3.org/2000/svg";
const cache = new Map();
let context = null;

/** Width in px of `text` at `size` px and `weight`, a little more than the page's font needs. */
export function textWidth(text, size, weight = 400) {
  const key = `${weight}/${size}/${text}`;
  let w = cache.get(key);
  if (w === undefined) {
    context ??= document.createElement("canvas").getContext("2d");
    context.font = `${weight} ${size}px ${FONT}`;
    w = context.measureText(text).width * SLACK;
    if (cache.size > 4000) cache.clear();
    cache.set(key, w);
  }
  return w;
}

/** A word wider than `width` cut between characters: the pieces, the last one unfinished. */
function cutWord(word, width, size, weight) {
  const pieces = [];
  let rest = word;
  while (rest.length > 1 && textWidth(rest, size, weight) > width) {
    let k = rest.length - 1;
    while (k > 1 && textWidth(rest.slice(0, k), size, weight) > width) k--;
    pieces.push(rest.slice(0, k));
    rest = rest.slice(k);
  }
  return [...pieces, rest];
}

/** The words of `text` in lines no wider than `width` px (at least one line). */
export function wrapText(text, width, size, weight = 400) {
  const lines = [];
  let line = "";
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (textWidth(next, size, weight) <= width) {
      line = next;
      continue;
    }
    if (line) lines.push(line);
    const pieces = cutWord(word, width, size, weight);
    lines.push(...pieces.slice(0, -1));
    line = pieces.at(-1);
  }
  lines.push(line);
  return lines;
}

/**
 * One <text> of `lines`, `step` px apart: the first line its own text (what a reader of the file
 * finds first), the others <tspan>s; each line but the last keeps its space, so the element's
 * text is the whole sentence.
 */
export function textBlock(lines, attrs, step) {
  const node = document.createElementNS(NS, "text");
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.textContent = lines.length > 1 ? `${lines[0]} ` : lines[0];
  lines.slice(1).forEach((line, k) => {
    const span = document.createElementNS(NS, "tspan");
    span.setAttribute("x", String(attrs.x));
    span.setAttribute("dy", String(step));
    span.textContent = k < lines.length - 2 ? `${line} ` : line;
    node.append(span);
  });
  return node;
}

/** The px a figure's title (`size` px, bold) and subtitle (12 px) need on one line each, with the margins. */
export function headWidth(title, subtitle, size) {
  return 24 + Math.max(textWidth(title, size, 600), textWidth(subtitle, 12));
}

/**
 * A figure's title (`size` px, bold) and subtitle (12 px) at the top left of `root`, each wrapped
 * to `width` px (classes fig-title, fig-subtitle). Returns the subtitle's last baseline.
 */
export function figureHead(root, { title, subtitle, width, size }) {
  const titles = wrapText(title, width, size, 600);
  const subs = wrapText(subtitle, width, 12);
  root.append(textBlock(titles, { x: 12, y: size + 7, "font-size": size, "font-weight": 600, fill: "#1d232b", class: "fig-title" }, size + 4));
  const y = size + 7 + (titles.length - 1) * (size + 4) + 20;
  root.append(textBlock(subs, { x: 12, y, "font-size": 12, fill: "#5f6873", class: "fig-subtitle" }, 16));
  return y + (subs.length - 1) * 16;
}

/** The content width of a panel's body: its inner width less its padding (a scrollbar is not content). */
export function contentWidth(body) {
  const style = getComputedStyle(body);
  return Math.floor(body.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
}

/**
 * Calls redraw() when the body's content width is no longer `drawnWidth()` (a window resized, a
 * side panel closed), not when only its height changes. Deferred to the next frame: a redraw
 * inside the observer's callback changes the body's height, which the observer would report as a
 * loop.
 */
export function redrawOnWidth(body, drawnWidth, redraw) {
  let queued = false;
  const observer = new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const width = contentWidth(body);
      const drawn = drawnWidth();
      if (width > 0 && drawn !== null && width !== drawn) redraw();
    });
  });
  observer.observe(body);
  return observer;
}
