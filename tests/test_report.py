"""`python -m etl report`: the JSON shape of issue 3 and its numbers on a ledger worked out by hand.

Scenario: as of Fri 20 Nov 2026, period from Mon 2 Nov. Campaign started Sun 15 Nov; deadline 5 Feb 2027 (eve of
春节 6 Feb). November 2026 has no holidays: working days 2–6, 9–13, 16–20, 23–27, 30. The pace window is
(6 Nov, 20 Nov] (10 working days). County A = 410202 龙亭区, B = 410203 顺河回族区; seven counties have no records.

Due dates (10 working days): 26 Oct → 9 Nov | 2 Nov → 16 Nov | 3 Nov → 17 Nov | 5 Nov → 19 Nov | 9 Nov → 23 Nov |
10 Nov → 24 Nov | 16 Nov → 30 Nov.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from etl.__main__ import main
from etl.cmd_report import resolve_period
from tests.conftest import CITY, write_csv

D = dt.date
A, B = "410202", "410203"


def clue(cid: str, county: str, received: str, status: str, closed: str | None = None, *, amount: float = 0,
         resolved: float | None = None) -> dict[str, Any]:
    return {"线索编号": cid, "来源渠道": "12345热线", "反映时间": received, "所属区县": county,
            "被反映单位": f"{cid}劳务公司", "涉及人数": 2, "涉及金额（元）": amount, "办理状态": status,
            "办结时间": closed, "解决金额（元）": resolved}


CLUES = [
    clue("a1", A, "2026-11-02", "已办结", "2026-11-10", resolved=100),   # due 16 Nov: on time
    clue("a2", A, "2026-11-02", "已办结", "2026-11-18", resolved=200),   # due 16 Nov: late
    clue("a3", A, "2026-11-03", "办理中", amount=1000),                 # due 17 Nov: 3 working days late
    clue("a4", A, "2026-11-05", "办理中", amount=2000),                 # due 19 Nov: 1 working day late
    clue("a5", A, "2026-11-16", "签收", amount=3000),                   # due 30 Nov
    clue("a6", A, "2026-10-20", "已办结", "2026-11-12", resolved=300),   # before the period; closed inside it
    clue("a7", A, "2026-10-26", "办理中", amount=4000),                 # before the period; due 9 Nov: overdue
    clue("b1", B, "2026-11-09", "已办结", "2026-11-11", resolved=400),   # due 23 Nov: on time
    clue("b2", B, "2026-11-09", "已办结", "2026-11-13", resolved=500),   # on time
    clue("b3", B, "2026-11-10", "办理中", amount=5000),                 # due 24 Nov
]
CASES = [
    {"案件编号": "k1", "所属区县": A, "用人单位": "k1公司", "立案日期": "2026-11-01", "欠薪人数": 4,
     "欠薪金额（元）": 50_000, "案件状态": "调解"},
    {"案件编号": "k2", "所属区县": B, "用人单位": "k2公司", "立案日期": "2026-11-03", "欠薪人数": 4,
     "欠薪金额（元）": 20_000, "已支付金额（元）": 20_000, "案件状态": "结案", "结案日期": "2026-11-19"},
]
SAFE = {"实名制管理": "是", "工资专用账户": "是", "总包代发": "是", "工资保证金": "现金", "维权信息公示牌": "是"}
PROJECTS = [
    {"项目编号": "p1", "项目名称": "p1工程", "所属区县": B, "投资类型": "社会投资", "项目状态": "在建", **SAFE},
    {"项目编号": "p2", "项目名称": "p2工程", "所属区县": B, "投资类型": "社会投资", "项目状态": "在建",
     **SAFE, "总包代发": "否"},
]

def build_db(d: Path, projects: list[dict[str, Any]], clues: list[dict[str, Any]],
             cases: list[dict[str, Any]]) -> Path:
    from etl.load import init_database, load_files
    from huxin.vocab import CASE_HEADERS, CLUE_HEADERS, PROJECT_HEADERS

    path = d / "test.duckdb"
    init_database(path, CITY)
    load_files(path, [write_csv(d / "projects.csv", projects, list(PROJECT_HEADERS)),
                      write_csv(d / "clues.csv", clues, list(CLUE_HEADERS)),
                      write_csv(d / "cases.csv", cases, list(CASE_HEADERS))], today=D(2026, 11, 20))
    return path


# The JSON shape: every one of these keys must be there (more are allowed).
TOP_KEYS = {"as_of", "from", "calendar_warnings", "totals", "counties", "spring_festival"}
TOTAL_KEYS = {"received", "closed", "closure_rate", "on_time_rate", "overdue_open", "open_stock", "cases_open",
              "amount_owed", "amount_recovered"}
COUNTY_KEYS = {"code", "name", "received", "closed", "closure_rate", "on_time_rate", "overdue_open", "open_stock",
               "score", "grade", "rank", "rank_change", "warning_level", "projected_clear_date", "clear_status"}
SF_KEYS = {"date", "deadline", "days_left", "working_days_left", "projected_clear_date", "status"}


@pytest.fixture(autouse=True)
def default_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("ARREARS_RULES", str(empty))
    monkeypatch.setenv("ARREARS_HOLIDAYS", str(empty))
    monkeypatch.setenv("ARREARS_DB", str(tmp_path / "unset.duckdb"))   # cmd_report sets it; restored after
    return empty


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ledger loaded once for the module, through the same loader as the make_db fixture (read-only here)."""
    return build_db(tmp_path_factory.mktemp("report"), projects=PROJECTS, clues=CLUES, cases=CASES)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_shape_and_hand_computed_numbers(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "--db", str(ledger), "--as-of", "2026-11-20", "--from", "2026-11-02")
    assert code == 0, err
    rep = json.loads(out)
    assert TOP_KEYS <= rep.keys() and TOTAL_KEYS <= rep["totals"].keys() and SF_KEYS <= rep["spring_festival"].keys()
    assert all(COUNTY_KEYS <= c.keys() for c in rep["counties"])
    assert (rep["as_of"], rep["from"]) == ("2026-11-20", "2026-11-02")
    # 2027 is in neither chinese-calendar nor the (empty) holiday file: warned in the JSON and on stderr
    assert len(rep["calendar_warnings"]) == 1 and rep["calendar_warnings"][0].startswith("2027 年")
    assert "警告：2027 年" in err

    t = rep["totals"]
    # received a1–a5 + b1–b3 = 8; closed a1 a2 b1 b2 = 4 (a1 b1 b2 on time); overdue a3 a4 a7;
    # stock a3 a4 a5 a7 b3 + case k1 = 6
    assert {k: t[k] for k in TOTAL_KEYS} == {
        "received": 8, "closed": 4, "closure_rate": 0.5, "on_time_rate": 0.75, "overdue_open": 3, "open_stock": 6,
        "cases_open": 1,
        "amount_owed": 65_000.0,        # open clues 1,000 + 2,000 + 3,000 + 4,000 + 5,000 + k1 50,000
        "amount_recovered": 21_500.0,   # closed 2–20 Nov: 100 + 200 + 300 (a6) + 400 + 500 + k2 paid 20,000
    }

    counties = {c["code"]: c for c in rep["counties"]}
    assert len(counties) == 9                       # every county, even without records
    a, b = counties[A], counties[B]
    # A: 30 × 2/5 = 12; 20 × 1/2 = 10; 15 × (1 − 3/4) = 3.75; stock 5 = 5 at 15 Nov → 0; no projects → 10;
    #    no repeats → 10 → 45.75 → 45.8 (D)
    # stock on 6 Nov: a1 a2 a3 a4 a6 a7 k1 = 7 → pace (7 − 5) / 10 = 0.2 → 25 working days after 20 Nov:
    #    Nov 23–27, 30 (6), Dec 1–4 (10), 7–11 (15), 14–18 (20), 21–25 (25) → 25 Dec 2026: 按期; 3 overdue → 黄
    assert {k: a[k] for k in COUNTY_KEYS} == {
        "code": A, "name": "龙亭区", "received": 5, "closed": 2, "closure_rate": 0.4, "on_time_rate": 0.5,
        "overdue_open": 3, "open_stock": 5, "score": 45.8, "grade": "D", "rank": 9, "rank_change": 0,
        "warning_level": "黄", "projected_clear_date": "2026-12-25", "clear_status": "按期"}
    assert a["is_last"] is True and a["actual_pace"] == pytest.approx(0.2)
    # B: 30 × 2/3 = 20; 20 × 2/2 = 20; 15 × (1 − 0/1) = 15; stock 1 vs 2 at 15 Nov (b3 + k2) → 15 × 0.5 = 7.5;
    #    projects p1 (all five) p2 (no 总包代发) → 10 × 1/2 = 5; 10 → 77.5 (B)
    # stock on 6 Nov: k2 only = 1, now 1 → pace 0 → no projection → 滞后 → 红
    assert {k: b[k] for k in COUNTY_KEYS} == {
        "code": B, "name": "顺河回族区", "received": 3, "closed": 2, "closure_rate": pytest.approx(2 / 3),
        "on_time_rate": 1.0, "overdue_open": 0, "open_stock": 1, "score": 77.5, "grade": "B", "rank": 8,
        "rank_change": 0, "warning_level": "红", "projected_clear_date": None, "clear_status": "滞后"}
    # a week earlier (13 Nov, same period start): A 7.5 + 20 + 11.25 + 0 + 10 + 10 = 58.75 → 58.8 (rank 9),
    # B 20 + 20 + 15 + 0 + 5 + 10 = 70 (rank 8): no change
    others = [c for code, c in counties.items() if code not in (A, B)]
    assert all(c["score"] == 100.0 and c["rank"] == 1 and c["grade"] == "A" and c["closure_rate"] is None
               and c["on_time_rate"] is None and c["warning_level"] is None and c["clear_status"] == "已清零"
               for c in others)

    sf = rep["spring_festival"]
    # 20 Nov → 5 Feb: 10 + 31 + 31 + 5 = 77 days; working days (20 Nov, 5 Feb] = 6 + 23 + 21 (Jan 2027 Mon–Fri) + 5
    # city stock 6, 8 on 6 Nov → pace 0.2 → 30 working days: 25 Dec is the 25th, then 28 29 30 31 Dec and
    # Fri 1 Jan 2027 (a working day only because 2027 is not configured) → 2027-01-01
    assert {k: sf[k] for k in SF_KEYS} == {
        "date": "2027-02-06", "deadline": "2027-02-05", "days_left": 77, "working_days_left": 55,
        "projected_clear_date": "2027-01-01", "status": "按期"}
    assert sf["open_stock"] == 6 and sf["open_stock_at_start"] == 7   # 15 Nov: a2 a3 a4 a7 k1 + b3 k2
    assert sf["year_end"]["deadline"] == "2026-12-31" and sf["year_end"]["status"] == "已清零"


