// WebGL2 scatter renderer. createRenderer(canvas) → {set, render, resize, destroy, pointStyle}.
// All changes go through set({...}); it marks the frame dirty and queues one requestAnimationFrame.
// Each set() raises the revision; onDraw(revision) tells which one a finished frame shows.

import { VERTEX, FRAGMENT } from "./shaders.js";
import { createImageLayer } from "./tissue.js";
import { scale, ySign } from "./camera.js";
import { MISSING_RGB, NONE_RGB, ZERO_RGB } from "../colormaps.js";

// cells outside the selection: a pale grey under the selected ones, lighter than "missing"
export const DIM_RGB = [221, 224, 228];
export const DIM_ALPHA = 0.6;

const MODES = { none: 0, categorical: 1, continuous: 2 };
const BACKGROUND = [1, 1, 1];

function compile(gl, type, source) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  return shader;
}

/**
 * The points' program, compiled and linked without waiting: a status asked for at once makes
 * the page wait while the GPU process compiles (SwiftShader: tens of ms on a loaded machine).
 * `check()` asks, once, when the program is first needed (the first data set in the plot): by
 * then it was compiled while the page read the data and made the panels. Returns the uniforms'
 * locations, or throws with the compiler's log.
 */
function link(gl, uniforms) {
  const program = gl.createProgram();
  const shaders = [compile(gl, gl.VERTEX_SHADER, VERTEX), compile(gl, gl.FRAGMENT_SHADER, FRAGMENT)];
  for (const shader of shaders) gl.attachShader(program, shader);
  gl.linkProgram(program);
  gl.flush(); // to the GPU process now, not at the end of this task
  let loc = null;
  function check() {
    if (loc) return loc;
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      const log = shaders.map((sh) => gl.getShaderInfoLog(sh)).join(" ").trim() || gl.getProgramInfoLog(program);
      throw new Error(`shader link failed: ${log}`);
    }
    for (const shader of shaders) gl.deleteShader(shader);
    loc = Object.fromEntries(uniforms.map((name) => [name, gl.getUniformLocation(program, name)]));
    return loc;
  }
  return { program, check };
}

/**
 * Point size (CSS px) and opacity from the number of cells, the plot area and the zoom; the
 * person's look ({size: factor, opacity: null | 0..1}) scales the size and may fix the opacity.
 */
export function pointStyle(n, width, height, zoom, look = null) {
  const area = Math.max(1, width * height);
  const density = Math.max(n, 1) / area;
  const base = Math.min(7, Math.max(1.2, 0.75 / Math.sqrt(density)));
  const size = Math.min(28, base * Math.pow(Math.max(zoom, 1), 0.6));
  // expected overdraw if cells covered about a third of the plot
  const overdraw = (n * Math.PI * (base / 2) ** 2) / (area * 0.35);
  const alpha = Math.min(1, Math.max(0.25, 2 / Math.max(overdraw, 1e-9)));
  if (!look) return { size, alpha };
  return { size: Math.min(64, Math.max(0.5, size * (look.size ?? 1))), alpha: look.opacity ?? alpha, autoAlpha: alpha };
}

