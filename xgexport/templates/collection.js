// Search on the landing page of `xgexport index`: hides datasets whose text does not match.
// Reads only data-search attributes and sets only `hidden` and textContent: no HTML is built.
"use strict";
(function () {
  const input = document.getElementById("search");
  if (!input) return;
  const items = Array.from(document.querySelectorAll("#datasets > li"));
  const shown = document.getElementById("shown");
  const empty = document.getElementById("empty");
  function apply() {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const item of items) {
      const text = item.dataset.search || "";
      const match = words.every((word) => text.includes(word));
      item.hidden = !match;
      if (match) count += 1;
    }
    shown.textContent = String(count);
    empty.hidden = count !== 0;
  }
  input.addEventListener("input", apply);
  const query = new URLSearchParams(window.location.search).get("q");
  if (query) { input.value = query; }
  apply();
})();
