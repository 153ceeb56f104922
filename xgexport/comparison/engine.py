"""``compare(bundle, a, b)``: Welch's t-test of group A against group B over all genes, from
the bundle's comparison data alone, in ``load_de``'s layout.

Groups named by categories of one DE column (or of a column pair stored with ``--de-within``)
are answered from statistics rows only; any other groups through the spatial tree (rows for
whole regions, cells along the boundary). Each side is (+ terms) ⊖ (− terms); genes where that
subtraction keeps too few digits are recomputed from a plan without subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import stats
from ..de import COLUMNS
from ..stats import Moments
from . import layout as L
from . import planner
from .groups import REST, Selection, check_pair, describe_rest, rest_of, select
from .moments import combine_all, exact_moments, subtract
from .reader import CompareData


@dataclass(frozen=True)
class Route:
    """A planning tree (the spatial tree or a category tree) with A's and B's cells per node."""

    name: str
    tree: planner.Tree
    count_a: np.ndarray
    count_b: np.ndarray


def compare(bundle_or_group, a, b=REST):
    """Compare group A with group B (default: every cell not in A) for every gene.

    ``a``/``b``: cell indices, a boolean mask, or ``{obs column: [categories]}``. Returns a
    pandas DataFrame with load_de's columns (``category`` holds A's label); ``frame.attrs
    ["comparison"]`` says which groups and which rest were compared and what was read.
    """
    data, group_a, group_b = _groups(bundle_or_group, a, b)
    read_before, files_before = data.bytes_read, data.files_read  # a shared reader caches
    route, plan = choose_route(data, group_a, group_b)
    moments_a, redone_a = side(data, route, plan, plan.a, group_a, route.count_a)
    moments_b, redone_b = side(data, route, plan, plan.b, group_b, route.count_b)
    info = {
        "a": group_a.label, "b": group_b.label, "n_a": group_a.n, "n_b": group_b.n,
        "rest": describe_rest(data, group_b) if group_b.rest_of is not None else None,
        "route": route.name, "planned_bytes": plan.bytes, "bytes_read": data.bytes_read - read_before,
        "files_read": data.files_read - files_before,
        "terms": _term_summary(plan), "genes_recomputed": {"a": redone_a, "b": redone_b},
    }  # fmt: skip
    return result_frame(data, group_a.label, moments_a, moments_b, info)


def plan_comparison(bundle_or_group, a, b=REST) -> dict:
    """What ``compare`` would read, without reading it: the route, the files and their bytes
    (what a reader can show before a large comparison). Subtraction fallbacks come on top."""
    data, group_a, group_b = _groups(bundle_or_group, a, b)
    route, plan = choose_route(data, group_a, group_b)
    return {"route": route.name, "bytes": plan.bytes, "rows": len(plan.rows), "leaves": len(plan.leaves),
            "files": len(plan.rows) + len(plan.leaves), "terms": _term_summary(plan)}  # fmt: skip


def _groups(bundle_or_group, a, b) -> tuple[CompareData, Selection, Selection]:
    data = bundle_or_group if isinstance(bundle_or_group, CompareData) else CompareData(bundle_or_group)
    group_a = select(data, a, "A")
    group_b = rest_of(group_a) if b is None or (isinstance(b, str) and b == REST) else select(data, b, "B")
    check_pair(group_a, group_b)
    return data, group_a, group_b


def _term_summary(plan: planner.Plan) -> dict:
    """How many rows and leaves the plan adds (+) and subtracts (−), for reports and tests."""
    terms = plan.a + plan.b

    def count(kind, sign):
        return sum(1 for t in terms if t.kind == kind and t.sign == sign)

    return {"rows+": count(planner.ROW, 1), "rows-": count(planner.ROW, -1),
            "leaves+": count(planner.CELLS, 1), "leaves-": count(planner.CELLS, -1)}  # fmt: skip


def choose_route(data: CompareData, a: Selection, b: Selection) -> tuple[Route, planner.Plan]:
    """Statistics rows of a category tree when both groups are unions of its parts (the
    cheapest such tree), else the spatial tree; with the route's plan."""
    routes = category_routes(data, a, b)
    if not routes:
        tree = planner.Tree.of_nodes(data.nodes, data.row_info[:, L.ROW_BYTES], data.leaf_bytes)
        count_a = planner.node_counts(data.nodes, data.order, a.member)
        count_b = planner.node_counts(data.nodes, data.order, b.member)
        routes = [Route("spatial", tree, count_a, count_b)]
    plans = [planner.plan(r.tree, r.count_a, r.count_b) for r in routes]
    best = min(range(len(routes)), key=lambda i: plans[i].bytes)
    return routes[best], plans[best]


def category_routes(data: CompareData, a: Selection, b: Selection) -> list[Route]:
    named = [s for s in (a, b) if s.rest_of is None]
    if any(s.conditions is None for s in named):
        return []
    used: set[str] = set().union(*(s.conditions or {} for s in named))
    columns = {c["obs_id"]: c for c in data.attrs.get("columns", [])}
    routes = []
    if len(used) == 1 and next(iter(used)) in columns:
        routes.append(_category_route(data, a, b, columns[next(iter(used))], None))
    for joint in data.attrs.get("joint", []):
        ids = joint["obs_ids"]
        if used <= set(ids) and all(i in columns for i in ids):
            pairs = data.group[f"{L.JOINT}/{joint['id']}/pairs"][:]
            for middle in (0, 1):
                routes.append(_category_route(data, a, b, columns[ids[middle]], (joint, pairs, middle)))
    return routes


