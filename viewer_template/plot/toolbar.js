// The plot toolbar. Tools are added to groups: "mode" (what a drag does: pan now; lasso and
// rectangle selection go here), "zoom" (in, out, reset) and "export". A mode tool is a toggle
// of its group; the others are plain buttons. Icons are inline SVG paths, labels are text.

const NS = "http://www.w3.org/2000/svg";
const GROUPS = ["mode", "zoom", "export"];

/** 16×16 icon paths */
export const ICONS = {
  pan: "M8 1l2.2 2.2H8.8V7.2h4V5.8L15 8l-2.2 2.2V8.8h-4v4h1.4L8 15l-2.2-2.2h1.4v-4h-4v1.4L1 8l2.2-2.2v1.4h4v-4H5.8z",
  zoomIn: "M7 2a5 5 0 013.9 8.1l3.5 3.5-1.3 1.3-3.5-3.5A5 5 0 117 2zm0 1.8a3.2 3.2 0 100 6.4 3.2 3.2 0 000-6.4zM6.2 5h1.6v1.2H9v1.6H7.8V9H6.2V7.8H5V6.2h1.2z",
  zoomOut: "M7 2a5 5 0 013.9 8.1l3.5 3.5-1.3 1.3-3.5-3.5A5 5 0 117 2zm0 1.8a3.2 3.2 0 100 6.4 3.2 3.2 0 000-6.4zM5 6.2h4v1.6H5z",
  reset: "M2 2h4.5v1.6H3.6v2.9H2zm7.5 0H14v4.5h-1.6V3.6H9.5zM2 9.5h1.6v2.9h2.9V14H2zm10.4 0H14V14H9.5v-1.6h2.9z",
};

function icon(path) {
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
