// The comparison worker (a module worker): the page stays responsive while rows and leaves are
// fetched, decoded and combined here. Messages (client.js is the other side):
//
//   page → worker  {type: "open", base}            the bundle's data/ URL (absolute)
//                  {type: "display", xy}           display coordinates of the tree's embedding
//                  {type: "compare", id, a, b, askAbove}
//                  {type: "proceed", id} | {type: "cancel", id}
//   worker → page  {type: "opened", info} | {type: "opened", error}
//                  {type: "planned", id, route, bytes, toRead, files}
//                  {type: "confirm", id}           toRead > askAbove: waits for proceed or cancel
//                  {type: "progress", id, received, total}
//                  {type: "result", id, columns, info} | {type: "error", id, name, message}
//
// A group is {label, member (Uint8Array per cell), n, conditions | null}; b may be {rest: true}.

import { CompareData, NoCompareData } from "./reader.js";
import { planComparison, runComparison } from "./engine.js";

let opening = null;
let received = 0; // bytes arrived, for progress
const jobs = new Map(); // id → {controller, proceed}

async function open(base) {
  try {
    const data = await CompareData.open(base, (bytes) => { received += bytes; });
    const info = { available: true, spatial: data.spatial, nCells: data.nCells, nGenes: data.nGenes,
      embedding: data.attrs.embedding, columns: data.attrs.columns || [], joint: data.attrs.joint || [] };
    self.postMessage({ type: "opened", info });
    return data;
  } catch (err) {
    const missing = err instanceof NoCompareData;
    self.postMessage({ type: "opened", info: { available: false, missing }, error: missing ? null : err.message });
    throw err;
  }
}

/** The rest of A: every cell not in A (cells with missing values included). */
function restOf(a) {
  const member = new Uint8Array(a.member.length);
  for (let i = 0; i < member.length; i++) member[i] = a.member[i] ? 0 : 1;
  return { label: "rest", member, n: member.length - a.n, conditions: null, restOf: a };
}

async function compare(msg) {
  const controller = new AbortController();
  const job = { controller, proceed: null };
  jobs.set(msg.id, job);
  const post = (m, transfer) => self.postMessage({ ...m, id: msg.id }, transfer || []);
  try {
    const data = await opening;
    const a = { ...msg.a, restOf: null };
    const b = msg.b.rest ? restOf(a) : { ...msg.b, restOf: null };
    const planned = await planComparison(data, a, b);
    post({ type: "planned", route: planned.route.name, bytes: planned.bytes, toRead: planned.toRead, files: planned.files });
    if (msg.askAbove !== null && planned.toRead > msg.askAbove) {
      post({ type: "confirm" });
      await new Promise((resolve, reject) => {
        job.proceed = resolve;
        controller.signal.addEventListener("abort", () => reject(new DOMException("Aborted", "AbortError")), { once: true });
      });
    }
    const start = received;
    const timer = setInterval(() => post({ type: "progress", received: received - start, total: planned.toRead }), 100);
    let result;
    try {
      result = await runComparison(data, a, b, planned, controller.signal);
    } finally {
      clearInterval(timer);
    }
    data.trim();
    const buffers = Object.values(result.columns).map((c) => c.buffer);
    post({ type: "result", columns: result.columns, info: result.info }, buffers);
  } catch (err) {
    post({ type: "error", name: err.name, message: err.message });
  } finally {
    jobs.delete(msg.id);
  }
}

self.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === "open") {
    opening = open(msg.base);
    opening.catch(() => {});
  } else if (msg.type === "display") {
    opening.then((data) => data.setDisplay(msg.xy)).catch(() => {});
  } else if (msg.type === "compare") {
    compare(msg);
  } else if (msg.type === "proceed") {
    jobs.get(msg.id)?.proceed?.();
  } else if (msg.type === "cancel") {
    jobs.get(msg.id)?.controller.abort();
  }
};
