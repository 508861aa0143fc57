"""Property tests (hypothesis): rates stay in [0, 1], ranks are the competition ranking of the scores, the vectorised
clue warning equals the scalar one, and — through the SQL the pages run — results as of D ignore everything dated
after D. Few examples each, so the file stays fast; the hand-computed scenarios are in test_indicators.py.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from huxin import data, db
from huxin import rules as R
from huxin.config import ClueWarningRules, Rules
from huxin.workdays import WorkCalendar
from tests.conftest import CITY

RULES = Rules()
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SQL_FEW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.build({})


# ---------------------------------------------------------------------------------------------
# Pure rules
@FEW
@given(st.lists(st.sampled_from([0.0, 12.5, 48.6, 48.6, 70.0, 99.9, 100.0]) | st.floats(0, 100), max_size=40))
def test_ranks_are_the_competition_ranking(scores: list[float]) -> None:
    ranks = R.competition_rank(scores)
    for s, r in zip(scores, ranks, strict=True):
        assert r == 1 + sum(1 for o in scores if o > s)     # the definition: one more than the number better
    if scores:
        assert min(ranks) == 1


@st.composite
def county_counts(draw: st.DrawFn, code: str) -> dict[str, Any]:
    """Per-county counts that respect their definitions (closed ≤ received, on time ≤ closed, …)."""
    received = draw(st.integers(0, 50))
    closed = draw(st.integers(0, received))
    open_clues = draw(st.integers(0, 30))
    open_cases = draw(st.integers(0, 10))
    active = draw(st.integers(0, 20))
    return {"code": code, "name": code, "received": received, "closed": closed,
            "closed_on_time": draw(st.integers(0, closed)), "overdue_open": draw(st.integers(0, open_clues)),
            "open_clues": open_clues, "open_cases": open_cases, "open_stock": open_clues + open_cases,
            "open_stock_at_start": draw(st.integers(0, 60)), "active_projects": active,
            "projects_all_core": draw(st.integers(0, active)), "repeat_clues": draw(st.integers(0, received)),
            "cases_opened": 0, "amount_owed": 0.0, "amount_recovered": 0.0, "workers_involved": 0,
            "stock_window_start": draw(st.integers(0, 60))}


@st.composite
def county_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes = [f"41020{i}" for i in range(draw(st.integers(1, 8)))]
    return (pd.DataFrame([draw(county_counts(c)) for c in codes]),
            pd.DataFrame([draw(county_counts(c)) for c in codes]))


@FEW
@given(county_frames())
def test_county_table_rates_scores_and_ranks(cal: WorkCalendar, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    now, prev = frames
    t = R.county_table(now, prev, dt.date(2026, 11, 20), dt.date(2027, 2, 5), cal, RULES)
    for col in ("closure_rate", "on_time_rate", "repeat_rate", "safeguard_rate"):
        vals = t[col].dropna()
        assert ((vals >= 0) & (vals <= 1)).all(), col
    assert ((t["score"] >= 0) & (t["score"] <= 100)).all()
    assert t["rank"].tolist() == R.competition_rank(t["score"].tolist())
    assert (t["score"] == (t["score"] * 10).round() / 10).all()          # rounded to 0.1
    for _, r in t.iterrows():                                              # the grade follows the score
        assert r["grade"] == R.grade(r["score"], RULES)
    # rank change = last week's rank − this week's, both between 1 and the number of counties
    prev_ranks = R.competition_rank([R.county_score(*(int(r[c]) for c in (
        "received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_stock", "open_stock_at_start",
        "active_projects", "projects_all_core", "repeat_clues")), RULES).total for _, r in prev.iterrows()])
    expected = {c: p - r for c, p, r in zip(prev["code"], prev_ranks,
                                             t.set_index("code").loc[prev["code"], "rank"], strict=True)}
    assert t.set_index("code")["rank_change"].to_dict() == expected


@FEW
@given(st.lists(st.tuples(st.integers(-12, 12), st.booleans(), st.none() | st.integers(0, 60),
                          st.none() | st.floats(0, 3e6), st.none() | st.booleans()), min_size=1, max_size=30),
       st.booleans())
def test_vectorised_clue_warning_equals_the_scalar_one(rows: list[tuple[Any, ...]], gov_rule: bool) -> None:
    rules = Rules(clue_warning=ClueWarningRules(red_government_project=gov_rule))
    rows = [(w, o and w <= 0, k, a, g) for w, o, k, a, g in rows]        # overdue only once the due date is past
    df = pd.DataFrame(rows, columns=["workdays_to_due", "overdue", "workers", "amount", "government_project"])
    df["workers"] = df["workers"].astype("Int64")
    out = R.clue_warning_frame(df, rules)
    for (w, o, k, a, g), lvl, why in zip(rows, out["warning_level"], out["warning_reasons"], strict=True):
        exp = R.clue_warning(w, o, k, a, bool(g), rules)
        assert (lvl if isinstance(lvl, str) else None) == exp.level
        assert why == "；".join(exp.reasons)


@FEW
@given(st.integers(0, 500), st.integers(0, 500), st.integers(1, 20), st.integers(0, 120))
def test_projection_is_consistent(cal: WorkCalendar, stock: int, window: int, n: int, day: int) -> None:
    as_of = dt.date(2026, 11, 15) + dt.timedelta(days=day)
    p = R.projection(stock, window, n, as_of, dt.date(2027, 2, 5), cal, RULES)
    if stock == 0:
        assert p.status == "已清零"
    elif window <= stock:                                   # pace ≤ 0: never a date
        assert p.projected_date is None and p.status == "滞后"
    else:
        assert p.projected_date is not None and p.projected_date > as_of
        assert (p.status == "按期") == (p.projected_date <= dt.date(2027, 2, 5))


# ---------------------------------------------------------------------------------------------
# Through the SQL: a generated ledger, and the same ledger as it stood on D
BASE = dt.date(2026, 8, 20)
COUNTIES = ("410202", "410203", "410204")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty database of 开封市 (regions only), copied for each example; default rules and calendar."""
    from etl.load import init_database

    d = tmp_path_factory.mktemp("prop")
    path = d / "template.duckdb"
    init_database(path, CITY)
    empty = d / "empty.toml"
    empty.write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARREARS_RULES", str(empty))
        mp.setenv("ARREARS_HOLIDAYS", str(empty))
        old = os.environ.get("ARREARS_DB")
        yield path
        if old is None:
            os.environ.pop("ARREARS_DB", None)
        else:
            os.environ["ARREARS_DB"] = old
        db.forget_readers()


