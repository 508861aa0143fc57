"""The benchmark's pandas peer (bench/pandas_peer.py) computes the county table and the Spring Festival burn-down
straight from the ledger files; on the same ledgers its numbers must equal the dashboard's (huxin.data), as of several
dates (in the campaign, in the previous campaign, before a campaign) — so the speed comparison compares equals, and
two independent implementations of the indicator definitions agree."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AS_OF, CITY

MAIN = ("在建项目台账.csv", "线索台账.csv", "案件台账.csv")


@pytest.fixture(scope="module")
def csv_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The city demo ledgers as CSV, the three main ledgers loaded through the real loader (the two deliberately
    messy extra files are left out: the peer, like an analyst, reads clean exports)."""
    from etl.demo import write_demo_ledgers
    from etl.load import init_database, load_files
    from huxin import geo

    d = tmp_path_factory.mktemp("peer")
    write_demo_ledgers(d / "ledgers", geo.counties_in(CITY), AS_OF, scale="city", seed=7, fmt="csv")
    files = [d / "ledgers" / f for f in MAIN]
    db = d / "peer.duckdb"
    init_database(db, CITY)
    res = load_files(db, files, today=AS_OF)
    assert sum(f.rejected for f in res.files) == 0
    return db, files


@pytest.fixture(scope="module")
def ledgers(csv_city: tuple[Path, list[Path]]) -> dict:
    from bench.pandas_peer import read_ledgers
    return read_ledgers(csv_city[1], CITY)


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 1, 20), dt.date(2026, 10, 9)],
                         ids=["campaign-week-1", "last-campaign", "before-campaign"])
def test_peer_equals_ours(csv_city: tuple[Path, list[Path]], ledgers: dict, use_db: Callable[[Path], Path],
                          as_of: dt.date) -> None:
    from bench.pandas_peer import compare, ours, peer

    use_db(csv_city[0])
    start = dt.date(as_of.year, 1, 1)
    o = ours(as_of, start)
    p = peer(ledgers, as_of, start)
    assert compare(o, p) == []
    # not a vacuous comparison: real volumes on both sides
    assert o[0]["received"].sum() > 1000
    assert o[1]["series"]["open_stock"].max() > 0
    assert len(o[0]) == len(p[0]) == 9  # the counties of 开封市


def test_compare_reports_a_difference(csv_city: tuple[Path, list[Path]], ledgers: dict,
                                      use_db: Callable[[Path], Path]) -> None:
    from bench.pandas_peer import compare, ours, peer

    use_db(csv_city[0])
    start = dt.date(AS_OF.year, 1, 1)
    o = ours(AS_OF, start)
    table, clear = peer(ledgers, AS_OF, start)
    table.loc[0, "overdue_open"] += 1
    clear["series"].loc[3, "open_stock"] += 1
    diffs = compare(o, (table, clear))
    assert any("overdue_open" in d for d in diffs)
    assert any(d.startswith("series open_stock") for d in diffs)


@pytest.mark.parametrize("days", [0, 1, 30, 90, 365])
def test_loader_repeat_gaps_equal_the_window_computation(csv_city: tuple[Path, list[Path]],
                                                         use_db: Callable[[Path], Path], days: int) -> None:
    """The loader's per-load repeat gaps (huxin/sql/clue_repeat_gaps.sql) give the same 重复反映 counts as the window
    functions over every clue (huxin/sql/repeat_daily.sql), for any repeat window of the rules."""
    from huxin import data

    use_db(csv_city[0])
    n = int(data.query("SELECT count(*) AS n FROM clues")["n"].iloc[0])
    assert data.meta().get("repeat_gaps") == f"1:{n}"    # computed by the one load, for all its clues
    windows = data.query(data.sql("repeat_daily"), {"repeat_days": days})
    gaps = data.query(data.sql("repeat_daily_from_gaps"), {"repeat_days": days})
    assert len(windows) > 0 and windows["n"].sum() > 0
    assert gaps.equals(windows)


def test_repeat_counts_without_the_loader_table(csv_city: tuple[Path, list[Path]], use_db: Callable[[Path], Path],
                                                tmp_path: Path) -> None:
    """A database written before the table existed (or by anything but the loader) falls back to the windows."""
    import shutil

    import duckdb

    from huxin import data

    use_db(csv_city[0])
    with_table = data.repeat_daily()
    old = tmp_path / "old.duckdb"
    shutil.copyfile(csv_city[0], old)
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE clue_repeat_gaps")
    con.execute("DELETE FROM meta WHERE key = 'repeat_gaps'")
    con.close()
    use_db(old)
    assert "repeat_gaps" not in data.meta()
    assert data.repeat_daily().equals(with_table)
