"""Planning an export: what goes into the bundle, and why, decided before anything is written.

``make_plan`` is pure with respect to the output: it reads metadata only, validates the
options against the input, and returns an immutable :class:`ExportPlan` that ``inspect``
prints and ``build`` carries out.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError
from .genes import choose_symbols, gene_name_warnings
from .images import ImageEncoding, ImagePlan, plan_images
from .options import BuildOptions
from .source import Source

# Embeddings with more columns than this are latent spaces, not 2-D layouts (PCA excepted).
MAX_LAYOUT_DIMS = 3
THREE_D = 3  # an embedding with exactly this many columns is kept whole and drawn in 3-D
DEFAULT_EMBEDDING_ORDER = ("X_umap", "umap", "X_tsne", "tsne", "spatial", "X_spatial")


@dataclass(frozen=True)
class EmbeddingPlan:
    id: str
    key: str
    name: str
    n_dims: int  # columns of the input's obsm entry

    @property
    def layout_dims(self) -> int:
        """Dimensions written and drawn: all three of a 3-column embedding, else the first two
        (a latent space of more columns, shown with --embedding, is not a 3-D layout)."""
        return THREE_D if self.n_dims == THREE_D else 2


@dataclass(frozen=True)
class ObsPlan:
    id: str
    name: str
    kind: str  # categorical | boolean | continuous
    n_categories: int = 0


@dataclass(frozen=True)
class DePlan:
    id: str
    obs_id: str
    name: str
    n_categories: int
    top_n: int  # ranked markers stored per category


@dataclass(frozen=True)
class ComparePlan:
    """data/compare/ (docs/COMPARE.md): rows for every DE column's categories, joint rows for
    the pairs of DE columns named by --de-within (obs ids), a tree over the default embedding."""

    joints: tuple[tuple[str, str], ...]
    leaf_cells: int
    row_cells: int


@dataclass(frozen=True)
class ExportPlan:
    """Everything the bundle will hold, decided: what ``inspect`` prints and ``build`` writes."""

    title: str
    description: str
    citation: str
    doi: str
    links: tuple[tuple[str, str], ...]
    n_cells: int
    n_genes: int
    matrix: str  # "X", "raw" or a layer name
    matrix_reason: str
    matrix_kind: str
    gene_symbols: str | None  # var column used for display names, None for the var index
    gene_symbols_reason: str
    embeddings: tuple[EmbeddingPlan, ...]
    obs: tuple[ObsPlan, ...]
    de: tuple[DePlan, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())
    hints: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    default_embedding: str = "0"
    default_color: str = "none"
    compare: ComparePlan | None = None
    images: tuple[ImagePlan, ...] = field(default=())  # tissue images under the spatial spots
    image_encoding: ImageEncoding = field(default=ImageEncoding())  # PNG or WebP

    def to_dict(self) -> dict:
        out = asdict(self)
        for entry, plan in zip(out["embeddings"], self.embeddings):
            entry["layout_dims"] = plan.layout_dims
        return out


def make_plan(source: Source, options: BuildOptions) -> ExportPlan:
    """Decide everything the build will write; raise InputError for what cannot be exported."""
    if source.n_cells == 0:
        raise InputError(f"{source.path}: the dataset has 0 cells; there is nothing to show")
    skipped: list[tuple[str, str]] = []
    matrix, reason = choose_matrix(source, options.layer)
    reader = source.matrix(matrix)
    genes = source.raw_var if matrix == "raw" else source.var
    if reader.shape[1] == 0:
        raise InputError(f"{source.path}: matrix {matrix} has no genes (0 columns)")
    symbols, symbols_reason = choose_symbols(genes, options.gene_symbols, matrix)
    embeddings = choose_embeddings(source, options.embeddings, skipped)
    obs = choose_obs(source, options, skipped)
    de = choose_de(obs, options, skipped)
    images = plan_images(source, embeddings, obs, options.images, skipped)
    return ExportPlan(
        title=options.title or source.path.stem,
        description=options.description,
        citation=options.citation,
        doi=options.doi,
        links=options.links,
        n_cells=source.n_cells,
        n_genes=reader.shape[1],
        matrix=matrix,
        matrix_reason=reason,
        matrix_kind=reader.kind,
        gene_symbols=symbols,
        gene_symbols_reason=symbols_reason,
        embeddings=embeddings,
        obs=obs,
        de=de,
        skipped=tuple(skipped),
        hints=tuple(integer_cluster_hints(source, obs)),
        warnings=tuple(gene_name_warnings(genes, symbols, "raw.var" if matrix == "raw" else "var")),
        default_embedding=_default_embedding(embeddings),
        default_color=_default_color(obs, de),
        compare=choose_compare(de, options),
        images=images,
        image_encoding=options.image_encoding,
    )


def choose_matrix(source: Source, layer: str | None) -> tuple[str, str]:
    """Which matrix gives expression: scanpy's convention (.raw when present, else X)."""
    if layer is not None:
        if layer == "X":
            if not source.has_x:
                raise InputError(f"{source.path}: --layer X asked for, but the file has no X")
            return "X", "chosen with --layer X"
        if layer == "raw":
            if source.raw_var is None:
                raise InputError(f"{source.path}: --layer raw asked for, but the file has no .raw")
            return "raw", "chosen with --layer raw"
        if layer not in source.layer_names:
            have = ", ".join(source.layer_names) or "none"
            raise InputError(f"{source.path}: no layer {layer!r} (layers: {have}); use --layer X, raw or one of them")
        return layer, f"chosen with --layer {layer}"
    if source.raw_var is not None:
        return "raw", ".raw is present (scanpy's convention: expression and DE use .raw); --layer X overrides"
    if source.has_x:
        return "X", "no .raw in the file, so X (scanpy's convention); --layer overrides"
    if source.layer_names:
        raise InputError(
            f"{source.path}: the file has no X and no .raw; choose a layer with --layer "
            f"({', '.join(source.layer_names)})"
        )
    raise InputError(
        f"{source.path}: the file has no expression matrix (no X, no .raw, no layers); save it with adata.X set"
    )


