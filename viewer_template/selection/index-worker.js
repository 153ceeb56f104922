// Builds an embedding's row index (geometry.js rowIndex: cells sorted by display y, then x)
// off the main thread: two counting sorts over a million cells take longer than a frame.
// in: {id, xy (Uint16Array)}  out: {id, order, start, xs} (buffers transferred)

import { rowIndex } from "./geometry.js";

self.onmessage = ({ data: { id, xy } }) => {
  const { order, start, xs } = rowIndex(xy);
  self.postMessage({ id, order, start, xs }, [order.buffer, start.buffer, xs.buffer]);
};
