// CSV as RFC 4180 has it (comma-separated, fields quoted with "…" and "" inside), plus what the
// files people bring have: a UTF-8 byte order mark, CRLF, LF or CR line ends, and "#" comment
// lines before the header (cellxgene's annotation files start with two). Pure: no page code.

export class CsvError extends Error {
  constructor(message) {
    super(message);
    this.name = "CsvError";
  }
}

/**
 * Parse `text` into {comments, rows}: the leading "#" lines (without the "#") and every record
 * as an array of strings. Blank lines are skipped. A comment counts only before the first
 * record, so a cell id that starts with "#" further down is data.
 */
export function parseCsv(text) {
  const comments = [];
  const rows = [...csvRecords(text, comments)];
  return { comments, rows };
}

/** The records of `text` one at a time (for long files read in slices); leading comments go to `comments`. */
export function* csvRecords(text, comments = []) {
  const s = String(text).replace(/^\uFEFF/, "");
  let i = 0;
  let line = 1;
  let first = true;
  const n = s.length;
  while (i < n) {
    if (first && s[i] === "#") { // a comment line before the header
      let end = i;
      while (end < n && s[end] !== "\n" && s[end] !== "\r") end++;
      comments.push(s.slice(i + 1, end));
      i = end;
    } else if (s[i] !== "\n" && s[i] !== "\r") { // a record (blank lines are skipped)
      const [row, next, lines] = record(s, i, line);
      first = false;
      line += lines;
      i = next;
      yield row;
    }
    if (s[i] === "\r" && s[i + 1] === "\n") i++;
    i++;
    line++;
  }
}

/** One record from s[i]; returns [fields, index of its line end, line ends inside quotes]. */
function record(s, i, line) {
  const fields = [];
  let inner = 0;
  for (;;) {
    let value = "";
    if (s[i] === '"') {
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) throw new CsvError(`line ${line}: a quoted field is never closed (a " is missing).`);
        value += s.slice(i, q);
        inner += countLineEnds(s, i, q);
        if (s[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < s.length && s[i] !== "," && s[i] !== "\n" && s[i] !== "\r") {
        throw new CsvError(`line ${line + inner}: text after a closing quote (write "" for a quote inside a quoted field).`);
      }
    } else {
      let end = i;
      while (end < s.length && s[end] !== "," && s[end] !== "\n" && s[end] !== "\r") end++;
      value = s.slice(i, end);
      i = end;
    }
    fields.push(value);
    if (s[i] !== ",") return [fields, i, inner];
    i++;
  }
}

function countLineEnds(s, from, to) {
  let k = 0;
  for (let j = from; j < to; j++) if (s[j] === "\n" || (s[j] === "\r" && s[j + 1] !== "\n")) k++;
  return k;
}

/** One field, quoted when it must be (and when it starts with "#", which readers take for a comment). */
export function csvField(value) {
  const v = String(value ?? "");
  return /[",\r\n]/.test(v) || v.startsWith("#") || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A record as one line (no line end). */
export function csvLine(fields) {
  return fields.map(csvField).join(",");
}
