// A small zarr v3 reader: exactly what docs/FORMAT.md uses, and a clear error for anything else.
// Arrays: regular chunk grid, default chunk keys with "." (the bundle's) or "/", codecs bytes(little)|vlen-utf8 then
// optional gzip (decoded with the browser's DecompressionStream). Whole-file GETs only.

export class ZarrError extends Error {
  constructor(message, { status = 0, path = "" } = {}) {
    super(message);
    this.name = "ZarrError";
    this.status = status;
    this.path = path;
  }
}

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A store reads files relative to `base` (a URL relative to the page, e.g. "data/").
 * progress(received, expected): byte deltas as files arrive, for a progress bar. early: URL (href)
 * → promise of a Response already asked for (main.js), taken once instead of a new request.
 */
export function createStore(base, { progress = null, early = null } = {}) {
  const root = new URL(base, globalThis.document?.baseURI ?? self.location.href); // a page or a worker
  async function get(path, signal) {
    const url = new URL(path, root);
    const asked = early?.get(url.href);
    early?.delete(url.href);
    let response;
    try {
      response = await (asked ?? fetch(url, { signal, credentials: "same-origin" }));
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ZarrError(`${base}${path}: network error (${err.message})`, { path });
    }
    if (!response.ok) {
      throw new ZarrError(`${base}${path}: HTTP ${response.status}${response.status === 404 ? " (file not found)" : ""}`,
        { status: response.status, path });
    }
    return response;
  }
  return {
    base,
    async json(path, signal) {
      const response = await get(path, signal);
      try {
        return await response.json();
      } catch (err) {
        if (err.name === "AbortError") throw err;
        throw new ZarrError(`${base}${path}: not valid JSON`, { path });
      }
    },
    async bytes(path, signal) {
      const response = await get(path, signal);
      if (!progress || !response.body) return new Uint8Array(await response.arrayBuffer());
      return readCounting(response, progress);
    },
  };
}

/** The body of `response`, telling progress(received, expected) about each piece (byte deltas). */
async function readCounting(response, progress) {
  const expected = Number(response.headers.get("content-length")) || 0;
  progress(0, expected);
  const reader = response.body.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    progress(value.byteLength, 0);
  }
  if (size !== expected) progress(0, size - expected); // no (or a wrong) Content-Length
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decode a vlen-utf8 chunk: uint32 LE count, then per item uint32 LE length + UTF-8 bytes. */
export function decodeVlenUtf8(bytes, expected) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new Error("vlen-utf8 chunk too short");
  const count = view.getUint32(0, true);
  if (count !== expected) throw new Error(`vlen-utf8 chunk has ${count} items, expected ${expected}`);
  const decoder = new TextDecoder("utf-8");
  const out = new Array(count);
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.byteLength) throw new Error("vlen-utf8 chunk truncated");
    const len = view.getUint32(offset, true);
    offset += 4;
    if (offset + len > bytes.byteLength) throw new Error("vlen-utf8 chunk truncated");
    out[i] = decoder.decode(bytes.subarray(offset, offset + len));
    offset += len;
  }
  return out;
}

function parseCodecs(meta, where) {
  const codecs = meta.codecs;
  if (!Array.isArray(codecs) || codecs.length === 0) throw new ZarrError(`${where}: no codecs`);
  const names = codecs.map((c) => c && c.name);
  const first = codecs[0];
  let kind;
  if (first.name === "bytes") {
    const endian = first.configuration?.endian ?? "little";
    if (endian !== "little" && DTYPES[meta.data_type]?.BYTES_PER_ELEMENT !== 1) {
      throw new ZarrError(`${where}: big-endian data is not supported`);
    }
    if (!DTYPES[meta.data_type]) throw new ZarrError(`${where}: unsupported data type ${JSON.stringify(meta.data_type)}`);
    kind = "numeric";
  } else if (first.name === "vlen-utf8") {
    kind = "string";
  } else {
    throw new ZarrError(`${where}: unsupported codec ${JSON.stringify(first.name)}`);
  }
  const rest = names.slice(1);
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== "gzip")) {
    throw new ZarrError(`${where}: unsupported codec chain ${JSON.stringify(names)} (supported: bytes or vlen-utf8, then gzip)`);
  }
  return { kind, gzip: rest.length === 1 };
}

