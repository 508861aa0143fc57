"""ETL benchmark: generate the demo ledgers per scale, then time loading them (wall time and peak memory of the
`python -m etl load` process), and time reading a 100,000-row xlsx clue ledger.

    python bench/etl_bench.py                        # all scales, 3 load runs (1 at national scale)
    python bench/etl_bench.py --scales city province --runs 5
    python bench/etl_bench.py --scales national --skip-generate   # reuse ledgers under $HUXIN_BENCH_DIR

The last load of each scale is kept as that scale's benchmark database ($HUXIN_BENCH_DIR/<scale>/demo.duckdb,
marked as demo data so the pages run without login); the page, browser, peer and nginx benchmarks use it.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AS_OF,
    BENCH_DIR,
    CITY,
    SCALES,
    SEED,
    TARGETS,
    db_file,
    env_for,
    fmt_s,
    ledger_dir,
    ledger_files,
    load_json,
    machine_note,
    mark,
    md_table,
    median,
    run_measured,
    save_json,
    scale_dir,
    scope_code,
    venv_python,
)

XLSX_ROWS = 100_000


# ---------------------------------------------------------------------------------------------
# Subprocess entry points (measured from the outside)
def _generate(scale: str) -> None:
    from etl.demo import write_demo_ledgers
    from etl.demo_db import scope_for
    from huxin import geo

    counties = geo.counties_in(scope_for(CITY, scale))
    # CSV at every scale: the national scale is CSV only, and loading CSV is what offices do with big exports.
    write_demo_ledgers(ledger_dir(scale), counties, AS_OF, scale=scale, seed=SEED, fmt="csv",
                       city_name=geo.region_names("city").get(CITY, "示例市"))


def _write_xlsx(src_csv: Path, dst: Path, rows: int) -> None:
    """The first `rows` data rows of a clue CSV as an xlsx sheet (xlsxwriter constant_memory, text cells as an
    office's export has them)."""
    import pandas as pd
    import xlsxwriter

    df = pd.read_csv(src_csv, dtype=str, keep_default_na=False, nrows=rows)
    wb = xlsxwriter.Workbook(str(dst), {"constant_memory": True})
    ws = wb.add_worksheet("线索台账")
    ws.write_row(0, 0, list(df.columns))
    for i, row in enumerate(df.itertuples(index=False), start=1):
        ws.write_row(i, 0, row)
    wb.close()


def _read_xlsx(path: Path) -> None:
    """Read one xlsx ledger the way the loader does (open_ledger: calamine + header detection), materialised."""
    from etl.read import open_ledger

    t0 = time.perf_counter()
    n = 0
    for t in open_ledger(path):
        for chunk in t.chunks:
            n += len(chunk)
    print(json.dumps({"rows": n, "seconds": time.perf_counter() - t0}))


def _mark_demo(db: Path) -> None:
    from huxin import db as hdb
    with hdb.writer(db) as con:
        hdb.meta_set(con, "is_demo", "1")


# ---------------------------------------------------------------------------------------------
def rejected_counts(db: Path) -> dict[str, int]:
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("""SELECT f.kind, sum(f.rows_in), sum(f.loaded), sum(f.rejected)
                              FROM load_files f GROUP BY f.kind""").fetchall()
        out = {f"{k}_rows_in": int(a) for k, a, _, _ in rows}
        out |= {f"{k}_loaded": int(b) for k, _, b, _ in rows}
        out |= {f"{k}_rejected": int(c) for k, _, _, c in rows}
        out["ambiguous_county_rejects"] = int(con.execute(
            "SELECT count(*) FROM load_issues WHERE severity = 'error' AND reason LIKE '%不唯一%'").fetchone()[0])
        out["top_reasons"] = con.execute("""SELECT reason, count(*) FROM load_issues WHERE severity = 'error'
                                            GROUP BY reason ORDER BY 2 DESC LIMIT 5""").fetchall()
        return out
    finally:
        con.close()


def generate(scale: str) -> dict:
    print(f"[{scale}] generating ledgers under {ledger_dir(scale)} …", flush=True)
    m = run_measured([venv_python(), __file__, "_generate", scale], env_for())
    if m.rc:
        raise SystemExit(f"generation failed:\n{m.stderr[-3000:]}")
    size = sum(p.stat().st_size for p in ledger_files(scale))
    print(f"[{scale}] generated in {m.seconds:.1f} s, peak {m.peak_mb:.0f} MB, {size / 1e6:.0f} MB of CSV", flush=True)
    return {"seconds": m.seconds, "peak_mb": m.peak_mb, "bytes": size}


def load_once(scale: str, target: Path) -> dict:
    for p in (target, target.with_name(target.name + ".lock")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    env = env_for()
    init = run_measured([venv_python(), "-m", "etl", "--db", str(target), "init", "--city", scope_code(scale)], env)
    if init.rc:
        raise SystemExit(f"init failed:\n{init.stderr[-3000:]}")
    files = [str(p) for p in ledger_files(scale)]
    m = run_measured([venv_python(), "-m", "etl", "--db", str(target), "load", "--today", AS_OF.isoformat(), *files],
                     env)
    if m.rc not in (0, 3):
        raise SystemExit(f"load failed (rc {m.rc}):\n{m.stdout[-2000:]}\n{m.stderr[-3000:]}")
    print(f"[{scale}] init {init.seconds:.1f} s; load {m.seconds:.1f} s (CPU {m.cpu_seconds:.1f} s), "
          f"peak {m.peak_mb:.0f} MB", flush=True)
    return {"init_seconds": init.seconds, "load_seconds": m.seconds, "load_cpu_seconds": m.cpu_seconds,
            "load_peak_mb": m.peak_mb,
            "init_peak_mb": init.peak_mb, "stdout": m.stdout[-1500:]}


def xlsx_read(runs: int) -> dict:
    src = next(p for p in ledger_files("province") if p.name.startswith("线索台账"))
    dst = BENCH_DIR / "xlsx" / f"线索台账_{XLSX_ROWS}.xlsx"
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists():
        print(f"writing {dst} …", flush=True)
        _write_xlsx(src, dst, XLSX_ROWS)
    reads = []
    for _ in range(runs):
        m = run_measured([venv_python(), __file__, "_read_xlsx", str(dst)], env_for())
        if m.rc:
            raise SystemExit(m.stderr[-3000:])
        r = json.loads(m.stdout.strip().splitlines()[-1])
        reads.append({"read_seconds": r["seconds"], "process_seconds": m.seconds, "peak_mb": m.peak_mb,
                      "rows": r["rows"]})
        print(f"xlsx read {r['rows']} rows in {r['seconds']:.2f} s (process {m.seconds:.2f} s, "
              f"peak {m.peak_mb:.0f} MB)", flush=True)
    # and the whole load of that file into an empty province database
    target = BENCH_DIR / "xlsx" / "xlsx-load.duckdb"
    loads = []
    for _ in range(runs):
        for p in (target, target.with_name(target.name + ".lock")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        run_measured([venv_python(), "-m", "etl", "--db", str(target), "init", "--city", scope_code("province")],
                     env_for())
        m = run_measured([venv_python(), "-m", "etl", "--db", str(target), "load", "--today", AS_OF.isoformat(),
                          str(dst)], env_for())
        loads.append({"seconds": m.seconds, "peak_mb": m.peak_mb, "rc": m.rc})
        print(f"xlsx load {m.seconds:.2f} s, peak {m.peak_mb:.0f} MB (rc {m.rc})", flush=True)
    return {"file_mb": dst.stat().st_size / 1e6, "reads": reads, "loads": loads}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=list(SCALES))
    ap.add_argument("--runs", type=int, default=3, help="load runs per scale (national: min(runs, --national-runs))")
    ap.add_argument("--national-runs", type=int, default=1)
    ap.add_argument("--skip-generate", action="store_true", help="reuse the ledgers already generated")
    ap.add_argument("--no-xlsx", action="store_true")
    args = ap.parse_args(argv)

    results = {"when": machine_note(), "scales": {}}
    for scale in args.scales:
        scale_dir(scale).mkdir(parents=True, exist_ok=True)
        have = (ledger_dir(scale) / "manifest.json").exists()
        gen = None if (args.skip_generate and have) else generate(scale)
        runs = min(args.runs, args.national_runs) if scale == "national" else args.runs
        loads = []
        build = scale_dir(scale) / "load-bench.duckdb"
        for _ in range(runs):
            loads.append(load_once(scale, build))
        _mark_demo(build)
        shutil.move(build, db_file(scale))
        with contextlib.suppress(FileNotFoundError):
            build.with_name(build.name + ".lock").unlink()
        acc = rejected_counts(db_file(scale))
        print(f"[{scale}] accounting: {acc}", flush=True)
        results["scales"][scale] = {"generate": gen, "loads": loads, "accounting": acc,
                                    "ledger_bytes": sum(p.stat().st_size for p in ledger_files(scale))}
    if not args.no_xlsx and (ledger_dir("province") / "manifest.json").exists():
        results["xlsx"] = xlsx_read(args.runs)
    prev = load_json("etl") or {"scales": {}}
    for scale, new in results["scales"].items():  # ledgers reused: keep the time it took to generate them
        if new["generate"] is None:
            new["generate"] = prev["scales"].get(scale, {}).get("generate")
    prev["scales"].update(results["scales"])
    prev["when"] = results["when"]
    if "xlsx" in results:
        prev["xlsx"] = results["xlsx"]
    save_json("etl", prev)
    print()
    print(report(prev))
    return 0


def report(res: dict) -> str:
    rows = []
    for scale in SCALES:
        s = res["scales"].get(scale)
        if not s:
            continue
        acc = s["accounting"]
        t = median(x["load_seconds"] for x in s["loads"])
        cpu = median(x.get("load_cpu_seconds") for x in s["loads"])
        mem = max(x["load_peak_mb"] for x in s["loads"])
        rows.append([scale, f"{acc.get('clues_rows_in', 0):,}", f"{s['ledger_bytes'] / 1e6:,.0f} MB",
                     f"{len(s['loads'])}",
                     fmt_s(t) + mark(t, TARGETS["load"][scale]), fmt_s(cpu),
                     f"{mem:,.0f}" + mark(mem, TARGETS["load_mem_mb"][scale]),
                     f"{acc.get('clues_rejected', 0) + acc.get('projects_rejected', 0) + acc.get('cases_rejected', 0)}",
                     "—" if not s.get("generate") else fmt_s(s["generate"]["seconds"])])
    out = [("Load all ledgers (`python -m etl load`, CSV; init excluded): median wall time, peak RSS of the load "
           "process"), "",
           md_table(["scale", "clues", "ledgers", "runs", "load wall s", "load CPU s", "peak MB", "rejected rows",
                     "generate s"], rows),
           "", (f"Targets: load ≤ {TARGETS['load']['city']:g} / {TARGETS['load']['province']:g} / "
           f"{TARGETS['load']['national']:g} s (city / province / national), national peak ≤ 4 GB. {res['when']}.")]
    x = res.get("xlsx")
    if x:
        out += ["", (f"100,000-row xlsx clue ledger ({x['file_mb']:.1f} MB): read (calamine + header mapping) "
                f"median {fmt_s(median(r['read_seconds'] for r in x['reads']))} s, peak "
                f"{max(r['peak_mb'] for r in x['reads']):.0f} MB; full `etl load` into an empty province database "
                f"median {fmt_s(median(r['seconds'] for r in x['loads']))} s, peak "
                f"{max(r['peak_mb'] for r in x['loads']):.0f} MB.")]
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_generate":
        _generate(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "_read_xlsx":
        _read_xlsx(Path(sys.argv[2]))
    else:
        sys.exit(main())
