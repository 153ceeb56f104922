// Turning a 3-D embedding: the toolbar's "Rotate" mode (a drag with the mouse, a pen or one
// finger turns the cloud; two fingers still pinch-zoom, the wheel still zooms) and Shift+arrow
// keys. A mode of its own, shown only for 3-D embeddings, rather than a modifier on the pan drag:
// pan, lasso and rectangle keep their gestures unchanged, and a phone has no modifier keys.
// Each step goes to the store through controller.setRotation (plot/rotation.js projects).

import { is3d, normalRotation } from "./rotation.js";

const DEG_PER_PX = 0.5; // a drag across a 720 px plot turns it once around
const KEY_STEP = 15; // degrees per Shift+arrow
const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
const ROTATE_ICON = "M8 2a6 6 0 015.7 4.1l1.3-.8-.6 3.6-3.3-1.6 1.2-.7A4.4 4.4 0 003.6 8H2a6 6 0 016-6zm-5.9 6.3l3.3 1.6-1.2.7A4.4 4.4 0 0012.4 8H14a6 6 0 01-11.7 1.9l-1.3.8z";

let turning = null; // what a one-pointer drag does while the Rotate tool is chosen: {begin()}

/** For plot/pointer.js: the drag that turns the embedding, or null (the Rotate tool is not on). */
export const rotateDrag = () => turning;

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
