// The dataset information under the title: description, citation, DOI, links and where the
// expression values come from. Every string goes in as text; a link is made only for an
// http(s) URL (checked again here, whatever the exporter wrote).

import { el } from "../dom.js";

const LONG = 280; // characters of description + citation above which the block is collapsible

function str(v) {
  return typeof v === "string" ? v.trim() : "";
}

/** The URL as a string when it is an absolute http: or https: URL, else null. */
export function safeHref(url) {
  if (typeof url !== "string" || !url.trim()) return null;
  let parsed;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  return parsed.href;
}

/** https://doi.org/<doi> for a DOI such as 10.1038/ncomms14049 (prefixes removed), else null. */
export function doiHref(doi) {
  let d = str(doi).replace(/^doi:\s*/i, "").replace(/^https?:\/\/(dx\.)?doi\.org\//i, "");
  if (!/^10\.\S+\/\S+$/.test(d)) return null;
  // keep the DOI's characters; encode only what would break the path or the URL
  d = d.split("/").map((part, i) => (i === 0 ? part : encodeURIComponent(part).replace(/%2F/gi, "/"))).join("/");
  return safeHref(`https://doi.org/${d}`);
}

function externalLink(href, text) {
  const a = el("a", "about-link", text);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

/** Fill `box` from the bundle's meta; hides it when there is nothing to show. */
export function renderInfo(box, meta) {
  box.replaceChildren();
  const description = str(meta.description);
  const citation = str(meta.citation);
  const doi = str(meta.doi);
  const links = Array.isArray(meta.links) ? meta.links.filter((l) => l && typeof l === "object") : [];

  const parts = [];
  if (description) parts.push(el("p", "about-description", description));
  if (citation || doi) {
    const p = el("p", "about-citation");
    if (citation) p.append(el("bdi", "about-cite-text", citation));
    if (doi) {
      if (citation) p.append(" ");
      const href = doiHref(doi);
      if (href) p.append(externalLink(href, `doi:${doi.replace(/^doi:\s*/i, "")}`));
      else p.append(el("span", "about-doi", `doi:${doi}`));
    }
    parts.push(p);
  }
  const linkItems = [];
  for (const l of links) {
    const label = str(l.label) || str(l.url);
    const href = safeHref(l.url);
    if (!label) continue;
    const li = el("li");
    if (href) {
      const a = externalLink(href, label);
      a.title = href;
      li.append(a);
    } else {
      li.append(el("span", "about-bad-link", label));
    }
    linkItems.push(li);
  }
  if (linkItems.length) {
    const ul = el("ul", "about-links");
    ul.append(...linkItems);
    parts.push(ul);
  }
  const m = meta.matrix && typeof meta.matrix === "object" ? meta.matrix : null;
  let matrixLine = null;
  if (m && (str(m.source) || str(m.looks_like))) {
    const bits = [];
    // "X", "raw" (adata.raw) or a layer name
    const src = str(m.source);
    if (src) bits.push(`Expression values: ${src === "X" ? "X" : src === "raw" ? ".raw" : `layer "${src}"`}`);
    if (str(m.looks_like)) bits.push(bits.length ? `(${m.looks_like})` : `Expression values look ${m.looks_like}`);
    matrixLine = el("p", "about-matrix", bits.join(" "));
    if (str(m.reason)) matrixLine.title = m.reason;
  }
  if (!parts.length && !matrixLine) {
    box.hidden = true;
    return;
  }
  const long = description.length + citation.length > LONG || linkItems.length > 3;
  if (long) {
    const details = el("details", "about-details");
    details.append(el("summary", "about-summary", "About this dataset"), ...parts);
    box.append(details);
  } else {
    box.append(...parts);
  }
  if (matrixLine) box.append(matrixLine);
  box.hidden = false;
}
