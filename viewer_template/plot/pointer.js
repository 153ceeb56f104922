// Pointer gestures on the plot: one pointer (mouse, pen or finger) pans, two fingers pinch-zoom
// around their middle, the wheel and double-click zoom at the cursor; a mouse without a button
// pressed hovers. Camera changes go to the store.

import * as cam from "./camera.js";

export function setupPointer({ canvas, store, view, onHover, onLeave }) {
  const pointers = new Map(); // active pointers by id: {x, y}
  let pinch = null; // {dist, mx, my} of the last two-finger frame
  const local = (ev) => {
    const rect = canvas.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  };
  const bounds = () => store.get().embedding?.bounds;
  function pinchFrame() {
    const [a, b] = [...pointers.values()];
    return { dist: Math.hypot(a.x - b.x, a.y - b.y), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
  }
  function zoomAt(sx, sy, factor) {
    const b = bounds();
    if (!b) return;
    const { width, height } = view.size();
    store.set({ camera: cam.zoomAt(store.get().camera, b, width, height, sx, sy, factor) });
  }

  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" && ev.button !== 0) return;
    if (pointers.size >= 2) return; // a third finger is ignored
    try { canvas.setPointerCapture(ev.pointerId); } catch { /* synthetic or already released */ }
    const [x, y] = local(ev);
    pointers.set(ev.pointerId, { x, y });
    pinch = pointers.size === 2 ? pinchFrame() : null;
    onLeave();
  });

  canvas.addEventListener("pointermove", (ev) => {
    const p = pointers.get(ev.pointerId);
    if (!p) {
      if (!pointers.size && ev.pointerType !== "touch") onHover(...local(ev));
      return;
    }
    const [x, y] = local(ev);
    const dx = x - p.x;
    const dy = y - p.y;
    if (!dx && !dy) return;
    p.x = x;
    p.y = y;
    const b = bounds();
    if (!b) return;
    const { width, height } = view.size();
    let camera = store.get().camera;
    if (pointers.size === 2 && pinch) {
      const now = pinchFrame();
      if (pinch.dist > 0 && now.dist > 0) camera = cam.zoomAt(camera, b, width, height, pinch.mx, pinch.my, now.dist / pinch.dist);
      camera = cam.pan(camera, b, width, height, now.mx - pinch.mx, now.my - pinch.my);
      pinch = now;
    } else {
      camera = cam.pan(camera, b, width, height, dx, dy);
    }
    canvas.classList.add("is-dragging");
    store.set({ camera });
  });

  const end = (ev) => {
    if (!pointers.delete(ev.pointerId)) return;
    pinch = pointers.size === 2 ? pinchFrame() : null;
    if (!pointers.size) canvas.classList.remove("is-dragging");
    try {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
    } catch { /* already released */ }
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => { if (!pointers.size) onLeave(); });

  canvas.addEventListener("wheel", (ev) => {
    if (!bounds()) return;
    ev.preventDefault();
    const unit = ev.deltaMode === 1 ? 40 : ev.deltaMode === 2 ? 800 : 1;
    zoomAt(...local(ev), Math.exp(-ev.deltaY * unit * 0.0015));
    onLeave();
  }, { passive: false });

  canvas.addEventListener("dblclick", (ev) => zoomAt(...local(ev), ev.shiftKey ? 0.5 : 2));

  return { zoomAt };
}
