"""Fetch benchmark: a query result into pandas through DuckDB's own .df() and through Arrow (huxin.data.to_frame,
what every data function uses), on the benchmark databases; both frames are asserted equal before timing.

    python bench/fetch_bench.py                       # province and national, 3 runs
    python bench/fetch_bench.py --scales city --runs 5
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb
import pandas as pd

from bench.common import SCALES, db_file, fmt_s, machine_note, md_table
from huxin.data import to_frame

QUERIES = {
    "projects (all columns)": "SELECT * FROM projects",
    "clues (all columns)": "SELECT * FROM clues",
    "cases (all columns)": "SELECT * FROM cases",
}


def timed(fn) -> tuple[float, pd.DataFrame]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=["province", "national"])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    rows = []
    for scale in args.scales:
        path = db_file(scale)
        if not path.exists():
            print(f"[{scale}] no database; run bench/etl_bench.py first", file=sys.stderr)
            continue
        con = duckdb.connect(str(path), read_only=True)

        def with_df(q: str, con: duckdb.DuckDBPyConnection = con) -> pd.DataFrame:
            return con.cursor().execute(q).df()

        def with_arrow(q: str, con: duckdb.DuckDBPyConnection = con) -> pd.DataFrame:
            return to_frame(con.cursor().sql(q).to_arrow_table())

        for name, q in QUERIES.items():
            a, b = with_df(q), with_arrow(q)
            pd.testing.assert_frame_equal(a, b)
            df_t = [timed(lambda q=q: with_df(q))[0] for _ in range(args.runs)]
            ar_t = [timed(lambda q=q: with_arrow(q))[0] for _ in range(args.runs)]
            d, r = statistics.median(df_t), statistics.median(ar_t)
            rows.append([scale, name, f"{len(a):,}", fmt_s(d), fmt_s(r), f"{d / r:.1f}×"])
            print(f"  [{scale}] {name}: .df() {d:.3f} s, to_frame {r:.3f} s", file=sys.stderr, flush=True)
        con.close()
    print(f"Query result to pandas, median of {args.runs} runs (frames asserted equal); {machine_note()}\n")
    print(md_table(["scale", "query", "rows", ".df() s", "Arrow + to_frame s", "faster"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
