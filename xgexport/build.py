"""``xgexport build``: the stages from an input file to a complete bundle.

open the input → plan → write annotations and embeddings → one pass over the matrix
(expression chunks + DE statistics) → DE tables → dataset description → viewer → manifest.

Everything is written into a staging folder beside OUT that replaces OUT only at the end
(:mod:`xgexport.output`), so OUT is always absent, the previous bundle, or the new one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import budget, de, embed, expression, images, labels
from . import format as fmt
from .annotations import EncodedObs, encode_embedding, encode_obs
from .comparison import build_step as compare_data
from .genes import gene_symbols
from .input_identity import check_unchanged
from .manifest import write_manifest
from .options import BuildOptions, RunOptions
from .output import check_output, clean_leftovers, output_path, staged
from .plan import ExportPlan, ObsPlan, make_plan
from .report import Reporter
from .runner import TaskRunner, local_workers
from .site import render_site
from .source import Source, open_source
from .store import create, open_store
from .version import GENERATOR


def build(
    input_path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    options: BuildOptions | None = None,
    run: RunOptions | None = None,
    overwrite: bool = False,
    reporter: Reporter | None = None,
) -> ExportPlan:
    """Export ``input_path`` (.h5ad or AnnData .zarr) as a static bundle in ``out``; returns the
    plan it carried out. ``options`` decide what the bundle holds, ``run`` how the build runs."""
    options, run, reporter = options or BuildOptions(), run or RunOptions(), reporter or Reporter()
    options.image_encoding.check()  # WebP without Pillow: one line before anything is read
    out = output_path(out)
    clean_leftovers(out)
    check_output(out, overwrite)
    source = open_source(Path(input_path), run.max_memory)
    source, options, label_sets = labels.add_label_sets(source, options)  # --annotations
    source, computed = embed.add_embedding(source, options, run.max_memory)  # --embed
    plan = make_plan(source, options)
    workers = 1 if run.scheduler else local_workers(run.jobs, source.matrix(plan.matrix).nnz_estimate)
    memory = budget.matrix_budget(plan, source.metadata_bytes, workers, run.max_memory)  # before any writing
    with staged(out, overwrite) as staging:
        describe_plan(plan, reporter)  # after every check that can fail early: errors stay one line
        if label_sets:
            reporter.stage(labels.describe(label_sets))
        if computed:
            reporter.stage(computed)
        write_bundle(source, plan, Writer(staging, open_store(staging / fmt.DATA), run.gzip_level), reporter,
                     MatrixPass(run.scheduler, workers, memory))  # fmt: skip
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


@dataclass
class Writer:
    """The bundle being written: its folder, its zarr group, and each array's shape so far (for
    the manifest). Arrays go through :func:`xgexport.store.create`: one set of encoding rules."""

    folder: Path
    root: Any  # zarr.Group
    level: int  # gzip level of the dataset's arrays
    shapes: dict[str, list[int]] = field(default_factory=dict)

    def array(self, path: str, data: np.ndarray | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("level", self.level)
        self.shapes[path] = list(create(self.root, path, data, **kwargs).shape)


@dataclass(frozen=True)
class MatrixPass:
    """How the matrix pass runs: where, in how many processes, with how much memory each."""

    scheduler: str | None
    workers: int
    memory: budget.MatrixBudget


def write_bundle(source: Source, plan: ExportPlan, bundle: Writer, reporter: Reporter, matrix_pass: MatrixPass) -> None:
    reporter.stage("writing annotations and embeddings")
    encoded_obs = write_obs(source, plan, bundle)
    display = write_embeddings(source, plan, bundle)
    write_names(source, plan, bundle)
    # before the matrix pass: an image may use the memory its blocks use later
    budget_left = matrix_pass.memory.per_worker * matrix_pass.workers
    tissue = images.write_images(source, plan.images, bundle.folder, reporter, budget_left, plan.image_encoding)
    compare = compare_data.plan_for(plan, encoded_obs, display) if plan.compare else None
    del display
    summary, tables, known_files = write_matrix(source, plan, bundle, encoded_obs, reporter, matrix_pass, compare)
    matrix_info = describe_matrix(plan, summary, reporter)
    for entry, table in zip(plan.de, tables):
        if table.skipped:
            reporter.warn(
                f"DE for {entry.name!r}: skipped {len(table.skipped)} categories with fewer than 2 cells "
                f"in a group ({', '.join(table.skipped[:5])}{'…' if len(table.skipped) > 5 else ''})"
            )
        bundle.shapes.update(de.write_de(bundle.root, entry.id, table, entry.top_n, level=bundle.level))
        del table  # before the next column's table is assembled
    attributes = root_attributes(plan, matrix_info)
    if tissue:
        attributes["images"] = tissue
    bundle.root.attrs[fmt.ROOT_ATTRIBUTES_KEY] = fmt.json_safe(attributes)
    reporter.stage("rendering the viewer")
    render_site(bundle.folder, plan.title)
    dataset = {"title": plan.title, "n_cells": plan.n_cells, "n_genes": plan.n_genes}
    arrays = {f"{fmt.DATA}/{path}": {"shape": shape} for path, shape in bundle.shapes.items()}
    write_manifest(bundle.folder, dataset, arrays, known=known_files)


def write_obs(source: Source, plan: ExportPlan, bundle: Writer) -> dict[str, EncodedObs]:
    encoded = {}
    for entry in plan.obs:
        colors = source.uns_value(f"{entry.name}_colors") if entry.kind == "categorical" else None
        item = encode_obs(source.obs[entry.name], entry.kind, colors)
        path, values = (
            (fmt.obs_array(entry.id, "codes"), item.codes)
            if item.codes is not None
            else (fmt.obs_array(entry.id, "values"), item.values)
        )
        assert values is not None  # encode_obs fills one of the two
        bundle.array(path, values, chunks=fmt.cell_chunks(values.shape), attrs=item.attrs)
        encoded[entry.id] = item
    return encoded


def write_embeddings(source: Source, plan: ExportPlan, bundle: Writer) -> np.ndarray:
    """Write every embedding; return the default one's display coordinates (the comparison
    tree's)."""
    default = None
    for entry in plan.embeddings:
        item = encode_embedding(source.embedding(entry.key, entry.layout_dims), entry.key)
        for path, values, attrs in embedding_arrays(entry.id, item):
            bundle.array(path, values, chunks=fmt.cell_chunks(values.shape), attrs=attrs)
        if entry.id == plan.default_embedding:
            default = np.ascontiguousarray(item.display[:, :2])
    assert default is not None  # the default is one of the plan's embeddings
    return default


