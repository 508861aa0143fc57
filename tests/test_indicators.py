"""Every indicator end to end: a hand-made ledger loaded by the real loader, read through huxin.data (the SQL the
pages run), compared with numbers worked out by hand below.

Scenario "National Day 2026": as of D = Tue 20 Oct 2026, period F = Tue 1 Sep 2026 .. D, default rules (N = 10).
Calendar (chinese-calendar): 25–27 Sep off (Mid-Autumn), 1–7 Oct off (National Day), Sun 20 Sep and Sat 10 Oct are
make-up working days. Working days around D: … 30 Sep | 8 9 10 12 13 14 15 16 19 [20] 21 22 23 26 27 28 …
The pace window is 10 working days back from D: (30 Sep, 20 Oct].
The winter campaign (15 Nov) has not started on D: the burn-down baseline is the stock at D itself.

Due dates used (N-th working day after receipt, receiving day never counts):
  20 Aug → 3 Sep | 1 Sep → 15 Sep | 2 Sep → 16 Sep | 3 Sep → 17 Sep | 10 Sep → 23 Sep | 20 Sep (Sun) → 10 Oct (Sat)
  24 Sep, 25 Sep (holiday) → 15 Oct | 30 Sep, 3 Oct (holiday) → 20 Oct | 8 Oct → 21 Oct | 9 Oct → 22 Oct
  12 Oct → 26 Oct | 14 Oct → 28 Oct | 16 Oct → 30 Oct | 19 Oct → 2 Nov
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from huxin import data
from tests.conftest import CITY, write_csv

D = dt.date
AS_OF, FROM = D(2026, 10, 20), D(2026, 9, 1)
A, B, E = "410202", "410203", "410205"      # 龙亭区, 顺河回族区, 禹王台区; the other six counties have no records
OTHERS = ("410204", "410212", "410221", "410222", "410223", "410225")


def clue(cid: str, county: str, received: str, status: str, closed: str | None = None, *, employer: str,
         workers: int = 2, amount: float = 1000, resolved: float | None = None, project: str | None = None,
         source: str = "全国根治欠薪线索反映平台") -> dict[str, Any]:
    return {"线索编号": cid, "来源渠道": source, "反映时间": received, "所属区县": county, "被反映单位": employer,
            "项目编号": project, "涉及人数": workers, "涉及金额（元）": amount, "办理状态": status, "办结时间": closed,
            "解决金额（元）": resolved, "行业领域": "工程建设"}


def project(pid: str, county: str, inv: str, status: str, missing: str | None = None) -> dict[str, Any]:
    row = {"项目编号": pid, "项目名称": f"{pid}工程", "所属区县": county, "投资类型": inv, "项目状态": status,
           "实名制管理": "是", "工资专用账户": "是", "总包代发": "是", "工资保证金": "保函", "维权信息公示牌": "是"}
    if missing:
        row[missing] = "否"
    return row


def case(kid: str, county: str, opened: str, status: str, closed: str | None = None, *, owed: float,
         paid: float = 0, project: str | None = None, clue_id: str | None = None) -> dict[str, Any]:
    return {"案件编号": kid, "线索编号": clue_id, "项目编号": project, "所属区县": county, "用人单位": f"{kid}单位",
            "立案日期": opened, "欠薪人数": 3, "欠薪金额（元）": owed, "已支付金额（元）": paid, "案件状态": status,
            "结案日期": closed}


PROJECTS = [
    project("PA1", A, "国企投资", "在建"),                               # active, all five core
    project("PA2", A, "社会投资", "在建", missing="维权信息公示牌"),       # active, one missing
    project("PA3", A, "社会投资", "竣工"),                               # not active
    project("PB1", B, "政府投资", "在建"),                               # active, all five core
    project("PB2", B, "社会投资", "停工", missing="实名制管理"),          # suspended counts as active; one missing
]

CLUES = [
    # county A ------------------------------------------------------------------------------------------------
    clue("A1", A, "2026-08-20", "已办结", "2026-09-02", employer="甲一公司", resolved=500),   # before F; on time
    clue("A2", A, "2026-08-20", "办理中", employer="乙装饰公司", amount=10_000),            # before F; open, overdue
    clue("A3", A, "2026-09-01", "已办结", "2026-09-15", employer="甲建筑劳务公司", resolved=1000),  # due 15 Sep: on time
    clue("A4", A, "2026-09-10", "已办结", "2026-09-24", employer="甲建筑劳务公司", resolved=2000),  # due 23 Sep: late; repeat
    clue("A5", A, "2026-09-20", "已办结", "2026-10-10", employer="甲五公司", resolved=3000),  # make-up days: on time
    clue("A6", A, "2026-09-24", "办理中", employer="乙装饰公司", amount=20_000),            # due 15 Oct: overdue; repeat
    clue("A7", A, "2026-09-25", "已办结", "2026-10-21", employer="甲七公司", amount=30_000),  # closed after D: open at D
    clue("A8", A, "2026-09-30", "办理中", employer="甲八公司", amount=40_000),              # due 20 Oct = D: not overdue
    clue("A9", A, "2026-10-08", "办理中", employer="甲九公司", workers=30, amount=50_000),   # due 21 Oct; 30 workers
    clue("A10", A, "2026-10-14", "签收", employer="甲十公司", amount=60_000),                # due 28 Oct
    clue("A11", A, "2026-09-15", "退回", employer="甲十一公司"),                            # returned: left out
    clue("A12", A, "2026-10-21", "办理中", employer="甲十二公司"),                          # after D: left out
    clue("A13", A, "2026-10-19", "已办结", "2026-10-19", employer="甲十三公司", resolved=4000),  # closed same day
    # county B ------------------------------------------------------------------------------------------------
    clue("B1", B, "2026-10-03", "办理中", employer="丙一公司", amount=1_000_000),           # due 20 Oct; 100 万元
    clue("B2", B, "2026-10-09", "办理中", employer="丙二公司", amount=5000),                # due 22 Oct
    clue("B3", B, "2026-10-12", "已办结", "2026-10-19", employer="丙三公司", resolved=100),   # due 26 Oct: on time
    clue("B4", B, "2026-10-12", "办理中", employer="丙四公司", amount=6000),                # due 26 Oct; case after D
    clue("B5", B, "2026-09-10", "已办结", "2026-09-22", employer="丙五公司", resolved=200),   # due 23 Sep: on time
    clue("B6", B, "2026-10-16", "办理中", employer="丙六公司", amount=7000, project="PB1"),  # government project
    clue("B7", B, "2026-09-01", "已办结", "2026-09-30", employer="丙七公司", resolved=300),   # due 15 Sep: late
    clue("B8", B, "2026-09-02", "已办结", "2026-10-09", employer="丙八公司", resolved=400),   # due 16 Sep: late
    clue("B9", B, "2026-09-03", "已办结", "2026-09-16", employer="丙九公司", resolved=500),   # due 17 Sep: on time
    clue("B10", B, "2026-09-01", "已办结", "2026-10-12", employer="丙建设公司", resolved=600),  # late
    clue("B11", B, "2026-09-02", "已办结", "2026-10-13", employer="丙建设公司", resolved=700),  # late; repeat of B10
    clue("B12", B, "2026-09-03", "已办结", "2026-10-14", employer="丙十二公司", resolved=800),  # due 17 Sep: late
    # county E ------------------------------------------------------------------------------------------------
    clue("E1", E, "2026-10-12", "办理中", employer="丁一公司", amount=3000),                # due 26 Oct
]

CASES = [
    case("K1", A, "2026-09-01", "调解", owed=100_000, paid=30_000, project="PA1"),       # open; SOE project
    case("K2", A, "2026-09-05", "结案", "2026-10-10", owed=80_000, paid=80_000),         # closed in the window
    case("K3", B, "2026-10-25", "立案", owed=6000, clue_id="B4"),                         # opened after D
    case("K4", B, "2026-09-01", "结案", "2026-10-30", owed=200_000, project="PB1"),       # closed after D: open at D
    case("K5", B, "2026-09-01", "结案", "2026-10-15", owed=10_000, paid=10_000),          # closed in the window
]


@pytest.fixture(autouse=True)
def default_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The domain defaults and chinese-calendar alone, whatever the office has put in config/."""
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("ARREARS_RULES", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("ARREARS_HOLIDAYS", str(tmp_path / "empty.toml"))


@pytest.fixture(scope="module")
def scenario_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Loaded once for the module through the real loader (what the make_db fixture does); tests only read it."""
    from etl.load import init_database, load_files
    from huxin.vocab import CASE_HEADERS, CLUE_HEADERS, PROJECT_HEADERS

    d = tmp_path_factory.mktemp("national_day")
    path = d / "test.duckdb"
    init_database(path, CITY)
    load_files(path, [write_csv(d / "projects.csv", PROJECTS, list(PROJECT_HEADERS)),
                      write_csv(d / "clues.csv", CLUES, list(CLUE_HEADERS)),
                      write_csv(d / "cases.csv", CASES, list(CASE_HEADERS))], today=D(2026, 11, 20))
    with duckdb.connect(str(path), read_only=True) as con:      # every row was accepted by the loader
        assert con.execute("SELECT count(*) FROM load_issues WHERE severity = 'error'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM clues").fetchone() == (len(CLUES),)
    return path


@pytest.fixture
def scenario(scenario_db: Path, use_db: Callable[[Path], Path]) -> Path:
    return use_db(scenario_db)


def test_due_dates_status_and_clue_warnings(scenario: Path) -> None:
    df = data.clues(data.ALL, AS_OF).set_index("clue_id")
    assert "A11" not in df.index and "A12" not in df.index          # returned; received after D
    due = {k: pd.Timestamp(v).date() for k, v in df["due_date"].items()}
    assert due["A5"] == D(2026, 10, 10)      # received on a make-up Sunday, due on a make-up Saturday
    assert due["A6"] == due["A7"] == D(2026, 10, 15)   # 24 Sep and 25 Sep (a holiday) give the same due date
    assert due["A8"] == due["B1"] == D(2026, 10, 20)   # 30 Sep and 3 Oct (inside the break) likewise
    assert due["A2"] == D(2026, 9, 3) and due["A4"] == D(2026, 9, 23) and due["B8"] == D(2026, 9, 16)
    assert due["A9"] == D(2026, 10, 21) and due["B2"] == D(2026, 10, 22) and due["B6"] == D(2026, 10, 30)
    # A7 was closed on 21 Oct, after D: open at D, overdue, and its closing date is not shown as of D
    assert bool(df.loc["A7", "is_open"]) and pd.isna(df.loc["A7", "closed_date"])
    assert df.loc["A7", "status_at"] == "超期未办结"
    assert not bool(df.loc["A13", "is_open"]) and df.loc["A13", "status_at"] == "已办结"
    # Working days overdue of A2 (due 3 Sep): Sep 4, 7–11, 14–18, 20, 21–24, 28–30 (19) + Oct 8–10, 12–16, 19–20 (10)
    assert int(df.loc["A2", "overdue_workdays"]) == 29
    # A6: due 15 Oct → 16, 19, 20 = 3 working days late
    assert int(df.loc["A6", "overdue_workdays"]) == 3
    levels = df["warning_level"].where(df["warning_level"].notna(), None).to_dict()
    expected = {
        "A2": "红",   # 29 working days overdue (> 5)
        "A6": "橙", "A7": "橙",   # 3 working days overdue
        "A8": "黄",   # due today (D = due date is not overdue)
        "A9": "红",   # 30 workers (due tomorrow, but red wins)
        "A10": None,  # 6 working days to go
        "B1": "红",   # 1,000,000 元
        "B2": "蓝",   # 21, 22 Oct: 2 working days
        "B4": None, "E1": None,   # 4 working days to go
        "B6": "红",   # government-investment project
    }
    assert {k: levels[k] for k in expected} == expected
    closed = [k for k in levels if k not in expected]
    assert all(levels[k] is None for k in closed)                    # closed clues carry no warning
    assert df.loc["A8", "warning_reasons"] == "今天到期"
    assert "超期 29 个工作日" in df.loc["A2", "warning_reasons"]
    assert "政府投资项目" in df.loc["B6", "warning_reasons"]


def test_county_indicators(scenario: Path) -> None:
    agg = data.county_aggregates(data.ALL, AS_OF, FROM).set_index("code")
    assert len(agg) == 9                                              # every county, with or without records
    cols = ["received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_cases", "open_stock",
            "open_stock_at_start", "stock_window_start", "active_projects", "projects_all_core", "repeat_clues"]
    got = {c: agg.loc[c, cols].astype(int).tolist() for c in (A, B, E)}
    assert got[A] == [
        9,   # received in [1 Sep, 20 Oct]: A3 A4 A5 A6 A7 A8 A9 A10 A13 (not A1 A2: before F; A11 returned; A12 after D)
        4,   # closed by D: A3 A4 A5 A13 (A7 closed after D)
        3,   # on time: A3 (15 = 15 Sep), A5 (10 = 10 Oct), A13; A4 closed 24 Sep > 23 Sep
        3,   # overdue open: A2 (due 3 Sep, received before F still counts), A6, A7 (due 15 Oct)
        6,   # open clues: A2 A6 A7 A8 A9 A10
        1,   # open cases: K1 (K2 closed 10 Oct)
        7,   # open stock 6 + 1
        7,   # before the campaign: baseline = stock at D
        7,   # stock at the end of 30 Sep: A2 A5 A6 A7 A8 + K1 K2
        2, 1,  # active projects PA1 PA2 (PA3 completed); all five core: PA1
        2,   # repeats: A4 (甲建筑劳务公司, 9 days after A3), A6 (乙装饰公司, 35 days after A2)
    ]
    assert got[B] == [
        12,  # B1..B12
        8,   # closed by D: B3 B5 B7 B8 B9 B10 B11 B12
        3,   # on time: B3 B5 B9
        0,   # nothing overdue: B1 due 20 Oct = D
        4,   # open: B1 B2 B4 B6
        1,   # K4 closed 30 Oct, after D: open at D; K3 opened after D; K5 closed 15 Oct
        5,
        5,
        6,   # 30 Sep: B8 B10 B11 B12 (B7 closed on 30 Sep itself) + K4 K5
        2, 1,  # PB1 (all core), PB2 (suspended, no real-name)
        1,   # B11 (丙建设公司, a day after B10)
    ]
    assert got[E] == [1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0]
    assert (agg.loc[list(OTHERS), cols] == 0).all().all()
    # 欠薪金额 at D: open clues without a case by D + open cases (owed − paid)
    # A: 10,000 + 20,000 + 30,000 + 40,000 + 50,000 + 60,000 + K1 (100,000 − 30,000) = 280,000
    # B: 1,000,000 + 5,000 + 6,000 (B4's case K3 opened after D) + 7,000 + K4 200,000 = 1,218,000
    assert agg.loc[A, "amount_owed"] == 280_000 and agg.loc[B, "amount_owed"] == 1_218_000
    assert agg.loc[E, "amount_owed"] == 3000
    # 追回金额 in the period: resolved amounts of clues closed in [F, D] + payments of cases (without a clue) closed
    # in [F, D]. A: 500 (A1 closed 2 Sep) + 1,000 + 2,000 + 3,000 + 4,000 + K2 80,000 = 90,500;
    # B: 100 + 200 + … + 800 (3,600) + K5 10,000 = 13,600
    assert agg.loc[A, "amount_recovered"] == 90_500 and agg.loc[B, "amount_recovered"] == 13_600


def test_scores_ranks_and_county_warnings(scenario: Path) -> None:
    t = data.county_table(data.ALL, AS_OF, FROM).set_index("code")
    # A: 30 × 4/9 (13.33) + 20 × 3/4 (15) + 15 × (1 − 3/6) (7.5) + 15 × (1 − 7/7) (0) + 10 × 1/2 (5)
    #    + 10 × (1 − 2/9) (7.78) = 48.61 → 48.6
    # B: 30 × 8/12 (20) + 20 × 3/8 (7.5) + 15 × (1 − 0/4) (15) + 0 + 5 + 10 × (1 − 1/12) (9.17) = 56.67 → 56.7
    # E: 30 × 0/1 (0) + 20 (nothing closed: full) + 15 + 0 + 10 (no projects: full) + 10 = 55.0
    # the six counties without records: every denominator is zero → 100
    assert t.loc[A, "score"] == 48.6 and t.loc[B, "score"] == 56.7 and t.loc[E, "score"] == 55.0
    assert (t.loc[list(OTHERS), "score"] == 100).all() and (t.loc[list(OTHERS), "grade"] == "A").all()
    assert t.loc[[A, B, E], "grade"].tolist() == ["D", "D", "D"]
    assert t.loc[A, "closure_rate"] == pytest.approx(4 / 9) and t.loc[B, "on_time_rate"] == pytest.approx(3 / 8)
    assert pd.isna(t.loc["410204", "closure_rate"]) and pd.isna(t.loc[E, "on_time_rate"])
    # ranks: six ties at 1, then 7, 8, 9 (competition ranking)
    assert (t.loc[list(OTHERS), "rank"] == 1).all()
    assert t.loc[[B, E, A], "rank"].tolist() == [7, 8, 9]
    assert t["is_last"].sum() == 1 and bool(t.loc[A, "is_last"])
    # a week earlier (as of 13 Oct, same F):
    #   A: received 7, closed 3 (2 on time), open 5, overdue 1 (A2), stock 6 = baseline
    #      12.86 + 13.33 + 12 + 0 + 5 + 7.14 = 50.3
    #   B: received 11, closed 6 (2 on time), open 5, overdue 1 (B12), stock 7 = baseline
    #      16.36 + 6.67 + 12 + 0 + 5 + 9.09 = 49.1
    #   E: 55.0 → ranks E 7, A 8, B 9; now B 7 (+2), E 8 (−1), A 9 (−1)
    assert t.loc[[A, B, E], "rank_change"].tolist() == [-1, 2, -1]
    assert (t.loc[list(OTHERS), "rank_change"] == 0).all()
    # county warnings
    # A: 3 overdue (黄 by count); stock 7 = 7 ten working days ago → pace 0 → no projection → 红
    assert t.loc[A, "warning_level"] == "红" and t.loc[A, "clear_status"] == "滞后"
    assert "近 10 个工作日存量未净减少" in t.loc[A, "warning_reasons"]
    assert "超期未办结线索 3 条" in t.loc[A, "warning_reasons"]
    # B: pace (6 − 5) / 10 = 0.1 → 5 / 0.1 = 50 working days after 20 Oct: Oct 21–30 (8), Nov (21) → 29,
    #    Dec 1–4 (33), 7–11 (38), 14–18 (43), 21–25 (48), 28 (49), 29 (50) → 29 Dec 2026, before 5 Feb → 按期, 蓝
    assert t.loc[B, "actual_pace"] == pytest.approx(0.1)
    assert pd.Timestamp(t.loc[B, "projected_clear_date"]).date() == D(2026, 12, 29)
    assert t.loc[B, "clear_status"] == "按期" and t.loc[B, "warning_level"] == "蓝"
    # E: stock 0 → 1 → pace −0.1 → 滞后, 红
    assert t.loc[E, "actual_pace"] == pytest.approx(-0.1) and t.loc[E, "warning_level"] == "红"
    assert t.loc["410204", "clear_status"] == "已清零" and pd.isna(t.loc["410204", "warning_level"])
    # required pace: stock ÷ working days left; (20 Oct, 5 Feb 2027] = 8 + 21 + 23 + 21 (Jan 2027 Mon–Fri) + 5 = 78
    assert t.loc[B, "working_days_left"] == 78 and t.loc[B, "required_pace"] == pytest.approx(5 / 78)


def test_totals_and_clearing(scenario: Path) -> None:
    tot = data.totals(data.ALL, AS_OF, FROM)
    assert (tot["received"], tot["closed"], tot["closed_on_time"]) == (22, 12, 6)
    assert tot["closure_rate"] == pytest.approx(12 / 22) and tot["on_time_rate"] == 0.5
    assert (tot["overdue_open"], tot["open_stock"], tot["cases_open"]) == (3, 13, 2)
    assert tot["amount_owed"] == 1_501_000 and tot["amount_recovered"] == 104_100
    clear = data.clearing(data.ALL, AS_OF)
    camp = clear["campaign"]
    assert (camp.festival, camp.deadline, camp.year_end_deadline) == (D(2027, 2, 6), D(2027, 2, 5), D(2026, 12, 31))
    assert (clear["days_left"], clear["working_days_left"]) == (108, 78)
    p = clear["projection"]
    # city: 13 now, 7 + 6 + 0 = 13 ten working days ago → pace 0 → no projection
    assert (p.open_stock, p.actual_pace, p.projected_date, p.status) == (13, 0.0, None, "滞后")
    assert clear["stock_at_start"] == 13                      # campaign not started: the stock at D
    # 两清零: cases on government/SOE/PPP projects (K1 on PA1 SOE, K4 on PB1 government) by 31 Dec; the rest by 5 Feb
    ye, other = clear["year_end_projection"], clear["other_projection"]
    assert ye.open_stock == 2 and other.open_stock == 11
    # the daily series agrees with the aggregates: 13 at D, 13 on 30 Sep
    s = data.stock_series(data.ALL, D(2026, 9, 30), AS_OF)
    city = s[s["county_code"] == ""].set_index("d")["open_stock"]
    assert city[D(2026, 9, 30)] == 13 and city[AS_OF] == 13
    per = s[s["d"] == AS_OF].set_index("county_code")["open_stock"]
    assert (per[A], per[B], per[E]) == (7, 5, 1)



def test_totals_are_the_sums_of_the_league_table(scenario: Path) -> None:
    # totals() sums the aggregates directly; it must equal summing the league table, city-wide and for one county
    for scope in (data.ALL, data.ALL.narrowed(A), data.ALL.narrowed(B)):
        table = data.county_table(scope, AS_OF, FROM)
        if scope.counties is not None:
            table = table[table["code"].isin(scope.counties)]
        assert data.totals(scope, AS_OF, FROM) == data.totals_from(table)
    assert data.totals(data.ALL.narrowed(A), AS_OF, FROM)["open_stock"] == 7

def test_calendar_warning_names_the_uncovered_year(scenario: Path) -> None:
    ctx = data.context(AS_OF, FROM)
    assert len(ctx.calendar_warnings) == 1 and ctx.calendar_warnings[0].startswith("2027 年")


def test_deadline_per_source_and_campaign_start_are_configurable(
        make_db: Callable[..., Path], use_db: Callable[[Path], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[campaign]\nstart = "10-01"\n[deadline.by_source]\n"12345热线" = 5\n', encoding="utf-8")
    monkeypatch.setenv("ARREARS_RULES", str(rules))
    use_db(make_db(clues=[
        # 12345热线, N = 5: 30 Sep → 8(1) 9(2) 10(3) 12(4) 13(5) → 13 Oct
        clue("S1", A, "2026-09-30", "办理中", employer="戊一公司", source="12345热线"),
        # 信访, default N = 10 → 20 Oct
        clue("S2", A, "2026-09-30", "办理中", employer="戊二公司", source="信访"),
        # open at the end of 1 Oct (campaign start), closed on 9 Oct
        clue("S3", A, "2026-09-28", "已办结", "2026-10-09", employer="戊三公司"),
    ]))
    df = data.clues(data.ALL, AS_OF).set_index("clue_id")
    assert pd.Timestamp(df.loc["S1", "due_date"]).date() == D(2026, 10, 13)
    assert pd.Timestamp(df.loc["S2", "due_date"]).date() == D(2026, 10, 20)
    # as of 20 Oct S1 is 5 working days late (14 15 16 19 20): 橙; a day later 6: 红
    assert df.loc["S1", "warning_level"] == "橙"
    assert data.clues(data.ALL, D(2026, 10, 21)).set_index("clue_id").loc["S1", "warning_level"] == "红"
    agg = data.county_aggregates(data.ALL, AS_OF, FROM).set_index("code")
    # campaign started 1 Oct: baseline = stock at the end of 1 Oct = S1 S2 S3 = 3; now 2 → 15 × (1 − 2/3) = 5 points
    assert agg.loc[A, "open_stock_at_start"] == 3 and agg.loc[A, "open_stock"] == 2
    t = data.county_table(data.ALL, AS_OF, FROM).set_index("code")
    assert t.loc[A, "pts_clearing_progress"] == pytest.approx(5.0)


def test_score_inputs_by_week_on_the_hand_made_ledger(scenario: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the one-pass weekly inputs (records as intervals of end indexes) against the aggregates end by end, with ends
    # on the very days things happen: closed the day received (A13), due on an end (A8 on 20 Oct), closed after D
    # (A7, K4), a case opened after the end (K3), a returned clue, projects without a start date, counties without
    # records. Campaign from 1 Aug, so every end shares one baseline.
    from huxin import rules as R

    rules = tmp_path / "rules.toml"
    rules.write_text('[campaign]\nstart = "08-01"\n', encoding="utf-8")
    monkeypatch.setenv("ARREARS_RULES", str(rules))
    ends = (D(2026, 9, 1), D(2026, 9, 2), D(2026, 9, 15), D(2026, 9, 16), D(2026, 9, 24), D(2026, 10, 10),
            D(2026, 10, 19), D(2026, 10, 20), D(2026, 10, 21), D(2026, 10, 25), D(2026, 10, 30))
    for scope in (data.ALL, data.ALL.narrowed(A), data.ALL.narrowed(OTHERS[0])):
        many = data.score_inputs_by_week(scope, ends, FROM)
        for d in ends:
            want = data.county_aggregates(scope, d, FROM)[["code", "name", *R.SCORE_INPUTS]]
            got = many[many["d"] == d].drop(columns="d").reset_index(drop=True)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
    many_all = data.score_inputs_by_week(data.ALL, ends, FROM)
    at_d = many_all[many_all["d"] == AS_OF].set_index("code")
    # open at D: A2 A6 A7 A8 A9 A10; overdue: A2, A6 and A7 (closed after D), not A8 (due on D itself)
    assert (at_d.loc[A, "overdue_open"], at_d.loc[A, "open_clues"]) == (3, 6)