def _day(n: int) -> dt.date:
    return BASE + dt.timedelta(days=n)


clue_st = st.tuples(st.integers(0, 2), st.integers(0, 100), st.none() | st.integers(0, 40), st.integers(0, 5),
                    st.integers(1, 40), st.sampled_from([1000.0, 50_000.0, 1_000_000.0]),
                    st.sampled_from(["in_progress", "received", "returned"]), st.none() | st.integers(0, 2))
case_st = st.tuples(st.integers(0, 2), st.integers(0, 100), st.none() | st.integers(0, 40), st.integers(0, 15),
                    st.none() | st.integers(0, 2))


def _frames(clues: list[tuple[Any, ...]], cases: list[tuple[Any, ...]]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                 pd.DataFrame]:
    c_rows = []
    for i, (cty, rec, clo, emp, workers, amount, status, proj) in enumerate(clues):
        closed = None if clo is None or status == "returned" else _day(rec + clo)
        c_rows.append({"clue_id": f"C{i:03d}", "source": "12345热线", "received_date": _day(rec),
                       "county_code": COUNTIES[cty], "employer": f"单位{emp}", "credit_code": None,
                       "project_id": None if proj is None else f"P{proj}", "workers": workers, "amount": amount,
                       "status": "closed" if closed else status, "closed_date": closed,
                       "resolved_amount": amount / 2 if closed else None})
    k_rows = []
    for i, (cty, opened, clo, clue_idx, proj) in enumerate(cases):
        closed = None if clo is None else _day(opened + clo)
        k_rows.append({"case_id": f"K{i:03d}", "county_code": COUNTIES[cty], "employer": f"单位{i}",
                       "clue_id": f"C{clue_idx:03d}" if clue_idx < len(clues) else None,
                       "project_id": None if proj is None else f"P{proj}", "opened_date": _day(opened),
                       "workers": 3, "amount_owed": 90_000.0, "amount_paid": 10_000.0,
                       "status": "closed" if closed else "mediation", "closed_date": closed})
    p_rows = [{"project_id": f"P{j}", "name": f"P{j}", "county_code": COUNTIES[j],
               "investment_type": ("government", "soe", "private")[j], "status": "active",
               "start_date": _day(30 * j), "real_name": True, "wage_account": True, "contractor_pays": j != 1,
               "wage_deposit_ok": True, "notice_board": True} for j in range(3)]
    return (pd.DataFrame(c_rows, columns=["clue_id", "source", "received_date", "county_code", "employer",
                                          "credit_code", "project_id", "workers", "amount", "status",
                                          "closed_date", "resolved_amount"]),
            pd.DataFrame(k_rows, columns=["case_id", "county_code", "employer", "clue_id", "project_id",
                                          "opened_date", "workers", "amount_owed", "amount_paid", "status",
                                          "closed_date"]),
            pd.DataFrame(p_rows))


