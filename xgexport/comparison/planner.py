"""Which statistics rows and leaves to read for groups A and B, and how many bytes that costs.

The planner sees a tree (the spatial tree, or a category tree: all cells → categories →
joint groups), the number of A and B cells in every node, and the byte size of every row and
leaf. For each side S it chooses, node by node, the cheapest exact way to get the statistics of
the S cells in that node:

- EMPTY: no S cell in the node;
- ROW: every cell of the node is in S and the node has a row;
- CELLS: the node is a leaf: read its cells;
- ADD: the S parts of its children, combined;
- SUB: the node's row *without* the not-S parts of its children (each obtained in the same
  way), which is how a region is read from its boundary instead of its area.

A dynamic programme over the nodes, bottom-up, gives the cheapest choice; a leaf that both
sides must read anyway costs nothing more, and B is planned with what A reads already free.
The plan is a list of signed terms per side; the engine combines the + terms and the − terms
and subtracts once (guarded: ``moments.subtract``). Written without numpy idioms on purpose:
the viewer's worker runs the same loops in JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import layout as L

EMPTY, ROW, CELLS, ADD, SUB = range(5)


@dataclass(frozen=True)
class Tree:
    """A planning tree, breadth-first; ``row``/``leaf`` are −1 where a node has none."""

    count: np.ndarray
    first_child: np.ndarray
    n_children: np.ndarray
    row: np.ndarray
    leaf: np.ndarray
    row_bytes: np.ndarray  # per row index
    leaf_bytes: np.ndarray  # per leaf index

    @staticmethod
    def of_nodes(nodes: np.ndarray, row_bytes: np.ndarray, leaf_bytes: np.ndarray) -> Tree:
        return Tree(nodes[:, L.COUNT], nodes[:, L.FIRST_CHILD], nodes[:, L.N_CHILDREN], nodes[:, L.ROW],
                    nodes[:, L.LEAF], row_bytes, leaf_bytes)  # fmt: skip


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or −1
    kind: int  # ROW or CELLS
    node: int
    complement: bool = False  # CELLS: the leaf's cells *not* in the side


@dataclass
class Plan:
    a: list[Term]
    b: list[Term]
    rows: list[int] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)
    bytes: int = 0


def node_counts(nodes: np.ndarray, order: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Cells of a membership mask in every node of the spatial tree (prefix sums in tree order)."""
    running = np.concatenate([[0], np.cumsum(member[order], dtype=np.int64)])
    start = nodes[:, L.START].astype(np.int64)
    return running[start + nodes[:, L.COUNT]] - running[start]


def plan(tree: Tree, count_a: np.ndarray, count_b: np.ndarray) -> Plan:
    """The cheaper of planning A first or B first; leaves that A or B only partly fill must be
    read in any plan and are free for both."""
    must = _partial_leaves(tree, count_a) | _partial_leaves(tree, count_b)
    best: Plan | None = None
    for a_first in (True, False):
        free_rows: set[int] = set()
        free_leaves = set(must)
        one = side_terms(tree, count_a if a_first else count_b, free_rows, free_leaves, allow_sub=True)
        _mark(tree, one, free_rows, free_leaves)
        two = side_terms(tree, count_b if a_first else count_a, free_rows, free_leaves, allow_sub=True)
        _mark(tree, two, free_rows, free_leaves)
        cost = _bytes(tree, free_rows, free_leaves)
        if best is None or cost < best.bytes:
            terms_a, terms_b = (one, two) if a_first else (two, one)
            best = Plan(terms_a, terms_b, sorted(free_rows), sorted(free_leaves), cost)
    assert best is not None  # two orders were planned
    return best


def additive(tree: Tree, count: np.ndarray, have: Plan) -> Plan:
    """A side's terms without subtraction (where subtraction lost digits), reusing what
    ``have`` reads; the plan's rows/leaves/bytes are what it reads in addition."""
    free_rows, free_leaves = set(have.rows), set(have.leaves)
    terms = side_terms(tree, count, free_rows, free_leaves, allow_sub=False)
    more_rows: set[int] = set()
    more_leaves: set[int] = set()
    _mark(tree, terms, more_rows, more_leaves)
    more_rows -= free_rows
    more_leaves -= free_leaves
    return Plan(terms, [], sorted(more_rows), sorted(more_leaves), _bytes(tree, more_rows, more_leaves))


def side_terms(tree: Tree, count, free_rows: set, free_leaves: set, allow_sub: bool) -> list[Term]:
    how = _choices(tree, count, free_rows, free_leaves, allow_sub)
    terms = []
    stack = [(0, 0, 1)]  # (node, complement?, sign): depth first, children in order
    while stack:
        v, x, sign = stack.pop()
        choice = how[v][x]
        if choice == ROW:
            terms.append(Term(sign, ROW, v))
        elif choice == CELLS:
            terms.append(Term(sign, CELLS, v, x == 1))
        elif choice in (ADD, SUB):
            if choice == SUB:
                terms.append(Term(sign, ROW, v))
                x, sign = 1 - x, -sign
            first = int(tree.first_child[v])
            for k in range(first + int(tree.n_children[v]) - 1, first - 1, -1):
                stack.append((k, x, sign))
    return terms


def _choices(tree: Tree, count, free_rows: set, free_leaves: set, allow_sub: bool) -> list[list[int]]:
    """For every node and for the side (x = 0) or its complement in the node (x = 1), the
    cheapest way to get its statistics; ties go to ROW, CELLS, ADD, then SUB."""
    n_nodes = len(tree.count)
    cost = [[0, 0] for _ in range(n_nodes)]
    how = [[EMPTY, EMPTY] for _ in range(n_nodes)]
    for v in range(n_nodes - 1, -1, -1):
        size, r, leaf = int(tree.count[v]), int(tree.row[v]), int(tree.leaf[v])
        first, n_kids = int(tree.first_child[v]), int(tree.n_children[v])
        row_cost = 0 if r < 0 or r in free_rows else int(tree.row_bytes[r])
        for x in (0, 1):
            c = int(count[v]) if x == 0 else size - int(count[v])
            if c == 0:
                continue
            best, choice = None, None
            if r >= 0 and c == size:
                best, choice = row_cost, ROW
            if leaf >= 0:
                leaf_cost = 0 if leaf in free_leaves else int(tree.leaf_bytes[leaf])
                if best is None or leaf_cost < best:
                    best, choice = leaf_cost, CELLS
            if n_kids > 0:
                added = sum(cost[k][x] for k in range(first, first + n_kids))
                if best is None or added < best:
                    best, choice = added, ADD
                if allow_sub and r >= 0 and c < size:
                    rest = row_cost + sum(cost[k][1 - x] for k in range(first, first + n_kids))
                    if rest < best:
                        best, choice = rest, SUB
            if best is None or choice is None:
                raise ValueError(f"node {v} has neither row, cells nor children for its {c} cells")
            cost[v][x], how[v][x] = best, choice
    return how


def _partial_leaves(tree: Tree, count) -> set:
    return {int(tree.leaf[v]) for v in np.flatnonzero((tree.leaf >= 0) & (count > 0) & (count < tree.count))}


def _mark(tree: Tree, terms: list[Term], rows: set, leaves: set) -> None:
    for term in terms:
        if term.kind == ROW:
            rows.add(int(tree.row[term.node]))
        else:
            leaves.add(int(tree.leaf[term.node]))


def _bytes(tree: Tree, rows, leaves) -> int:
    return int(sum(int(tree.row_bytes[r]) for r in rows) + sum(int(tree.leaf_bytes[k]) for k in leaves))