def choose_embeddings(source: Source, requested: tuple[str, ...], skipped) -> tuple[EmbeddingPlan, ...]:
    shapes = source.obsm_shapes
    if requested:
        keys = []
        for key in requested:
            if key not in shapes:
                raise InputError(
                    f"--embedding {key!r}: no such obsm entry (obsm has: {', '.join(shapes) or 'nothing'})"
                )
            if len(shapes[key]) != 2 or shapes[key][1] < 2:
                raise InputError(f"--embedding {key!r}: needs at least 2 columns, it has shape {shapes[key]}")
            if not _has_finite_cell(source, key):
                raise InputError(f"--embedding {key!r}: no cell has finite coordinates (all NaN/inf); recompute it")
            keys.append(key)
    else:
        keys = []
        nonfinite = set()
        for key, shape in shapes.items():
            if len(shape) != 2 or shape[0] != source.n_cells:
                skipped.append((f"obsm[{key!r}]", f"shape {shape} is not cells × dimensions"))
            elif shape[1] < 2:
                skipped.append((f"obsm[{key!r}]", "has one column; a layout needs two"))
            elif shape[1] > MAX_LAYOUT_DIMS and not _is_pca(key):
                skipped.append(
                    (
                        f"obsm[{key!r}]",
                        f"{shape[1]} columns: a latent space, not a 2-D or 3-D layout (--embedding {key} shows its first two)",
                    )
                )
            elif not _has_finite_cell(source, key):
                nonfinite.add(key)
                skipped.append((f"obsm[{key!r}]", "no cell has finite coordinates (all NaN/inf)"))
            else:
                keys.append(key)
    if not keys:
        have = (
            ", ".join(f"{k} {shapes[k]}" + (" all NaN/inf" if not requested and k in nonfinite else "") for k in shapes)
            or "nothing"
        )
        raise InputError(
            f"{source.path}: no usable embedding to draw (obsm has: {have}); let the build compute one with "
            "--embed pca (or --embed umap), or add one, e.g. sc.pp.pca(adata); sc.pp.neighbors(adata); "
            "sc.tl.umap(adata); adata.write_h5ad(...)"
        )
    keys.sort(key=_embedding_rank)
    return tuple(EmbeddingPlan(str(i), key, display_name(key), int(shapes[key][1])) for i, key in enumerate(keys))


