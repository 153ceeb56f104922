"""--max-memory: what a build holds besides the matrix blocks, known before it is allocated.

The budget covers the build's working data: the obs/var tables, per-cell arrays (category
codes, DE groups, embeddings, cell names), the DE tables of every column, and, with what is
left, the matrix pass (blocks, gene buckets, their DE statistics, one row of X per process).
The interpreter and its libraries (about 150 MB per process) come on top. Each figure is an
upper estimate from sizes known without reading the data; a build that cannot fit stops at
once with one line that names --max-memory and what needs the memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import XgError

STRING_BYTES = 64  # a short Python str in a pandas index or object column
# The parent process's DE tables: per category and gene, the results of every bucket (5
# float32 and 2 float64 statistics) until their column is assembled, then that column's table
# (5 float32 and 3 float64 arrays) with the writer's temporary copy of one array.
RESULT_BYTES = 5 * 4 + 2 * 8
TABLE_BYTES = 5 * 4 + 3 * 8 + 8
# One bucket's DE in a worker, per category and gene: group sums (5), moments (4), results (7)
# and the one-vs-rest temporaries (~9), float64 each.
BUCKET_DE_BYTES = 25 * 8
# Per cell in the parent: an obs column's codes or values and the pandas temporaries of encoding
# it; a DE column's int64 groups; an embedding's float64 copies while it is encoded; cell names.
PER_CELL_OBS = 24
PER_CELL_DE = 8
PER_CELL_EMBEDDING = 80
PER_CELL_NAME = 96
PER_GENE_NAMES = 2 * 96  # gene ids and symbols as Python strings while they are written
# Per cell in every matrix process: one float32 row of X and its gzip output.
PER_CELL_ROW = 8
MIN_MATRIX_BUDGET = 256 * 1024
# data/compare/ (docs/COMPARE.md): per cell, its tree position, tree group and the row groups of
# every DE column and joint pair (int64), in the parent and in every matrix process; per gene
# of a bucket and per statistics row, the row and exact_moments' temporaries.
PER_CELL_COMPARE = 8
COMPARE_ROW_BYTES = 12 * 8  # a few thousand stored values per piece at least


class MemoryBudgetError(XgError):
    """--max-memory is smaller than what the dataset needs."""


def stored_bytes(node) -> int:
    """Memory that reading an obs/var group (or dataset) takes, from its stored shapes alone."""
    if hasattr(node, "shape") and hasattr(node, "dtype"):
        count = 1
        for size in node.shape:
            count *= int(size)
        dtype = node.dtype
        if dtype.kind in "OT" or (getattr(dtype, "names", None) and any(dtype[n].kind in "OT" for n in dtype.names)):
            return count * (dtype.itemsize + STRING_BYTES)
        if dtype.kind in "SU":
            return count * (dtype.itemsize + STRING_BYTES)
        return count * dtype.itemsize
    if hasattr(node, "keys"):
        return sum(stored_bytes(node[key]) for key in node)
    return 0


def check_metadata(path, obs_bytes: int, var_bytes: int, max_memory: int) -> None:
    """Refuse before reading obs/var when they alone exceed the budget."""
    if obs_bytes + var_bytes > max_memory:
        raise MemoryBudgetError(
            f"{path}: reading obs and var takes about {_size(obs_bytes + var_bytes)}, more than --max-memory "
            f"{_size(max_memory)}; raise --max-memory (e.g. --max-memory {_size(2 * (obs_bytes + var_bytes))})"
        )


@dataclass(frozen=True)
class MatrixBudget:
    per_worker: int  # bytes each matrix process may use for blocks and buckets
    de_bytes_per_gene: int  # a bucket's DE statistics, per gene (every DE column together)


def matrix_budget(plan, metadata_bytes: int, workers: int, max_memory: int) -> MatrixBudget:
    """What the matrix pass may use per process once everything else is counted; raises
    MemoryBudgetError, naming the largest needs, when that is too little."""
    n_cells, n_genes = plan.n_cells, plan.n_genes
    categories = [d.n_categories for d in plan.de]
    per_cell = PER_CELL_OBS * len(plan.obs) + PER_CELL_DE * len(plan.de) + PER_CELL_EMBEDDING + PER_CELL_NAME
    needs = {
        "obs/var tables": metadata_bytes,
        "per-cell arrays": n_cells * per_cell,
        "gene names": PER_GENE_NAMES * n_genes,
        "DE tables": (RESULT_BYTES * sum(categories) + TABLE_BYTES * max(categories, default=0)) * n_genes,
        "one row of X per process": workers * PER_CELL_ROW * n_cells,
        "DE groups per process": workers * PER_CELL_DE * len(plan.de) * n_cells,
    }
    de_per_gene = BUCKET_DE_BYTES * sum(categories)
    if getattr(plan, "compare", None) is not None:
        groups = 3 + len(plan.de) + len(plan.compare.joints)
        needs["comparison groups per process"] = (workers + 1) * PER_CELL_COMPARE * groups * n_cells
        de_per_gene += COMPARE_ROW_BYTES * compare_rows(plan)
    left = (max_memory - sum(needs.values())) // workers
    if left < MIN_MATRIX_BUDGET + de_per_gene:
        largest = sorted(needs.items(), key=lambda item: -item[1])[:2]
        shown = ", ".join(f"{what} about {_size(size)}" for what, size in largest)
        if needs["DE tables"] == largest[0][1] and plan.de:
            widest = max(plan.de, key=lambda d: d.n_categories)
            shown += f" ({widest.name!r}: {widest.n_categories} categories × {n_genes} genes)"
        need = sum(needs.values()) + workers * (MIN_MATRIX_BUDGET + de_per_gene)
        raise MemoryBudgetError(
            f"--max-memory {_size(max_memory)} is too small for this dataset: {shown}; raise it to at least "
            f"{_size(need)}"
            + (", or narrow DE (--de-obs, --de-max-categories, --no-de)" if plan.de else "")
            + (", or leave out the comparison data (--no-compare)" if getattr(plan, "compare", None) else "")
        )
    return MatrixBudget(int(left), int(de_per_gene))


def compare_rows(plan) -> int:
    """An upper estimate of data/compare/'s statistics rows (the tree's are known only once the
    embedding is read: about N / row_cells, counted twice for the quadtree's uneven splits)."""
    categories = {d.obs_id: d.n_categories + 1 for d in plan.de}
    joint = sum(min(plan.n_cells, categories[a] * categories[b]) for a, b in plan.compare.joints)
    return 1 + sum(categories.values()) + joint + 2 * plan.n_cells // plan.compare.row_cells + 1


def _size(n: int) -> str:
    for unit, scale in (("G", 1024**3), ("M", 1024**2)):
        if n >= scale:
            return f"{n / scale:.1f}{unit}".replace(".0", "")
    return f"{max(1, n // 1024)}K"
