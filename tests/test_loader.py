"""The loader on small fixture ledgers: one test per real-ledger variant (issue 2), accounting, all-or-nothing,
idempotent reloads, record history, a killed load and the app answering during a load."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
import xlsxwriter

from etl.load import init_database, load_files
from etl.read import LoadError
from huxin import db
from huxin.vocab import CLUE_HEADERS, PROJECT_HEADERS

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 20)
H = list(CLUE_HEADERS)  # canonical clue headers


def clue(**kw: Any) -> dict[str, Any]:
    base = {"线索编号": "C1", "来源渠道": "12345热线", "反映时间": "2026-11-02", "所属区县": "龙亭区",
            "被反映单位": "开封某建筑劳务有限公司", "涉及人数": "5", "涉及金额（元）": "50000", "办理状态": "办理中"}
    base.update(kw)
    return base


def write_rows(path: Path, headers: list[str], rows: list[list[Any]], encoding: str = "utf-8",
               above: list[list[Any]] | None = None, below: list[list[Any]] | None = None) -> Path:
    """CSV or xlsx with optional title rows above the header and summary rows below."""
    all_rows = (above or []) + [headers] + rows + (below or [])
    if path.suffix == ".xlsx":
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("线索")
        datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for i, r in enumerate(all_rows):
            for j, v in enumerate(r):
                if isinstance(v, (dt.date, dt.datetime)):
                    ws.write_datetime(i, j, v if isinstance(v, dt.datetime) else
                                      dt.datetime(v.year, v.month, v.day), datefmt)
                elif v is not None:
                    ws.write(i, j, v)
        wb.close()
        return path
    import csv
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        for r in all_rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def rows_of(dicts: list[dict[str, Any]], headers: list[str] = H) -> list[list[Any]]:
    return [[d.get(h) for h in headers] for d in dicts]


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    p = tmp_path / "t.duckdb"
    init_database(p, "410200")
    return p


def q(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def issues(path: Path) -> list[tuple]:
    return q(path, "SELECT row_number, column_name, severity, reason FROM load_issues ORDER BY row_number, severity")


# ---------------------------------------------------------------------------------------------
# file formats and encodings
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path: Path, empty_db: Path, encoding: str) -> None:
    f = write_rows(tmp_path / "c.csv", H, rows_of([clue(被反映单位="开封市鼎盛建筑劳务有限公司")]), encoding=encoding)
    r = load_files(empty_db, [f], today=TODAY)
    assert r.files[0].loaded == 1
    assert q(empty_db, "SELECT employer FROM clues") == [("开封市鼎盛建筑劳务有限公司",)]


def test_xlsx_and_csv_load_the_same(tmp_path: Path) -> None:
    rows = rows_of([clue(线索编号=f"C{i}", 涉及人数=str(i)) for i in range(1, 6)])
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for p in (a, b):
        init_database(p, "410200")
    load_files(a, [write_rows(tmp_path / "c.xlsx", H, rows)], today=TODAY)
    load_files(b, [write_rows(tmp_path / "c.csv", H, rows)], today=TODAY)
    sql = "SELECT clue_id, received_date, county_code, workers, amount, status FROM clues ORDER BY clue_id"
    assert q(a, sql) == q(b, sql) and len(q(a, sql)) == 5


def test_title_rows_blank_rows_and_summary_row(tmp_path: Path, empty_db: Path) -> None:
    above = [["开封市根治欠薪线索台账"], ["填报单位：市治欠办", None, "日期：2026年11月20日"], []]
    rows = rows_of([clue(线索编号="C1"), clue(线索编号="C2")])
    rows.insert(1, [None] * len(H))                       # a blank row in the middle
    below = [["合计", None, None, None, None, None, None, None, None, "10", "100000"], ["小 计"]]
    f = write_rows(tmp_path / "c.xlsx", H, rows, above=above, below=below)
    r = load_files(empty_db, [f], today=TODAY).files[0]
    assert (r.loaded, r.rejected, r.skipped_summary, r.blank_rows) == (2, 0, 2, 1)
    assert r.rows_in == r.loaded + r.rejected + r.skipped_summary
    # row numbers as the clerk sees them in Excel: header on row 4, first data row 5
    assert q(empty_db, "SELECT clue_id, source_row FROM clues ORDER BY clue_id") == [("C1", 5), ("C2", 7)]


def test_header_variants_and_aliases(tmp_path: Path, empty_db: Path) -> None:
    headers = [h.replace("（", " (").replace("）", ")") for h in H]
    headers[headers.index("所属区县")] = "所属地区"
    headers[headers.index("反映时间")] = "受理时间"
    headers[headers.index("线索编号")] = "线索编号*"
    f = write_rows(tmp_path / "c.csv", headers, rows_of([clue()]))
    assert load_files(empty_db, [f], today=TODAY).files[0].loaded == 1
    h2 = list(H)
    h2[h2.index("所属区县")] = "区县"
    h2[h2.index("反映时间")] = "反映日期"
    f2 = write_rows(tmp_path / "d.csv", h2, rows_of([clue(线索编号="C9")]))
    assert load_files(empty_db, [f2], today=TODAY).files[0].loaded == 1


def test_amount_header_in_wan_yuan_is_converted(tmp_path: Path, empty_db: Path) -> None:
    headers = [("涉及金额（万元）" if h == "涉及金额（元）" else h) for h in H]
    f = write_rows(tmp_path / "c.csv", headers, rows_of([clue(**{"涉及金额（元）": "1.5"})]))
    load_files(empty_db, [f], today=TODAY)
    assert q(empty_db, "SELECT amount FROM clues") == [(15000.0,)]


@pytest.mark.parametrize("cell", [dt.date(2026, 11, 2), 46328, "2026-11-02", "2026/11/02", "2026.11.02",
                                  "2026年11月2日", "20261102", "2026-11-02 14:30", "2026/11/2 9:05:00"])
def test_date_forms(tmp_path: Path, empty_db: Path, cell: Any) -> None:
    # 46328 is the Excel serial of 2026-11-02 (days since 1899-12-30)
    f = write_rows(tmp_path / "c.xlsx", H, rows_of([clue(反映时间=cell)]))
    r = load_files(empty_db, [f], today=TODAY).files[0]
    assert r.loaded == 1, issues(empty_db)
    assert q(empty_db, "SELECT received_date FROM clues") == [(dt.date(2026, 11, 2),)]


@pytest.mark.parametrize("cell,expected", [("12,345.50", 12345.5), ("１２３４５", 12345.0), ("800元", 800.0),
                                           ("1.2万", 12000.0), ("1.2万元", 12000.0), (" 3000 ", 3000.0)])
def test_number_forms(tmp_path: Path, empty_db: Path, cell: str, expected: float) -> None:
    f = write_rows(tmp_path / "c.csv", H, rows_of([clue(**{"涉及金额（元）": cell})]))
    load_files(empty_db, [f], today=TODAY)
    assert q(empty_db, "SELECT amount FROM clues") == [(expected,)]


@pytest.mark.parametrize("cell", ["龙亭区", "410202", "龙亭", "开封市龙亭区"])
def test_county_forms(tmp_path: Path, empty_db: Path, cell: str) -> None:
    f = write_rows(tmp_path / "c.csv", H, rows_of([clue(所属区县=cell)]))
    load_files(empty_db, [f], today=TODAY)
    assert q(empty_db, "SELECT county_code FROM clues") == [("410202",)]


@pytest.mark.parametrize("yes,no", [("是", "否"), ("有", "无"), ("√", "×"), ("Y", "N"), ("1", "0"), ("已落实", "未落实")])
def test_yes_no_forms(tmp_path: Path, empty_db: Path, yes: str, no: str) -> None:
    ph = list(PROJECT_HEADERS)
    row = {"项目编号": "XM1", "项目名称": "测试项目", "所属区县": "杞县", "投资类型": "政府投资", "项目状态": "在建",
           "实名制管理": yes, "工资专用账户": no}
    f = write_rows(tmp_path / "p.csv", ph, rows_of([row], ph))
    load_files(empty_db, [f], today=TODAY)
    assert q(empty_db, "SELECT real_name, wage_account FROM projects") == [(True, False)]


def test_whitespace_and_line_breaks_inside_cells(tmp_path: Path, empty_db: Path) -> None:
    f = write_rows(tmp_path / "c.xlsx", H, rows_of([clue(被反映单位="  开封\u3000某建筑\n劳务有限公司 ", 线索编号=" C1\u3000")]))
    load_files(empty_db, [f], today=TODAY)
    assert q(empty_db, "SELECT clue_id, employer FROM clues") == [("C1", "开封 某建筑 劳务有限公司")]


# ---------------------------------------------------------------------------------------------
# rejections and warnings
def test_rejections_name_row_column_and_reason(tmp_path: Path, empty_db: Path) -> None:
    rows = rows_of([
        clue(线索编号="OK1"),
        clue(线索编号="R1", 被反映单位=""),                                     # row 3: required missing
        clue(线索编号="R2", 所属区县="火星区"),                                   # row 4: unknown county
        clue(线索编号="R3", 办理状态="已办结", 办结时间="2026-11-01"),             # row 5: closed before received
        clue(线索编号="R4", 办理状态="已办结"),                                    # row 6: closed, no closing date
        clue(线索编号="R5", 涉及人数="-3"),                                        # row 7: negative
        clue(线索编号="OK1", 涉及人数="9"),                                        # row 8: duplicate of row 2
        clue(线索编号="R6", 反映时间="2027-03-01"),                                # row 9: in the future
        clue(线索编号="W1", 统一社会信用代码="91350100M000100Y44"),                 # row 10: bad check char
    ])
    f = write_rows(tmp_path / "c.csv", H, rows)
    r = load_files(empty_db, [f], today=TODAY).files[0]
    assert (r.rows_in, r.loaded, r.rejected, r.warnings) == (9, 2, 7, 1)
    got = {row: (col, sev, reason) for row, col, sev, reason in issues(empty_db)}
    assert got[3][:2] == ("被反映单位", "error") and "为空" in got[3][2]
    assert got[4][:2] == ("所属区县", "error") and "火星区" in got[4][2]
    assert got[5][1] == "error" and "早于" in got[5][2]
    assert got[6][1] == "error" and "没有办结时间" in got[6][2]
    assert got[7][:2] == ("涉及人数", "error") and "负数" in got[7][2]
    assert got[8][:2] == ("线索编号", "error") and "第 2 行" in got[8][2]
    assert got[9][1] == "error" and "晚于今天" in got[9][2]
    assert got[10][:2] == ("统一社会信用代码", "warning")
    assert q(empty_db, "SELECT clue_id, credit_code FROM clues ORDER BY 1") == [("OK1", None), ("W1", None)]
    # the rejected row is kept whole (nothing lost)
    raw = q(empty_db, "SELECT raw FROM load_issues WHERE row_number = 4")[0][0]
    assert "火星区" in raw


def test_coordinates_outside_china_load_with_warning(tmp_path: Path, empty_db: Path) -> None:
    ph = list(PROJECT_HEADERS)
    row = {"项目编号": "XM1", "项目名称": "测试项目", "所属区县": "杞县", "投资类型": "社会投资", "项目状态": "在建",
           "经度": "2.35", "纬度": "48.85", "坐标系": "WGS84"}
    load_files(empty_db, [write_rows(tmp_path / "p.csv", ph, rows_of([row], ph))], today=TODAY)
    assert q(empty_db, "SELECT project_id, lon, lat FROM projects") == [("XM1", None, None)]
    assert [i[2] for i in issues(empty_db)] == ["warning"]


# ---------------------------------------------------------------------------------------------
# all or nothing, idempotence, history
def test_unreadable_file_loads_nothing_and_cli_exits_nonzero(tmp_path: Path, empty_db: Path) -> None:
    good = write_rows(tmp_path / "good.csv", H, rows_of([clue()]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a spreadsheet")
    before = db.version_of(empty_db)
    with pytest.raises(LoadError, match="bad.xlsx"):
        load_files(empty_db, [good, bad], today=TODAY)
    assert db.version_of(empty_db) == before
    proc = subprocess.run([sys.executable, "-m", "etl", "--db", str(empty_db), "load", str(good), str(bad)],
                          check=False, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0 and "bad.xlsx" in proc.stderr and "Traceback" not in proc.stderr
    assert q(empty_db, "SELECT count(*) FROM clues") == [(0,)]


def test_missing_required_column_is_refused(tmp_path: Path, empty_db: Path) -> None:
    headers = [h for h in H if h != "被反映单位"]
    f = write_rows(tmp_path / "c.csv", headers, [[None] * len(headers)])
    with pytest.raises(LoadError, match="被反映单位"):
        load_files(empty_db, [f], today=TODAY)


def test_same_file_twice_changes_nothing(tmp_path: Path, empty_db: Path) -> None:
    f = write_rows(tmp_path / "c.csv", H, rows_of([clue(线索编号=f"C{i}") for i in range(5)] + [clue(所属区县="X")]))
    load_files(empty_db, [f], today=TODAY)
    v = db.version_of(empty_db)
    snapshot = q(empty_db, "SELECT * FROM clues ORDER BY clue_id"), issues(empty_db)
    r = load_files(empty_db, [f], today=TODAY)
    assert not r.changed and r.files[0].unchanged == 5
    assert db.version_of(empty_db) == v
    assert (q(empty_db, "SELECT * FROM clues ORDER BY clue_id"), issues(empty_db)) == snapshot


def test_changed_record_keeps_its_earlier_version(tmp_path: Path, empty_db: Path) -> None:
    load_files(empty_db, [write_rows(tmp_path / "a.csv", H, rows_of([clue(), clue(线索编号="C2")]))], today=TODAY)
    load_files(empty_db, [write_rows(tmp_path / "b.csv", H, rows_of([clue(办理状态="已办结", 办结时间="2026-11-10")]))],
               today=TODAY)
    assert q(empty_db, "SELECT clue_id, status, closed_date FROM clues ORDER BY 1") == [
        ("C1", "closed", dt.date(2026, 11, 10)), ("C2", "in_progress", None)]   # C2 missing from b.csv: kept
    assert q(empty_db, "SELECT clue_id, status, superseded_by_batch FROM clues_history") == [("C1", "in_progress", 2)]
    from huxin.data import load_status
    assert load_status(empty_db)["missing_from_latest"] == {"线索": 1}



def test_a_key_in_two_files_of_one_load_keeps_the_later_files_row(tmp_path: Path, empty_db: Path) -> None:
    # One load, two files of the same kind sharing C1: the later file's row is the one stored, once; the window that
    # picks it runs only when more than one file or sheet of a kind is staged (etl.load._merge), so both cases here
    a = write_rows(tmp_path / "a.csv", H, rows_of([clue(), clue(线索编号="C2")]))
    b = write_rows(tmp_path / "b.csv", H, rows_of([clue(办理状态="已办结", 办结时间="2026-11-10")]))
    r = load_files(empty_db, [a, b], today=TODAY)
    assert q(empty_db, "SELECT clue_id, status, source_file FROM clues ORDER BY 1") == [
        ("C1", "closed", "b.csv"), ("C2", "in_progress", "a.csv")]
    assert [(f.file, f.inserted) for f in r.files] == [("a.csv", 2), ("b.csv", 1)]
    # two sheets of one workbook: the later sheet wins in the same way
    wb_path = tmp_path / "two.xlsx"
    wb = xlsxwriter.Workbook(str(wb_path))
    for name, row in (("一月", clue(线索编号="W1")), ("二月", clue(线索编号="W1", 涉及人数="9"))):
        ws = wb.add_worksheet(name)
        for i, rr in enumerate([H, *rows_of([row])]):
            for j, v in enumerate(rr):
                if v is not None:
                    ws.write(i, j, v)
    wb.close()
    load_files(empty_db, [wb_path], today=TODAY)
    assert q(empty_db, "SELECT clue_id, workers FROM clues WHERE clue_id = 'W1'") == [("W1", 9)]


# ---------------------------------------------------------------------------------------------
# crash safety and readers during a load
KILL_SCRIPT = """
import sys, time, datetime as dt
from pathlib import Path
import etl.load as L
orig = L._merge
def slow_merge(*a, **k):
    orig(*a, **k)
    print("MERGED", flush=True)
    time.sleep(60)                      # killed here: after writing into the copy, before publishing
