"""Data-quality checks on a loaded database (the city demo, loaded through the real loader)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from huxin.vocab import (
    ACTIVE_PROJECT_STATUS,
    CASE_STAGES,
    CLUE_STATUS,
    LEDGER_HEADERS,
    LEDGER_KEY,
    PROJECT_STATUS,
)


@pytest.fixture(scope="module")
def con(city_db: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(city_db), read_only=True)
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize("table", ["clues", "projects", "cases"])
def test_keys_unique_and_present(con: duckdb.DuckDBPyConnection, table: str) -> None:
    key = LEDGER_KEY[table]
    assert one(con, f"SELECT count(*) FROM {table}") > 0
    assert one(con, f"SELECT count(*) - count(DISTINCT {key}) FROM {table}") == 0
    assert one(con, f"SELECT count(*) FROM {table} WHERE {key} IS NULL OR {key} = ''") == 0


@pytest.mark.parametrize("table", ["clues", "projects", "cases"])
def test_required_fields_present(con: duckdb.DuckDBPyConnection, table: str) -> None:
    required = [col for (col, req) in LEDGER_HEADERS[table].values() if req]
    cond = " OR ".join(f"{c} IS NULL" for c in required)
    assert one(con, f"SELECT count(*) FROM {table} WHERE {cond}") == 0


def test_every_county_code_is_a_known_county(con: duckdb.DuckDBPyConnection) -> None:
    for t in ("clues", "projects", "cases"):
        assert one(con, f"""SELECT count(*) FROM {t} WHERE county_code NOT IN
                            (SELECT code FROM regions WHERE level = 'county')""") == 0


def test_references_between_ledgers_are_valid(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, """SELECT count(*) FROM clues WHERE project_id IS NOT NULL
                       AND project_id NOT IN (SELECT project_id FROM projects)""") == 0
    assert one(con, """SELECT count(*) FROM cases WHERE clue_id IS NOT NULL
                       AND clue_id NOT IN (SELECT clue_id FROM clues)""") == 0
    assert one(con, """SELECT count(*) FROM cases WHERE project_id IS NOT NULL
                       AND project_id NOT IN (SELECT project_id FROM projects)""") == 0


def test_enums_dates_and_amounts_are_consistent(con: duckdb.DuckDBPyConnection) -> None:
    assert {r[0] for r in con.execute("SELECT DISTINCT status FROM clues").fetchall()} <= set(CLUE_STATUS.values())
    assert {r[0] for r in con.execute("SELECT DISTINCT status FROM cases").fetchall()} <= set(CASE_STAGES.values())
    assert {r[0] for r in con.execute("SELECT DISTINCT status FROM projects").fetchall()} <= \
        set(PROJECT_STATUS.values())
    assert one(con, "SELECT count(*) FROM clues WHERE status = 'closed' AND closed_date IS NULL") == 0
    assert one(con, "SELECT count(*) FROM clues WHERE closed_date < received_date") == 0
    assert one(con, "SELECT count(*) FROM cases WHERE closed_date < opened_date") == 0
    assert one(con, "SELECT count(*) FROM clues WHERE amount < 0 OR workers < 0") == 0
    assert one(con, f"""SELECT count(*) FROM projects WHERE status IN
                        ({", ".join(repr(s) for s in ACTIVE_PROJECT_STATUS)})""") > 0


def test_accounting_per_file(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT file, rows_in, loaded, rejected, skipped_summary FROM load_files").fetchall()
    assert rows
    for file, rows_in, loaded, rejected, summary in rows:
        assert rows_in == loaded + rejected + summary, file
    # the demo's messy file carries exactly three deliberately bad rows
    assert one(con, "SELECT count(DISTINCT (file, row_number)) FROM load_issues WHERE severity = 'error'") == 3
