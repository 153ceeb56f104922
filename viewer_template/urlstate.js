// The view in the URL hash: #embedding=X_umap&color=gene%3ACD3E&view=cx,cy,zoom
// Values are names (embedding key, obs column name, gene symbol or name), URL-encoded.

export function parseHash(hash) {
  const out = {};
  const text = (hash || "").replace(/^#/, "");
  if (!text) return out;
  const params = new URLSearchParams(text);
  const embedding = params.get("embedding");
  if (embedding) out.embedding = embedding;
  const color = params.get("color");
  if (color) out.color = color;
  const view = params.get("view");
  if (view) {
    const parts = view.split(",").map(Number);
    if (parts.length === 3 && parts.every(Number.isFinite) && parts[2] > 0) {
      out.camera = { cx: parts[0], cy: parts[1], zoom: parts[2] };
    }
  }
  return out;
}

function num(v) {
  return Number(v.toPrecision(6)).toString();
}

export function formatHash({ embedding, color, camera }) {
  const params = new URLSearchParams();
  if (embedding) params.set("embedding", embedding);
  if (color) params.set("color", color);
  if (camera) params.set("view", [num(camera.cx), num(camera.cy), num(camera.zoom)].join(","));
  return "#" + params.toString().replace(/%2C/g, ",");
}
