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

/** The view state a link carries: embedding key, colour spec, camera. */
export function linkState(s) {
  return { embedding: s.embedding?.key ?? null, color: s.color.spec, camera: s.camera };
}

/**
 * Keep the URL hash in step with the store (replaceState, 200 ms after the last change) and
 * apply a hash that the person edits or navigates to. apply(view) returns a promise.
 */
export function syncHash({ store, apply, onError }) {
  let timer = 0;
  function write() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const hash = formatHash(linkState(store.get()));
      if (hash !== location.hash) history.replaceState(history.state, "", hash);
    }, 200);
  }
  store.subscribe(write, ["embedding", "color", "camera"]);
  write();
  window.addEventListener("hashchange", () => {
    apply(parseHash(location.hash)).catch(onError);
  });
}
