// Pointer gestures on the plot: one pointer (mouse, pen or finger) pans, or draws when a
// selection tool is chosen (`tool`, plot/lasso.js); two fingers pinch-zoom around their middle
// in any mode (a second finger drops a shape being drawn); the wheel and double-click zoom at
// the cursor; a mouse without a button pressed hovers; a finger that lifts where it landed taps
// (a phone has no hover). With the Rotate tool (setupTurning, below), one pointer turns a 3-D
// embedding instead of panning. Camera changes go to the store.

const SLOP = 8; // CSS px a finger may wander during a tap before it counts as a drag

import * as cam from "./camera.js";
import { is3d, normalRotation } from "./rotation.js";

export function setupPointer({ canvas, store, view, onHover, onLeave, onTap }) {
  let tool = null; // the selection tool a drag may draw with (setTool)
  const pointers = new Map(); // active pointers by id: {x, y, x0, y0, dragged}
  let drawing = null; // id of the pointer drawing a shape
  let multi = false; // a second finger joined since the first landed: no tap
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
    multi = pointers.size > 0;
    pointers.set(ev.pointerId, { x, y, x0: x, y0: y, dragged: ev.pointerType === "mouse" });
    pinch = pointers.size === 2 ? pinchFrame() : null;
    for (const other of pointers.values()) other.turn = null; // a second finger zooms, not turns
    if (pointers.size === 1 && !tool?.takes(ev)) pointers.get(ev.pointerId).turn = rotateDrag()?.begin() ?? null;
    if (pointers.size === 1 && tool?.takes(ev)) {
      drawing = ev.pointerId;
      tool.begin(x, y, ev);
    } else if (drawing !== null) { // a second finger: zoom, not a shape
      tool.cancel();
      drawing = null;
    }
    onLeave();
  });

  canvas.addEventListener("pointermove", (ev) => {
    const p = pointers.get(ev.pointerId);
    if (!p) {
      if (!pointers.size && ev.pointerType !== "touch") onHover(...local(ev));
      return;
    }
    const [x, y] = local(ev);
    if (!p.dragged && Math.hypot(x - p.x0, y - p.y0) < SLOP && pointers.size === 1) return; // still a tap
    p.dragged = true;
    if (drawing === ev.pointerId) {
      tool.move(x, y);
      return;
    }
    if (p.turn) {
      canvas.classList.add("is-dragging");
      p.turn(x - p.x0, y - p.y0);
      return;
    }
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
    const p = pointers.get(ev.pointerId);
    if (!pointers.delete(ev.pointerId)) return;
    let drew = false;
    if (drawing === ev.pointerId) {
      drawing = null;
      if (ev.type === "pointerup" && p.dragged) drew = tool.end(...local(ev));
      else tool.cancel();
    }
    if (ev.type === "pointerup" && !drew && !p.dragged && !multi && !pointers.size) onTap?.(p.x0, p.y0);
    if (!pointers.size) multi = false;
    pinch = pointers.size === 2 ? pinchFrame() : null;
    if (!pointers.size) canvas.classList.remove("is-dragging");
    try {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
    } catch { /* already released */ }
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  // a lifted finger "leaves" too: that must not hide what its tap just showed
  canvas.addEventListener("pointerleave", (ev) => { if (!pointers.size && ev.pointerType !== "touch") onLeave(); });

  canvas.addEventListener("wheel", (ev) => {
    if (!bounds()) return;
    ev.preventDefault();
    const unit = ev.deltaMode === 1 ? 40 : ev.deltaMode === 2 ? 800 : 1;
    zoomAt(...local(ev), Math.exp(-ev.deltaY * unit * 0.0015));
    onLeave();
  }, { passive: false });

  canvas.addEventListener("dblclick", (ev) => zoomAt(...local(ev), ev.shiftKey ? 0.5 : 2));

  return { zoomAt, setTool: (t) => { tool = t; } };
}

// Turning a 3-D embedding (one of the plot's drags, so here): the toolbar's "Rotate" mode (a
// drag with the mouse, a pen or one finger turns the cloud; two fingers still pinch-zoom, the
// wheel still zooms) and Shift+arrow keys. A mode of its own, shown only for 3-D embeddings, rather than a modifier on the pan drag:
// pan, lasso and rectangle keep their gestures unchanged, and a phone has no modifier keys.
// Each step goes to the store through controller.setRotation (plot/rotation.js projects).

const DEG_PER_PX = 0.5; // a drag across a 720 px plot turns it once around
const KEY_STEP = 15; // degrees per Shift+arrow
const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
const ROTATE_ICON = "M8 2a6 6 0 015.7 4.1l1.3-.8-.6 3.6-3.3-1.6 1.2-.7A4.4 4.4 0 003.6 8H2a6 6 0 016-6zm-5.9 6.3l3.3 1.6-1.2.7A4.4 4.4 0 0012.4 8H14a6 6 0 01-11.7 1.9l-1.3.8z";

let turning = null; // what a one-pointer drag does while the Rotate tool is chosen: {begin()}

/** The drag that turns the embedding, or null (the Rotate tool is not on). */
const rotateDrag = () => turning;

/** The Rotate tool (toolbar "mode" group) and the keys; main.js calls it once. */
export function setupTurning({ store, toolbar, controller }) {
  const button = toolbar.add({ id: "tool-rotate", label: "Rotate (drag to turn the 3-D embedding; Shift+arrow keys)",
    icon: ROTATE_ICON, group: "mode" });
  button.hidden = true;
  const rotation = () => store.get().embedding?.rotation;
  const drag = {
    /** A drag starts: returns move(dx, dy) for the pointer's offset from where it landed. */
    begin() {
      const start = rotation();
      if (!start) return null;
      return (dx, dy) => controller.setRotation(normalRotation({ yaw: start.yaw + dx * DEG_PER_PX, pitch: start.pitch + dy * DEG_PER_PX }));
    },
  };
  // the mode group's buttons: Rotate on, or another tool chosen
  button.parentElement.addEventListener("click", (ev) => {
    const chosen = ev.target.closest(".tool");
    if (chosen) turning = chosen === button ? drag : null;
  });
  store.subscribe((s) => {
    const shown = is3d(s.embedding);
    button.hidden = !shown;
    if (!shown && turning) document.getElementById("tool-pan")?.click(); // a 2-D embedding: back to pan
  }, ["embedding"]);

  document.addEventListener("keydown", (ev) => {
    const dir = KEYS[ev.key];
    const target = ev.target;
    const onPlot = target === document.body || target?.id === "canvas" || !!target?.closest?.("#toolbar");
    if (!dir || !ev.shiftKey || ev.altKey || ev.ctrlKey || ev.metaKey || !onPlot || !is3d(store.get().embedding)) return;
    ev.preventDefault();
    const r = rotation();
    controller.setRotation(normalRotation({ yaw: r.yaw + dir[0] * KEY_STEP, pitch: r.pitch + dir[1] * KEY_STEP }));
  });
  return { button };
}