def _has_finite_cell(source: Source, key: str) -> bool:
    """Whether any cell of obsm[key] has finite first two coordinates (reads n_cells × 2 values;
    a cell whose third coordinate is not finite is hidden by the writer, not counted here)."""
    return bool(np.isfinite(source.embedding(key)).all(axis=1).any())


def _is_pca(key: str) -> bool:
    return key.lower() in ("x_pca", "pca")


def _embedding_rank(key: str) -> tuple[int, str]:
    order = DEFAULT_EMBEDDING_ORDER
    return (order.index(key) if key in order else len(order), key)


def display_name(key: str) -> str:
    """X_umap → UMAP, X_tsne → t-SNE, X_umap_3d → UMAP 3-D, X_draw_graph_fa → draw_graph_fa."""
    name = key[2:] if key.startswith("X_") else key
    known = {"umap": "UMAP", "tsne": "t-SNE", "pca": "PCA", "phate": "PHATE", "spatial": "spatial"}
    stem, three_d = re.subn(r"[_-]?3d$", "", name, flags=re.I)
    if three_d and stem.lower() in known:
        return f"{known[stem.lower()]} 3-D"
    return known.get(name.lower(), name)


def choose_obs(source: Source, options: BuildOptions, skipped) -> tuple[ObsPlan, ...]:
    frame = source.obs
    names = list(options.obs) if options.obs else [str(c) for c in frame.columns]
    for name in (*options.obs, *options.categorical):
        if name not in frame.columns:
            raise InputError(f"no such obs column {name!r} (obs has: {', '.join(map(str, frame.columns))})")
    plans: list[ObsPlan] = []
    for name in names:
        column = frame[name]
        if name in options.categorical:
            column = column.astype("category")
        kind, n_categories, why = classify_obs(column, options.max_categories)
        if kind is None:
            if name in options.categorical:
                raise InputError(f"--categorical {name!r}: {why}")
            skipped.append((f"obs[{name!r}]", why))
            continue
        plans.append(ObsPlan(str(len(plans)), name, kind, n_categories))
    return tuple(plans)


MAX_CLUSTER_INTEGERS = 50


