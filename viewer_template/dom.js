// The one way the viewer makes an element: text goes in as textContent, never as HTML.

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A dataset string inside other text: first-strong isolate … pop directional isolate, so that a
 * name with right-to-left characters or an unclosed override (U+202E) cannot reorder the numbers
 * and words around it. For attributes, titles and composed messages; elements use <bdi>.
 */
export function iso(text) {
  return `\u2068${text}\u2069`;
}
