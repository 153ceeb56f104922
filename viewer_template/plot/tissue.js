// Tissue images under spatial spots (docs/FORMAT.md, "Tissue images"): which image a view shows
// (the embedding's, of the library the look names), the cells of that library, and the WebGL
// layer that draws the image in the embedding's coordinates with the points' camera, so spots sit
// on the tissue at every pan and zoom.

/** The image shown for `embeddingId` and the look's library (null: the first), or null. */
export function chosenImage(dataset, embeddingId, lib) {
  const images = dataset ? dataset.images(embeddingId) : [];
  return images.find((i) => i.library === lib) || images[0] || null;
}

/**
 * The cells of the image's library (a Uint8Array, 1 = shown), or null when the image has no
 * library column (one library: every cell is on it).
 */
export async function libraryMask(dataset, image) {
  if (!image || image.obs_id === undefined || image.obs_id === null) return null;
  const column = await dataset.obs(String(image.obs_id));
  const code = column.categories.indexOf(image.library);
  const mask = new Uint8Array(column.codes.length);
  for (let i = 0; i < mask.length; i++) mask[i] = column.codes[i] === code ? 1 : 0;
  return mask;
}

/** Cells shown: those of both masks (either may be null: no restriction). */
export function bothMasks(a, b) {
  if (!a || !b) return a || b || null;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] && b[i] ? 1 : 0;
  return out;
}

const VERTEX = `#version 300 es
precision highp float;
layout(location = 0) in vec2 a_corner;  // (0, 0) .. (1, 1): the image's first row is at y0
uniform vec4 u_extent;                  // x0, y0, x1, y1 in the embedding's coordinates
uniform vec2 u_center;
uniform vec2 u_scale;
out vec2 v_uv;
void main() {
  vec2 world = mix(u_extent.xy, u_extent.zw, a_corner);
  gl_Position = vec4((world - u_center) * u_scale, 0.0, 1.0);
  v_uv = a_corner;
}
`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_image;
uniform float u_opacity;
out vec4 outColor;
void main() {
  outColor = texture(u_image, v_uv) * u_opacity;  // premultiplied, as the points
}
`;

function program(gl) {
  const p = gl.createProgram();
  for (const [type, source] of [[gl.VERTEX_SHADER, VERTEX], [gl.FRAGMENT_SHADER, FRAGMENT]]) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`image shader: ${gl.getShaderInfoLog(shader)}`);
    gl.attachShader(p, shader);
    gl.deleteShader(shader);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`image shader link: ${gl.getProgramInfoLog(p)}`);
  return p;
}

/** The image layer of one WebGL2 context: upload(bitmap | null), draw(...), destroy(). */
export function createImageLayer(gl) {
  // compiled with the first image: a dataset without one never waits for its shaders
  let prog = null;
  let loc = null;
  const vao = gl.createVertexArray();
  const buffer = gl.createBuffer();
  gl.bindVertexArray(vao);
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
  gl.bindVertexArray(null);
  const texture = gl.createTexture();
  let loaded = false;

  function upload(bitmap) {
    loaded = false;
    if (!bitmap) return;
    if (!prog) {
      prog = program(gl);
      loc = Object.fromEntries(["u_extent", "u_center", "u_scale", "u_image", "u_opacity"].map((n) => [n, gl.getUniformLocation(prog, n)]));
    }
    loaded = true;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    gl.generateMipmap(gl.TEXTURE_2D); // zoomed out, a mipmap averages the pixels a screen pixel covers
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR_MIPMAP_LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }

  /** extent: [x0, y0, x1, y1]; center: the camera's; clipScale: clip units per data unit (x, y). */
  function draw({ extent, center, clipScale, opacity }) {
    if (!loaded || !(opacity > 0)) return;
    gl.useProgram(prog);
    gl.uniform4f(loc.u_extent, extent[0], extent[1], extent[2], extent[3]);
    gl.uniform2f(loc.u_center, center[0], center[1]);
    gl.uniform2f(loc.u_scale, clipScale[0], clipScale[1]);
    gl.uniform1f(loc.u_opacity, opacity);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.uniform1i(loc.u_image, 2);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(vao);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
  }

  function destroy() {
    gl.deleteTexture(texture);
    gl.deleteBuffer(buffer);
    gl.deleteVertexArray(vao);
    if (prog) gl.deleteProgram(prog);
  }

  return { upload, draw, destroy, loaded: () => loaded };
}

/** The image as a PNG data URL (for the SVG export), from its bitmap. */
export function imageDataUrl(bitmap) {
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  return canvas.toDataURL("image/png");
}
