// The page's side of the comparison worker: starts it on first use, resolves group specs into
// cells (groups.js), hands the worker the tree's display coordinates once, and runs comparisons
// with a plan first (bytes shown, confirmation above a size), progress and cancellation.
// Results come back as per-gene Float64Arrays; rows() builds the API's objects from them.

import { checkPair, describeRest, resolveGroup } from "./groups.js";

export function createComparer({ ds, store, base = "data/" }) {
  let worker = null;
  let opened = null;
  let displaySent = null;
  let nextId = 1;
  const jobs = new Map();

  function start() {
    if (opened) return opened;
    worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    opened = new Promise((resolve) => {
      worker.onmessage = (ev) => {
        const msg = ev.data;
        if (msg.type === "opened") resolve({ ...msg.info, error: msg.error });
        else jobs.get(msg.id)?.(msg);
      };
      worker.onerror = (ev) => resolve({ available: false, error: `the comparison worker failed (${ev.message || "no module workers?"})` });
    });
    worker.postMessage({ type: "open", base: new URL(base, document.baseURI).href });
    return opened;
  }

  /** The tree's embedding, sent once (a copy: the plot keeps its own). */
  async function sendDisplay(info) {
    if (!info.spatial) return;
    displaySent ??= ds.embedding(info.embedding).then((e) => worker.postMessage({ type: "display", xy: e.xy.slice() }));
    try {
      await displaySent;
    } catch (err) {
      displaySent = null;
      throw err;
    }
  }

  /**
   * Compare spec a with spec b ("rest" or another spec). Callbacks: onPlanned({route, bytes,
   * toRead, files}), onConfirm(plan) when toRead > askAbove (then call job.proceed() or
   * job.cancel()), onProgress(received, total). Returns {promise, cancel, proceed}; the promise
   * resolves with {columns, info} or rejects (an AbortError when cancelled).
   */
  function run(specA, specB, { askAbove = null, onPlanned = () => {}, onConfirm = () => {}, onProgress = () => {} } = {}) {
    const id = nextId++;
    let cancelled = false;
    const job = {
      cancel() {
        cancelled = true;
        worker?.postMessage({ type: "cancel", id });
      },
      proceed() { worker?.postMessage({ type: "proceed", id }); },
    };
    job.promise = (async () => {
      const info = await start();
      if (!info.available) throw new Error(unavailableText(info));
      const a = await resolveGroup(specA, "A", { ds, store });
      const b = specB === "rest" ? null : await resolveGroup(specB, "B", { ds, store });
      checkPair(a, b, ds.nCells);
      const rest = b ? null : await describeRest(a, ds);
      await sendDisplay(info);
      if (cancelled) throw new DOMException("Aborted", "AbortError");
      const group = (g) => ({ label: g.label, member: g.member, n: g.n, conditions: g.conditions });
      const result = await new Promise((resolve, reject) => {
        jobs.set(id, (msg) => {
          if (msg.type === "planned") onPlanned(msg);
          else if (msg.type === "confirm") onConfirm();
          else if (msg.type === "progress") onProgress(msg.received, msg.total);
          else if (msg.type === "result") resolve(msg);
          else if (msg.type === "error") reject(msg.name === "AbortError" ? new DOMException("Cancelled", "AbortError") : new Error(msg.message));
        });
        worker.postMessage({ type: "compare", id, a: group(a), b: b ? group(b) : { rest: true }, askAbove }, [a.member.buffer, ...(b ? [b.member.buffer] : [])]);
      }).finally(() => jobs.delete(id));
      return { columns: result.columns, info: { ...result.info, rest } };
    })();
    return job;
  }

  return { available: start, run };
}

/** Why a bundle offers no comparisons, in words. */
export function unavailableText(info) {
  if (info.error) return `Comparisons cannot be read: ${info.error}`;
  return "This bundle has no comparison data: it was exported before bundle format version 2, or with " +
    "\u201cxgexport build --no-compare\u201d, which leaves it out. The marker genes of each category are under " +
    "\u201cMarker genes\u201d.";
}

/** The API's rows: one object per gene with every statistic. */
export function resultRows(columns, names) {
  const out = new Array(names.length);
  for (let j = 0; j < names.length; j++) {
    out[j] = { gene: names[j], mean_a: columns.mean_a[j], mean_b: columns.mean_b[j], frac_a: columns.frac_a[j],
      frac_b: columns.frac_b[j], logfoldchange: columns.logfoldchange[j], t: columns.t[j], pval: columns.pval[j],
      pval_adj: columns.pval_adj[j] };
  }
  return out;
}

/**
 * window.xgexport.compare(a, b = "rest") → Promise of one row per gene
 * {gene, mean_a, mean_b, frac_a, frac_b, logfoldchange, t, pval, pval_adj}; the array's
 * `comparison` property says what was compared and read ({a, b, n_a, n_b, rest, route,
 * planned_bytes, bytes_read, files_read, …}). comparer() and dataset() exist once the bundle is open.
 */
export function installCompareApi({ comparer, dataset, started }) {
  window.xgexport.compare = async (a, b = "rest") => {
    await started;
    if (!comparer()) throw new Error("the dataset could not be loaded");
    const { columns, info } = await comparer().run(a, b).promise;
    const { names } = await dataset().genes();
    const rows = resultRows(columns, names);
    rows.comparison = info;
    return rows;
  };
}
