// Small controls shared by the panels of the person's own work (label sets, cell sets, gene
// sets): buttons, a name edited in place, a delete that asks twice without a dialog, a line of
// feedback. Text only.

import { el } from "../dom.js";

const NS = "http://www.w3.org/2000/svg";
const ICONS = {
  rename: "M11.3 1.3l3.4 3.4-9.2 9.2H2.1v-3.4zm0 2.1L3.6 11.1v1.3h1.3l7.7-7.7z",
  delete: "M3.5 2.1L8 6.6l4.5-4.5 1.4 1.4L9.4 8l4.5 4.5-1.4 1.4L8 9.4l-4.5 4.5-1.4-1.4L6.6 8 2.1 3.5z",
};

/** A small button with an icon (16×16 path) and a label for screen readers and the tooltip. */
export function iconButton(icon, label, onClick) {
  const b = button("", "icon-button", onClick, label);
  b.setAttribute("aria-label", label);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(NS, "path");
  path.setAttribute("d", ICONS[icon]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  b.append(svg);
  return b;
}

/** A plain button; `name`: its accessible name when the text alone is ambiguous (it contains the text). */
export function button(text, className, onClick, title = "", name = "") {
  const b = el("button", className, text);
  b.type = "button";
  if (title) b.title = title;
  if (name) b.setAttribute("aria-label", name);
  b.addEventListener("click", onClick);
  return b;
}

/**
 * Edit `nameEl`'s text in place: an input replaces it until Enter or leaving the field (commit:
 * onCommit(text) returns an error text, or null when taken) or Escape (cancel). Focus returns to
 * `back` (the Rename button) afterwards.
 */
export function editName(nameEl, { value, label, onCommit, back }) {
  const input = el("input", "name-edit");
  input.type = "text";
  input.value = value;
  input.setAttribute("aria-label", label);
  if (back?.dataset.key) input.dataset.key = back.dataset.key; // a panel drawn anew focuses its Rename button
  const error = el("span", "name-error");
  error.setAttribute("role", "alert");
  let done = false;
  const finish = (commit) => {
    if (done) return;
    if (commit && input.value !== value) {
      const problem = onCommit(input.value);
      if (problem) {
        error.textContent = problem;
        input.focus();
        return;
      }
    }
    done = true;
    input.replaceWith(nameEl);
    error.remove();
    back?.focus();
  };
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      finish(true);
    } else if (ev.key === "Escape") {
      ev.preventDefault(); // closes this edit only, not a drawer
      ev.stopPropagation();
      finish(false);
    }
  });
  input.addEventListener("blur", () => setTimeout(() => { if (!done && document.activeElement !== input) finish(true); }, 0));
  nameEl.replaceWith(input);
  input.after(error);
  input.focus();
  input.select();
}

/**
 * A delete button that asks "Delete?" on the first press and acts on the second (within 4 s).
 * compact: an icon until pressed once.
 */
export function deleteButton(what, onDelete, { compact = false } = {}) {
  const label = `Delete ${what}`;
  const b = compact ? iconButton("delete", label, press) : button("Delete", "link-button danger", press, label);
  b.classList.add("danger");
  b.setAttribute("aria-label", label);
  const idle = [...b.childNodes];
  function press() {
    if (b.dataset.armed === "true") {
      onDelete();
      return;
    }
    b.dataset.armed = "true";
    b.replaceChildren("Delete?");
    b.setAttribute("aria-label", `${label}: press again to delete`);
    setTimeout(() => {
      b.dataset.armed = "false";
      b.replaceChildren(...idle);
      b.setAttribute("aria-label", label);
    }, 4000);
  }
  return b;
}

/** A line of feedback under a form: text, and whether it is an error. */
export function feedback(className = "") {
  const p = el("p", `note feedback ${className}`.trim());
  p.setAttribute("aria-live", "polite");
  return {
    node: p,
    show(text, error = false) {
      p.textContent = text;
      p.classList.toggle("error", error);
    },
  };
}

/** A text field and a button in a row; onSubmit(text) returns an error text or null (then it empties). */
export function nameForm({ placeholder, buttonText, label, onSubmit, className = "" }) {
  const form = el("form", `name-form ${className}`.trim());
  const input = el("input");
  input.type = "text";
  input.placeholder = placeholder;
  input.setAttribute("aria-label", label);
  const submit = el("button", "button", buttonText);
  submit.type = "submit";
  const note = feedback();
  form.append(input, submit);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const problem = onSubmit(input.value);
    note.show(problem || "", !!problem);
    if (!problem) input.value = "";
  });
  return { form, input, note: note.node, submit };
}
