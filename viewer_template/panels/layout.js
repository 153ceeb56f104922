// The page layout: a cells panel on the left, a genes panel on the right, the plot between.
// Wide screens show both beside the plot, each can be hidden; narrow screens (phones) turn them
// into drawers over the plot, one at a time, closed by Escape, the backdrop or their × button.
// Embedded (?embed=1) keeps only the plot, the legend and the gene search.

const NARROW = "(max-width: 720px)";

export function setupLayout({ app, embedded }) {
  const q = (sel) => app.querySelector(sel);
  const sides = [
    { panel: q("#cells-panel"), toggle: q("#toggle-cells") },
    { panel: q("#genes-panel"), toggle: q("#toggle-genes") },
  ];
  const backdrop = q("#backdrop");
  const narrow = window.matchMedia(NARROW);

  if (embedded) {
    // one narrow column beside the plot: the gene search above the legend
    q("#cells-panel .side-body").prepend(q("#gene-search"));
    q("#genes-panel").hidden = true;
  }

  function set(side, open) {
    side.panel.dataset.open = String(open);
    side.toggle.setAttribute("aria-expanded", String(open));
    if (open && narrow.matches && !embedded) {
      for (const other of sides) if (other !== side) set(other, false); // one drawer at a time
    }
    backdrop.hidden = embedded || !(narrow.matches && sides.some((s) => s.panel.dataset.open === "true"));
  }

  function reset() {
    if (embedded) set(sides[0], true);
    else for (const side of sides) set(side, !narrow.matches);
  }

  for (const side of sides) {
    side.toggle.addEventListener("click", () => set(side, side.panel.dataset.open !== "true"));
    side.panel.querySelector(".side-close").addEventListener("click", () => {
      set(side, false);
      side.toggle.focus();
    });
  }
  backdrop.addEventListener("click", () => { for (const side of sides) set(side, false); });
  narrow.addEventListener("change", reset);
  reset();

  /** Close an open drawer (phones); true when one was open. For Escape. */
  function closeDrawer() {
    if (!narrow.matches || embedded) return false;
    const open = sides.find((s) => s.panel.dataset.open === "true");
    if (!open) return false;
    set(open, false);
    open.toggle.focus();
    return true;
  }

  return { closeDrawer, isNarrow: () => narrow.matches };
}
