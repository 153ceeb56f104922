// Gene search with autocomplete over var/names and var/symbols. Loads the gene list on first
// focus; picking a gene calls onPick(index). Suggestions are text nodes only.

const LIMIT = 30;

export function createGeneSearch({ input, list, loadGenes, onPick }) {
  let index = null; // [{i, label, alt, lower, lowerAlt}]
  let loading = null;
  let items = [];
  let active = -1;

  function ensure() {
    if (!loading) {
      loading = loadGenes().then(({ names, symbols }) => {
        index = names.map((name, i) => {
          const label = symbols && symbols[i] ? symbols[i] : name;
          const alt = label !== name ? name : "";
          return { i, label, alt, lower: label.toLowerCase(), lowerAlt: alt.toLowerCase() };
        });
        return index;
      });
      loading.catch(() => { loading = null; });
    }
    return loading;
  }

  function search(q) {
    const needle = q.trim().toLowerCase();
    if (!needle || !index) return [];
    const exact = [];
    const prefix = [];
    const inner = [];
    for (const g of index) {
      if (g.lower === needle || g.lowerAlt === needle) exact.push(g);
      else if (g.lower.startsWith(needle) || g.lowerAlt.startsWith(needle)) prefix.push(g);
      else if (inner.length < LIMIT && (g.lower.includes(needle) || g.lowerAlt.includes(needle))) inner.push(g);
    }
    prefix.sort((a, b) => a.label.length - b.label.length || a.lower.localeCompare(b.lower));
    return [...exact, ...prefix, ...inner].slice(0, LIMIT);
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function render() {
    list.replaceChildren();
    items.forEach((g, k) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = `gene-opt-${k}`;
      li.className = k === active ? "is-active" : "";
      const main = document.createElement("span");
      main.textContent = g.label;
      li.append(main);
      if (g.alt) {
        const alt = document.createElement("span");
        alt.className = "alt";
        alt.textContent = g.alt;
        li.append(alt);
      }
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault();
        pick(g);
      });
      list.append(li);
    });
    if (active >= 0) input.setAttribute("aria-activedescendant", `gene-opt-${active}`);
    else input.removeAttribute("aria-activedescendant");
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function pick(g) {
    input.value = g.label;
    close();
    onPick(g.i);
  }

  async function update() {
    await ensure();
    items = search(input.value);
    active = items.length ? 0 : -1;
    render();
  }

  input.addEventListener("focus", () => { ensure().catch(() => {}); });
  input.addEventListener("input", () => { update().catch(() => {}); });
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
        const found = items[active] || search(input.value)[0];
        if (found) pick(found);
      }).catch(() => {});
    } else if (ev.key === "Escape") {
      close();
    }
  });

  return {
    /** show a gene's label in the box without searching */
    show(text) {
      input.value = text;
      close();
    },
  };
}
