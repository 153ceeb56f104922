// The plot toolbar's download button and its menu: the plot as PNG or SVG, the selected cells'
// ids. One button, so the toolbar fits a phone beside the embedding chooser and the selection
// tools. The menu closes on a choice, Escape, or a click elsewhere.

import { el } from "../dom.js";

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
