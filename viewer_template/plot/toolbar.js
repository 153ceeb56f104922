// The plot toolbar. Tools are added to groups: "mode" (what a drag does: pan, lasso,
// rectangle), "zoom" (in, out, reset) and "export". A mode tool is a toggle of its group; the
// others are plain buttons. Icons are inline SVG paths, labels are text. Below: the toolbar's
// download button and its menu (createExportMenu), in the first frame with the toolbar.

import { el } from "../dom.js";

const NS = "http://www.w3.org/2000/svg";
const GROUPS = ["mode", "zoom", "view", "export"];

/** 16×16 icon paths */
export const ICONS = {
  pan: "M8 1l2.2 2.2H8.8V7.2h4V5.8L15 8l-2.2 2.2V8.8h-4v4h1.4L8 15l-2.2-2.2h1.4v-4h-4v1.4L1 8l2.2-2.2v1.4h4v-4H5.8z",
  zoomIn: "M7 2a5 5 0 013.9 8.1l3.5 3.5-1.3 1.3-3.5-3.5A5 5 0 117 2zm0 1.8a3.2 3.2 0 100 6.4 3.2 3.2 0 000-6.4zM6.2 5h1.6v1.2H9v1.6H7.8V9H6.2V7.8H5V6.2h1.2z",
  zoomOut: "M7 2a5 5 0 013.9 8.1l3.5 3.5-1.3 1.3-3.5-3.5A5 5 0 117 2zm0 1.8a3.2 3.2 0 100 6.4 3.2 3.2 0 000-6.4zM5 6.2h4v1.6H5z",
  reset: "M2 2h4.5v1.6H3.6v2.9H2zm7.5 0H14v4.5h-1.6V3.6H9.5zM2 9.5h1.6v2.9h2.9V14H2zm10.4 0H14V14H9.5v-1.6h2.9z",
  lasso: "M8 1.5C4.1 1.5 1 3.7 1 6.5s3.1 5 7 5 7-2.2 7-5-3.1-5-7-5zm0 1.5c3.1 0 5.5 1.6 5.5 3.5S11.1 10 8 10 2.5 8.4 2.5 6.5 4.9 3 8 3zM3.6 10.2l1.4.6-1.2 3.7-1.4-.6z",
  rect: "M1 1h4v1.5H2.5V5H1zm6 0h2v1.5H7zm4 0h4v4h-1.5V2.5H11zM1 7h1.5v2H1zm12.5 0H15v2h-1.5zM1 11h1.5v2.5H5V15H1zm12.5 0H15v4h-4v-1.5h2.5zM7 13.5h2V15H7z",
  add: "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
  split: "M1 2h14v12H1zm1.5 1.5v9h4.75v-9zm6.25 0v9h4.75v-9z",
  subtract: "M2 7h12v2H2z",
  intersect: "M3 14V8a5 5 0 0110 0v6h-2V8a3 3 0 00-6 0v6z",
};

/** The selection tools of the "mode" group (selection/setup.js gives them their handlers) */
export const SELECT_TOOLS = [
  { id: "tool-lasso", tool: "lasso", label: "Lasso: draw around cells to select them", icon: ICONS.lasso },
  { id: "tool-rect", tool: "rect", label: "Rectangle: drag to select cells", icon: ICONS.rect },
];

export function icon(path) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(NS, "path");
  p.setAttribute("d", path);
  p.setAttribute("fill", "currentColor");
  svg.append(p);
  return svg;
}

export function createToolbar(root) {
  const groups = {};
  for (const name of GROUPS) {
    const g = document.createElement("div");
    g.className = `tool-group tool-group-${name}`;
    g.setAttribute("role", "group");
    g.dataset.group = name;
    g.hidden = true;
    groups[name] = g;
    root.append(g);
  }

  /** {id, label, icon (path) or text, group, onClick, pressed (mode tools: boolean)} → the button */
  function add({ id, label, icon: path, text, group = "zoom", onClick, pressed }) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "tool";
    b.id = id;
    b.title = label;
    b.setAttribute("aria-label", label);
    if (path) b.append(icon(path));
    else b.textContent = text ?? label;
    if (group === "mode") {
      b.setAttribute("aria-pressed", String(!!pressed));
      b.addEventListener("click", () => {
        for (const other of groups.mode.querySelectorAll(".tool")) other.setAttribute("aria-pressed", String(other === b));
        onClick?.();
      });
    } else {
      b.addEventListener("click", () => onClick?.());
    }
    groups[group].append(b);
    groups[group].hidden = false;
    return b;
  }

  return { add };
}

// The download button and its menu: the plot as PNG or SVG, the selected cells' ids. One
// button, so the toolbar fits a phone beside the embedding chooser and the selection tools. The
// menu closes on a choice, Escape, or a click elsewhere.

const DOWNLOAD = "M7 1h2v7.2l2.6-2.6 1.4 1.4L8 12 3 7l1.4-1.4L7 8.2zM2 13h12v2H2z";

/**
 * toolbar: plot/toolbar.js; area: the element the menu opens in (the plot area);
 * items: [{id, text, title, onClick}]. Returns {close() → true if it was open, item(id)}.
 */
export function createExportMenu({ toolbar, area, items }) {
  const menu = el("div", "export-menu");
  menu.setAttribute("role", "menu");
  menu.id = "export-menu";
  menu.hidden = true;
  const buttons = new Map();
  for (const it of items) {
    const b = el("button", "export-item", it.text);
    Object.assign(b, { type: "button", id: it.id, title: it.title || "" });
    b.setAttribute("role", "menuitem");
    b.addEventListener("click", () => {
      close();
      it.onClick();
    });
    buttons.set(it.id, b);
    menu.append(b);
  }
  area.append(menu);
  const toggle = toolbar.add({ id: "export-open", label: "Download: the plot (PNG, SVG) or the selected cells' ids", icon: DOWNLOAD, group: "export",
    onClick: () => (menu.hidden ? open() : close()) });
  toggle.setAttribute("aria-haspopup", "menu");
  toggle.setAttribute("aria-controls", menu.id);
  toggle.setAttribute("aria-expanded", "false");

  function open() {
    menu.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    menu.querySelector(".export-item:not(:disabled)")?.focus();
  }

  function close() {
    if (menu.hidden) return false;
    const focusWasInside = menu.contains(document.activeElement);
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (focusWasInside) toggle.focus();
    return true;
  }

  document.addEventListener("pointerdown", (ev) => {
    if (!menu.hidden && !menu.contains(ev.target) && !toggle.contains(ev.target)) close();
  });
  menu.addEventListener("keydown", (ev) => {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    ev.preventDefault();
    const live = [...menu.querySelectorAll(".export-item:not(:disabled)")];
    const at = live.indexOf(document.activeElement);
    live[(at + (ev.key === "ArrowDown" ? 1 : -1) + live.length) % live.length]?.focus();
  });
  return { close, item: (id) => buttons.get(id) };
}
