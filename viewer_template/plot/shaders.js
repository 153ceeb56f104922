// GLSL sources for the scatter renderer (WebGL2 / GLSL ES 3.00).

import { FOG_FADE, FOG_SHRINK } from "./rotation.js";

const f = (v) => v.toFixed(3);

export const VERTEX = `#version 300 es
precision highp float;
precision highp int;
layout(location = 0) in vec2 a_q;      // uint16 display coords, normalised to [0, 1]
layout(location = 1) in float a_v;     // category code, or value (-3e38 = missing, -2e38 = zero)
layout(location = 2) in float a_state; // bit 0: selected, bit 1: outside the subset (not drawn)
layout(location = 3) in float a_depth; // a 3-D embedding's depth, 0 back .. 1 front (else 1)
uniform float u_fog;                   // depth cue of a 3-D embedding: far cells paler and smaller
uniform vec2 u_min;
uniform vec2 u_range;
uniform vec2 u_center;
uniform vec2 u_scale;                  // 2 * pixels-per-unit / canvas size (clip space per unit)
uniform float u_pointSize;
uniform float u_alpha;
uniform float u_vmin;
uniform float u_vmax;
uniform int u_mode;                    // 0 none, 1 categorical, 2 continuous
uniform bool u_skipHidden;
uniform sampler2D u_palette;
uniform sampler2D u_lut;
uniform vec3 u_none;
uniform vec3 u_missing;
uniform vec3 u_zero;
uniform vec3 u_dim;
uniform float u_dimAlpha;
uniform int u_pass;                    // 0 every cell; 1 the unselected cells, dimmed; 2 the selected
out vec4 v_color;

const vec4 OFFSCREEN = vec4(2.0, 2.0, 2.0, 1.0);

void main() {
  int state = int(a_state + 0.5);
  bool selected = (state & 1) == 1;
  if ((u_skipHidden && a_q.x >= 1.0 && a_q.y >= 1.0) || (state & 2) == 2 || (u_pass == 1 && selected) ||
      (u_pass == 2 && !selected)) {
    gl_Position = OFFSCREEN;
    gl_PointSize = 0.0;
    v_color = vec4(0.0);
    return;
  }
  vec2 world = u_min + a_q * u_range;
  gl_Position = vec4((world - u_center) * u_scale, 0.0, 1.0);
  gl_PointSize = u_pointSize * (1.0 - ${f(FOG_SHRINK)} * u_fog * (1.0 - a_depth));
  vec4 c = vec4(u_none, 1.0);
  if (u_mode == 1) {
    if (a_v < 0.0) {
      c = vec4(u_missing, 1.0);
    } else {
      int code = int(a_v + 0.5);
      c = texelFetch(u_palette, ivec2(code % 1024, code / 1024), 0);
    }
  } else if (u_mode == 2) {
    if (a_v < -2.5e38) {
      c = vec4(u_missing, 1.0);
    } else if (a_v < -1e38) {
      c = vec4(u_zero, 1.0);
    } else {
      float t = clamp((a_v - u_vmin) / max(u_vmax - u_vmin, 1e-30), 0.0, 1.0);
      c = texture(u_lut, vec2(t * (255.0 / 256.0) + 0.5 / 256.0, 0.5));
    }
  }
  if (c.a == 0.0) {
    gl_Position = OFFSCREEN;
    gl_PointSize = 0.0;
  }
  c.rgb = mix(c.rgb, vec3(1.0), ${f(FOG_FADE)} * u_fog * (1.0 - a_depth)); // towards the white background
  float alpha = u_alpha;
  if (u_pass == 1) {
    c.rgb = u_dim;
    alpha = min(u_alpha, u_dimAlpha);
  }
  v_color = vec4(c.rgb, alpha);
}
`;

export const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 v_color;
uniform bool u_round;
out vec4 outColor;

void main() {
  float a = v_color.a;
  if (u_round) {
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float r = dot(p, p);
    if (r > 1.0) discard;
    a *= 1.0 - smoothstep(0.72, 1.0, r);
  }
  outColor = vec4(v_color.rgb * a, a);   // premultiplied alpha
}
`;