def _as_known_on(clues: pd.DataFrame, cases: pd.DataFrame, projects: pd.DataFrame,
                 d: dt.date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ledgers as the office had them on D: later records absent, later closures not yet made."""
    c = clues[clues["received_date"] <= d].copy()
    later = c["closed_date"].notna() & (c["closed_date"] > d)
    c.loc[later, "status"] = "in_progress"
    c["closed_date"] = c["closed_date"].where(~later, None)
    k = cases[cases["opened_date"] <= d].copy()
    later = k["closed_date"].notna() & (k["closed_date"] > d)
    k.loc[later, "status"] = "mediation"
    k["closed_date"] = k["closed_date"].where(~later, None)
    p = projects[projects["start_date"] <= d]
    return c, k, p


def _write(template: Path, path: Path, clues: pd.DataFrame, cases: pd.DataFrame, projects: pd.DataFrame) -> Path:
    shutil.copyfile(template, path)
    with duckdb.connect(str(path)) as con:
        for name, df in (("clues", clues), ("cases", cases), ("projects", projects)):
            if not df.empty:
                con.register("df", df)
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM df")
                con.unregister("df")
    return path


def _everything_as_of(path: Path, d: dt.date, f: dt.date) -> dict[str, Any]:
    os.environ["ARREARS_DB"] = str(path)
    db.forget_readers()
    table = data.county_table(data.ALL, d, f).drop(columns=["name"])
    clear = data.clearing(data.ALL, d)
    cl = data.clues(data.ALL, d, limit=10_000)[["clue_id", "due_date", "is_open", "closed_date", "overdue",
                                                "warning_level", "warning_reasons"]]
    return {"table": table, "projection": clear["projection"], "year_end": clear["year_end_projection"],
            "start": clear["stock_at_start"], "clues": cl.sort_values("clue_id").reset_index(drop=True),
            "totals": data.totals_from(table)}


@SQL_FEW
@given(st.lists(clue_st, min_size=3, max_size=18), st.lists(case_st, max_size=6), st.integers(25, 80),
       st.integers(0, 40))
# always tried: an open clue whose case is opened after D (its amount is owed through the clue as of D), a closure
# after D, a repeat complaint after D, and a project that starts after D
@example(clues=[(0, 30, None, 1, 5, 50_000.0, "in_progress", 0), (0, 31, 30, 1, 5, 1000.0, "received", None),
                (1, 60, None, 1, 5, 1000.0, "in_progress", 2)],
         cases=[(0, 70, None, 0, None), (1, 20, 40, 9, 1)], d_off=50, f_off=0)
def test_results_as_of_d_ignore_everything_after_d(template: Path, tmp_path_factory: pytest.TempPathFactory,
                                                   clues: list[tuple[Any, ...]], cases: list[tuple[Any, ...]],
                                                   d_off: int, f_off: int) -> None:
    d, f = _day(d_off), _day(min(f_off, d_off))
    full = _frames(clues, cases)
    work = tmp_path_factory.mktemp("ex")
    later = _everything_as_of(_write(template, work / "full.duckdb", *full), d, f)
    known = _everything_as_of(_write(template, work / "known.duckdb", *_as_known_on(*full, d)), d, f)
    pd.testing.assert_frame_equal(later["table"], known["table"], check_dtype=False)
    pd.testing.assert_frame_equal(later["clues"], known["clues"], check_dtype=False)
    assert later["projection"] == known["projection"] and later["year_end"] == known["year_end"]
    assert later["start"] == known["start"] and later["totals"] == known["totals"]
    # and the rates of the full ledger stay fractions
    for col in ("closure_rate", "on_time_rate", "repeat_rate", "safeguard_rate"):
        vals = later["table"][col].dropna()
        assert ((vals >= 0) & (vals <= 1)).all()
    for k in ("closure_rate", "on_time_rate"):
        assert later["totals"][k] is None or 0 <= later["totals"][k] <= 1
