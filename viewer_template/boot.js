// The page's first module: it has no imports, so it runs as soon as it arrives, while the rest
// of the viewer's modules are still on their way. It asks for the files the page preloads for
// the dataset's own first view (<link rel="preload" as="fetch"> before this script in the page,
// xgexport/site.py first_view_files) all at once; the data layer (zarr.js) takes those
// responses instead of asking again, so the first view's files are not read one after another
// (the group's metadata, then each array's, then its chunks) once main.js has run.

/** URL (href) → promise of its Response, each taken once. */
export const early = new Map();

for (const link of document.querySelectorAll('link[rel="preload"][as="fetch"]')) {
  early.set(link.href, fetch(link.href, { credentials: "same-origin" }));
  early.get(link.href).catch(() => {}); // a failure is the reader's to report, when it asks
}