def _category_route(data, a: Selection, b: Selection, column: dict, joint) -> Route:
    """All cells → the categories of one column (+ missing) → [joint groups within each],
    breadth-first: the root, the column's parts, then each part's joint groups in turn."""
    parts = list(range(column["n_categories"])) + ([-1] if column["missing_row"] is not None else [])
    first_row = column["first_row"]
    row_list = [L.TOTAL_ROW] + [first_row + k if k >= 0 else column["missing_row"] for k in parts]
    leaves_codes = [{column["obs_id"]: k} for k in parts]
    children: list[list[int]] = [[] for _ in parts]
    if joint is not None:
        entry, pairs, middle = joint
        position = {k: i for i, k in enumerate(parts)}
        for j, pair in enumerate(pairs):
            children[position[int(pair[middle])]].append(j)
    n_nodes = 1 + len(parts) + sum(len(c) for c in children)
    first_child, n_children = np.full(n_nodes, -1), np.zeros(n_nodes, dtype=np.int64)
    first_child[0], n_children[0] = 1, len(parts)
    codes_of = [None, *leaves_codes]
    next_id = 1 + len(parts)
    for i, kids in enumerate(children):
        if kids:
            first_child[1 + i], n_children[1 + i] = next_id, len(kids)
            next_id += len(kids)
        for j in kids:
            row_list.append(entry["first_row"] + j)
            codes_of.append({entry["obs_ids"][0]: int(pairs[j][0]), entry["obs_ids"][1]: int(pairs[j][1])})
    rows = np.asarray(row_list)
    count = data.row_info[rows, L.ROW_N].astype(np.int64)
    tree = planner.Tree(
        count, first_child, n_children, rows, np.full(n_nodes, -1), data.row_info[:, L.ROW_BYTES], data.leaf_bytes
    )
    count_a, count_b = (_part_counts(tree, codes_of, s) for s in (a, b))
    name = f"categories of {column['name']!r}" + (" (joint groups of a column pair)" if joint else "")
    return Route(name, tree, count_a, count_b)


def _part_counts(tree: planner.Tree, codes_of: list, group: Selection) -> np.ndarray:
    """Cells of the group in each node: a part is wholly in or out; parents add up children."""
    named = group.rest_of if group.rest_of is not None else group
    inside = np.array([codes is not None and all(codes.get(c, -2) in allowed for c, allowed in (named.conditions or {}).items())
                       for codes in codes_of])  # fmt: skip
    leaf_level = tree.n_children == 0
    count = np.where(leaf_level & inside, tree.count, 0)
    if group.rest_of is not None:
        count = np.where(leaf_level, tree.count - count, 0)
    for v in range(len(count) - 1, -1, -1):
        if tree.n_children[v]:
            count[v] = count[tree.first_child[v] : tree.first_child[v] + tree.n_children[v]].sum()
    return count


def side(data: CompareData, route: Route, plan: planner.Plan, terms, group: Selection, count) -> tuple[Moments, int]:
    """One group's statistics from its terms; genes where the subtraction lost digits are
    recomputed without it. Returns the statistics and how many genes were recomputed."""
    plus, minus = evaluate(data, route, terms, group.member)
    if minus.n[0] == 0:
        return plus, 0
    moments, trusted = subtract(plus, minus, bool(data.attrs["nonnegative"]))
    if trusted.all():
        return moments, 0
    extra = planner.additive(route.tree, count, plan)
    exact, _ = evaluate(data, route, extra.a, group.member)
    keep = trusted[0]
    merged = Moments(
        moments.n, np.where(keep, moments.mean, exact.mean), np.where(keep, moments.m2, exact.m2), exact.n_pos
    )
    return merged, int((~keep).sum())


def evaluate(data: CompareData, route: Route, terms, member: np.ndarray) -> tuple[Moments, Moments]:
    """The combined + terms and the combined − terms: rows as stored, the cells of all leaf
    terms of one sign as one exact piece (after the rows, in term order)."""
    rows: dict[int, list[Moments]] = {1: [], -1: []}
    cells: dict[int, list] = {1: [], -1: []}
    for term in terms:
        if term.kind == planner.ROW:
            rows[term.sign].append(data.row(int(route.tree.row[term.node])))
        else:
            keep = member[data.cells_of(term.node)] != term.complement
            cells[term.sign].append(data.leaf(term.node)[keep])
    out = []
    for sign in (1, -1):
        pieces = list(rows[sign])
        if cells[sign]:
            block = sp.vstack(cells[sign], format="csr")
            pieces.append(exact_moments(block, np.zeros(block.shape[0], dtype=np.int64), 1))
        out.append(combine_all(pieces, data.n_genes))
    return out[0], out[1]


def result_frame(data: CompareData, label: str, a: Moments, b: Moments, info: dict):
    import pandas as pd

    n_a, n_b = a.n[0], b.n[0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t, pval = stats.welch(a.mean[0], a.m2[0] / (n_a - 1), n_a, b.mean[0], b.m2[0] / (n_b - 1), n_b)
        lfc = np.log2((np.expm1(a.mean[0]) + stats.LFC_EPS) / (np.expm1(b.mean[0]) + stats.LFC_EPS))
    frame = {
        "category": pd.Categorical([label] * data.n_genes, categories=[label]),
        "gene": np.asarray(data.root["var/names"][:], dtype=object),
        "mean_in": a.mean[0], "mean_out": b.mean[0], "frac_in": a.n_pos[0] / n_a, "frac_out": b.n_pos[0] / n_b,
        "logfoldchange": lfc, "t": t, "pval": pval, "pval_adj": stats.bh_adjust(pval),
    }  # fmt: skip
    result = pd.DataFrame(frame, columns=list(COLUMNS))
    result.attrs["comparison"] = info
    return result