def embedding_arrays(embedding_id: str, item) -> list[tuple[str, np.ndarray, dict]]:
    """(path, values, attrs) of an encoded embedding. The first two dimensions are `coords` and
    `display` in every bundle, so a 2-D reader draws a 3-D embedding as seen from the front; the
    third is `coords_z` and `display_z` (docs/FORMAT.md)."""
    a, part = fmt.embedding_array, np.ascontiguousarray
    xy_attrs = {**item.attrs, "min": item.attrs["min"][:2], "max": item.attrs["max"][:2]}
    out = [
        (a(embedding_id, "coords"), part(item.coords[:, :2]), {"key": item.attrs["key"]}),
        (a(embedding_id, "display"), part(item.display[:, :2]), xy_attrs),
    ]
    if item.display.shape[1] == 3:
        z_attrs = {**item.attrs, "min": item.attrs["min"][2], "max": item.attrs["max"][2]}
        out += [
            (a(embedding_id, "coords_z"), part(item.coords[:, 2]), {"key": item.attrs["key"]}),
            (a(embedding_id, "display_z"), part(item.display[:, 2]), z_attrs),
        ]
    return out


def write_names(source: Source, plan: ExportPlan, bundle: Writer) -> None:
    """Gene ids, display names and cell ids (strings: level 6, they are small and read once)."""
    genes = source.raw_var if plan.matrix == "raw" else source.var
    assert genes is not None  # the plan chose raw only where the file has it
    bundle.array(fmt.VAR_NAMES, np.asarray(genes.index.astype(str), dtype=object), level=6)
    if plan.gene_symbols:
        bundle.array(fmt.VAR_SYMBOLS, gene_symbols(genes, plan.gene_symbols), level=6)
    cells = np.asarray(source.obs.index.astype(str), dtype=object)
    bundle.array(fmt.OBS_NAMES, cells, chunks=(min(fmt.OBS_NAMES_CHUNK, plan.n_cells),), level=6)