def test_local_holiday_file_moves_the_projection_and_clears_the_warning(
        ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    hol = tmp_path / "holidays.toml"
    # an illustrative 2027 schedule: New Year's Day and a Spring Festival break from the eve
    hol.write_text('[2027]\nholidays = ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", '
                   '"2027-02-11"]\nworkdays = ["2027-02-13"]\n', encoding="utf-8")
    monkeypatch.setenv("ARREARS_HOLIDAYS", str(hol))
    code, out, err = run(capsys, "report", "--db", str(ledger), "--as-of", "2026-11-20", "--from", "2026-11-02")
    assert code == 0
    rep = json.loads(out)
    assert rep["calendar_warnings"] == [] and "警告" not in err
    sf = rep["spring_festival"]
    # 1 Jan and 5 Feb are now days off: 55 − 2 = 53 working days left; the 30th working day is Mon 4 Jan
    assert sf["working_days_left"] == 53 and sf["projected_clear_date"] == "2027-01-04"


def test_from_defaults_to_the_first_of_january(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "--db", str(ledger), "--as-of", "2026-11-20")
    rep = json.loads(out)
    assert code == 0 and rep["from"] == "2026-01-01"
    a = next(c for c in rep["counties"] if c["code"] == A)
    # a6 and a7 (October) are now in the period: received 7, closed a1 a2 a6 = 3
    assert (a["received"], a["closed"]) == (7, 3)


def test_markdown(ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "report.md"
    code, out, err = run(capsys, "report", "--db", str(ledger), "--as-of", "2026-11-20", "--from", "2026-11-02",
                         "--format", "md", "--out", str(out_file))
    assert code == 0 and out == "" and "已写入" in err
    md = out_file.read_text(encoding="utf-8")
    assert md.startswith("# 欠薪治理调度数据（截至 2026-11-20）")
    assert "> ⚠ 2027 年" in md
    assert "| 办结率 | 50.0% |" in md and "| 按期办结率 | 75.0% |" in md
    assert "| 9 | 龙亭区（末位） | 45.8 | D | 持平 | 5 | 2 | 40.0% | 50.0% | 3 | 5 | 黄 | 2026-12-25 | 按期 |" in md
    assert "| 1 | 鼓楼区 | 100.0 | A | 持平 | 0 | 0 | — | — | 0 | 0 | — | — | 已清零 |" in md
    assert "顺河回族区（红）：近 10 个工作日存量未净减少" in md
    assert "6 件（行动开始 2026-11-15 时 7 件）" in md


def test_missing_database_is_a_chinese_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "--db", str(tmp_path / "nope.duckdb"), "--as-of", "2026-11-20")
    assert code == 1 and out == ""
    assert "错误：数据库" in err and "不存在" in err


def test_malformed_rules_stop_the_report_naming_the_key(ledger: Path, default_config: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    default_config.write_text("[warning.county]\nred_overdue = -3\n", encoding="utf-8")
    code, out, err = run(capsys, "report", "--db", str(ledger), "--as-of", "2026-11-20")
    assert code == 1 and out == ""
    assert "warning.county.red_overdue" in err and err.startswith("错误：")


@pytest.mark.parametrize(("args", "today", "expected"), [
    ((None, None, D(2026, 11, 9)), D(2026, 11, 21), (D(2026, 11, 15), D(2026, 11, 9), D(2026, 11, 9))),
    ((None, None, D(2026, 11, 16)), D(2026, 11, 20), (D(2026, 11, 20), D(2026, 11, 16), D(2026, 11, 16))),  # capped
    ((D(2026, 11, 20), None, None), D(2026, 11, 21), (D(2026, 11, 20), D(2026, 1, 1), None)),
    ((None, None, None), D(2026, 11, 21), (D(2026, 11, 21), D(2026, 1, 1), None)),
    ((D(2026, 11, 20), D(2026, 11, 2), None), D(2026, 11, 21), (D(2026, 11, 20), D(2026, 11, 2), None)),
])
def test_period_arguments(args: tuple[Any, ...], today: dt.date, expected: tuple[Any, ...]) -> None:
    assert resolve_period(*args, today=today) == expected


@pytest.mark.parametrize(("args", "needle"), [
    ((None, None, D(2026, 11, 18)), "周一"),                        # a Wednesday
    ((D(2026, 11, 20), None, D(2026, 11, 16)), "--week"),
    ((None, None, D(2026, 11, 30)), "晚于今天"),
    ((D(2026, 11, 1), D(2026, 11, 2), None), "--from"),
])
def test_period_argument_errors(args: tuple[Any, ...], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        resolve_period(*args, today=D(2026, 11, 21))


def test_week_argument(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "--db", str(ledger), "--week", "2026-11-09")
    rep = json.loads(out)
    assert code == 0 and (rep["from"], rep["as_of"]) == ("2026-11-09", "2026-11-15")
    # received 9–15 Nov: b1 b2 b3 only
    assert rep["totals"]["received"] == 3
    code, _, err = run(capsys, "report", "--db", str(ledger), "--week", "2026-11-11")
    assert code == 1 and "周一" in err


def test_docx_goes_through_the_word_module(ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple[Any, ...]] = []

    def weekly_docx_for(scope: Any, monday: dt.date, as_of: dt.date) -> bytes:
        calls.append((scope, monday, as_of))
        return b"PK-fake-docx"

    monkeypatch.setitem(sys.modules, "huxin.docx_report", types.SimpleNamespace(weekly_docx_for=weekly_docx_for))
    out_file = tmp_path / "w.docx"
    code, _, err = run(capsys, "report", "--db", str(ledger), "--week", "2026-11-09", "--format", "docx",
                       "--out", str(out_file))
    from huxin import data
    assert code == 0, err
    assert calls == [(data.ALL, D(2026, 11, 9), D(2026, 11, 15))]
    assert out_file.read_bytes() == b"PK-fake-docx"


def test_docx_without_the_word_module_is_a_chinese_error(ledger: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "huxin.docx_report", None)      # import fails
    code, _, err = run(capsys, "report", "--db", str(ledger), "--as-of", "2026-11-20", "--format", "docx")
    assert code == 1 and "huxin.docx_report" in err and "--format json" in err
