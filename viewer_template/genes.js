// The gene index: one place that turns var/names and var/symbols into what people read and type.
// Genes are addressed by their index everywhere; labels are for display and links only.

const LIMIT = 30;
// natural order: CD3D before CD33 (3 < 33), any case
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** Build the index from {names, symbols} (Dataset.genes()). */
export function createGeneIndex({ names, symbols }) {
  const n = names.length;
  const labels = names.map((name, i) => (symbols && symbols[i] ? symbols[i] : name));
  const lower = labels.map((l) => l.toLowerCase());
  const lowerIds = names.map((s) => s.toLowerCase());
  const byLabel = new Map();
  const byId = new Map();
  labels.forEach((l, i) => { if (!byLabel.has(l)) byLabel.set(l, i); });
  names.forEach((s, i) => { if (!byId.has(s)) byId.set(s, i); });

  /** Index of the gene a person or a link names (symbol or id, any case), or -1. */
  function find(text) {
    if (typeof text !== "string" || !text) return -1;
    if (byLabel.has(text)) return byLabel.get(text);
    if (byId.has(text)) return byId.get(text);
    const q = text.toLowerCase();
    let i = lower.indexOf(q);
    if (i < 0) i = lowerIds.indexOf(q);
    return i;
  }

  /** Suggestions for a search box: exact matches, then prefixes (shortest first, then natural order), then inner. */
  function search(query, limit = LIMIT) {
    const needle = String(query).trim().toLowerCase();
    if (!needle) return [];
    const exact = [];
    const prefix = [];
    const inner = [];
    for (let i = 0; i < n; i++) {
      const a = lower[i];
      const b = labels[i] !== names[i] ? lowerIds[i] : "";
      if (a === needle || b === needle) exact.push(i);
      else if (a.startsWith(needle) || (b && b.startsWith(needle))) prefix.push(i);
      else if (inner.length < limit && (a.includes(needle) || (b && b.includes(needle)))) inner.push(i);
    }
    prefix.sort((x, y) => labels[x].length - labels[y].length || natural.compare(labels[x], labels[y]));
    return [...exact, ...prefix, ...inner].slice(0, limit);
  }

  return {
    size: n,
    /** what people read: the symbol, or the id when there is none */
    label: (i) => labels[i],
    /** the var index entry (Ensembl id or name) */
    id: (i) => names[i],
    /** the id shown beside the label, or "" when the label is the id */
    alt: (i) => (labels[i] !== names[i] ? names[i] : ""),
    /** the name a link or a colour spec uses for gene i */
    token: (i) => labels[i],
    find,
    search,
  };
}
