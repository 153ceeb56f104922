// What a person makes in the viewer (label sets, cell sets, gene sets) is kept in this browser's
// IndexedDB, under the bundle's identity: the sha256 of its manifest.json, which lists every
// file of the bundle with its own sha256. So labels survive a reload and never appear on another
// dataset (nor on a rebuilt one: export them as CSV to carry them over). Nothing leaves the
// browser. Where IndexedDB is refused (some private windows), work is kept for the page's life.

import { digestHex } from "./sha256.js";

const DB_NAME = "xgexport";
const DB_VERSION = 1;
const STORE = "bundles"; // one record per bundle identity

/** "sha256:<hex>" of the bundle's manifest.json (beside index.html). */
export async function bundleIdentity(url = "manifest.json") {
  const response = await fetch(new URL(url, document.baseURI), { credentials: "same-origin" });
  if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
  return `sha256:${await digestHex(new Uint8Array(await response.arrayBuffer()))}`;
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error || new Error("IndexedDB request failed"));
  });
}

function openDb() {
  if (!globalThis.indexedDB) return Promise.reject(new Error("this browser has no IndexedDB"));
  const req = indexedDB.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: "identity" });
  };
  req.onblocked = () => console.warn("xgexport: another tab holds an older version of the label storage open");
  return request(req);
}

/**
 * The record of one bundle: {persistent, reason, load() → record | null, save(record)}.
 * persistent is false (with the reason) when the browser keeps nothing; then load() gives null
 * and save() does nothing. onChange(record) hears about saves made by other tabs of this bundle.
 */
export async function openRecord(identity, { onChange = () => {} } = {}) {
  let db;
  try {
    db = await openDb();
  } catch (err) {
    return { persistent: false, reason: err?.message || String(err), load: async () => null, save: async () => {} };
  }
  // other tabs of the same bundle: told after each save, so two tabs do not overwrite each other's work
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(`xgexport:${identity}`) : null;
  const self = Math.random().toString(36).slice(2);
  if (channel) {
    channel.onmessage = async (ev) => {
      if (ev.data?.from === self) return;
      onChange(await load().catch(() => null));
    };
  }
  async function load() {
    return (await request(db.transaction(STORE, "readonly").objectStore(STORE).get(identity))) ?? null;
  }
  async function save(record) {
    const tx = db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).put({ ...record, identity });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error || new Error("IndexedDB write failed"));
      tx.onabort = () => reject(tx.error || new Error("IndexedDB write aborted (is the disk full?)"));
    });
    channel?.postMessage({ from: self });
  }
  return { persistent: true, reason: "", load, save };
}
