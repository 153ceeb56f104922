"""``xgexport inspect``: what a build would export and why, without writing anything."""

from __future__ import annotations

import re
from pathlib import Path

from .options import BuildOptions, RunOptions
from .plan import make_plan
from .source import open_source

SAMPLE_VALUES = 2_000_000  # at most this many matrix entries are read for the value range

# Names of obs columns that hold cell types (clusterings) and conditions (what differs between
# samples): "condition A against B within one cell type" is what --de-within answers from rows.
CELL_TYPE_NAMES = re.compile(
    r"cell_?type|celltype|cell_?label|leiden|louvain|cluster|annotation|subclass|bulk_labels", re.I
)
CONDITION_NAMES = re.compile(
    r"condition|disease|treatment|stim|sample|donor|batch|genotype|patient|individual|time_?point|status", re.I
)
ONTOLOGY_IDS = re.compile(r"ontology_term_id$", re.I)  # CELLxGENE's id twins of the label columns
MAX_SUGGESTIONS = 6


def inspect_input(path: Path, *, layer: str | None = None, gene_symbols: str | None = None,
                  max_memory: int = RunOptions.max_memory) -> dict:  # fmt: skip
    source = open_source(path, max_memory)
    plan = make_plan(source, BuildOptions(layer=layer, gene_symbols=gene_symbols))
    reader = source.matrix(plan.matrix)
    # whole rows (or columns of CSC): as many as fit in SAMPLE_VALUES entries, at least one
    rows = min(plan.n_cells, 2000, max(1, SAMPLE_VALUES // plan.n_genes))
    cols = min(plan.n_genes, 200, max(1, SAMPLE_VALUES // plan.n_cells))
    sample = reader.read_rows(0, rows) if reader.kind != "csc" else reader.read_cols(0, cols)
    values = sample.data
    report = plan.to_dict()
    report["input"] = str(path)
    report["matrix_sample"] = {
        "kind": reader.kind,
        "dtype": str(reader.dtype),
        "stored_values": int(reader.nnz_estimate),
        "min": float(values.min()) if values.size else 0.0,
        "max": float(values.max()) if values.size else 0.0,
        "sampled": f"first {rows} cells" if reader.kind != "csc" else f"first {cols} genes",
    }
    report["obsm"] = {key: list(shape) for key, shape in source.obsm_shapes.items()}
    report["layers"] = list(source.layer_names)
    report["has_raw"] = source.raw_var is not None
    report["de_within_suggestions"] = suggest_de_within([d["name"] for d in report["de"]])
    return report


def suggest_de_within(de_columns: list[str]) -> list[str]:
    """Likely --de-within pairs among the DE columns: a cell-type-like column crossed with a
    condition-like one (by name only: a suggestion, not a judgement of the data)."""
    names = [n for n in de_columns if not ONTOLOGY_IDS.search(n)]
    types = [n for n in names if CELL_TYPE_NAMES.search(n)]
    conditions = [n for n in names if CONDITION_NAMES.search(n) and n not in types]
    return [f"{t}:{c}" for t in types for c in conditions][:MAX_SUGGESTIONS]


def format_report(report: dict) -> str:
    sample = report["matrix_sample"]
    lines = [
        f"{report['input']}: {report['n_cells']} cells × {report['n_genes']} genes",
        f"expression: {report['matrix']} ({sample['kind']}, {sample['dtype']}, {sample['stored_values']} stored values, "
        f"range {sample['min']:g}..{sample['max']:g} in the {sample['sampled']})",
        f"  why: {report['matrix_reason']}",
        f"gene names: {report['gene_symbols_reason']}",
        "embeddings:",
        *[
            f"  {e['key']} ({e['n_dims']} dims) as {e['name']}" + (", drawn in 3-D" if e["layout_dims"] == 3 else "")
            for e in report["embeddings"]
        ],
        "obs columns:",
        *[
            f"  {o['name']}: {o['kind']}" + (f", {o['n_categories']} categories" if o["kind"] != "continuous" else "")
            for o in report["obs"]
        ],
        "differential expression: " + (", ".join(d["name"] for d in report["de"]) or "none"),
    ]
    for image in report.get("images", ()):  # tissue images (xgexport.images): the first usable is exported
        lines.append(f"tissue image: {image['library']} ({' or '.join(r for r, _ in image['candidates'])})")
    for pair in report["de_within_suggestions"]:
        kind, condition = pair.split(":", 1)
        lines.append(
            f"suggestion: --de-within {pair} (compare {condition} groups within each {kind} category from stored rows)"
        )
    lines.extend(f"note: {hint}" for hint in report["hints"])
    lines.extend(f"warning: {warning}" for warning in report["warnings"])
    if report["skipped"]:
        lines.append("not exported:")
        lines.extend(f"  {what}: {why}" for what, why in report["skipped"])
    return "\n".join(lines)