/** Open the array at `path` (a folder under the store). Returns metadata and chunk readers. */
export async function openArray(store, path, { signal } = {}) {
  const where = `${store.base}${path}`;
  const meta = await store.json(`${path}/zarr.json`, signal);
  if (meta.zarr_format !== 3 || meta.node_type !== "array") throw new ZarrError(`${where}: not a zarr v3 array`);
  if (meta.chunk_grid?.name !== "regular") throw new ZarrError(`${where}: unsupported chunk grid`);
  const keyEnc = meta.chunk_key_encoding ?? { name: "default" };
  const sep = keyEnc.configuration?.separator ?? "/";
  if (keyEnc.name !== "default" || (sep !== "/" && sep !== ".")) throw new ZarrError(`${where}: unsupported chunk key encoding`);
  if (meta.storage_transformers && meta.storage_transformers.length) throw new ZarrError(`${where}: storage transformers are not supported`);
  const shape = meta.shape;
  const chunkShape = meta.chunk_grid.configuration.chunk_shape;
  const { kind, gzip } = parseCodecs(meta, where);
  if (kind === "string" && meta.data_type !== "string") throw new ZarrError(`${where}: vlen-utf8 on ${meta.data_type}`);
  const chunkSize = chunkShape.reduce((a, b) => a * b, 1);

  async function chunk(coords, opts = {}) {
    const key = `${path}/${["c", ...coords].join(sep)}`;
    let bytes = await store.bytes(key, opts.signal);
    try {
      if (gzip) bytes = await gunzip(bytes);
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ZarrError(`${store.base}${key}: corrupt chunk (gzip: ${err.message})`, { path: key });
    }
    try {
      if (kind === "string") return decodeVlenUtf8(bytes, chunkSize);
      const T = DTYPES[meta.data_type];
      if (bytes.byteLength !== chunkSize * T.BYTES_PER_ELEMENT) {
        throw new Error(`${bytes.byteLength} bytes, expected ${chunkSize * T.BYTES_PER_ELEMENT}`);
      }
      if (!LITTLE_ENDIAN && T.BYTES_PER_ELEMENT > 1) throw new Error("big-endian machines are not supported");
      // the decoded buffer is fresh and starts at 0, so it is aligned
      const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
      return new T(buf);
    } catch (err) {
      throw new ZarrError(`${store.base}${key}: corrupt chunk (${err.message})`, { path: key });
    }
  }

  /** Read the whole array (chunks may split only the first axis). Returns a flat typed array or string[]. */
  async function read(opts = {}) {
    for (let d = 1; d < shape.length; d++) {
      if (chunkShape[d] !== shape[d]) throw new ZarrError(`${where}: read() needs whole chunks beyond the first axis`);
    }
    const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
    const n0 = shape.length ? shape[0] : 1;
    const c0 = shape.length ? chunkShape[0] : 1;
    const nChunks = Math.ceil(n0 / c0);
    const parts = await Promise.all(
      Array.from({ length: nChunks }, (_, k) => chunk([k, ...shape.slice(1).map(() => 0)], opts)),
    );
    const total = n0 * rowSize;
    if (nChunks === 1) return parts[0].length === total ? parts[0] : parts[0].slice(0, total);
    const out = kind === "string" ? new Array(total) : new DTYPES[meta.data_type](total);
    let at = 0;
    for (let k = 0; k < nChunks; k++) {
      const rows = Math.min(c0, n0 - k * c0);
      const part = parts[k];
      for (let i = 0; i < rows * rowSize; i++) out[at + i] = part[i];
      at += rows * rowSize;
    }
    return out;
  }

  return { path, shape, chunkShape, dtype: meta.data_type, attrs: meta.attributes ?? {}, chunk, read };
}
