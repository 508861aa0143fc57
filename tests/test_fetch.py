"""data.to_frame (DuckDB result -> pandas through Arrow) gives what DuckDB's own .df() gives.

The reference is DuckDB's conversion of the very same Arrow table (duckdb.from_arrow(t).df()): it reads Arrow dates
back as DATE, decimals as DECIMAL and so on, so it is .df() on the result. Every query of the data functions a page
calls goes through the comparison below, with NULLs, empty results and every column type our SQL returns.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from huxin import data
from tests.conftest import AS_OF


def reference(table: pa.Table) -> pd.DataFrame:
    return duckdb.from_arrow(table).df()


def test_types_and_nulls_match_duckdb() -> None:
    con = duckdb.connect()
    q = """SELECT * FROM (VALUES
        (true, 1::INTEGER, 'a', DATE '2026-01-02', 1::BIGINT, 2.5::DOUBLE, 1::TINYINT, 3::UBIGINT, 1.25::DECIMAL(10,2),
         1::HUGEINT, TIMESTAMP '2026-01-01 10:00', 7::INTEGER, false),
        (NULL, NULL, NULL, NULL, 2, NULL, NULL, NULL, NULL, NULL, NULL, 8, true))
        t(b, i, s, d, big, f, ti, ub, dec, huge, ts, full_int, full_bool)"""
    for sql in (q, q + " WHERE false", q + " LIMIT 1"):
        t = con.sql(sql).to_arrow_table()
        ours = data.to_frame(t)
        pd.testing.assert_frame_equal(ours, reference(t))
        pd.testing.assert_frame_equal(ours, con.execute(sql).df())        # and .df() on the query itself
    ours = data.to_frame(con.sql(q).to_arrow_table())
    assert str(ours["d"].dtype) == "datetime64[us]" and str(ours["i"].dtype) == "Int32"   # what pages expect
    assert str(ours["full_int"].dtype) == "int32" and str(ours["full_bool"].dtype) == "bool"


def test_other_types_and_repeated_names() -> None:
    con = duckdb.connect()
    # a list column beside plain ones: the plain ones keep .df()'s dtypes
    sql = "SELECT * FROM (VALUES ([1, 2], DATE '2026-01-01', NULL::INTEGER), (NULL, NULL, 3)) t(l, d, n)"
    ours = data.to_frame(con.sql(sql).to_arrow_table())
    assert ours["l"].tolist()[0].tolist() == [1, 2]
    pd.testing.assert_frame_equal(ours[["d", "n"]], con.execute(sql).df()[["d", "n"]])
    # repeated names are made unique as .df() makes them
    for sql in ("SELECT 1 AS a, 2 AS a, 3 AS a", "SELECT 1 AS a, 2 AS a_1, 3 AS a"):
        pd.testing.assert_frame_equal(data.to_frame(con.sql(sql).to_arrow_table()), con.execute(sql).df())


def test_every_data_function_matches_duckdb(city_db: Path, use_db: Callable[[Path], Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    use_db(city_db)
    real = data.to_frame
    seen: list[int] = []

    def checked(table: pa.Table) -> pd.DataFrame:
        ours = real(table)
        pd.testing.assert_frame_equal(ours, reference(table))
        seen.append(len(ours))
        return ours

    monkeypatch.setattr(data, "to_frame", checked)
    start = dt.date(2026, 11, 16)
    county = str(data.regions()["code"].iloc[0])
    one = data.ALL.narrowed(county)
    for scope in (data.ALL, one):
        data.county_table(scope, AS_OF, start)
        data.totals(scope, AS_OF, dt.date(2026, 1, 1))
        data.clearing(scope, AS_OF)
        data.clues(scope, AS_OF)
        data.clues(scope, AS_OF, data.Filters(levels=("红",)), True)
        data.projects(scope, AS_OF, active_only=False)
        data.cases(scope, AS_OF)
        data.key_matters(scope, start, AS_OF)
        data.repeat_employers(scope, AS_OF, dt.date(2026, 1, 1))
        data.rank_trend(scope, AS_OF)
        data.open_clue_items(scope, AS_OF)
        for by in (None, "county_code", "township", "project_id"):
            data.drill_counts(scope, AS_OF, dt.date(2026, 1, 1), by=by)
        data.drill_employers(scope, AS_OF, dt.date(2026, 1, 1))
    data.load_files_table()
    data.ledger_freshness()
    data.load_issue_rows(data.ALL)
    data.clues(data.ALL, AS_OF, data.Filters(search="没有这样的线索"))        # empty results too
    assert len(seen) > 30 and 0 in seen and max(seen) > 1000
