// The gene index: one place that turns var/names and var/symbols into what people read and type.
// Genes are addressed by their index everywhere; labels are for display and links only.

const LIMIT = 30;
// natural order: CD3D before CD33 (3 < 33), any case
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

// Symbols that stand for "no symbol" (pandas writes a missing value as the text "nan").
const NO_SYMBOL = new Set(["", "nan", "NaN", "None", "<NA>"]);

/** Build the index from {names, symbols} (Dataset.genes()). */
export function createGeneIndex({ names, symbols }) {
  const n = names.length;
  const symbolOf = (i) => (symbols && !NO_SYMBOL.has(String(symbols[i]).trim()) ? String(symbols[i]) : null);
  const base = names.map((name, i) => symbolOf(i) ?? name);
  const uses = new Map(); // base label → how many genes have it
  for (const b of base) uses.set(b, (uses.get(b) || 0) + 1);
  const shared = (i) => uses.get(base[i]) > 1;
  // genes that share a symbol are told apart by their id: "TBCE (ENSG00000285053)"
  const labels = base.map((b, i) => (shared(i) ? `${b} (${names[i]})` : b));
  const lower = base.map((l) => l.toLowerCase());
  const lowerIds = names.map((s) => s.toLowerCase());
  const exact = new Map();
  const first = (map, key, i) => { if (!map.has(key)) map.set(key, i); };
  base.forEach((b, i) => { if (!shared(i)) first(exact, b, i); });
  names.forEach((s, i) => first(exact, s, i));
  labels.forEach((l, i) => first(exact, l, i));
  base.forEach((b, i) => first(exact, b, i)); // a shared symbol alone: the first gene with it
  const folded = new Map();
  for (const [key, i] of exact) first(folded, key.toLowerCase(), i);

  /** Index of the gene a person or a link names (unique symbol, id, "SYMBOL (id)", any case), or -1. */
  function find(text) {
    if (typeof text !== "string" || !text) return -1;
    if (exact.has(text)) return exact.get(text);
    return folded.get(text.toLowerCase()) ?? -1;
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
      const b = base[i] !== names[i] ? lowerIds[i] : "";
      if (a === needle || b === needle) exact.push(i);
      else if (a.startsWith(needle) || (b && b.startsWith(needle))) prefix.push(i);
      else if (inner.length < limit && (a.includes(needle) || (b && b.includes(needle)))) inner.push(i);
    }
    prefix.sort((x, y) => base[x].length - base[y].length || natural.compare(labels[x], labels[y]));
    return [...exact, ...prefix, ...inner].slice(0, limit);
  }

  return {
    size: n,
    /** what people read: the symbol (with the id when other genes share it), or the id */
    label: (i) => labels[i],
    /** the symbol, or null when the gene has none */
    symbol: symbolOf,
    /** the var index entry (Ensembl id or name) */
    id: (i) => names[i],
    /** the id shown beside the label, or "" when the label already shows it */
    alt: (i) => (labels[i].includes(names[i]) ? "" : names[i]),
    /** the name a link or a colour spec uses for gene i: the symbol when it names only this gene */
    token: (i) => (shared(i) ? names[i] : base[i]),
    find,
    search,
  };
}