export function createRenderer(canvas, { onDraw = () => {} } = {}) {
  const s = {
    n: 0, count: 0, bounds: null, skipHidden: false, fog: 0, mode: "none", vmin: 0, vmax: 1, camera: null, selecting: false,
    width: 1, height: 1, dpr: 1, look: null, image: null, spot: null,
  };
  // sized in the page's layout before its context is made: the drawing buffer is made once at
  // that size (a WebGL canvas resized later gets a new one, for which the page waits on the GPU
  // process); resize() then changes nothing unless the layout did
  fit();
  const gl = canvas.getContext("webgl2", { antialias: false, alpha: false, premultipliedAlpha: true, preserveDrawingBuffer: false });
  if (!gl) throw new Error("WebGL2 is not available in this browser, so the plot cannot be drawn.");
  const { program, check } = link(gl, ["u_min", "u_range", "u_center", "u_scale", "u_pointSize", "u_alpha", "u_vmin", "u_vmax",
    "u_mode", "u_skipHidden", "u_palette", "u_lut", "u_none", "u_missing", "u_zero", "u_round", "u_dim", "u_dimAlpha", "u_pass", "u_fog"]);
  let loc = null; // the uniforms' locations, once the program is checked (the first set())
  const vao = gl.createVertexArray();
  const posBuffer = gl.createBuffer();
  const valBuffer = gl.createBuffer();
  const selBuffer = gl.createBuffer();
  const depthBuffer = gl.createBuffer(); // a 3-D embedding's depth per cell (plot/rotation.js)
  const indexBuffer = gl.createBuffer();
  const paletteTex = gl.createTexture();
  const lutTex = gl.createTexture();
  gl.bindVertexArray(vao);
  gl.bindBuffer(gl.ARRAY_BUFFER, posBuffer);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribPointer(0, 2, gl.UNSIGNED_SHORT, true, 0, 0);
  gl.bindBuffer(gl.ARRAY_BUFFER, valBuffer);
  gl.vertexAttribPointer(1, 1, gl.FLOAT, false, 0, 0);
  gl.disableVertexAttribArray(1);
  gl.vertexAttrib1f(1, 0);
  gl.bindBuffer(gl.ARRAY_BUFFER, selBuffer);
  gl.vertexAttribPointer(2, 1, gl.UNSIGNED_BYTE, false, 0, 0); // a state byte per cell, as is
  gl.disableVertexAttribArray(2);
  gl.vertexAttrib1f(2, 0);
  gl.bindBuffer(gl.ARRAY_BUFFER, depthBuffer);
  gl.vertexAttribPointer(3, 1, gl.UNSIGNED_SHORT, true, 0, 0);
  gl.disableVertexAttribArray(3);
  gl.vertexAttrib1f(3, 1);
  gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, indexBuffer);
  gl.bindVertexArray(null);

  function setupTexture(tex, filter) {
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  }
  setupTexture(paletteTex, gl.NEAREST);
  setupTexture(lutTex, gl.LINEAR);
  const tissue = createImageLayer(gl); // a tissue image under spatial spots (plot/tissue.js)

  let frame = 0;
  let destroyed = false;
  let revision = 0;
  let frames = 0; // frames drawn, on the canvas's data-frames: what tests wait on instead of sleeping

  function uploadTexture(tex, rgba, maxWidth) {
    const k = Math.max(1, rgba.length / 4);
    const width = Math.min(k, maxWidth);
    const height = Math.ceil(k / width);
    const data = new Uint8Array(width * height * 4);
    data.set(rgba);
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, data);
  }

  function set(props) {
    if (destroyed) return;
    loc ??= check(); // a failed compile is thrown to the code that gave the plot its data
    revision++;
    gl.bindVertexArray(vao);
    if (props.positions) {
      const { xy, bounds, skipHidden, depth = null } = props.positions;
      gl.bindBuffer(gl.ARRAY_BUFFER, posBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
      if (depth) {
        gl.bindBuffer(gl.ARRAY_BUFFER, depthBuffer);
        gl.bufferData(gl.ARRAY_BUFFER, depth, gl.DYNAMIC_DRAW);
        gl.enableVertexAttribArray(3);
      } else {
        gl.disableVertexAttribArray(3);
        gl.vertexAttrib1f(3, 1);
      }
      s.fog = depth ? 1 : 0;
      s.n = xy.length / 2;
      s.bounds = bounds;
      s.skipHidden = !!skipHidden;
    }
    if ("values" in props) {
      if (props.values) {
        gl.bindBuffer(gl.ARRAY_BUFFER, valBuffer);
        gl.bufferData(gl.ARRAY_BUFFER, props.values, gl.DYNAMIC_DRAW);
        gl.enableVertexAttribArray(1);
      } else {
        gl.disableVertexAttribArray(1);
        gl.vertexAttrib1f(1, 0);
      }
    }
    if ("cellState" in props) {
      // a byte per cell (bit 0 selected, bit 1 outside the subset), or null: every cell shown
      if (props.cellState) {
        gl.bindBuffer(gl.ARRAY_BUFFER, selBuffer);
        gl.bufferData(gl.ARRAY_BUFFER, props.cellState, gl.DYNAMIC_DRAW);
        gl.enableVertexAttribArray(2);
      } else {
        gl.disableVertexAttribArray(2);
        gl.vertexAttrib1f(2, 0);
      }
      s.selecting = !!props.selecting;
    }
    if (props.order) {
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, indexBuffer);
      gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, props.order, gl.DYNAMIC_DRAW);
      s.count = props.order.length;
    }
    gl.bindVertexArray(null);
    if (props.palette) uploadTexture(paletteTex, props.palette, 1024);
    if (props.lut) uploadTexture(lutTex, props.lut, 256);
    if (props.mode) s.mode = props.mode;
    if (typeof props.vmin === "number") s.vmin = props.vmin;
    if (typeof props.vmax === "number") s.vmax = props.vmax;
    if (props.camera) s.camera = { ...props.camera };
    if (props.look) s.look = { ...props.look };
    if ("image" in props) { // {bitmap, extent, opacity, spot} or null
      const { bitmap = null, ...image } = props.image ?? {};
      if (bitmap || !props.image) tissue.upload(bitmap);
      s.image = props.image ? { ...s.image, ...image } : null;
    }
    schedule();
  }

  function schedule() {
    if (frame || destroyed) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  }

  /** The canvas's pixels to its CSS size (setting them clears it); false if they already were. */
  function fit() {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, canvas.clientWidth);
    const height = Math.max(1, canvas.clientHeight);
    if (width === s.width && height === s.height && dpr === s.dpr && canvas.width === Math.round(width * dpr)) return false;
    s.width = width;
    s.height = height;
    s.dpr = dpr;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    return true;
  }

  function resize() {
    if (!fit()) return false;
    schedule();
    return true;
  }

  function currentStyle() {
    const style = pointStyle(s.n, s.width, s.height, s.camera ? s.camera.zoom : 1, s.look);
    // spots at their true size: the spot diameter in data units, at the camera's scale
    if (s.look?.spots && s.image?.spot > 0 && s.camera && s.bounds) style.size = s.image.spot * scale(s.camera, s.bounds, s.width, s.height);
    return style;
  }

  function render() {
    if (destroyed) return;
    // no embedding yet (the canvas sized, the data on its way): no frame, so the page's first
    // frames do not copy an empty canvas to the compositor (SwiftShader reads it back each time);
    // once there is one, every frame is drawn, even of no cell (a subset of none), and resolves drawn()
    if (!frames && !(s.bounds && s.camera) && !s.image) return;
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (s.bounds && s.camera && s.image) {
      const px = scale(s.camera, s.bounds, s.width, s.height);
      tissue.draw({ extent: s.image.extent, center: [s.camera.cx, s.camera.cy], opacity: s.image.opacity,
        clipScale: [(2 * px) / s.width, (ySign(s.bounds) * 2 * px) / s.height] });
    }
    if (s.bounds && s.camera && s.count > 0) {
      const px = scale(s.camera, s.bounds, s.width, s.height);
      const { size, alpha } = currentStyle();
      gl.useProgram(program);
      gl.uniform2f(loc.u_min, s.bounds.min[0], s.bounds.min[1]);
      gl.uniform2f(loc.u_range, s.bounds.max[0] - s.bounds.min[0], s.bounds.max[1] - s.bounds.min[1]);
      gl.uniform2f(loc.u_center, s.camera.cx, s.camera.cy);
      gl.uniform2f(loc.u_scale, (2 * px) / s.width, (ySign(s.bounds) * 2 * px) / s.height);
      const devSize = size * s.dpr;
      gl.uniform1f(loc.u_pointSize, devSize);
      gl.uniform1i(loc.u_round, devSize >= 3 ? 1 : 0);
      gl.uniform1f(loc.u_alpha, alpha);
      gl.uniform1f(loc.u_vmin, s.vmin);
      gl.uniform1f(loc.u_vmax, s.vmax);
      gl.uniform1i(loc.u_mode, MODES[s.mode] ?? 0);
      gl.uniform1i(loc.u_skipHidden, s.skipHidden ? 1 : 0);
      gl.uniform3f(loc.u_none, NONE_RGB[0] / 255, NONE_RGB[1] / 255, NONE_RGB[2] / 255);
      gl.uniform3f(loc.u_missing, MISSING_RGB[0] / 255, MISSING_RGB[1] / 255, MISSING_RGB[2] / 255);
      gl.uniform3f(loc.u_zero, ZERO_RGB[0] / 255, ZERO_RGB[1] / 255, ZERO_RGB[2] / 255);
      gl.uniform3f(loc.u_dim, DIM_RGB[0] / 255, DIM_RGB[1] / 255, DIM_RGB[2] / 255);
      gl.uniform1f(loc.u_dimAlpha, DIM_ALPHA);
      gl.uniform1f(loc.u_fog, s.fog);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, paletteTex);
      gl.uniform1i(loc.u_palette, 0);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, lutTex);
      gl.uniform1i(loc.u_lut, 1);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.bindVertexArray(vao);
      if (s.selecting) {
        // the selection on top: every unselected cell first (dimmed), then the selected ones,
        // each pass in the colouring's order, so no per-selection reordering of the cells
        gl.uniform1i(loc.u_pass, 1);
        gl.drawElements(gl.POINTS, s.count, gl.UNSIGNED_INT, 0);
        gl.uniform1i(loc.u_pass, 2);
      } else {
        gl.uniform1i(loc.u_pass, 0);
      }
      gl.drawElements(gl.POINTS, s.count, gl.UNSIGNED_INT, 0);
      gl.bindVertexArray(null);
    }
    canvas.dataset.frames = String(++frames);
    onDraw(revision);
  }

  /**
   * The plot drawn at `scale` device pixels per CSS pixel (points scaled alike), copied to a 2D
   * canvas, and the screen drawn again as it was: one task, so nothing flickers.
   */
  function snapshot(scale) {
    const saved = s.dpr;
    s.dpr = scale;
    canvas.width = Math.round(s.width * scale);
    canvas.height = Math.round(s.height * scale);
    render();
    const out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height;
    out.getContext("2d").drawImage(canvas, 0, 0);
    s.dpr = saved;
    canvas.width = Math.round(s.width * saved);
    canvas.height = Math.round(s.height * saved);
    render();
    return out;
  }

  function destroy() {
    destroyed = true;
    if (frame) cancelAnimationFrame(frame);
    gl.deleteBuffer(posBuffer);
    gl.deleteBuffer(valBuffer);
    gl.deleteBuffer(selBuffer);
    gl.deleteBuffer(depthBuffer);
    gl.deleteBuffer(indexBuffer);
    gl.deleteTexture(paletteTex);
    gl.deleteTexture(lutTex);
    tissue.destroy();
    gl.deleteVertexArray(vao);
    gl.deleteProgram(program);
  }

  return {
    set, render, resize, destroy, snapshot, pointStyle: currentStyle,
    size: () => ({ width: s.width, height: s.height }),
    revision: () => revision,
  };
}
