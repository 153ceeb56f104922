// Pure colour helpers: viridis (polynomial fit of matplotlib's map), hex parsing, lookup tables.

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

/** 256-entry RGBA lookup table (Uint8Array of 1024) */
export function viridisLut() {
  const lut = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = viridis(i / 255);
    lut.set([r, g, b, 255], i * 4);
  }
  return lut;
}

export function cssColor([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

/** CSS linear-gradient for a colour bar */
export function viridisGradient(direction = "to right") {
  const stops = [];
  for (let i = 0; i <= 10; i++) stops.push(`${cssColor(viridis(i / 10))} ${i * 10}%`);
  return `linear-gradient(${direction}, ${stops.join(", ")})`;
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
