"""Bad inputs (issue 10): every file in tests/corpus/files gets a clear Chinese message naming file, row and
column where there is one, a non-zero exit code where nothing could be loaded, no traceback, and no change to the
database when the load is refused. Plus a 50 MB file, accounting, and hypothesis fuzzing of whole small ledgers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.__main__ import main as etl_main
from etl.load import init_database, load_files
from etl.read import LoadError
from huxin import db
from tests.corpus_table import CORPUS

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "tests" / "corpus" / "files"
TODAY = "2026-11-20"


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("corpus") / "base.duckdb"
    init_database(p, "410200")
    return p


@pytest.fixture
def fresh_db(base_db: Path, tmp_path: Path) -> Path:
    p = tmp_path / "t.duckdb"
    shutil.copyfile(base_db, p)
    return p


def test_corpus_has_at_least_30_files_all_documented() -> None:
    files = sorted(p.name for p in FILES.iterdir())
    assert len(files) >= 30
    assert set(files) == set(CORPUS), set(files) ^ set(CORPUS)
    readme = (ROOT / "tests" / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert name in readme, f"{name} missing from the table in tests/README.md"


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_input(name: str, fresh_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, loaded, rejected, words, extra = CORPUS[name]
    before = db.version_of(fresh_db)
    rc = etl_main(["--db", str(fresh_db), "load", "--today", TODAY, *extra, str(FILES / name)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text and "内部错误" not in text, text
    con = duckdb.connect(str(fresh_db), read_only=True)
    try:
        n_clues = con.execute("SELECT count(*) FROM clues").fetchall()[0][0]
        reasons = [r for r in con.execute(
            "SELECT row_number, column_name, reason, file FROM load_issues WHERE severity = 'error'").fetchall()]
    finally:
        con.close()
    if outcome == "refused":
        assert rc == 1, text
        assert name.split(".")[0] in text or name in text, "the message names the file"
        assert db.version_of(fresh_db) == before, "a refused load must not change the database"
        for w in words:
            assert w in text, (w, text)
        return
    assert rc == (3 if outcome == "none" else 0), text
    assert n_clues == loaded
    assert len(reasons) == rejected
    for row_number, column, reason, file in reasons:
        assert row_number >= 2 and column and reason and file == name
    joined = " ".join(r[2] for r in reasons) + " " + " ".join(str(r[1]) for r in reasons)
    for w in words:
        assert w in joined, (w, reasons)


def test_refused_load_exits_nonzero_without_traceback_in_a_real_process(fresh_db: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "etl", "--db", str(fresh_db), "load", str(FILES / "21_truncated.xlsx")],
                          check=False, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "21_truncated.xlsx" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


H = ["线索编号", "来源渠道", "反映时间", "所属区县", "被反映单位", "涉及人数", "涉及金额（元）", "办理状态", "办结时间"]


def test_a_50_mb_ledger_loads_with_exact_accounting(fresh_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(H + ["备注"])
        i = 0
        note = "现场核实情况：" + "项目部已承诺按期支付工资，专班继续跟踪督办。" * 4
        while fh.tell() < 50 * 1024 * 1024:
            county = "火星区" if i % 1000 == 999 else "祥符区"
            w.writerow([f"BIG{i}", "12345热线", "2026-10-08", county, "开封某建筑劳务有限公司", "3", "12000", "办理中", "", note])
            i += 1
    assert path.stat().st_size >= 50 * 1024 * 1024
    r = load_files(fresh_db, [path], today=dt.date(2026, 11, 20)).files[0]
    assert r.rows_in == i and r.loaded + r.rejected + r.skipped_summary == r.rows_in
    assert r.rejected == i // 1000


# ---------------------------------------------------------------------------------------------
# whole small ledgers, fuzzed
CELL = st.one_of(
    st.sampled_from(["", " ", "龙亭区", "410202", "龙亭", "火星区", "2026-11-02", "2026年11月2日", "20261102",
                     "46328", "1900-01-01", "2031-01-01", "已办结", "办理中", "签收", "退回", "是", "否", "-5", "1.2万",
                     "12,000", "１２", "abc", "#N/A", "合计", "=1+1", "<img src=x>", "𠮷", "\u3000", "\n", '"', ",",
                     "12345热线", "0", "1e30", "NaN"]),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=len(H), max_size=len(H)), min_size=0, max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_fuzzed_ledgers_never_crash_and_always_account(base_db: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       rows: list[list[str]], encoding: str) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    p = d / "t.duckdb"
    shutil.copyfile(base_db, p)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(H)
    w.writerows(rows)
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buf.getvalue().encode("utf-8")
    f = d / "fuzz.csv"
    f.write_bytes(data)
    try:
        result = load_files(p, [f], today=dt.date(2026, 11, 20))
    except LoadError as e:
        assert str(e)  # a sentence for the clerk
        return
    for r in result.files:
        assert r.rows_in == r.loaded + r.rejected + r.skipped_summary