L._merge = slow_merge
L.load_files(Path(sys.argv[1]), [Path(sys.argv[2])], today=dt.date(2026, 11, 20))
"""


def test_killed_load_leaves_previous_data_intact(tmp_path: Path, empty_db: Path) -> None:
    load_files(empty_db, [write_rows(tmp_path / "a.csv", H, rows_of([clue()]))], today=TODAY)
    before = q(empty_db, "SELECT * FROM clues")
    f2 = write_rows(tmp_path / "b.csv", H, rows_of([clue(线索编号=f"N{i}") for i in range(50)]))
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(empty_db), str(f2)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "MERGED"
    assert db.stale_temp_files(empty_db), "the load writes into a temporary copy"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert q(empty_db, "SELECT * FROM clues") == before
    msgs = db.cleanup_stale(empty_db)
    assert msgs and not db.stale_temp_files(empty_db)
    load_files(empty_db, [f2], today=TODAY)           # the next load works normally
    assert q(empty_db, "SELECT count(*) FROM clues") == [(51,)]


def test_reader_keeps_answering_during_a_load(tmp_path: Path, empty_db: Path, use_db: Any) -> None:
    from huxin import data

    use_db(empty_db)
    load_files(empty_db, [write_rows(tmp_path / "a.csv", H, rows_of([clue()]))], today=TODAY)
    big = write_rows(tmp_path / "b.csv", H, rows_of([clue(线索编号=f"N{i}") for i in range(3000)]))
    seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            try:
                n = int(data.query("SELECT count(*) AS n FROM clues")["n"][0])
                seen.add(n)
            except BaseException as e:  # noqa: BLE001 - any error is a failure
                errors.append(e)
                return

    t = threading.Thread(target=read_loop)
    t.start()
    time.sleep(0.2)
    load_files(empty_db, [big], today=TODAY)
    time.sleep(0.3)
    stop.set()
    t.join()
    assert not errors, errors
    assert seen <= {1, 3001} and 3001 in seen         # old or new, never half a load