def write_matrix(
    source: Source,
    plan: ExportPlan,
    bundle: Writer,
    encoded_obs: dict[str, EncodedObs],
    reporter: Reporter,
    matrix_pass: MatrixPass,
    compare: compare_data.CompareLayout | None = None,
) -> tuple[expression.ValueSummary, Iterator[de.DeTable], dict]:
    """The pass over the matrix: X chunks, per-bucket DE results and the comparison data's
    pieces; then the comparison data's files; then the DE tables, one column at a time (a
    generator: each is assembled when written, its bucket results freed)."""
    reader = source.matrix(plan.matrix)
    bundle.array(fmt.X, shape=(plan.n_genes, plan.n_cells), dtype=np.float32, chunks=(1, plan.n_cells))
    groupings = tuple(
        expression.DeGrouping(np.asarray(encoded_obs[d.obs_id].codes, dtype=np.int64), d.n_categories) for d in plan.de
    )
    spill = bundle.folder / ".spill"  # inside the staging folder: killed builds leave nothing else
    compare_job = compare and compare_data.make_job(compare, reader, spill, bundle, matrix_pass)
    job = expression.make_job(
        source.path, plan.matrix, reader.kind, reader.shape, reader.nnz_estimate,
        max_memory=matrix_pass.memory.per_worker, spill_dir=spill, store_path=bundle.folder / fmt.DATA,
        groupings=groupings, gzip_level=bundle.level, workers=matrix_pass.workers, identity=source.identity,
        de_bytes_per_gene=matrix_pass.memory.de_bytes_per_gene, compare=compare_job,
        extra_bytes_per_value=compare_data.BUCKET_BYTES_PER_VALUE if compare else 0,
    )  # fmt: skip
    reporter.detail(
        f"{len(job.row_blocks)} row blocks, {len(job.buckets)} gene buckets, {matrix_pass.workers} process(es)"
    )
    try:
        with TaskRunner(matrix_pass.scheduler, matrix_pass.workers) as run:
            if job.transposes:
                reporter.stage("reading the matrix by cell blocks")
                run(expression.spill_rows, job, range(len(job.row_blocks)), reporter.progress("cell blocks"))
            reporter.stage("writing expression by gene" + (" and computing DE" if plan.de else ""))
            results = run(expression.process_bucket, job, range(len(job.buckets)), reporter.progress("gene buckets"))
            if compare_job:
                seconds = sum(r.compare_seconds for r in results)
                written = compare_data.write_files(compare_job, job.buckets, bundle, results, run, matrix_pass.workers,
                                                   reporter, seconds)  # fmt: skip
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    check_unchanged(source.root, source.path, source.identity)  # obs and embeddings were read from it too
    summary = results[0].summary
    for result in results[1:]:
        summary = summary.merge(result.summary)
    known_files = {rel: digest for result in results for rel, digest in result.files.items()}
    if compare_job:
        known_files.update(written)
    firsts = [r.first_gene for r in results]
    parts: list[list | None] = [[r.de[index] for r in results] for index in range(len(plan.de))]
    del results

    def tables() -> Iterator[de.DeTable]:
        for index, entry in enumerate(plan.de):
            blocks, parts[index] = list(zip(firsts, parts[index] or ())), None
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


def root_attributes(plan: ExportPlan, matrix: fmt.MatrixInfo) -> fmt.RootAttributes:
    """The dataset description of data/zarr.json (docs/FORMAT.md), from the plan."""
    return {
        "format_version": fmt.FORMAT_VERSION,
        "generator": GENERATOR,
        "title": plan.title,
        "description": plan.description,
        "citation": plan.citation,
        "doi": plan.doi,
        "links": [{"label": label, "url": url} for label, url in plan.links],
        "n_cells": plan.n_cells,
        "n_genes": plan.n_genes,
        "matrix": matrix,
        "gene_symbols": plan.gene_symbols or fmt.GENE_SYMBOLS_FROM_INDEX,
        "embeddings": [embedding_info(e) for e in plan.embeddings],
        "obs": [_obs_info(o) for o in plan.obs],
        "de": [
            {"id": d.id, "obs_id": d.obs_id, "name": d.name, "n_categories": d.n_categories, "top_n": d.top_n}
            for d in plan.de
        ],
        "defaults": {"embedding": plan.default_embedding, "color": plan.default_color},
    }


def embedding_info(e) -> fmt.EmbeddingInfo:
    info: fmt.EmbeddingInfo = {"id": e.id, "key": e.key, "name": e.name, "n_dims": e.n_dims}
    if e.layout_dims == 3:  # absent for 2-D ones, so 2-D bundles keep their bytes
        info["layout_dims"] = 3
    return info


def _obs_info(obs: ObsPlan) -> fmt.ObsInfo:
    info: fmt.ObsInfo = {"id": obs.id, "name": obs.name, "kind": obs.kind}
    if obs.kind != "continuous":
        info["n_categories"] = obs.n_categories
    return info
