"""Shared fixtures.

- ``city_db``: the city-scale demo database (开封市, as of AS_OF), built once per test session through the real
  generator and loader. Read-only for tests: copy it if a test needs to write.
- ``make_db``: build a small database from rows given as dicts with the canonical ledger headers, loaded through
  the real loader (so fixtures exercise it too).
- ``use_db``: point the app/data layer at a database file (ARREARS_DB) for the duration of a test.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)        # a Friday in the first week of the 2026/27 winter campaign
CITY = "410200"                      # 开封市

os.environ.setdefault("ARREARS_APP_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "huxin-test-app"))
# The background prefetch (huxin.prefetch) would go on computing after an AppTest run, against whichever database the
# next test points at; tests/test_prefetch.py switches it on where it is the subject.
os.environ.setdefault("ARREARS_NO_PREFETCH", "1")


@pytest.fixture(scope="session")
def city_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etl.demo_db import build_demo_database

    d = tmp_path_factory.mktemp("citydb")
    path = d / "city.duckdb"
    build_demo_database(path, city=CITY, as_of=AS_OF, scale="city", seed=7, ledger_dir=d / "ledgers")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]], headers: list[str] | None = None,
              encoding: str = "utf-8") -> Path:
    headers = headers or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow(["" if r.get(h) is None else r.get(h) for h in headers])
    return path


@pytest.fixture
def make_db(tmp_path: Path) -> Callable[..., Path]:
    """make_db(projects=[...], clues=[...], cases=[...], city=CITY, today=AS_OF, demo=False) -> database path.

    demo=True marks the database as demo data, so the app runs it without login (role switcher)."""
    from etl.load import init_database, load_files
    from huxin.vocab import CASE_HEADERS, CLUE_HEADERS, PROJECT_HEADERS

    counter = {"n": 0}

    def build(projects: list[dict[str, Any]] | None = None, clues: list[dict[str, Any]] | None = None,
              cases: list[dict[str, Any]] | None = None, city: str = CITY, today: dt.date = AS_OF,
              demo: bool = False) -> Path:
        counter["n"] += 1
        d = tmp_path / f"db{counter['n']}"
        d.mkdir()
        path = d / "test.duckdb"
        init_database(path, city)
        files = []
        if projects:
            files.append(write_csv(d / "projects.csv", projects, list(PROJECT_HEADERS)))
        if clues:
            files.append(write_csv(d / "clues.csv", clues, list(CLUE_HEADERS)))
        if cases:
            files.append(write_csv(d / "cases.csv", cases, list(CASE_HEADERS)))
        if files:
            load_files(path, files, today=today)
        if demo:
            from huxin import db
            with db.writer(path) as con:
                db.meta_set(con, "is_demo", "1")
        return path

    return build


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Path]:
    """use_db(path): the data layer and the app read this database during the test."""
    from huxin import db

    def use(path: Path) -> Path:
        monkeypatch.setenv("ARREARS_DB", str(path))
        db.forget_readers()
        return path

    yield use
    db.forget_readers()


@pytest.fixture
def copy_db(tmp_path: Path) -> Callable[[Path], Path]:
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        return dst
    return copy


@pytest.fixture
def app_test(use_db: Callable[[Path], Path]) -> Iterator[Callable[..., Any]]:
    """app_test(db_path, page=None, as_of=AS_OF, role='city_admin', county=None, query=None) -> AppTest after run.

    page: None for the home page, else a page key ('weekly', 'ranking', …) — switched to via AppTest.switch_page.
    """
    from streamlit.testing.v1 import AppTest

    def run(path: Path, page: str | None = None, as_of: dt.date = AS_OF, role: str = "city_admin",
            county: str | None = None, query: dict[str, str] | None = None, timeout: float = 120) -> Any:
        use_db(path)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        at.session_state["as_of"] = as_of
        at.session_state["demo_role"] = role
        if county:
            at.session_state["demo_county"] = county
        for k, v in (query or {}).items():
            at.query_params[k] = v
        if page:
            at.switch_page(f"pages/{page}.py")
        return at.run()

    yield run
