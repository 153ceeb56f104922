"""The pure modules behind label sets and gene sets, run in Chromium and checked against Python:
the CSV reader (against Python's csv module), SHA-256 (against hashlib), the label CSV's round
trip and what it refuses, gene set files (cellxgene's tidy CSV and GMT)."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

pytestmark = pytest.mark.browser

TRICKY = (
    '\ufeff# a comment\r\n#another, with "quotes"\r\n'
    'cell_id,set one,"set, two"\r\n'
    'a,"x ""quoted""",\r\n'
    '"b\nwith newline",plain,"multi\r\nline"\n'
    "\n"
    "#c,starts with hash,\r"
    "d,,last\n"
)


def test_csv_reader_matches_python(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    got = page.evaluate("async (t) => { const m = await import('./viewer/csv.js'); return m.parseCsv(t); }", TRICKY)
    body = TRICKY.lstrip("\ufeff").split("\r\n", 2)[2]
    expected = [row for row in csv.reader(io.StringIO(body, newline="")) if row]
    assert got["comments"] == [" a comment", 'another, with "quotes"']
    assert got["rows"] == expected
    assert got["rows"][3][0] == "#c"  # a "#" after the header is data
    # writing and reading back gives the same fields, and Python reads what we write
    fields = [["a,b", 'q"q', "#x", " padded ", "line\nbreak", "", "plain"]]
    text = page.evaluate(
        "async (rows) => { const m = await import('./viewer/csv.js'); return rows.map(m.csvLine).join('\\n'); }", fields
    )
    assert list(csv.reader(io.StringIO(text, newline=""))) == fields
    for bad, where in (('a,"open\nb,c\n', "never closed"), ('a,"x"y,z\n', "after a closing quote")):
        err = page.evaluate(
            "async (t) => { const m = await import('./viewer/csv.js'); try { m.parseCsv(t); } catch (e) { return e.message; } }",
            bad,
        )
        assert where in err
    rec.assert_clean([pbmc_site.origin])


@pytest.mark.parametrize("secure", [True, False])
def test_sha256_matches_hashlib(rec, pbmc_site, secure):
    page = rec.goto_ready(pbmc_site.url())
    fn = "sha256Hex" if not secure else "digestHex"
    for n in (0, 3, 55, 56, 63, 64, 65, 1000, (1 << 20) + 77):
        data = bytes((i * 7 + n) % 256 for i in range(n))
        got = page.evaluate(
            f"""async ([n, salt]) => {{
                const m = await import('./viewer/sha256.js');
                const b = new Uint8Array(n);
                for (let i = 0; i < n; i++) b[i] = (i * 7 + salt) % 256;
                return m.{fn}(b);
            }}""",
            [n, n],
        )
        assert got == hashlib.sha256(data).hexdigest(), n
    rec.assert_clean([pbmc_site.origin])


LABELS_JS = """async ([op, arg]) => {
    const m = await import('./viewer/labelfile.js');
    try {
        if (op === 'format') return await m.formatLabelCsv({...arg, sets: arg.sets.map((s) => ({...s, codes: Int16Array.from(s.codes)}))});
        const r = await m.parseLabelCsv(arg.text, {names: arg.names});
        return {sets: r.sets.map((s) => ({...s, codes: Array.from(s.codes)})), report: r.report};
    } catch (e) { return {error: e.name + ': ' + e.message}; }
}"""


def test_label_csv_round_trip_and_refusals(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    names = ["AAAC-1", "AAAG-1", '#odd,"id"', "CCCT-1"]
    sets = [
        {
            "name": "cell type",
            "labels": [["T cells", "#1f77b4"], ['B, "naive"', "#ff7f0e"], ["empty", "#279e68"]],
            "codes": [0, 1, -1, 0],
        },
        {"name": "=doublets?", "labels": [["yes", "#d62728"]], "codes": [-1, -1, 0, -1]},
    ]
    js_sets = [
        {"name": s["name"], "labels": [{"name": n, "color": c} for n, c in s["labels"]], "codes": s["codes"]}
        for s in sets
    ]
    text = page.evaluate(
        LABELS_JS,
        ["format", {"title": 'PBMC "3k"\nline two', "identity": "sha256:abc", "names": names, "sets": js_sets}],
    )
    lines = text.split("\n")
    assert lines[0] == '# xgexport label sets of "PBMC \\"3k\\"\\nline two"'
    assert lines[1].startswith("# bundle identity: sha256:abc (sha256 of its manifest.json); 4 cells")
    # Python reads the same table (what `build --annotations` will read)
    rows = list(csv.reader(io.StringIO("\n".join(line for line in lines if not line.startswith("#")), newline="")))
    assert rows[0] == ["cell_id", "cell type", "=doublets?"]
    assert rows[1:5] == [
        ["AAAC-1", "T cells", ""],
        ["AAAG-1", 'B, "naive"', ""],
        ['#odd,"id"', "", "yes"],
        ["CCCT-1", "T cells", ""],
    ]
    back = page.evaluate(LABELS_JS, ["parse", {"text": text, "names": names}])
    assert back["report"]["format"] == "xgexport" and back["report"]["matched"] == 4
    # labels come back in their order with their colours, the label without cells included
    assert [s["name"] for s in back["sets"]] == ["cell type", "=doublets?"]
    assert back["sets"][0]["labels"] == js_sets[0]["labels"] and back["sets"][0]["codes"] == [0, 1, -1, 0]
    assert back["sets"][1]["codes"] == [-1, -1, 0, -1]
    # rows in another order, unknown ids reported (not guessed), missing cells have no label
    other = "cell_id,cell type\nCCCT-1,B\nnope-1,T\nAAAC-1,T\naaac-1,T\n"
    r = page.evaluate(LABELS_JS, ["parse", {"text": other, "names": names}])
    assert (
        r["report"]["matched"] == 2 and r["report"]["nUnknown"] == 2 and r["report"]["unknown"] == ["nope-1", "aaac-1"]
    )
    assert r["sets"][0]["labels"] == [{"name": "B", "color": ""}, {"name": "T", "color": ""}]
    assert r["sets"][0]["codes"] == [1, -1, -1, 0]
    for bad, message in (
        ("barcode_x,labels\nAAAC-1,T\n", "No cell id column"),
        ("cell_id;labels\nAAAC-1;T\n", "separated by semicolons"),
        ("cell_id,labels\nAAAC-1,T\nAAAC-1,B\n", 'The cell id "\u2068AAAC-1\u2069" is on more than one row'),
        ("cell_id\nAAAC-1\n", "no label set column"),
        ("cell_id,a,a\nAAAC-1,T,T\n", "is a column twice"),
        ("", "empty"),
    ):
        got = page.evaluate(LABELS_JS, ["parse", {"text": bad, "names": names}])
        assert "error" in got and message in got["error"], (bad, got)
    rec.assert_clean([pbmc_site.origin])


def test_cellxgene_annotation_csv(rec, pbmc_site):
    """cellxgene writes two comment lines, then pandas' to_csv with the index named "index" (or the
    obs index's own name), and every cell: unlabelled ones as "unassigned"."""
    page = rec.goto_ready(pbmc_site.url())
    names = ["AAAC-1", "AAAG-1", "CCCT-1"]
    text = (
        "# Annotations generated on 2021-03-04T10:11:12 using cellxgene version 0.16.7\n"
        "# Input data file was pbmc3k.h5ad, which was last modified on 2020-01-01T00:00:00\n"
        "cell_barcode_id,my_cell_types,other\n"
        "AAAC-1,Tcell,unassigned\nAAAG-1,unassigned,x\nCCCT-1,Bcell,x\n"
    )
    r = page.evaluate(LABELS_JS, ["parse", {"text": text, "names": names}])
    assert r["report"]["format"] == "cellxgene" and r["report"]["unassigned"] == 2
    assert [s["name"] for s in r["sets"]] == ["my_cell_types", "other"]
    assert r["sets"][0]["codes"] == [0, -1, 1] and r["sets"][1]["codes"] == [-1, 0, 0]
    # the index named by cellxgene's fallback "index" too; and in a file that is not cellxgene's, "unassigned" is a label
    plain = "index,l\nAAAC-1,unassigned\n"
    r = page.evaluate(LABELS_JS, ["parse", {"text": plain, "names": names}])
    assert r["sets"][0]["labels"][0]["name"] == "unassigned" and r["report"]["format"] == "csv"
    rec.assert_clean([pbmc_site.origin])
