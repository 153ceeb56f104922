// A comparison in a link: the URL hash's `compare` value is "<A>;<B>", each group one of
// "selection", "rest" (B only), "set:<name>", "obs:<column>:<label>,<label>,…" or
// "labels:<label set>:<label>,…" with every name URL-encoded (so ":", "," and ";" inside names
// cannot split it). Cell indices are not put in links (a lasso is the selection, which carries
// its own link); cell sets and label sets live in the browser that made them.

const enc = encodeURIComponent;
const dec = (text) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
};

function formatGroup(spec) {
  if (spec === "selection" || spec === "rest") return spec;
  if (spec && typeof spec.set === "string") return `set:${enc(spec.set)}`;
  for (const kind of ["obs", "labels"]) {
    if (spec && typeof spec[kind] === "string" && Array.isArray(spec.categories)) {
      return `${kind}:${enc(spec[kind])}:${spec.categories.map((c) => enc(String(c))).join(",")}`;
    }
  }
  return null;
}

function parseGroup(text) {
  if (text === "selection" || text === "rest") return text;
  const [kind, ...rest] = text.split(":");
  if (kind === "set" && rest.length === 1) {
    const name = dec(rest[0]);
    return name === null ? null : { set: name };
  }
  if ((kind === "obs" || kind === "labels") && rest.length === 2 && rest[1]) {
    const column = dec(rest[0]);
    const categories = rest[1].split(",").map(dec);
    if (column === null || categories.includes(null)) return null;
    return { [kind]: column, categories };
  }
  return null;
}

/** {a, b} → the hash value, or null when a group cannot be linked (cell indices). */
export function formatComparison(comparison) {
  if (!comparison) return null;
  const a = formatGroup(comparison.a);
  const b = formatGroup(comparison.b);
  return a && b && a !== "rest" ? `${a};${b}` : null;
}

/** The hash value → {a, b}, or null when it is not a comparison this viewer writes. */
export function parseComparison(text) {
  const parts = String(text || "").split(";");
  if (parts.length !== 2) return null;
  const a = parseGroup(parts[0]);
  const b = parseGroup(parts[1]);
  return a && b && a !== "rest" ? { a, b } : null;
}
