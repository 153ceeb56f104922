// The categories of one column, as the category browser shows them: a search field (filters by
// text), a sort (by cells, by name, by selected cells) and a virtual list that makes rows only
// for what is in view, so 500 guides or 197 clonotypes scroll and update as fast as 10
// clusters. Each row: swatch, name (text), selected / total cells and a bar of both. A click
// picks the category (onPick(k, event): the browser selects its cells). Arrow keys, Home and
// End move between rows.

import { categoryColors, cssColor } from "../colormaps.js";
import { el } from "../dom.js";
import { count } from "../format.js";

const ROW = 26; // px per row (style.css .cat-row)
const VISIBLE = 10; // rows in view before the list scrolls
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

export function createCategoryList({ column, onPick }) {
  const K = column.categories.length;
  const colors = categoryColors(column.colors, K);
  let totals = Uint32Array.from({ length: K + 1 }, (_, k) => (k ? column.counts[k - 1] ?? 0 : 0));
  let selected = null;
  let order = [];
  let sortBy = "count";
  let query = "";

  const root = el("div", "cat-browser");
  const tools = el("div", "cat-tools");
  const search = el("input");
  Object.assign(search, { type: "search", placeholder: `Filter ${K} categories`, spellcheck: false });
  search.setAttribute("aria-label", `Filter the categories of ${column.name}`);
  const sort = el("select");
  sort.setAttribute("aria-label", "Sort categories");
  for (const [value, text] of [["count", "Most cells"], ["name", "Name"], ["selected", "Most selected"]]) {
    const o = el("option", null, text);
    o.value = value;
    sort.append(o);
  }
  tools.append(search, sort);
  const scroller = el("div", "cat-scroll");
  scroller.setAttribute("role", "list");
  scroller.setAttribute("aria-label", `Categories of ${column.name}`);
  const spacer = el("div", "cat-spacer");
  scroller.append(spacer);
  const empty = el("p", "note", "No category matches.");
  root.append(tools, scroller, empty);

  const pool = new Map(); // k → row button in the DOM
  let frame = 0;

  function arrange() {
    const q = query.trim().toLowerCase();
    order = [];
    for (let k = 0; k < K; k++) if (!q || column.categories[k].toLowerCase().includes(q)) order.push(k);
    const by = {
      count: (a, b) => totals[b + 1] - totals[a + 1] || a - b,
      name: (a, b) => natural.compare(column.categories[a], column.categories[b]) || a - b,
      selected: (a, b) => (selected ? selected[b + 1] - selected[a + 1] : 0) || totals[b + 1] - totals[a + 1] || a - b,
    };
    order.sort(by[sortBy]);
    spacer.style.height = `${order.length * ROW}px`;
    scroller.style.height = `${Math.min(VISIBLE, Math.max(1, order.length)) * ROW}px`;
    empty.hidden = order.length > 0;
    render();
  }

  function makeRow(k) {
    const b = el("button", "cat-row");
    b.type = "button";
    b.dataset.code = String(k);
    b.setAttribute("role", "listitem");
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = cssColor(colors[k]);
    const label = el("bdi", "cat-label", column.categories[k]);
    b.title = `${column.categories[k]}\nClick: select these cells. Shift: add, Alt: remove, both: intersect.`;
    const nums = el("span", "cat-count");
    const bar = el("span", "cat-bar");
    bar.append(el("span", "cat-bar-all"), el("span", "cat-bar-sel"));
    b.append(swatch, label, nums, bar);
    b.addEventListener("click", (ev) => onPick(k, ev));
    return b;
  }

  function fill(b, k, max) {
    const total = totals[k + 1];
    const sel = selected ? selected[k + 1] : null;
    b.querySelector(".cat-count").textContent = sel === null ? count(total) : `${count(sel)} / ${count(total)}`;
    b.querySelector(".cat-bar-all").style.width = `${max ? (100 * total) / max : 0}%`;
    b.querySelector(".cat-bar-sel").style.width = `${max && sel ? (100 * sel) / max : 0}%`;
    b.classList.toggle("is-all", sel !== null && sel > 0 && sel === total);
    b.classList.toggle("is-none", sel === 0);
  }

  function render() {
    frame = 0;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - 3);
    const last = Math.min(order.length, first + VISIBLE + 7);
    let max = 0;
    for (let k = 0; k < K; k++) max = Math.max(max, totals[k + 1]);
    const want = new Set(order.slice(first, last));
    for (const [k, b] of pool) {
      if (!want.has(k) && b !== document.activeElement) {
        b.remove();
        pool.delete(k);
      }
    }
    for (let p = first; p < last; p++) {
      const k = order[p];
      let b = pool.get(k);
      if (!b) {
        b = makeRow(k);
        pool.set(k, b);
        scroller.append(b);
      }
      b.style.top = `${p * ROW}px`;
      fill(b, k, max);
    }
  }
  const queue = () => { if (!frame) frame = requestAnimationFrame(render); };

  /** Focus the row at position p of the sorted list, scrolling it into view. */
  function focusAt(p) {
    if (!order.length) return;
    const at = Math.max(0, Math.min(order.length - 1, p));
    const top = at * ROW;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW - scroller.clientHeight;
    render();
    pool.get(order[at])?.focus();
  }

  scroller.addEventListener("scroll", queue);
  scroller.addEventListener("keydown", (ev) => {
    const k = Number(document.activeElement?.dataset?.code);
    const p = order.indexOf(k);
    const to = { ArrowDown: p + 1, ArrowUp: p - 1, Home: 0, End: order.length - 1, PageDown: p + VISIBLE, PageUp: p - VISIBLE }[ev.key];
    if (to === undefined || p < 0) return;
    ev.preventDefault();
    focusAt(to);
  });
  search.addEventListener("input", () => {
    query = search.value;
    scroller.scrollTop = 0;
    arrange();
  });
  sort.addEventListener("change", () => {
    sortBy = sort.value;
    arrange();
  });

  /** Crossfilter counts (per category, index k + 1) of all and of the selected cells. */
  function update(view) {
    if (view.totals) totals = view.totals;
    selected = view.active ? view.selected : null;
    if (sortBy === "selected" || sortBy === "count") arrange();
    else queue();
  }

  arrange();
  return { node: root, update };
}
