// The person's own work on a bundle: label sets (store slot `annotations`), cell sets (`cellSets`)
// and gene sets (`geneSets`). Owns their storage (loaded once the identity of the bundle is
// known, saved after every change), presents label sets to the dataset as categorical columns,
// and keeps the plot's colouring in step when the label set or gene set it shows is edited.

import { bundleIdentity, openRecord } from "./storage.js";
import { asColumn, withColors } from "./labelsets.js";
import { exportLabels, importLabels, describeImport } from "./labelio.js";

/** Keep what a saved record holds only where it fits this dataset (one bad entry costs only itself). */
export function validRecord(rec, nCells, nGenes) {
  const isName = (v) => typeof v === "string" && v.trim().length > 0;
  const annotations = (rec?.annotations || []).filter((s) => s && isName(s.id) && isName(s.name) && Array.isArray(s.labels)
    && s.codes instanceof Int16Array && s.codes.length === nCells && s.codes.every((c) => c >= -1 && c < s.labels.length))
    .map((s) => ({ id: s.id, name: s.name, labels: withColors(s.labels.map((l) => ({ name: String(l?.name ?? ""), color: String(l?.color ?? "") }))), codes: s.codes }));
  const cellSets = (rec?.cellSets || []).filter((s) => s && isName(s.id) && isName(s.name) && s.cells instanceof Uint32Array
    && s.cells.every((i) => i < nCells));
  const geneSets = (rec?.geneSets || []).filter((s) => s && isName(s.id) && isName(s.name) && Array.isArray(s.genes)
    && s.genes.every((g) => Number.isInteger(g) && g >= 0 && g < nGenes));
  return { annotations, cellSets, geneSets };
}

const SLOTS = ["annotations", "cellSets", "geneSets"];

const indicesOf = new WeakMap(); // selection → its indices, computed once per selection

/**
 * The store's selection as ascending cell indices (Uint32Array), or null when no cell is selected.
 * The selection is {mask: Uint8Array (1 = selected), count, …} (selection/selection.js) or, from
 * older code and tests, an array of indices.
 */
export function selectedCells(selection) {
  if (!selection) return null;
  if (!selection.mask) {
    const cells = selection instanceof Uint32Array ? selection : Uint32Array.from(selection);
    return cells.length ? cells : null;
  }
  if (!indicesOf.has(selection)) {
    const { mask } = selection;
    const out = new Uint32Array(selection.count ?? mask.reduce((a, b) => a + (b ? 1 : 0), 0));
    let k = 0;
    for (let i = 0; i < mask.length && k < out.length; i++) if (mask[i]) out[k++] = i;
    indicesOf.set(selection, k === out.length ? out : out.slice(0, k));
  }
  const cells = indicesOf.get(selection);
  return cells.length ? cells : null;
}

/**
 * store, dataset, controller; colors: colorsource (for the default colouring when the shown
 * label set is deleted); columns: selection/columns.js, where label sets are runtime columns.
 * load() starts (once) reading the saved work; status: see onStatus.
 */
export function createWorkbench({ store, dataset, controller, colors, columns }) {
  const ds = dataset;
  let loading = null;
  let record = null;
  let identity = null;
  let status = { state: "idle", text: "" };
  const statusListeners = new Set();
  let applying = false;


  function setStatus(state, text) {
    status = { state, text };
    for (const fn of statusListeners) fn(status);
  }

  function apply(rec) {
    applying = true;
    try {
      store.set(validRecord(rec, ds.nCells, ds.nGenes));
    } finally {
      applying = false;
    }
  }

  let saving = null;
  let dirty = false;
  /** Save now; a change made while a save runs is saved right after it (one write at a time). */
  async function save() {
    if (!record?.persistent) return;
    if (saving) {
      dirty = true;
      return;
    }
    setStatus("saving", "Saving in this browser…");
    const s = store.get();
    saving = record.save({ title: ds.meta.title ?? "", nCells: ds.nCells, annotations: s.annotations, cellSets: s.cellSets, geneSets: s.geneSets });
    try {
      await saving;
      setStatus("saved", "Saved in this browser only.");
    } catch (err) {
      setStatus("error", `Could not save in this browser: ${err.message}. Export your label sets as CSV.`);
    } finally {
      saving = null;
      if (dirty) {
        dirty = false;
        save();
      }
    }
  }

  /** Read the saved work (once); resolves when the slots hold it, also when nothing can be kept. */
  function load() {
    loading ??= (async () => {
      setStatus("loading", "Reading your saved work…");
      try {
        identity = await bundleIdentity();
        record = await openRecord(identity, { onChange: (rec) => rec && apply(rec) });
      } catch (err) {
        record = null;
        setStatus("memory", `Not saved: the bundle's identity is unknown (${err.message}). Export your work as CSV.`);
        return;
      }
      if (!record.persistent) {
        setStatus("memory", `Not saved: this browser keeps no data for this page (${record.reason}). Export your work as CSV.`);
        return;
      }
      const saved = await record.load().catch(() => null);
      if (saved) apply(saved);
      setStatus("saved", "Saved in this browser only.");
    })();
    return loading;
  }

  store.subscribe((s, prev, changed) => {
    if (!applying) save();
    if (changed.includes("annotations")) {
      registerLabelSets(s.annotations, prev.annotations);
      followLabelSet(s, prev);
    }
    if (changed.includes("geneSets")) followGeneSet(s, prev);
  }, SLOTS);

  /** Label sets are columns like the bundle's: (re)registered when they change, removed when deleted. */
  function registerLabelSets(now, before) {
    for (const set of now) if (!before.includes(set)) columns.add(asColumn(set));
    for (const set of before) if (!now.some((a) => a.id === set.id)) columns.remove(set.id);
  }

  /** The plot shows a label set that changed: show the new version (or the default, if it is gone). */
  function followLabelSet(s, prev) {
    const c = s.color;
    if (c.kind !== "obs" || !c.column?.labelSet) return;
    const set = s.annotations.find((a) => a.id === c.id);
    if (!set) {
      colors.defaultSpec().catch(() => "none").then((d) => controller.setColor(d)).catch(() => {});
      return;
    }
    if (prev.annotations.includes(set)) return;
    const sameLabels = set.labels.length === c.column.categories.length;
    controller.setColor(`obs:${set.name}`, { keepCategories: sameLabels }).catch(() => {});
  }

  /** The plot shows a gene set whose genes or name changed: colour by its new version. */
  function followGeneSet(s, prev) {
    const c = s.color;
    if (c.kind !== "geneset") return;
    const set = s.geneSets.find((g) => g.id === c.id);
    const before = prev.geneSets.find((g) => g.id === c.id);
    if (set === before) return;
    const next = set ? `geneset:${set.name}` : "none";
    controller.setColor(next).catch(() => {});
  }

  /** The label sets as CSV text (every cell; the header names the bundle). */
  async function exportAnnotations() {
    await load();
    return exportLabels({ ds, store, identity });
  }

  /** Label sets from CSV text (ours or cellxgene's) into the store: the report, with `message`. */
  async function importAnnotations(text) {
    if (typeof text !== "string") throw new TypeError("importAnnotations needs the CSV text (a string)");
    await load();
    const report = await importLabels(text, { ds, store });
    return { ...report, message: describeImport(report) };
  }

  return {
    load,
    exportAnnotations,
    importAnnotations,
    identity: () => identity,
    status: () => status,
    /** fn(status) after each change of {state: idle|loading|saving|saved|memory|error, text}; returns unsubscribe */
    onStatus(fn) {
      statusListeners.add(fn);
      return () => statusListeners.delete(fn);
    },
  };
}
