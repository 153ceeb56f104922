"""``xgexport build``: stages from an input file to a complete bundle, written atomically.

inspect the input → plan → write annotations and embeddings → one pass over the matrix
(expression chunks + DE) → DE tables → site → manifest → move into place.

Everything is written into a temporary folder beside OUT, which replaces OUT only at the end,
so OUT is always either absent, the previous bundle, or the new complete one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from . import budget, de, expression
from . import format as fmt
from .annotations import encode_embedding, encode_obs
from .genes import gene_symbols
from .input_identity import check_unchanged
from .manifest import write_manifest
from .output import check_output, clean_leftovers, output_path, staged
from .plan import BuildOptions, ExportPlan, make_plan
from .report import Reporter
from .runner import TaskRunner, local_workers
from .site import render_site
from .source import Source, open_source
from .store import create, open_store
from .version import GENERATOR


def build(input_path, out, options: BuildOptions | None = None, *, overwrite=False, reporter=None) -> ExportPlan:
    """Export ``input_path`` (.h5ad or AnnData .zarr) as a static bundle in ``out``."""
    options = options or BuildOptions()
    reporter = reporter or Reporter()
    out = output_path(out)
    clean_leftovers(out)
    check_output(out, overwrite)
    source = open_source(Path(input_path), options.max_memory)
    plan = make_plan(source, options)
    nnz = source.matrix(plan.matrix).nnz_estimate
    workers = 1 if options.scheduler else local_workers(options.jobs, nnz)
    memory = budget.matrix_budget(plan, source.metadata_bytes, workers, options.max_memory)  # before any writing
    with staged(out, overwrite) as staging:
        describe_plan(plan, reporter)  # after every check that can fail early: errors stay one line
        write_bundle(source, plan, options, staging, reporter, (workers, memory))
    reporter.stage(f"done: {out} ({plan.n_cells} cells, {plan.n_genes} genes)")
    return plan


def describe_plan(plan: ExportPlan, reporter: Reporter) -> None:
    reporter.stage(f"input: {plan.n_cells} cells × {plan.n_genes} genes")
    reporter.stage(f"expression: {plan.matrix} ({plan.matrix_kind}); {plan.matrix_reason}")
    reporter.stage(f"gene names: {plan.gene_symbols_reason}")
    reporter.stage("embeddings: " + ", ".join(e.key for e in plan.embeddings))
    reporter.stage(f"obs columns: {len(plan.obs)}; DE for: " + (", ".join(d.name for d in plan.de) or "none"))
    for warning in plan.warnings:
        reporter.warn(warning)
    for what, why in plan.skipped:
        reporter.detail(f"skipped {what}: {why}")
    for hint in plan.hints:
        reporter.stage(f"note: {hint}")


def write_bundle(source: Source, plan: ExportPlan, options: BuildOptions, bundle: Path, reporter: Reporter, matrix_pass) -> None:
    level = options.gzip_level
    root = open_store(bundle / fmt.DATA)
    arrays: dict[str, list[int]] = {}
    reporter.stage("writing annotations and embeddings")
    encoded_obs = write_obs(source, plan, root, level, arrays)
    write_embeddings(source, plan, root, level, arrays)
    genes = source.raw_var if plan.matrix == "raw" else source.var
    create(root, fmt.VAR_NAMES, np.asarray(genes.index.astype(str), dtype=object), level=6)
    arrays[fmt.VAR_NAMES] = [plan.n_genes]
    if plan.gene_symbols:
        create(root, fmt.VAR_SYMBOLS, gene_symbols(genes, plan.gene_symbols), level=6)
        arrays[fmt.VAR_SYMBOLS] = [plan.n_genes]
    chunk = min(fmt.OBS_NAMES_CHUNK, plan.n_cells)
    create(root, fmt.OBS_NAMES, np.asarray(source.obs.index.astype(str), dtype=object), chunks=(chunk,), level=6)
    arrays[fmt.OBS_NAMES] = [plan.n_cells]
    summary, tables, known_files = write_matrix(source, plan, options, root, bundle, encoded_obs, reporter, matrix_pass)
    arrays[fmt.X] = [plan.n_genes, plan.n_cells]
    matrix_meta = describe_matrix(plan, summary, reporter)
    for entry, table in zip(plan.de, tables):
        if table.skipped:
            reporter.warn(
                f"DE for {entry.name!r}: skipped {len(table.skipped)} categories with fewer than 2 cells "
                f"in a group ({', '.join(table.skipped[:5])}{'…' if len(table.skipped) > 5 else ''})"
            )
        arrays.update(de.write_de(root, entry.id, table, options.de_top_n, level=level))
        del table  # before the next column's table is assembled
    root.attrs[fmt.ROOT_ATTRIBUTES_KEY] = fmt.json_safe(group_attributes(plan, options, matrix_meta))
    reporter.stage("rendering the viewer")
    render_site(bundle, plan.title)
    dataset = {"title": plan.title, "n_cells": plan.n_cells, "n_genes": plan.n_genes}
    write_manifest(bundle, dataset, {f"{fmt.DATA}/{k}": {"shape": v} for k, v in arrays.items()}, known=known_files)


def write_obs(source: Source, plan: ExportPlan, root, level: int, arrays: dict) -> dict:
    encoded = {}
    for entry in plan.obs:
        colors = source.uns_value(f"{entry.name}_colors") if entry.kind == "categorical" else None
        item = encode_obs(source.obs[entry.name], entry.kind, colors)
        part, values = ("codes", item.codes) if item.codes is not None else ("values", item.values)
        path = fmt.obs_array(entry.id, part)
        create(root, path, values, chunks=fmt.cell_chunks(values.shape), level=level, attrs=item.attrs)
        arrays[path] = [plan.n_cells]
        encoded[entry.id] = item
    return encoded


def write_embeddings(source: Source, plan: ExportPlan, root, level: int, arrays: dict) -> None:
    for entry in plan.embeddings:
        item = encode_embedding(source.embedding(entry.key), entry.key)
        for part, values, attrs in (("coords", item.coords, {"key": entry.key}), ("display", item.display, item.attrs)):
            path = fmt.embedding_array(entry.id, part)
            create(root, path, values, chunks=fmt.cell_chunks(values.shape), level=level, attrs=attrs)
            arrays[path] = [plan.n_cells, 2]


def write_matrix(source, plan, options, root, bundle, encoded_obs, reporter, matrix_pass):
    """The pass over the matrix: X chunks and per-bucket DE results; then the DE tables, one
    column at a time (a generator: each is assembled when written, its bucket results freed)."""
    workers, memory = matrix_pass
    reader = source.matrix(plan.matrix)
    create(root, fmt.X, shape=(plan.n_genes, plan.n_cells), dtype=np.float32, chunks=(1, plan.n_cells), level=options.gzip_level)
    groupings = tuple(
        expression.DeGrouping(encoded_obs[d.obs_id].codes.astype(np.int64), d.n_categories) for d in plan.de
    )
    spill = bundle / ".spill"  # inside the staging folder: killed builds leave nothing else
    job = expression.make_job(
        source.path, plan.matrix, reader.kind, reader.shape, reader.nnz_estimate,
        max_memory=memory.per_worker, spill_dir=spill, store_path=bundle / fmt.DATA, groupings=groupings,
        gzip_level=options.gzip_level, workers=workers, identity=source.identity, de_bytes_per_gene=memory.de_bytes_per_gene,
    )  # fmt: skip
    reporter.detail(f"{len(job.row_blocks)} row blocks, {len(job.buckets)} gene buckets, {workers} process(es)")
    try:
        with TaskRunner(options.scheduler, workers) as run:
            if job.transposes:
                reporter.stage("reading the matrix by cell blocks")
                run(expression.spill_rows, job, range(len(job.row_blocks)), reporter.progress("cell blocks"))
            reporter.stage("writing expression by gene" + (" and computing DE" if plan.de else ""))
            results = run(expression.process_bucket, job, range(len(job.buckets)), reporter.progress("gene buckets"))
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    check_unchanged(source.root, source.path, source.identity)  # obs and embeddings were read from it too
    summary = results[0].summary
    for result in results[1:]:
        summary = summary.merge(result.summary)
    known_files = {rel: digest for result in results for rel, digest in result.files.items()}
    firsts = [r.first_gene for r in results]
    parts = [[r.de[index] for r in results] for index in range(len(plan.de))]
    del results

    def tables():
        for index, entry in enumerate(plan.de):
            blocks, parts[index] = list(zip(firsts, parts[index])), None
            categories = encoded_obs[entry.obs_id].attrs["categories"]
            table = de.assemble(entry.name, entry.obs_id, categories, groupings[index].codes, blocks, plan.n_genes)
            del blocks
            yield table

    return summary, tables(), known_files


def describe_matrix(plan: ExportPlan, summary: expression.ValueSummary, reporter: Reporter) -> fmt.MatrixInfo:
    """Record the value range and warn where a t-test on these values would mislead."""
    looks_like = "log-normalized"
    if summary.n_stored and summary.min < 0:
        looks_like = "scaled (negative values)"
        if plan.de:
            reporter.warn(
                f"{plan.matrix} has negative values (scaled data): DE fold changes and t-tests on it "
                "mislead; use --layer with log-normalized values if the file has them"
            )
    elif summary.all_integer and summary.max > 1:  # log-normalized values are not integers
        looks_like = "raw counts"
        if plan.de:
            reporter.warn(
                f"{plan.matrix} looks like raw counts (integers up to {summary.max:g}): t-tests and the "
                "log1p fold-change convention expect log-normalized values (sc.pp.normalize_total + sc.pp.log1p)"
            )
    if summary.n_nonfinite:
        reporter.warn(
            f"{plan.matrix} has {summary.n_nonfinite} non-finite values (NaN/inf): shown as missing; "
            "DE statistics of the affected genes are NaN"
        )
    return {
        "source": plan.matrix,
        "reason": plan.matrix_reason,
        "min": summary.min if summary.n_stored else 0.0,
        "max": summary.max if summary.n_stored else 0.0,
        "has_nan": summary.n_nonfinite > 0,
        "looks_like": looks_like,
    }


def group_attributes(plan: ExportPlan, options: BuildOptions, matrix_meta: fmt.MatrixInfo) -> fmt.RootAttributes:
    return {
        "format_version": fmt.FORMAT_VERSION,
        "generator": GENERATOR,
        "title": plan.title,
        "description": plan.description,
        "citation": options.citation,
        "doi": options.doi,
        "links": [{"label": label, "url": url} for label, url in options.links],
        "n_cells": plan.n_cells,
        "n_genes": plan.n_genes,
        "matrix": matrix_meta,
        "gene_symbols": plan.gene_symbols or fmt.GENE_SYMBOLS_FROM_INDEX,
        "embeddings": [
            {"id": e.id, "key": e.key, "name": e.name, "n_dims": e.n_dims} for e in plan.embeddings
        ],
        "obs": [
            {"id": o.id, "name": o.name, "kind": o.kind, **({"n_categories": o.n_categories} if o.kind != "continuous" else {})}
            for o in plan.obs
        ],
        "de": [
            {"id": d.id, "obs_id": d.obs_id, "name": d.name, "n_categories": d.n_categories, "top_n": options.de_top_n}
            for d in plan.de
        ],
        "defaults": {"embedding": plan.default_embedding, "color": plan.default_color},
    }
