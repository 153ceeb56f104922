// An SVG figure drawn in a panel (violin, heatmap, scatter) saved as an SVG file or as a PNG at
// twice its size: the browser draws the serialised SVG into a canvas (a blob: image, which the
// page's CSP allows). Its text is the element's text, so the files show what the panel shows.

import { saveBlob } from "../files.js";

export function svgText(root) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(root)}\n`;
}

/** The PNG of an <svg> element with width/height attributes, at `scale` pixels per unit. */
export async function svgPng(root, scale = 2) {
  const width = Number(root.getAttribute("width"));
  const height = Number(root.getAttribute("height"));
  const url = URL.createObjectURL(new Blob([svgText(root)], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const g = canvas.getContext("2d");
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not make the PNG"))), "image/png"));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Download buttons "PNG" and "SVG" for the figure current() returns (an <svg> or null). */
export function downloadButtons({ current, name, onError, idPrefix }) {
  const make = (text, id, run) => {
    const b = document.createElement("button");
    Object.assign(b, { type: "button", className: "button", id: `${idPrefix}-${id}`, textContent: text, title: `Download the figure as ${text}` });
    b.addEventListener("click", async () => {
      const root = current();
      if (!root) return;
      try {
        await run(root);
      } catch (err) {
        onError(err);
      }
    });
    return b;
  };
  return [
    make("PNG", "png", async (root) => saveBlob(await svgPng(root), `${name()}.png`)),
    make("SVG", "svg", async (root) => saveBlob(new Blob([svgText(root)], { type: "image/svg+xml" }), `${name()}.svg`)),
  ];
}
