// One store for the view state. UI modules read it and ask for changes; subscribers are told
// what changed.

export function createState(initial) {
  let state = { ...initial };
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      const prev = state;
      const changed = Object.keys(patch).filter((k) => patch[k] !== prev[k]);
      if (!changed.length) return;
      state = { ...prev, ...patch };
      for (const fn of [...listeners]) {
        try {
          fn(state, prev, changed);
        } catch (err) {
          console.warn("xgexport: state listener failed", err);
        }
      }
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
