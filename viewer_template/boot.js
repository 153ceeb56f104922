// The page's first module: it has no imports, so it runs as soon as it arrives, while the rest
// of the viewer's modules are still on their way. The data layer (zarr.js) takes what it finds
// here for the dataset's own first view (xgexport/site.py first_view_files) instead of asking the
// server again, so those files are not read one after another (the group's metadata, then each
// array's, then its chunks) once main.js has run:
// - their metadata, written into the page (<script type="application/json" id="first-view">:
//   {URL relative to the page: the file's text}), as responses made here, no request at all;
// - their chunks (<link rel="preload" as="fetch"> in the page), asked for here all at once.

/** URL (href) → promise of its Response, each taken once. */
export const early = new Map();

let inline = {};
try {
  inline = JSON.parse(document.getElementById("first-view")?.textContent || "{}");
} catch {
  // a page edited by hand: the data layer asks the server for the files instead
}
for (const [name, text] of Object.entries(inline)) {
  const href = new URL(name, document.baseURI).href;
  early.set(href, Promise.resolve(new Response(text, { headers: { "content-type": "application/json" } })));
}
for (const link of document.querySelectorAll('link[rel="preload"][as="fetch"]')) {
  early.set(link.href, fetch(link.href, { credentials: "same-origin" }));
  early.get(link.href).catch(() => {}); // a failure is the reader's to report, when it asks
}
