"""``xgexport build --annotations labels.csv``: label sets made in the viewer (or in cellxgene)
become categorical obs columns of the bundle, with DE like the dataset's own columns.

The file is what the viewer's "Export CSV" writes (viewer_template/labelfile.js): ``#`` comment
lines before the header (the bundle's title and identity, then `` xgexport-labels `` and a JSON
list of each set's labels in order with their colours), a header whose id column is ``cell_id``
(or ``index``, ``obs_names``, … as pandas and cellxgene write it), one row per cell, an empty
field for "no label". cellxgene's annotation CSV (comments naming cellxgene, ids in the first
column, ``unassigned`` for no label) is read too.

The viewer's import reports ids it does not know and goes on; a build refuses them: it publishes
the labels, and a file made on another dataset (or an edited one) must not be half-applied.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .augmented import augment
from .errors import InputError
from .options import BuildOptions
from .plan import classify_obs
from .source import Source

ID_NAMES = ("cell_id", "index", "obs_names", "barcode", "barcodes", "cell", "cell_barcode", "")  # labelfile.js
LABELS_COMMENT = " xgexport-labels "
CELLXGENE_UNASSIGNED = "unassigned"
MAX_LABELS = 1000  # the viewer's limit: more is a column of ids, not labels


@dataclass(frozen=True)
class LabelSet:
    name: str
    categories: tuple[str, ...]
    colors: tuple[str, ...]  # "" where the file gives none
    codes: np.ndarray  # per cell of the dataset: category index or −1


def add_label_sets(source: Source, options: BuildOptions) -> tuple[Source, BuildOptions, list[LabelSet]]:
    """The source with every label set of ``options.annotations`` as a categorical obs column
    (and the options with them in ``--obs`` when that lists columns); raises InputError for a
    file that cannot be applied as a whole."""
    if not options.annotations:
        return source, options, []
    names = pd.Index(source.obs.index.astype(str))
    sets: list[LabelSet] = []
    for path in options.annotations:
        for label_set in read_label_csv(Path(path), names):
            _check_name(label_set.name, path, source, sets)
            sets.append(label_set)
    obs = source.obs.copy()
    for label_set in sets:
        obs[label_set.name] = pd.Categorical.from_codes(label_set.codes, categories=list(label_set.categories))
        kind, _n, why = classify_obs(obs[label_set.name], options.max_categories)
        if kind is None:  # asked for by name: not skipped in silence as a column of the input would be
            raise InputError(f"--annotations: the label set {label_set.name!r} cannot be shown as categories: {why}")
    labelled = augment(source, obs=obs, uns={f"{s.name}_colors": list(s.colors) for s in sets})
    if options.obs:  # the user listed the columns to export: the label sets are asked for too
        options = replace(options, obs=(*options.obs, *(s.name for s in sets)))
    return labelled, options, sets


def describe(sets: list[LabelSet]) -> str:
    parts = [f"{s.name!r} ({len(s.categories)} labels, {int((s.codes >= 0).sum())} cells)" for s in sets]
    return "label sets from --annotations: " + ", ".join(parts)


def _check_name(name: str, path, source: Source, earlier: list[LabelSet]) -> None:
    if name in source.obs.columns:
        raise InputError(
            f"--annotations {path}: the label set {name!r} has the name of an obs column of {source.path.name}; "
            "rename the label set (in the viewer, or in the file's header line)"
        )
    if any(s.name == name for s in earlier):
        raise InputError(f"--annotations {path}: a label set named {name!r} is already in an earlier file")


def read_label_csv(path: Path, cell_names: pd.Index) -> list[LabelSet]:
    """The label sets of one CSV file, matched against the dataset's cell ids (obs_names)."""
    where = f"--annotations {path}"
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            comments, header, rows = _records(handle, where)
    except OSError as exc:
        raise InputError(f"{where}: cannot read the file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from exc
    except csv.Error as exc:  # the module's words ("unexpected end of data") read like a bug
        raise InputError(
            f"{where}: not a readable CSV file: a quoted field is never closed, or text follows a closing "
            'quote (write "" for a quote inside a quoted field)'
        ) from exc
    known = _labels_comment(comments)
    from_cellxgene = known is None and any("cellxgene" in c.lower() for c in comments)
    id_at = _id_column(header, from_cellxgene, where)
    set_columns = [k for k in range(len(header)) if k != id_at]
    _check_header(header, set_columns, where)
    if not rows:
        raise InputError(f"{where}: the file has a header but no rows of cells")
    cells = _cells_of([row[id_at] if id_at < len(row) else "" for row in rows], cell_names, where)
    sets = []
    for k in set_columns:
        name = header[k]
        values = [row[k] if k < len(row) else "" for row in rows]
        sets.append(
            _label_set(name, values, cells, len(cell_names), (known or {}).get(name, []), from_cellxgene, where)
        )
    return sets


def _records(handle, where: str) -> tuple[list[str], list[str], list[list[str]]]:
    """Leading "#" comment lines (without the "#"), the header, and every non-blank record."""
    comments: list[str] = []
    lines = iter(handle)
    first = None
    for line in lines:
        if line.startswith("#"):
            comments.append(line[1:].rstrip("\r\n"))
        elif line.strip("\r\n"):
            first = line
            break
    if first is None:
        raise InputError(f"{where}: the file is empty: no header line")
    records = [row for row in csv.reader(_chain([first], lines), strict=True) if row]
    return comments, records[0], records[1:]


def _chain(first: list[str], rest: Iterable[str]):
    yield from first
    yield from rest


def _labels_comment(comments: list[str]) -> dict[str, list[tuple[str, str]]] | None:
    """The xgexport-labels comment as {set name: [(label, colour)]}, or None (no or edited comment)."""
    text = next((c for c in comments if c.startswith(LABELS_COMMENT)), None)
    if text is None:
        return None
    try:
        entries = json.loads(text[len(LABELS_COMMENT) :])
    except ValueError:
        return {}  # an edited comment: the labels come from the rows alone, as in the viewer
    known: dict[str, list[tuple[str, str]]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("labels"), list):
            pairs = [pair for pair in entry["labels"] if isinstance(pair, list) and pair and isinstance(pair[0], str)]
            known[entry["name"]] = [(pair[0], str(pair[1]) if len(pair) > 1 and pair[1] else "") for pair in pairs]
    return known


def _id_column(header: list[str], from_cellxgene: bool, where: str) -> int:
    for k, name in enumerate(header):
        if name.strip().lower() in ID_NAMES:
            return k
    if from_cellxgene:
        return 0
    one = (
        " (it has one column: save it as comma-separated)"
        if len(header) == 1 and any(c in header[0] for c in ";\t")
        else ""
    )
    raise InputError(f"{where}: no cell id column: the first column must be named cell_id (or index){one}")


def _check_header(header: list[str], set_columns: list[int], where: str) -> None:
    if not set_columns:
        raise InputError(f"{where}: the file has a cell id column but no label set column")
    names = [header[k] for k in set_columns]
    if any(not name.strip() for name in names):
        raise InputError(f"{where}: a label set column has no name in the header line")
    repeated = next((name for k, name in enumerate(names) if name in names[:k]), None)
    if repeated is not None:
        raise InputError(f"{where}: the label set {repeated!r} is a column twice")


def _cells_of(ids: list[str], cell_names: pd.Index, where: str) -> np.ndarray:
    """Each row's cell index; any id on two rows, not a cell, or naming several cells is an error."""
    frame = pd.Series(ids, dtype=object)
    twice = frame[frame.duplicated()]
    if len(twice):
        raise InputError(f"{where}: the cell id {twice.iloc[0]!r} is on more than one row")
    if not cell_names.is_unique:
        shared = set(cell_names[cell_names.duplicated()]) & set(ids)
        if shared:
            raise InputError(
                f"{where}: the id {sorted(shared)[0]!r} names several cells of the input (obs_names are not "
                "unique); make them unique (adata.obs_names_make_unique()) before labelling"
            )
        cell_names = cell_names.drop_duplicates()  # the ids in the file are none of the repeated ones
    cells = cell_names.get_indexer(frame)
    unknown = frame[cells < 0]
    if len(unknown):
        first = ", ".join(repr(i) for i in unknown.iloc[:3])
        raise InputError(
            f"{where}: {len(unknown)} of its {len(frame)} cell ids are not cells of the input ({first}"
            f"{', …' if len(unknown) > 3 else ''}): is the file from another dataset?"
        )
    return cells


def _label_set(name, values, cells, n_cells: int, known, from_cellxgene: bool, where: str) -> LabelSet:
    """Categories: the labels the file's comment lists (with cells or not), in its order, then
    labels met in the rows, in row order; colours from the comment."""
    categories = list(dict.fromkeys(label for label, _colour in known))
    colours = dict(known[::-1])  # the first colour given for a label wins
    order = {label: k for k, label in enumerate(categories)}
    row_codes = np.full(len(values), -1, dtype=np.int64)
    for row, label in enumerate(values):
        if not label.strip() or (from_cellxgene and label == CELLXGENE_UNASSIGNED):
            continue
        code = order.get(label)
        if code is None:
            if len(categories) >= MAX_LABELS:
                raise InputError(
                    f"{where}: the label set {name!r} has more than {MAX_LABELS} labels: is it a column of ids?"
                )
            code = order[label] = len(categories)
            categories.append(label)
        row_codes[row] = code
    codes = np.full(n_cells, -1, dtype=np.int64)
    codes[cells] = row_codes
    return LabelSet(name, tuple(categories), tuple(colours.get(c, "") for c in categories), codes)
