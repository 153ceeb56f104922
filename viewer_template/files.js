// Files in and out of the page: downloads through Blob URLs (the page's CSP allows blob:) and a
// file chosen by the person, read as text. Nothing is sent anywhere.

/** Offer `blob` as a download named `filename`. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function saveText(text, filename, type = "text/csv") {
  saveBlob(new Blob([text], { type: `${type};charset=utf-8` }), filename);
}

/** A name made safe for a file name (letters, digits, . _ -), at most 60 characters. */
export function fileName(text, fallback = "xgexport") {
  return String(text ?? "").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+|_+$/g, "").slice(0, 60) || fallback;
}

/**
 * A hidden file input, appended to `parent`; open() shows the chooser, and onText(text, file) is
 * called with the chosen file's contents (read here, in the browser).
 */
export function filePicker(parent, { accept, onText, onError }) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = accept;
  input.hidden = true;
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    input.value = ""; // the same file again is a new choice
    if (!file) return;
    try {
      await onText(await file.text(), file);
    } catch (err) {
      onError(err);
    }
  });
  parent.append(input);
  return { input, open: () => input.click() };
}
