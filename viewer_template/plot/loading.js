// Progress over the plot until the first frame: what is being read and how many bytes of it
// have arrived. The page's HTML shows "Loading…" before any script runs, so it is never blank.

export function createLoading(box) {
  const text = box.querySelector(".loading-text");
  const bar = box.querySelector("progress");
  let received = 0;
  let expected = 0;
  let step = "Loading the dataset";
  let frame = 0;
  const mb = (n) => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);

  function render() {
    frame = 0;
    const size = expected > 0 ? ` ${mb(received)} of ${mb(expected)} MB` : "";
    text.textContent = `${step}…${size}`;
    if (expected > 0) {
      bar.max = expected;
      bar.value = Math.min(received, expected);
    } else {
      bar.removeAttribute("value"); // indeterminate
    }
  }
  const queue = () => { if (!frame && !box.hidden) frame = requestAnimationFrame(render); };

  return {
    /** byte deltas from the data layer */
    progress(r, e) {
      received += r;
      expected += e;
      queue();
    },
    /** what is being loaded now, e.g. "Loading the embedding" */
    step(what) {
      step = what;
      queue();
    },
    done() {
      box.hidden = true;
      if (frame) cancelAnimationFrame(frame);
    },
  };
}
