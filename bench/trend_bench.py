"""Rank-trend benchmark: data.rank_trend (score, grade and rank of every county at each campaign week end) early, in
the middle and late in the campaign, computed in one pass (data.score_inputs_by_week) and, for comparison, week by
week through data.county_aggregates (what it did before); the two are asserted equal.

    python bench/trend_bench.py                        # national
    python bench/trend_bench.py --scales province national
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench.common import SCALES, db_file, fmt_s, machine_note, md_table

DATES = (dt.date(2026, 11, 20), dt.date(2026, 12, 18), dt.date(2027, 1, 22))


def week_by_week(data: Any, R: Any, as_of: dt.date) -> pd.DataFrame:
    """The old way: the aggregates week end by week end (huxin.data / huxin.rules passed in: imported after
    ARREARS_DB is set)."""
    from huxin.config import load_rules
    from huxin.workdays import campaign_for

    rules = load_rules()
    camp = campaign_for(as_of, rules)
    parts = [R.league_scores(data.county_aggregates(data.ALL, d, min(camp.start, d)), rules).assign(d=d)
             for d in data.campaign_week_ends(as_of)]
    return pd.concat(parts, ignore_index=True)[["d", "code", "name", "score", "grade", "rank"]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=["national"])
    args = ap.parse_args(argv)
    rows = []
    for scale in args.scales:
        if not db_file(scale).exists():
            print(f"[{scale}] no database; run bench/etl_bench.py first", file=sys.stderr)
            continue
        os.environ["ARREARS_DB"] = str(db_file(scale))
        from huxin import data, db
        from huxin import rules as R

        db.forget_readers()
        data.regions()
        data.repeat_daily()          # once per data version in the app; not part of either way
        for as_of in DATES:
            t0 = time.perf_counter()
            one = data.rank_trend(data.ALL, as_of)
            t1 = time.perf_counter()
            old = week_by_week(data, R, as_of)
            t2 = time.perf_counter()
            pd.testing.assert_frame_equal(one.reset_index(drop=True), old.reset_index(drop=True))
            rows.append([scale, str(as_of), len(data.campaign_week_ends(as_of)), fmt_s(t1 - t0), fmt_s(t2 - t1)])
            print(f"  [{scale}] {as_of}: one pass {t1 - t0:.2f} s, week by week {t2 - t1:.2f} s", file=sys.stderr)
    print(f"data.rank_trend, wall seconds (results asserted equal); {machine_note()}\n")
    print(md_table(["scale", "as of", "week ends", "one pass s", "week by week s"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
