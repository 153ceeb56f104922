// Colour specs ("obs:<column>", "gene:<name>", "geneset:<name>", "genes:<name>,<name>" (two genes
// blended, names with "%" and "," written %25 and %2C), "none") and the colourings they
// load. A colouring is what the store's `color` slot holds: the spec plus the loaded values and
// their ranges, from which the plot, the legend and the tooltip derive what they show. Label sets
// and gene sets are the person's own (workbench.js): a link naming one waits until they are read.

import { finiteRange } from "./data.js";
import { iso } from "./dom.js";
import { robustMax, robustRange } from "./plot/coloring.js";
import { NO_COLOR } from "./store.js";

/** A gene's name inside "genes:a,b": its "%" and "," escaped. */
const linkName = (name) => name.replace(/%/g, "%25").replace(/,/g, "%2C");

export function countMissing(values) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) n++;
  return n;
}

/**
 * A gene's colour range and counts. In non-negative data 0 means "not expressed": those cells
 * are drawn light grey (zero: true) and the scale starts at the smallest value above 0.
 */
export function geneRange(values) {
  let nMissing = 0;
  let nZero = 0;
  let minPositive = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) nMissing++;
    else if (v === 0) nZero++;
    else if (v > 0 && v < minPositive) minPositive = v;
  }
  const [min, trueMax] = finiteRange(values);
  const zero = min >= 0 && nZero > 0;
  const lo = zero && minPositive < Infinity ? minPositive : min;
  return { min: lo, max: robustMax(values, trueMax), trueMax, nMissing, nZero, zero };
}

/**
 * ds: the Dataset; genes(): promise of the gene index (genes.js); columns: selection/columns.js
 * (the bundle's columns and the label sets); geneSets(): the store's gene sets; userReady():
 * promise that the saved label sets and gene sets are in the store.
 */
export function createColorSource(ds, genes, { columns, geneSets = () => [], userReady = async () => {} }) {
  const obsByName = (name) => columns.byName(name);
  const setByName = (name) => geneSets().find((s) => s.name === name) || null;
  /** find(name), or after the person's saved work is read, for names it may hold */
  async function lookup(find, name) {
    const found = find(name);
    if (found) return found;
    await userReady().catch(() => {});
    return find(name);
  }

  /** "obs:<name>" | "gene:<label or id>" | "none" → {kind, id | index, spec, label?} */
  async function resolve(spec) {
    if (typeof spec !== "string") throw new Error("colour must be a string such as \"obs:louvain\" or \"gene:CD3E\"");
    if (spec === "none" || spec === "") return NO_COLOR;
    const colon = spec.indexOf(":");
    const kind = spec.slice(0, colon);
    const name = spec.slice(colon + 1);
    if (colon > 0 && kind === "obs") {
      const col = await lookup(obsByName, name);
      if (!col) throw new Error(`There is no obs column named "${iso(name)}".`);
      return { kind: "obs", id: col.id, name: col.name, spec: `obs:${col.name}` };
    }
    if (colon > 0 && kind === "gene") {
      const index = await geneSpec(name);
      if (index < 0) throw new Error(`There is no gene named "${iso(name)}".`);
      return forGene(index, await genes());
    }
    if (colon > 0 && kind === "genes") {
      const names = name.split(",").map((part) => part.replace(/%2C/gi, ",").replace(/%25/g, "%"));
      if (names.length !== 2) throw new Error(`"${iso(spec)}" should name two genes: genes:<first>,<second>.`);
      const g = await genes();
      const [a, b] = names.map((n) => g.find(n));
      names.forEach((n, k) => { if ([a, b][k] < 0) throw new Error(`There is no gene named "${iso(n)}".`); });
      const token = (i) => linkName(g.token(i));
      return { kind: "blend", a: { index: a, label: g.label(a) }, b: { index: b, label: g.label(b) },
        label: `${g.label(a)} and ${g.label(b)}`, spec: `genes:${token(a)},${token(b)}` };
    }
    if (colon > 0 && kind === "geneset") {
      const set = await lookup(setByName, name);
      if (!set) throw new Error(`There is no gene set named "${iso(name)}".`);
      if (!set.genes.length) throw new Error(`The gene set "${iso(name)}" has no genes.`);
      return { kind: "geneset", id: set.id, label: set.name, spec: `geneset:${set.name}`, genes: set.genes };
    }
    throw new Error(`Unknown colour "${iso(spec)}": use obs:<column>, gene:<name>, geneset:<name> or none.`);
  }

  async function geneSpec(name) {
    return (await genes()).find(name);
  }

  function forGene(index, g) {
    return { kind: "gene", index, label: g.label(index), spec: `gene:${g.token(index)}` };
  }

  /** Load what a resolved colouring draws; status(text) tells about a gene set's progress. */
  async function load(resolved, signal, status = () => {}) {
    if (resolved.kind === "obs") {
      const column = await columns.load(resolved.id);
      const out = { ...resolved, column };
      if (column.kind === "continuous") {
        const [min, max] = robustRange(column.values, column.min, column.max);
        Object.assign(out, { min, max, trueMin: column.min, trueMax: column.max, nMissing: countMissing(column.values) });
      }
      return out;
    }
    if (resolved.kind === "gene") {
      const values = await ds.gene(resolved.index, { signal });
      return { ...resolved, values, ...geneRange(values) };
    }
    if (resolved.kind === "blend") {
      const [a, b] = await Promise.all([ds.gene(resolved.a.index, { signal }), ds.gene(resolved.b.index, { signal })]);
      return { ...resolved, a: { ...resolved.a, values: a, ...geneRange(a) }, b: { ...resolved.b, values: b, ...geneRange(b) } };
    }
    if (resolved.kind === "geneset") {
      const onProgress = (done, total) => status(`Loading gene set ${iso(resolved.label)}: ${done} of ${total} genes…`);
      onProgress(0, resolved.genes.length);
      // setmean.js is imported with the first gene set colouring, not before the first frame
      const { geneSetMean } = await import("./setmean.js");
      const values = await geneSetMean(ds, resolved.genes, { signal, onProgress });
      return { ...resolved, values, ...geneRange(values) };
    }
    return NO_COLOR;
  }

  /** The dataset's default colouring as a spec (defaults.color uses ids: obs:<id> | gene:<index>). */
  async function defaultSpec() {
    const d = ds.meta.defaults?.color;
    if (typeof d !== "string" || d === "none") return "none";
    const kind = d.slice(0, d.indexOf(":"));
    const id = d.slice(d.indexOf(":") + 1);
    if (kind === "obs") {
      const col = ds.obsColumns.find((o) => o.id === id);
      return col ? `obs:${col.name}` : "none";
    }
    if (kind === "gene" && /^\d+$/.test(id)) {
      const g = await genes();
      const i = Number(id);
      return i < g.size ? `gene:${g.token(i)}` : "none";
    }
    return "none";
  }

  /** The spec of two genes (indices) blended. */
  async function blendSpec(a, b) {
    const g = await genes();
    return `genes:${linkName(g.token(a))},${linkName(g.token(b))}`;
  }

  return { resolve, load, defaultSpec, blendSpec, forGene: async (index) => forGene(index, await genes()) };
}
