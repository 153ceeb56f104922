// How a new selection step combines with the selection: replace, add, subtract or intersect.
// Modifier keys decide for a mouse (Shift adds, Alt subtracts, both intersect); the toolbar's
// toggles decide when no modifier is held, which is how touch screens (no keys) choose.

export function createSelectMode() {
  let mode = "replace";
  const listeners = new Set();
  return {
    get: () => mode,
    /** a toggle: choosing the mode already on goes back to replace */
    toggle(next) {
      mode = mode === next ? "replace" : next;
      for (const fn of [...listeners]) fn(mode);
    },
    /** the mode for an event: its modifier keys, else the toggles */
    of(ev) {
      if (ev?.shiftKey && ev?.altKey) return "intersect";
      if (ev?.shiftKey) return "add";
      if (ev?.altKey) return "subtract";
      return mode;
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
