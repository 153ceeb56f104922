"""Tables per round and the verdict per target of issue #15 (medians over the rounds)."""

from __future__ import annotations

import statistics

from peer_export import DE_COLUMNS


def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def brief_viewers(row: dict) -> dict:
    """The headline figures of one dataset's viewer row, for the progress line."""
    out = {}
    for tool in ("xgexport", "cellxgene"):
        if tool in row:
            v = row[tool]
            out[tool] = {"first_ms": v["first_frame_ms"], "first_kb": round(v["first_frame_bytes"] / 1e3),
                         "genes_ms": [g["ms"] for g in v["genes"]]}  # fmt: skip
    return out


def de_per_column(export: dict) -> float | None:
    if "xgexport" not in export or "xgexport_no_de" not in export:
        return None
    return (export["xgexport"]["cpu_s"] - export["xgexport_no_de"]["cpu_s"]) / len(DE_COLUMNS)


def ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def fmt(x, digits=2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def print_export(export: dict, n: int) -> None:
    print(f"\n  export, {n:,} cells (CPU of the process tree)")
    print("  | tool | CPU (s) | wall (s) | peak RSS (GB) | output (MB) |\n  |---|---|---|---|---|")
    for tool in ("xgexport", "xgexport_no_de", "cirrocumulus"):
        if tool in export:
            e = export[tool]
            print(
                f"  | {tool.replace('_no_de', ' --no-de')} | {e['cpu_s']:.1f} | {e['wall_s']:.1f} | {e['peak_rss_gb']:.2f} | {e['bytes'] / 1e6:.1f} |"
            )
    if "cirrocumulus" in export and "xgexport" in export:
        print(
            f"  xgexport / cirrocumulus CPU: {fmt(ratio(export['xgexport']['cpu_s'], export['cirrocumulus']['cpu_s']))}× (target ≤ 0.33×)"
        )


def print_de(export: dict, n: int) -> None:
    per = de_per_column(export)
    sc = export.get("scanpy")
    if per is None or sc is None:
        return
    print(f"  DE inside the build, {n:,} cells: {per:.2f} s CPU per column; scanpy t-test, one column: "
          f"{sc['cpu_s']:.2f} s CPU ({sc['wall_s']:.2f} s wall); ratio {fmt(ratio(per, sc['cpu_s']))}× (target ≤ 0.10×)")  # fmt: skip


def print_viewers(name: str, row: dict) -> None:
    print(
        f"\n  viewers, {name}"
        + (f" (cellxgene's server loaded the file in {row['cellxgene_load_s']} s)" if "cellxgene_load_s" in row else "")
    )
    print(
        "  | tool | first frame (ms) | first frame (KB) | first gene (ms / KB / requests) | later genes (ms) | markers (ms / KB) |"
    )
    print("  |---|---|---|---|---|---|")
    for tool in ("xgexport", "cellxgene"):
        if tool not in row:
            continue
        v = row[tool]
        g0, later = v["genes"][0], v["genes"][1:]
        if tool == "xgexport":
            m = v["markers"]["open"]
            marks = f"{m['ms']:.0f} / {m['bytes'] / 1e3:.0f} (next category {v['markers']['next']['ms']:.0f} / {v['markers']['next']['bytes'] / 1e3:.0f})"
        else:
            d = v["diffexp"]
            marks = f"DE request {d['ms']:.0f} / {d['bytes'] / 1e3:.1f} (+{d['sent_bytes'] / 1e3:.0f} sent)"
        later_ms = "/".join(f"{g['ms']:.0f}" for g in later)
        if tool == "cellxgene":
            later_ms += " (colour click alone " + "/".join(f"{g['click_ms']:.0f}" for g in v["genes"]) + ")"
        first = f"{g0['ms']:.0f} / {g0['bytes'] / 1e3:.1f} / {g0['requests']}"
        print(
            f"  | {tool} | {v['first_frame_ms']} | {v['first_frame_bytes'] / 1e3:.0f} | {first} | {later_ms} | {marks} |"
        )
    if "xgexport" in row and "cellxgene" in row:
        print(
            f"  first frame xgexport / cellxgene: {fmt(ratio(row['xgexport']['first_frame_ms'], row['cellxgene']['first_frame_ms']))}× (target ≤ 0.33×)"
        )


def print_round(r: int, row: dict, cells: list[int]) -> None:
    print(f"\n== round {r + 1} ==")
    for n in cells:
        if n == cells[0]:
            print_export(row["export"][n], n)
        print_de(row["export"][n], n)
    for name, v in row.get("viewers", {}).items():
        print_viewers(name, v)
    print(flush=True)


# ---------- verdicts ----------


def line(met: bool | None, text: str) -> None:
    print(f"{'MET   ' if met else 'n/a   ' if met is None else 'MISSED'} {text}")


def against(value: float | None, target: float, what: str, unit: str = "×") -> None:
    """Verdict for value ≤ target; says by how much it is missed."""
    if value is None:
        line(None, f"{what}: not measured")
        return
    by = "" if value <= target else f", missed by {value / target:.2f}×"
    line(value <= target, f"{what}: {value:.2f}{unit} (target ≤ {target:.3g}{unit}{by})")


def export_verdicts(rounds: list, n: int) -> None:
    exports = [r["export"][n] for r in rounds]
    cpu = median(
        [
            ratio(e["xgexport"]["cpu_s"], e["cirrocumulus"]["cpu_s"])
            for e in exports
            if "cirrocumulus" in e and "xgexport" in e
        ]
    )
    against(cpu, 1 / 3, f"export CPU, xgexport / cirrocumulus prepare_data, {n:,} cells")


def de_verdicts(rounds: list, cells: list[int]) -> None:
    for n in cells:
        exports = [r["export"][n] for r in rounds]
        per = median([ratio(de_per_column(e), e["scanpy"]["cpu_s"]) for e in exports if "scanpy" in e])
        against(per, 0.1, f"DE inside the build per column / scanpy t-test on one column (CPU), {n:,} cells")


def viewer_verdicts(rounds: list) -> None:
    names = list(rounds[0].get("viewers", {}))
    for name in names:
        rows = [r["viewers"][name] for r in rounds]
        both = [v for v in rows if "xgexport" in v and "cellxgene" in v]
        ff = median([ratio(v["xgexport"]["first_frame_ms"], v["cellxgene"]["first_frame_ms"]) for v in both])
        against(ff, 1 / 3, f"first frame, xgexport / cellxgene, {name}")
        firsts = [v["xgexport"]["genes"][0] for v in rows]
        size = median([g["bytes"] / g["chunk_bytes"] for g in firsts])
        requests = max(g["requests"] for g in firsts)
        against(size, 1.1, f"first gene, bytes / its chunk's bytes, {name} ({requests} request(s), target 1)")
        if requests > 1:
            line(False, f"first gene, {name}: {requests} requests (target 1)")
        later = median(
            [
                ratio(
                    median([g["ms"] for g in v["xgexport"]["genes"][1:]]),
                    median([g["ms"] for g in v["cellxgene"]["genes"][1:]]),
                )
                for v in both
            ]
        )
        against(later, 1.0, f"later genes, xgexport time / cellxgene's (pick + colour), {name}")


def marker_verdicts(rounds: list) -> None:
    names = list(rounds[0].get("viewers", {}))
    if not names:
        return
    name = names[-1]  # the synthetic dataset
    opened = [r["viewers"][name]["xgexport"]["markers"]["open"] for r in rounds]
    against(median([m["ms"] for m in opened]), 100, f"a category's markers, time to open, {name}", " ms")
    against(median([m["bytes"] / 1e3 for m in opened]), 30, f"a category's markers, bytes, {name}", " KB")


def no_loss_verdicts(results: dict, n: int, baseline: dict | None) -> None:
    checks = results["checks"]
    if len(results["rounds"]) < 2:
        line(None, "byte-identical rebuilds: one round, nothing to compare")
    else:
        line(all(checks["same_bytes"].values()), f"byte-identical rebuilds across rounds: {checks['same_bytes']}")
    agree = checks["t_agreement"]
    line(
        agree <= 1e-5,
        f"same statistics: t of the bundle vs scanpy's scores, max relative difference {agree:.1e} (target ≤ 1e-5)",
    )
    size = median([r["export"][n]["xgexport"]["bytes"] for r in results["rounds"] if "xgexport" in r["export"][n]])
    if baseline is None:
        line(
            None, f"bundle size {size / 1e6:.1f} MB at {n:,} cells (give --baseline an earlier results file to compare)"
        )
        return
    before = median([r["export"][n]["xgexport"]["bytes"] for r in baseline["rounds"]])
    against(size / before, 1.1, f"bundle size against the baseline ({size / 1e6:.1f} MB vs {before / 1e6:.1f} MB)")


def print_verdicts(results: dict, cells: list[int], baseline: dict | None) -> None:
    rounds = results["rounds"]
    print(f"\n== verdicts (medians of {len(rounds)} round(s)) ==")
    export_verdicts(rounds, cells[0])
    million = results["checks"]["million"]
    if million is None:
        line(None, "1M-cell build ≤ 60 s: not run (add --million)")
    else:
        against(million["wall_s"], 60, f"1M-cell build, wall time (peak RSS {million['peak_rss_gb']:.2f} GB)", " s")
    viewer_verdicts(rounds)
    marker_verdicts(rounds)
    de_verdicts(rounds, cells)
    no_loss_verdicts(results, cells[0], baseline)


# ---------- summary (Markdown, for docs/BENCHMARKS.md) ----------


def spread(values: list, scale: float = 1.0, digits: int = 1) -> str:
    """'median (min–max)' of the rounds."""
    values = [v * scale for v in values if v is not None]
    if not values:
        return "n/a"
    m = statistics.median(values)
    return (
        f"{m:.{digits}f}" if len(values) == 1 else f"{m:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"
    )


def summary_rows(rounds: list, n: int) -> list[tuple]:
    ex = [r["export"][n] for r in rounds]
    get = lambda tool, key: [e[tool][key] for e in ex if tool in e]  # noqa: E731
    rows = [("export CPU (s), DE for 4 columns", spread(get("xgexport", "cpu_s")), "cirrocumulus " + spread(get("cirrocumulus", "cpu_s")),
             spread([ratio(e["xgexport"]["cpu_s"], e["cirrocumulus"]["cpu_s"]) for e in ex if "cirrocumulus" in e], digits=2), "≤ 0.33"),
            ("export wall (s)", spread(get("xgexport", "wall_s")), "cirrocumulus " + spread(get("cirrocumulus", "wall_s")), "", ""),
            ("export peak RSS (GB)", spread(get("xgexport", "peak_rss_gb"), digits=2), "cirrocumulus " + spread(get("cirrocumulus", "peak_rss_gb"), digits=2), "", ""),
            ("output (MB)", spread(get("xgexport", "bytes"), 1e-6), "cirrocumulus " + spread(get("cirrocumulus", "bytes"), 1e-6), "", "")]  # fmt: skip
    return rows


def de_rows(rounds: list, cells: list[int]) -> list[tuple]:
    rows = []
    for n in cells:
        ex = [r["export"][n] for r in rounds]
        rows.append((f"DE CPU per column (s), {n:,} cells", spread([de_per_column(e) for e in ex], digits=2),
                     "scanpy t-test, 1 column " + spread([e["scanpy"]["cpu_s"] for e in ex if "scanpy" in e], digits=2),
                     spread([ratio(de_per_column(e), e["scanpy"]["cpu_s"]) for e in ex if "scanpy" in e], digits=2), "≤ 0.10"))  # fmt: skip
    return rows


def viewer_rows(rounds: list) -> list[tuple]:
    rows = []
    for name in rounds[0].get("viewers", {}):
        vs = [r["viewers"][name] for r in rounds]
        xg = [v["xgexport"] for v in vs]
        cx = [v["cellxgene"] for v in vs if "cellxgene" in v]
        both = [v for v in vs if "cellxgene" in v]
        g0 = [x["genes"][0] for x in xg]
        rows += [(f"first frame (ms), {name}", spread([x["first_frame_ms"] for x in xg], digits=0), "cellxgene " + spread([c["first_frame_ms"] for c in cx], digits=0),
                  spread([ratio(v["xgexport"]["first_frame_ms"], v["cellxgene"]["first_frame_ms"]) for v in both], digits=2), "≤ 0.33"),
                 (f"first frame (KB), {name}", spread([x["first_frame_bytes"] for x in xg], 1e-3, 0), "cellxgene " + spread([c["first_frame_bytes"] for c in cx], 1e-3, 0), "", ""),
                 (f"first gene (ms), {name}", spread([g["ms"] for g in g0], digits=0), "cellxgene " + spread([c["genes"][0]["ms"] for c in cx], digits=0), "", ""),
                 (f"first gene (KB / requests), {name}", f"{spread([g['bytes'] for g in g0], 1e-3)} / {max(g['requests'] for g in g0)}",
                  f"its chunk {g0[0]['chunk_bytes'] / 1e3:.1f} KB", spread([g["bytes"] / g["chunk_bytes"] for g in g0], digits=2), "≤ 1.1, 1 request"),
                 (f"later genes (ms), {name}", spread([g["ms"] for x in xg for g in x["genes"][1:]], digits=0),
                  "cellxgene " + spread([g["ms"] for c in cx for g in c["genes"][1:]], digits=0),
                  spread([ratio(median([g["ms"] for g in v["xgexport"]["genes"][1:]]), median([g["ms"] for g in v["cellxgene"]["genes"][1:]])) for v in both], digits=2), "≤ 1"),
                 (f"a category's markers (ms / KB), {name}", f"{spread([x['markers']['open']['ms'] for x in xg], digits=0)} / {spread([x['markers']['open']['bytes'] for x in xg], 1e-3, 0)}",
                  "cellxgene DE request " + spread([c["diffexp"]["ms"] for c in cx], digits=0) + " ms", "", "≤ 100 ms, ≤ 30 KB")]  # fmt: skip
    return rows


def print_summary(results: dict, cells: list[int]) -> None:
    rounds = results["rounds"]
    print(f"\n== summary, median (min–max) of {len(rounds)} round(s) ==\n")
    print("| measure | xgexport | peer | ratio | target |\n|---|---|---|---|---|")
    rows = summary_rows(rounds, cells[0]) + de_rows(rounds, cells) + viewer_rows(rounds)
    million = results["checks"].get("million")
    if million:
        rows.append(
            (
                "1M-cell build, wall / CPU (s), peak RSS (GB)",
                f"{million['wall_s']:.0f} / {million['cpu_s']:.0f}, {million['peak_rss_gb']:.2f}",
                "",
                "",
                "≤ 60 s",
            )
        )
    for row in rows:
        print("| " + " | ".join(row) + " |")
