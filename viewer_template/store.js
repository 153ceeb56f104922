// The one store of the view's state. Every change goes through set() or update(); subscribers
// are told which slots changed. Slots hold what is shown (loaded and ready to draw), never a
// request in flight: loading is the controller's business, derived arrays the owner module's.

import { DEFAULT_LOOK } from "./look.js";

/** No category hidden, none highlighted. */
export const NO_CATEGORIES = Object.freeze({ hidden: new Set(), highlight: null });
export const NO_COLOR = Object.freeze({ kind: "none", spec: "none" });

/** Every slot exists from the start; later features fill the empty ones. */
export function initialState() {
  return {
    embedding: null,        // {id, key, name, xy, bounds, hidden} from Dataset.embedding()
    color: NO_COLOR,        // the colouring shown (see colorsource.js)
    camera: null,           // {cx, cy, zoom}
    look: DEFAULT_LOOK,     // point size and opacity, colour map, labels on the plot (look.js)
    categories: NO_CATEGORIES, // hidden (Set of codes) and highlighted (code | null) categories
    selection: null,        // selected cells: {mask (Uint8Array), count, steps, base, live, revision}
                            // or null when none (selection/selection.js owns it)
    subset: null,           // the cells shown after "Subset": {mask, count, groups, revision} or null
    filters: [],            // crossfilter conditions on obs columns, empty: every cell passes
    cellSets: [],           // named sets of cells [{id, name, cells: ascending Uint32Array}]
    annotations: [],        // label sets [{id, name, labels: [{name, color}], codes: Int16Array (-1: none)}]
    geneSets: [],           // named gene lists [{id, name, description, genes: [gene index]}]
    comparison: null,       // the groups of the comparison shown: {a, b} (specs, see compare/groups.js)
    split: [],              // side-by-side views' colourings (loaded, as `color`), at most 3 (plot/split.js)
    xgState: "loading",     // "loading" | "ready" | "error", mirrored on <html data-xg-state>
  };
}

export function createStore(initial = initialState()) {
  let state = Object.freeze({ ...initial });
  const listeners = new Set();
  const queue = [];
  let dispatching = false;

  function set(patch) {
    const prev = state;
    const changed = Object.keys(patch).filter((k) => patch[k] !== prev[k]);
    if (!changed.length) return;
    state = Object.freeze({ ...prev, ...patch });
    queue.push([state, prev, changed]);
    if (dispatching) return; // a listener's own change: told after the current round, in order
    dispatching = true;
    try {
      while (queue.length) {
        const [now, before, keys] = queue.shift();
        for (const entry of [...listeners]) {
          if (entry.keys && !keys.some((k) => entry.keys.includes(k))) continue;
          try {
            entry.fn(now, before, keys);
          } catch (err) {
            console.warn("xgexport: state listener failed", err);
          }
        }
      }
    } finally {
      dispatching = false;
    }
  }

  return {
    get: () => state,
    set,
    /** set(fn(state)): for changes computed from the current state */
    update: (fn) => set(fn(state)),
    /** fn(state, prev, changedKeys); with `keys`, only when one of them changed. Returns unsubscribe. */
    subscribe(fn, keys = null) {
      const entry = { fn, keys };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
  };
}
