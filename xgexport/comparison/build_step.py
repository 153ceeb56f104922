"""``xgexport build``'s side of the comparison data: the layout from what the build has already
written (the DE columns' codes, the default embedding's display coordinates), the streamed
job (:mod:`.stream`) and, after the matrix pass, the rounds that write the files, reported
in bytes and time."""

from __future__ import annotations

import time

import numpy as np

from ..format import DATA
from . import layout as L
from . import stream
from .stream import BUCKET_BYTES_PER_VALUE
from .writer import ColumnGroups, CompareLayout, create_big_arrays, finish, plan_layout

__all__ = ["BUCKET_BYTES_PER_VALUE", "CompareLayout", "make_job", "plan_for", "write_files"]


def plan_for(plan, encoded_obs: dict, display: np.ndarray) -> CompareLayout:
    """The layout of the plan's comparison data: rows for every DE column (missing values in a
    row of their own), joint rows for --de-within, the tree over the default embedding."""
    columns = [
        ColumnGroups(d.obs_id, d.name, np.asarray(encoded_obs[d.obs_id].codes, dtype=np.int64), d.n_categories)
        for d in plan.de
    ]
    options = plan.compare
    return plan_layout(display, plan.default_embedding, plan.n_genes, columns, options.joints,
                       leaf_cells=options.leaf_cells, row_cells=options.row_cells)  # fmt: skip


def make_job(layout: CompareLayout, reader, spill, bundle, matrix_pass) -> stream.CompareJob:
    return stream.make_job(
        layout, spill_dir=spill / L.GROUP, folder=bundle.folder / DATA / L.GROUP, value_dtype=L.value_dtype(reader.dtype),
        nnz=reader.nnz_estimate, max_memory=matrix_pass.memory.per_worker, workers=matrix_pass.workers,
        gzip_level=bundle.level,
    )  # fmt: skip


def write_files(job: stream.CompareJob, buckets, bundle, results, run, workers: int, reporter, seconds: float) -> dict:
    """Rows and leaves from the pass's pieces, then the small arrays; the bundle's array shapes
    are updated; returns the files' (size, sha256) by path relative to the bundle."""
    started = time.perf_counter()
    reporter.stage("writing the comparison data")
    job = stream.after_pass(job, tuple(buckets), workers)
    reporter.detail(f"comparison data: {len(job.row_ranges)} row ranges, {len(job.leaf_ranges)} leaf ranges")
    group = bundle.root.require_group(L.GROUP)
    create_big_arrays(group, job.layout, job.value_dtype, job.capacity, bundle.level)
    prefix = f"{DATA}/{L.GROUP}/"
    files: dict = {}
    row_bytes = np.zeros(job.layout.n_rows, dtype=np.int64)
    for first, sizes, written in run(stream.write_rows, job, range(len(job.row_ranges)), reporter.progress("rows")):
        row_bytes[first : first + len(sizes)] = sizes
        files.update({prefix + key: value for key, value in written.items()})
    leaf_bytes = np.zeros(len(job.layout.tree.leaves), dtype=np.int64)
    progress = reporter.progress("leaf ranges")
    for leaves, sizes, written in run(stream.write_leaf_range, job, range(len(job.leaf_ranges)), progress):
        leaf_bytes[leaves] = sizes
        files.update({prefix + key: value for key, value in written.items()})
    nonnegative = all(r.summary.min >= 0 for r in results if r.summary.n_stored)
    arrays = finish(group, job.layout, row_bytes, leaf_bytes, value_dtype=job.value_dtype, capacity=job.capacity,
                    nonnegative=nonnegative, level=bundle.level)  # fmt: skip
    bundle.shapes.update(arrays)
    seconds += time.perf_counter() - started
    rows, leaves = int(row_bytes.sum()), int(leaf_bytes.sum())
    reporter.stage(
        f"comparison data: {_mb(rows + leaves)} ({job.layout.n_rows} rows {_mb(rows)}, {len(leaf_bytes)} leaves "
        f"{_mb(leaves)}), {seconds:.1f} s of work (--no-compare leaves it out)"
    )
    return files


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
