// Pure colour helpers: the continuous colour maps (viridis, a polynomial fit of matplotlib's map;
// grey to red; a blue-white-red diverging map for values around 0), hex parsing, lookup tables.

const VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

/** viridis(t) for t in [0, 1] → [r, g, b] in 0..255 */
export function viridis(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const rgb = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let v = VIRIDIS[6][c];
    for (let k = 5; k >= 0; k--) v = VIRIDIS[k][c] + x * v;
    rgb[c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return rgb;
}

// piecewise-linear maps as evenly spaced stops: grey-to-colour as Seurat's FeaturePlot draws a
// gene, and ColorBrewer's RdBu reversed (blue below 0, white at 0, red above) for scaled data
const STOPS = {
  grey: [[217, 217, 217], [252, 187, 161], [251, 106, 74], [203, 24, 29], [103, 0, 13]],
  diverging: [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]],
};

/** The continuous colour maps a person can choose ("diverging" is chosen for values below 0). */
export const COLORMAPS = ["viridis", "grey", "diverging"];

/** colormap(name)(t) for t in [0, 1] → [r, g, b] in 0..255; unknown names give viridis. */
export function colormap(name) {
  const stops = STOPS[name];
  if (!stops) return viridis;
  return (t) => {
    const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(x));
    const f = x - k;
    return stops[k].map((a, c) => Math.round(a + (stops[k + 1][c] - a) * f));
  };
}

/** 256-entry RGBA lookup table of a colour map */
export function colormapLut(name) {
  const map = colormap(name);
  const lut = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) lut.set([...map(i / 255), 255], i * 4);
  return lut;
}

/** [[offset, css colour], …]: 11 stops of a colour map, for gradients */
export function colormapStops(name) {
  const map = colormap(name);
  return Array.from({ length: 11 }, (_, i) => [i / 10, cssColor(map(i / 10))]);
}

/** CSS linear-gradient of a colour map, for colour bars */
export function colormapGradient(name, direction = "to right") {
  return `linear-gradient(${direction}, ${colormapStops(name).map(([at, c]) => `${c} ${at * 100}%`).join(", ")})`;
}

export function cssColor([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

/** scanpy's default_20 palette, used when a column has no colours (and for new labels) */
export const FALLBACK = [
  "#1f77b4", "#ff7f0e", "#279e68", "#d62728", "#aa40fc", "#8c564b", "#e377c2", "#b5bd61", "#17becf", "#aec7e8",
  "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#ad494a", "#8c6d31",
];

/** "#rrggbb" → [r, g, b]; anything else → null */
export function parseHex(text) {
  if (typeof text !== "string") return null;
  const m = /^#([0-9a-f]{6})$/i.exec(text.trim());
  if (!m) return null;
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** One [r, g, b] per category, from the attrs colours where valid, else the fallback palette. */
export function categoryColors(colors, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(parseHex(colors && colors[i]) ?? parseHex(FALLBACK[i % FALLBACK.length]));
  }
  return out;
}

export const MISSING_RGB = [214, 214, 214];
/** genes: cells that do not express the gene (value 0), lighter than missing values */
export const ZERO_RGB = [224, 224, 224];
export const NONE_RGB = [70, 100, 150];