def integer_cluster_hints(source: Source, obs: tuple[ObsPlan, ...]) -> list[str]:
    """Integer columns with few distinct values are often cluster ids (Seurat stores them so):
    say how to show them as categories, without guessing their meaning."""
    hints = []
    for plan in obs:
        column = source.obs[plan.name]
        if plan.kind == "continuous" and pd.api.types.is_integer_dtype(column.dtype):
            distinct = column.nunique()
            if 2 <= distinct <= min(MAX_CLUSTER_INTEGERS, len(column) // 10):  # ≥ 10 cells per id
                hints.append(
                    f"obs {plan.name!r} holds {distinct} distinct integers and is shown as a continuous "
                    f"scale; if they are cluster ids, add --categorical {plan.name}"
                )
    return hints


# A categorical column with at least this many values in use, nearly all of them (this share)
# held by one cell each, is an id (barcodes, sample ids per cell): hundreds of legend rows of "1".
ID_MIN_VALUES = 20
ID_SINGLETON_SHARE = 0.9


def classify_obs(column: pd.Series, max_categories: int) -> tuple[str | None, int, str]:
    """How an obs column is shown: (kind, number of categories, reason when skipped)."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        n = len(dtype.categories)
        if n > max_categories:
            return None, n, f"{n} categories (more than --max-categories {max_categories}): an id, not a grouping"
        why = _id_like(column)
        return (None, n, why) if why else ("categorical", n, "")
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean", 2, ""
    if pd.api.types.is_numeric_dtype(dtype):
        return "continuous", 0, ""
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        values = column.dropna()
        if not all(isinstance(v, str) for v in values.iloc[:1000]):
            return None, 0, f"mixed value types ({dtype}) cannot be shown"
        n = values.nunique()
        if n > max_categories:
            return None, n, f"free text with {n} distinct values (more than --max-categories {max_categories})"
        why = _id_like(values)
        return (None, n, why) if why else ("categorical", n, "")
    return None, 0, f"type {dtype} cannot be shown"


def _id_like(column: pd.Series) -> str:
    """Why a categorical column is an id rather than a grouping, or '' when it is a grouping."""
    counts = column.value_counts(dropna=True)
    used = counts[counts > 0]
    singles = int((used == 1).sum())
    if len(used) >= ID_MIN_VALUES and singles >= ID_SINGLETON_SHARE * len(used):
        return f"{singles} of its {len(used)} values hold one cell each: an id, not a grouping"
    return ""


def choose_de(obs: tuple[ObsPlan, ...], options: BuildOptions, skipped) -> tuple[DePlan, ...]:
    if not options.de:
        return ()
    by_name = {plan.name: plan for plan in obs}
    if options.de_obs:
        for name in options.de_obs:
            plan = by_name.get(name)
            if plan is None or plan.kind != "categorical":
                raise InputError(f"--de-obs {name!r}: not an exported categorical obs column")
        candidates = [by_name[name] for name in options.de_obs]
    else:
        candidates = [plan for plan in obs if plan.kind == "categorical"]
    plans: list[DePlan] = []
    for plan in candidates:
        if plan.n_categories < 2:
            skipped.append((f"DE for {plan.name!r}", f"{plan.n_categories} category: nothing to compare"))
        elif plan.n_categories > options.de_max_categories:
            skipped.append(
                (
                    f"DE for {plan.name!r}",
                    f"{plan.n_categories} categories (more than --de-max-categories {options.de_max_categories})",
                )
            )
        else:
            plans.append(DePlan(str(len(plans)), plan.id, plan.name, plan.n_categories, options.de_top_n))
    return tuple(plans)


def choose_compare(de: tuple[DePlan, ...], options: BuildOptions) -> ComparePlan | None:
    """The comparison data asked for, checked: --de-within names two different DE columns."""
    if not options.compare:
        if options.de_within:
            raise InputError("--de-within writes comparison data: it cannot go with --no-compare")
        return None
    if not 1 <= options.compare_leaf_cells < options.compare_row_cells:
        raise InputError(
            f"--compare-leaf-cells {options.compare_leaf_cells} and --compare-row-cells "
            f"{options.compare_row_cells}: need 1 <= leaf cells < row cells"
        )
    by_name = {d.name: d for d in de}
    joints = []
    for pair in options.de_within:
        for name in pair:
            if name not in by_name:
                have = ", ".join(by_name) or "none (--no-de)"
                raise InputError(
                    f"--de-within {pair[0]}:{pair[1]}: {name!r} is not a column with DE (columns with DE: {have})"
                )
        ids = (by_name[pair[0]].obs_id, by_name[pair[1]].obs_id)
        if pair[0] == pair[1] or ids in joints:
            raise InputError(f"--de-within {pair[0]}:{pair[1]}: name two different columns, each pair once")
        joints.append(ids)
    return ComparePlan(tuple(joints), options.compare_leaf_cells, options.compare_row_cells)


def _default_embedding(embeddings: tuple[EmbeddingPlan, ...]) -> str:
    return embeddings[0].id


def _default_color(obs: tuple[ObsPlan, ...], de: tuple[DePlan, ...]) -> str:
    """Colour first by a clustering when there is one: what a reader expects to see."""
    preferred = ("cell_type", "celltype", "leiden", "louvain", "clusters", "cluster", "seurat_clusters")
    categorical = [p for p in obs if p.kind == "categorical" and p.n_categories >= 2]
    for name in preferred:
        for plan in categorical:
            if plan.name.lower() == name:
                return f"obs:{plan.id}"
    if de:
        return f"obs:{de[0].obs_id}"
    if categorical:
        return f"obs:{categorical[0].id}"
    return "none"
