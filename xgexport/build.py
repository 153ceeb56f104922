"""``xgexport build``: stages from an input file to a complete bundle, written atomically.

inspect the input → plan → write annotations and embeddings → one pass over the matrix
(expression chunks + DE) → DE tables → site → manifest → move into place.

Everything is written into a temporary folder beside OUT, which replaces OUT only at the end,
so OUT is always either absent, the previous bundle, or the new complete one.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import FORMAT_VERSION, __version__, budget, de, expression
from .annotations import encode_embedding, encode_obs
from .errors import OutputError
from .genes import gene_symbols
from .input_identity import check_unchanged
from .manifest import foreign_files, is_bundle, write_manifest
from .plan import BuildOptions, ExportPlan, make_plan
from .site import render_site
from .source import Source, open_source
from .store import create, open_store, plain

TMP_TAG = ".xgexport-tmp-"
OLD_TAG = ".xgexport-old-"
OBS_NAMES_CHUNK = 65536
# Per-cell arrays are one file up to this many cells (the usual case), then split along cells,
# so that no file nears GitHub's 100 MiB limit (32 MiB of float32 coordinates at most).
CELL_CHUNK = 4 * 1024 * 1024


def cell_chunks(values: np.ndarray) -> tuple[int, ...]:
    return (min(len(values), CELL_CHUNK), *values.shape[1:])
PARALLEL_FROM_VALUES = 20_000_000


@dataclass(frozen=True)
class Reporter:
    """Stage lines and progress on stderr; silent when quiet, more when verbose."""

    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose

    def stage(self, message: str) -> None:
        if self.verbosity >= 1:
            print(message, file=sys.stderr, flush=True)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            print("  " + message, file=sys.stderr, flush=True)

    def warn(self, message: str) -> None:
        if self.verbosity >= 1:
            print(f"warning: {message}", file=sys.stderr, flush=True)

    def progress(self, label: str) -> Callable[[int, int], None]:
        started = time.monotonic()
        shown = [-1.0]

        def update(done: int, total: int) -> None:
            if self.verbosity < 1 or total < 4:
                return
            now = time.monotonic() - started
            if done == total or now - shown[0] >= 5.0:
                shown[0] = now
                print(f"  {label}: {done}/{total} ({now:.0f} s)", file=sys.stderr, flush=True)

        return update


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
    workers = 1 if options.scheduler else local_workers(options, nnz)
    memory = budget.matrix_budget(plan, source.metadata_bytes, workers, options.max_memory)  # before any writing
    staging = out.parent / f".{out.name}{TMP_TAG}{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create a folder in {out.parent} ({exc.strerror or exc}); choose another output folder"
        ) from None
    describe_plan(plan, reporter)  # after every check that can fail early: errors stay one line
    try:
        write_bundle(source, plan, options, staging, reporter, (workers, memory))
        check_output(out, overwrite)  # again: something may have appeared at OUT during the build
        replace_atomically(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # also from worker processes: errno survives pickling
            raise OutputError(
                f"{out}: no space left on the device of {out.parent} ({exc.strerror}); nothing was changed: "
                "free some space or choose another output folder"
            ) from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    reporter.stage(f"done: {out} ({plan.n_cells} cells, {plan.n_genes} genes)")
    return plan


def output_path(out) -> Path:
    """OUT as an absolute path without '.' or '..' (which would make stray folders on the way);
    OUT itself is not resolved, so a symlink at OUT is replaced, not its target."""
    out = Path(out).absolute()
    if out.name in ("", ".", ".."):
        return out.resolve()
    return out.parent.resolve() / out.name


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse anything but a new folder, an empty one, or (with --overwrite) our own bundle;
    never the current folder or one that holds it, nor a symlink that leads nowhere."""
    if out.is_symlink() and not out.exists():
        raise OutputError(
            f"{out}: is a symbolic link to {os.readlink(out)!r}, which does not exist or loops; "
            "remove the link or choose another output path"
        )
    try:
        here = Path.cwd()
    except OSError:  # the working folder was deleted: nothing of it to protect
        here = None
    if here is not None and (out == here or out in here.parents):
        raise OutputError(
            f"{out}: is the current folder{'' if out == here else ' or holds it'}; the build would replace it "
            "under your shell: give a new subfolder (e.g. xgexport build INPUT out) or run it from elsewhere"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is a file; choose a folder path for the bundle")
    if out.is_dir() and any(out.iterdir()):
        if not is_bundle(out):
            raise OutputError(
                f"{out}: folder is not empty and is not an xgexport bundle; refusing to replace it "
                "(choose a new or empty folder)"
            )
        if not overwrite:
            raise OutputError(f"{out}: a bundle is already there; add --overwrite to replace it")
        foreign = foreign_files(out)
        if foreign:
            raise OutputError(
                f"{out}: the bundle folder also holds {len(foreign)} file(s) that are not part of it "
                f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}); refusing to delete them "
                "with --overwrite: move them out or choose another folder"
            )
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{out}: {parent} is a file, not a folder; choose an output path inside a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot write in {parent} (permission denied); choose another output folder")


