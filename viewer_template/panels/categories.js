// The category browser: every categorical column (the bundle's, and label sets made in the
// page, from selection/columns.js), each a collapsible block listing its categories with
// selected / total cells (panels/catlist.js). A column is read when its block is first opened
// and counted by the crossfilter while open. Clicking a category selects its cells (Shift adds,
// Alt removes, both intersect; the toolbar's toggles do the same without keys); clicking the
// one category selected on its own again clears the selection.

import { el } from "../dom.js";
import { createCategoryList } from "./catlist.js";

export function createCategoryBrowser({ box, store, columns, crossfilter, selection, selectMode, messages }) {
  const blocks = new Map(); // column id → {details, info, close()}

  function pick(info, column, k, ev) {
    const mode = selectMode.of(ev);
    const label = column.categories[k];
    const steps = store.get().selection?.steps ?? [];
    const only = steps.length === 1 && steps[0].mode === "replace" && steps[0].clause.type === "cat" &&
      steps[0].clause.column === info.name && steps[0].clause.categories.length === 1 && steps[0].clause.categories[0] === label;
    if (mode === "replace" && only) {
      selection.clear();
      return;
    }
    selection.apply({ type: "cat", column: info.name, categories: [label] }, mode, { visibleOnly: true })
      .catch((err) => messages.show(err.message, "error", "selection"));
  }

  function open(info, body) {
    const dim = `${info.source === "obs" ? "obs" : "rt"}:${info.id}`;
    let unwatch = null;
    let loaded = null;
    const start = async () => {
      const column = await columns.load(info.id);
      crossfilter.define(dim, info.name, { codes: column.codes });
      const list = createCategoryList({ column, onPick: (k, ev) => pick(info, column, k, ev) });
      body.replaceChildren(list.node);
      return list;
    };
    return {
      async show() {
        loaded ??= start().catch((err) => {
          loaded = null;
          body.replaceChildren(el("p", "note error", `Could not load it: ${err.message}`));
          throw err;
        });
        const list = await loaded;
        if (!unwatch) unwatch = crossfilter.watch(dim, list.update);
      },
      hide() {
        unwatch?.();
        unwatch = null;
      },
      reload() { // a runtime column changed: read it again when shown
        loaded = null;
        unwatch?.();
        unwatch = null;
      },
    };
  }

  function block(info) {
    const details = el("details", "cat-column");
    details.dataset.column = info.name;
    const summary = el("summary");
    summary.append(el("bdi", "cat-column-name", info.name));
    const n = info.source === "obs" ? null : "label set";
    if (n) summary.append(el("span", "cat-column-kind", n));
    const body = el("div", "cat-column-body");
    details.append(summary, body);
    const ctl = open(info, body);
    details.addEventListener("toggle", () => {
      if (details.open) ctl.show().catch(() => {});
      else ctl.hide();
    });
    return { details, info, ctl };
  }

  function render(list) {
    const wanted = list.filter((c) => c.kind !== "continuous");
    for (const [id, b] of blocks) {
      if (!wanted.some((c) => c.id === id)) {
        b.ctl.hide();
        b.details.remove();
        blocks.delete(id);
      }
    }
    for (const info of wanted) {
      let b = blocks.get(info.id);
      if (!b) {
        b = block(info);
        blocks.set(info.id, b);
      } else if (info.source !== "obs") {
        b.ctl.reload();
        if (b.details.open) b.ctl.show().catch(() => {});
      }
      box.append(b.details); // keeps the columns' order
    }
    box.hidden = wanted.length === 0;
  }

  columns.subscribe(render);
  render(columns.list());

  /** Open the block of a column (the one the plot is first coloured by). */
  function reveal(name) {
    for (const b of blocks.values()) if (b.info.name === name) b.details.open = true;
  }
  return { reveal };
}
