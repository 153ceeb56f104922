// Gene search with autocomplete (genes.js ranks the matches). Loads the gene list on first focus;
// picking a gene calls onPick(index). Shows the gene the plot is coloured by. Text nodes only.

import { el, iso } from "../dom.js";

export function createGeneSearch({ input, list, status, store, genes, onPick }) {
  let index = null; // the gene index, once loaded
  let items = [];   // gene indices suggested
  let active = -1;

  function ensure() {
    return genes().then((g) => { index = g; return g; });
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function render() {
    list.replaceChildren();
    items.forEach((i, k) => {
      const li = el("li", k === active ? "is-active" : "");
      li.setAttribute("role", "option");
      li.id = `gene-opt-${k}`;
      li.append(el("span", null, index.label(i)));
      if (index.alt(i)) li.append(el("span", "alt", index.alt(i)));
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault();
        pick(i);
      });
      list.append(li);
    });
    if (active >= 0) input.setAttribute("aria-activedescendant", `gene-opt-${active}`);
    else input.removeAttribute("aria-activedescendant");
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function pick(i) {
    input.value = index.label(i);
    close();
    onPick(i);
  }

  async function update() {
    await ensure();
    items = index.search(input.value);
    active = items.length ? 0 : -1;
    render();
  }

  input.addEventListener("focus", () => { ensure().catch(() => {}); });
  input.addEventListener("input", () => {
    status.textContent = "";
    update().catch(() => {});
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!items.length) return;
      ev.preventDefault();
      active = (active + (ev.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      render();
      list.children[active]?.scrollIntoView({ block: "nearest" });
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      ensure().then(() => {
        const found = active >= 0 ? items[active] : index.search(input.value)[0];
        if (found !== undefined) pick(found);
        else if (input.value.trim()) status.textContent = `No gene matches "${iso(input.value.trim())}".`;
      }).catch(() => {});
    } else if (ev.key === "Escape" && !list.hidden) {
      ev.preventDefault(); // this Escape closes the suggestions, nothing else
      close();
    }
  });

  // the box names the gene the plot is coloured by, and empties when it is not a gene
  store.subscribe((s) => {
    if (s.color.kind === "gene") input.value = s.color.label;
    else if (document.activeElement !== input) input.value = "";
  }, ["color"]);

  return {
    /** a line under the box: "Loading CD3E…", or "" */
    status(text) { status.textContent = text; },
  };
}