def clean_leftovers(out: Path) -> None:
    """Remove staging folders of earlier builds of ``out`` that were killed.

    A build killed between its two renames left OUT absent and the previous bundle moved
    aside: that bundle is put back in place rather than deleted.
    """
    try:
        siblings = sorted(out.parent.iterdir())
    except OSError:  # no such folder, a file, or not readable: check_output explains
        return
    for tag in (OLD_TAG, TMP_TAG):
        prefix = f".{out.name}{tag}"
        for path in (p for p in siblings if p.name.startswith(prefix)):
            pid = path.name[len(prefix) :]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if tag == OLD_TAG and not out.exists() and not out.is_symlink() and is_bundle(path):
                os.rename(path, out)
            else:
                _remove(path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace_atomically(staging: Path, out: Path) -> None:
    """Rename the finished bundle into place; an old bundle is moved aside, then deleted."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        old = out.parent / f".{out.name}{OLD_TAG}{os.getpid()}"
        os.rename(out, old)
        os.rename(staging, out)
        _remove(old)
    else:
        os.rename(staging, out)


def _remove(path: Path) -> None:
    """Delete a leftover folder; a symlink (OUT was a link to a bundle) is unlinked, not followed."""
    if path.is_symlink():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


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
    root = open_store(bundle / "data")
    arrays: dict[str, list[int]] = {}
    reporter.stage("writing annotations and embeddings")
    encoded_obs = write_obs(source, plan, root, level, arrays)
    write_embeddings(source, plan, root, level, arrays)
    genes = source.raw_var if plan.matrix == "raw" else source.var
    create(root, "var/names", np.asarray(genes.index.astype(str), dtype=object), level=6)
    arrays["var/names"] = [plan.n_genes]
    if plan.gene_symbols:
        create(root, "var/symbols", gene_symbols(genes, plan.gene_symbols), level=6)
        arrays["var/symbols"] = [plan.n_genes]
    chunk = min(OBS_NAMES_CHUNK, plan.n_cells)
    create(root, "obs_names", np.asarray(source.obs.index.astype(str), dtype=object), chunks=(chunk,), level=6)
    arrays["obs_names"] = [plan.n_cells]
    summary, tables, known_files = write_matrix(source, plan, options, root, bundle, encoded_obs, reporter, matrix_pass)
    arrays["X"] = [plan.n_genes, plan.n_cells]
    matrix_meta = describe_matrix(plan, summary, reporter)
    for entry, table in zip(plan.de, tables):
        if table.skipped:
            reporter.warn(
                f"DE for {entry.name!r}: skipped {len(table.skipped)} categories with fewer than 2 cells "
                f"in a group ({', '.join(table.skipped[:5])}{'…' if len(table.skipped) > 5 else ''})"
            )
        arrays.update(de.write_de(root, entry.id, table, options.de_top_n, level=level))
        del table  # before the next column's table is assembled
    root.attrs["xgexport"] = plain(group_attributes(plan, options, matrix_meta))
    reporter.stage("rendering the viewer")
    render_site(bundle, plan.title)
    dataset = {"title": plan.title, "n_cells": plan.n_cells, "n_genes": plan.n_genes}
    write_manifest(bundle, dataset, {f"data/{k}": {"shape": v} for k, v in arrays.items()}, known=known_files)


def write_obs(source: Source, plan: ExportPlan, root, level: int, arrays: dict) -> dict:
    encoded = {}
    for entry in plan.obs:
        colors = source.uns_value(f"{entry.name}_colors") if entry.kind == "categorical" else None
        item = encode_obs(source.obs[entry.name], entry.kind, colors)
        if item.codes is not None:
            create(root, f"obs/{entry.id}/codes", item.codes, chunks=cell_chunks(item.codes), level=level, attrs=item.attrs)
            arrays[f"obs/{entry.id}/codes"] = [plan.n_cells]
        else:
            create(root, f"obs/{entry.id}/values", item.values, chunks=cell_chunks(item.values), level=level, attrs=item.attrs)
            arrays[f"obs/{entry.id}/values"] = [plan.n_cells]
        encoded[entry.id] = item
    return encoded


def write_embeddings(source: Source, plan: ExportPlan, root, level: int, arrays: dict) -> None:
    for entry in plan.embeddings:
        item = encode_embedding(source.embedding(entry.key), entry.key)
        create(root, f"embeddings/{entry.id}/coords", item.coords, chunks=cell_chunks(item.coords), level=level,
               attrs={"key": entry.key})  # fmt: skip
        create(root, f"embeddings/{entry.id}/display", item.display, chunks=cell_chunks(item.display), level=level,
               attrs=item.attrs)  # fmt: skip
        arrays[f"embeddings/{entry.id}/coords"] = [plan.n_cells, 2]
        arrays[f"embeddings/{entry.id}/display"] = [plan.n_cells, 2]


def write_matrix(source, plan, options, root, bundle, encoded_obs, reporter, matrix_pass):
    """The pass over the matrix: X chunks and per-bucket DE results; then the DE tables, one
    column at a time (a generator: each is assembled when written, its bucket results freed)."""
    workers, memory = matrix_pass
    reader = source.matrix(plan.matrix)
    create(root, "X", shape=(plan.n_genes, plan.n_cells), dtype=np.float32, chunks=(1, plan.n_cells), level=options.gzip_level)
    groupings = tuple(
        expression.DeGrouping(encoded_obs[d.obs_id].codes.astype(np.int64), d.n_categories) for d in plan.de
    )
    spill = bundle / ".spill"  # inside the staging folder: killed builds leave nothing else
    job = expression.make_job(
        source.path, plan.matrix, reader.kind, reader.shape, reader.nnz_estimate,
        max_memory=memory.per_worker, spill_dir=spill, store_path=bundle / "data", groupings=groupings,
        gzip_level=options.gzip_level, workers=workers, identity=source.identity, de_bytes_per_gene=memory.de_bytes_per_gene,
    )  # fmt: skip
    reporter.detail(f"{len(job.row_blocks)} row blocks, {len(job.buckets)} gene buckets, {workers} process(es)")
    try:
        with task_runner(options.scheduler, workers) as run:
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


class task_runner:
    """Runs a task function over indices: in this process, in a local process pool, or on a
    Dask cluster with --scheduler. Results come back in index order in every case."""

    def __init__(self, scheduler: str | None, workers: int = 1):
        self.scheduler = scheduler
        self.workers = workers
        self.client = None
        self.pool = None

    def __enter__(self):
        if self.scheduler:
            from .distributed import connect

            self.client = connect(self.scheduler)
        elif self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: zarr runs an event-loop thread that a forked child would inherit
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=exit_with_parent, initargs=(os.getpid(),),
            )  # fmt: skip
        return self.run

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def run(self, function, job, indices: Iterable[int], progress) -> list:
        indices = list(indices)
        if self.client is not None:
            from .distributed import run_on_cluster

            return run_on_cluster(self.client, function, job, indices, progress)
        if self.pool is not None:
            from concurrent.futures import as_completed

            futures = [self.pool.submit(function, job, index) for index in indices]
            for done, _ in enumerate(as_completed(futures), start=1):
                progress(done, len(futures))
            return [future.result() for future in futures]
        results = []
        for done, index in enumerate(indices, start=1):
            results.append(function(job, index))
            progress(done, len(indices))
        return results


def exit_with_parent(parent: int) -> None:
    """Pool-worker initializer: when the build is killed (SIGKILL leaves no time to shut the
    pool down), its workers exit too instead of lingering and writing into the staging folder."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def local_workers(options: BuildOptions, nnz: int) -> int:
    """Processes for the matrix pass: --jobs, or both cores when the matrix is big enough
    for the start-up of a worker (about a second) to pay."""
    if options.jobs:
        return options.jobs
    return min(2, os.cpu_count() or 1) if nnz >= PARALLEL_FROM_VALUES else 1


def describe_matrix(plan: ExportPlan, summary: expression.ValueSummary, reporter: Reporter) -> dict:
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


def group_attributes(plan: ExportPlan, options: BuildOptions, matrix_meta: dict) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "generator": f"xgexport {__version__}",
        "title": plan.title,
        "description": plan.description,
        "citation": options.citation,
        "doi": options.doi,
        "links": [{"label": label, "url": url} for label, url in options.links],
        "n_cells": plan.n_cells,
        "n_genes": plan.n_genes,
        "matrix": matrix_meta,
        "gene_symbols": plan.gene_symbols or "var index",
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
