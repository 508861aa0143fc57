"""Run every benchmark in order and put the latest tables into bench/RESULTS.md (between its results markers).

    python bench/run_all.py                  # everything (national generation + load take several minutes)
    python bench/run_all.py --skip-etl       # reuse the databases under $HUXIN_BENCH_DIR (default /tmp/huxin-bench)
    python bench/run_all.py --only pages peer --scales city province
    python bench/run_all.py --tables-only    # rewrite the tables from the saved results, run nothing

Benchmarks print tables; they are not tests and never fail a build on a slow machine. Big files (ledgers,
databases, profiles) stay under $HUXIN_BENCH_DIR, never in the repository.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SCALES, load_json, machine_note

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
STEPS = ("etl", "peer", "pages", "browser", "nginx")


def run(args: list[str]) -> int:
    print("$ python", " ".join(args), flush=True)
    return subprocess.call([sys.executable, *args], cwd=HERE.parent)


def tables() -> str:
    from bench import browser_bench, etl_bench, nginx_two_apps, pages_bench, pandas_peer

    parts: list[str] = [f"_Written by `python bench/run_all.py` on {machine_note()}._"]
    for title, name, rep in (("ETL", "etl", etl_bench.report), ("Ours vs the pandas peer", "peer", pandas_peer.report),
                             ("Pages (server side)", "pages", pages_bench.report),
                             ("Pages in headless Chromium", "browser", browser_bench.report),
                             ("Two app processes behind nginx", "nginx", nginx_two_apps.report)):
        res = load_json(name)
        parts += [f"### {title}", "", rep(res) if res else "_not run yet_", ""]
    return "\n".join(parts)


def write_tables() -> None:
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    RESULTS_MD.write_text(f"{head}{START}\n{tables()}\n{END}{tail}", encoding="utf-8")
    print(f"tables written to {RESULTS_MD}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS))
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=list(SCALES))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-etl", action="store_true", help="reuse the generated ledgers and loaded databases")
    ap.add_argument("--tables-only", action="store_true")
    args = ap.parse_args(argv)
    if args.tables_only:
        write_tables()
        return 0
    steps = [s for s in args.only if not (s == "etl" and args.skip_etl)]
    rc = 0
    scales = [str(s) for s in args.scales]
    if "etl" in steps:
        rc |= run(["bench/etl_bench.py", "--scales", *scales, "--runs", str(args.runs), "--skip-generate"])
    if "peer" in steps:
        peer_scales = [s for s in scales if s != "city"] or ["province"]
        rc |= run(["bench/pandas_peer.py", "--scales", *peer_scales, "--runs", str(args.runs)])
    if "pages" in steps:
        rc |= run(["bench/pages_bench.py", "--scales", *scales, "--runs", str(args.runs)])
    if "browser" in steps:
        # the browser target is at province scale; national in the browser: --scales national
        browser_scales = [s for s in scales if s != "national"] or ["province"]
        rc |= run(["bench/browser_bench.py", "--scales", *browser_scales, "--runs", str(args.runs)])
    if "nginx" in steps:
        rc |= run(["bench/nginx_two_apps.py", "--scale", "city"])
    write_tables()
    return rc


if __name__ == "__main__":
    sys.exit(main())
