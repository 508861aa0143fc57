"""春节前清零: the pure chart/what-if helpers, and the page on a hand-made four-county ledger.

The fixture (as of Friday 2026-12-11, campaign from 2026-11-15, deadline 除夕 2027-02-05) has, in 开封市:
- 龙亭区 410202 on pace, 顺河回族区 410203 at risk, 鼓楼区 410204 already cleared, 禹王台区 410205 with no closures;
- one open case on a government-investment project (the 31 December track) in 龙亭区 with its 包案领导.
Every test points ARREARS_HOLIDAYS at a file written here, so the results do not depend on config/holidays.toml.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from huxin import rules as R
from huxin.charts import clearing as C
from huxin.config import Rules
from huxin.workdays import WorkCalendar, parse_holiday_file

D = dt.date
AS_OF = D(2026, 12, 11)          # a Friday
START = D(2026, 11, 15)          # campaign start (rules default 11-15)
DEADLINE = D(2027, 2, 5)         # 除夕 of the 2027 Spring Festival (2027-02-06)
YEAR_END = D(2026, 12, 31)

# Test schedule for 2027 (not the official one): 1 Jan and 5–11 Feb off, Saturdays 30 Jan and 20 Feb worked.
HOLIDAYS_2027 = """
[2027]
holidays = ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"]
workdays = ["2027-01-30", "2027-02-20"]
"""
# Working days after Fri 2026-12-11 with this file (2026 from chinese-calendar: no holiday in December):
#   n = 1..14   Mon 14 Dec .. Thu 31 Dec           (5 + 5 + 4)
#   n = 15..34  Mon 4 Jan .. Fri 29 Jan            (1 Jan is a holiday; 4 weeks × 5)
#   n = 35      Sat 30 Jan (make-up working day)
#   n = 36..39  Mon 1 Feb .. Thu 4 Feb             (5 Feb, the deadline, is a holiday)
#   n = 40      Fri 12 Feb;  n = 41..45  15–19 Feb
# -> 39 working days to the deadline. Without the 2027 entry 2027 is Monday–Friday: 14 + 21 + 5 = 40.
WORKDAYS_LEFT_WITH_FILE = 39
WORKDAYS_LEFT_WEEKDAYS_ONLY = 40


def weekdays(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1) if (a + dt.timedelta(days=i)).weekday() < 5]


def clue(cid: str, county: str, received: dt.date, closed: dt.date | None = None) -> dict[str, Any]:
    return {"线索编号": cid, "来源渠道": "12345热线", "反映时间": received.isoformat(), "所属区县": county,
            "行业领域": "工程建设", "被反映单位": f"开封市{cid}建筑劳务有限公司", "涉及人数": 3, "涉及金额（元）": 20000,
            "办理状态": "已办结" if closed else "办理中", "核处结论": "欠薪属实已解决" if closed else None,
            "办结时间": closed.isoformat() if closed else None, "反映人": "张三", "联系电话": "13812341234"}


def four_county_ledgers() -> dict[str, list[dict[str, Any]]]:
    """Stock = open clues + open cases. Pace window: the 10 working days (27 Nov, 11 Dec] = 30 Nov .. 11 Dec.

    龙亭区 410202: 34 clues received 2–11 Nov (all open at the start 15 Nov); 4 closed 20–25 Nov, then one closed
        every working day 30 Nov..11 Dec (10). Plus case K001 opened 20 Nov, open.
        at window start (27 Nov) 30 + 1 = 31, now 20 + 1 = 21 -> pace 1.0/working day -> 21st working day
        = 2027-01-12, 24 days before the deadline -> 按期.
    顺河回族区 410203: 52 clues received 3 Nov; 10 closed in the window -> 52 -> 42, pace 1.0 -> 42nd working day
        = 2027-02-16, 11 days late (<= risk_days 15) -> 有风险.
    鼓楼区 410204: 5 clues received 10 Nov, all closed by 4 Dec -> 已清零.
    禹王台区 410205: 8 clues received 12–19 Nov, none closed -> pace 0 -> no projection, 「无法预计」, 滞后.
    City total: 31 + 52 + 3 + 8 = 94 at window start, 71 now -> pace 2.3 -> ceil(71 / 2.3) = 31st working day
        = 2027-01-26 -> 按期. The 31 December track (K001 only): 1 -> 1, pace 0 -> 滞后.
    """
    clues: list[dict[str, Any]] = []
    closes = [D(2026, 11, 20), D(2026, 11, 23), D(2026, 11, 24), D(2026, 11, 25)] + weekdays(D(2026, 11, 30), AS_OF)
    for i in range(34):
        clues.append(clue(f"A{i:03d}", "410202", D(2026, 11, 2) + dt.timedelta(days=i % 10),
                          closes[i] if i < len(closes) else None))
    closes = weekdays(D(2026, 11, 30), AS_OF)
    for i in range(52):
        clues.append(clue(f"B{i:03d}", "410203", D(2026, 11, 3), closes[i] if i < 10 else None))
    closes = [D(2026, 11, 18), D(2026, 11, 25), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 4)]
    for i in range(5):
        clues.append(clue(f"C{i:03d}", "410204", D(2026, 11, 10), closes[i]))
    for i in range(8):
        clues.append(clue(f"D{i:03d}", "410205", D(2026, 11, 12) + dt.timedelta(days=i)))
    projects = [{"项目编号": "P001", "项目名称": "龙亭区安置房项目", "所属区县": "410202", "投资类型": "政府投资",
                 "项目状态": "在建"}]
    cases = [{"案件编号": "K001", "项目编号": "P001", "所属区县": "410202", "用人单位": "开封市某劳务有限公司",
              "立案日期": "2026-11-20", "欠薪人数": 40, "欠薪金额（元）": 560000, "案件状态": "调解",
              "督办级别": "领导包案", "包案领导": "龙亭区副区长 王某某", "责任单位": "龙亭区住建局"}]
    return {"clues": clues, "projects": projects, "cases": cases}


def as_demo(path: Path) -> Path:
    """Mark a make_db database as demo data, so the app runs without accounts (demo mode, role switcher)."""
    from huxin import db

    with db.writer(path) as con:
        db.meta_set(con, "is_demo", "1")
    return path


@pytest.fixture
def holidays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """holidays(text): write a holiday file and point ARREARS_HOLIDAYS at it (a new path each call, so the
    calendar cache keyed on path + mtime picks it up)."""
    n = {"i": 0}

    def write(text: str) -> Path:
        n["i"] += 1
        p = tmp_path / f"holidays{n['i']}.toml"
        p.write_text(text, encoding="utf-8")
        monkeypatch.setenv("ARREARS_HOLIDAYS", str(p))
        return p

    return write


@pytest.fixture
def four_db(make_db: Callable[..., Path]) -> Path:
    return as_demo(make_db(**four_county_ledgers(), today=AS_OF))


def metric(at: Any, label: str) -> Any:
    found = [m for m in at.metric if m.label == label]
    assert found, f"metric {label!r} not on the page: {[m.label for m in at.metric]}"
    return found[0]


def county_frame(at: Any) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if {"status", "projected", "trend"} <= set(d.value.columns)]
    assert len(frames) == 1
    return frames[0].set_index("name")


# ---------------------------------------------------------------------------------------------
# Pure helpers
def cal_2027() -> WorkCalendar:
    return WorkCalendar.build(parse_holiday_file(HOLIDAYS_2027))


def test_burndown_ideal_line_ends_at_zero_on_deadline() -> None:
    days = pd.date_range(START, AS_OF).date
    series = pd.DataFrame({"d": days, "open_stock": [100 - i for i in range(len(days))]})
    proj = R.projection(73, 96, 10, AS_OF, DEADLINE, cal_2027(), Rules())
    fig = C.burndown_figure(series, START, DEADLINE, YEAR_END, 100, proj, AS_OF)
    ideal = next(t for t in fig.data if t.name == "理想进度")
    assert pd.Timestamp(ideal.x[-1]).date() == DEADLINE and ideal.y[-1] == 0
    assert pd.Timestamp(ideal.x[0]).date() == START and ideal.y[0] == 100
    actual = next(t for t in fig.data if t.name == "实际存量")
    assert pd.Timestamp(actual.x[-1]).date() == AS_OF and actual.y[-1] == 100 - len(days) + 1
    # the projection at the current pace runs from (D, stock now) to (projected date, 0)
    line = next(t for t in fig.data if t.name == "按当前速度预计")
    assert [pd.Timestamp(x).date() for x in line.x] == [AS_OF, proj.projected_date] and list(line.y) == [73, 0]
    # markers for 31 December and the deadline
    xs = {pd.Timestamp(s.x0).date() for s in fig.layout.shapes}
    assert {YEAR_END, DEADLINE} <= xs


def test_burndown_without_pace_draws_no_projection() -> None:
    series = pd.DataFrame({"d": pd.date_range(START, AS_OF).date, "open_stock": 8})
    proj = R.projection(8, 8, 10, AS_OF, DEADLINE, cal_2027(), Rules())
    assert proj.projected_date is None and proj.status == R.BEHIND
    fig = C.burndown_figure(series, START, DEADLINE, YEAR_END, 8, proj, AS_OF)
    assert "按当前速度预计" not in {t.name for t in fig.data}
    assert any("无法预计" in (a.text or "") for a in fig.layout.annotations)


def test_projected_label_never_a_past_date() -> None:
    assert C.projected_label(None, 5, AS_OF) == "无法预计"
    assert C.projected_label(AS_OF, 5, AS_OF) == "无法预计"
    assert C.projected_label(D(2026, 12, 1), 5, AS_OF) == "无法预计"
    assert C.projected_label(D(2027, 1, 12), 5, AS_OF) == "2027-01-12"
    assert C.projected_label(None, 0, AS_OF) == "已清零"


def test_what_if_uses_the_same_rules() -> None:
    cal, rules = cal_2027(), Rules()
    at_risk = R.projection(42, 52, 10, AS_OF, DEADLINE, cal, rules)
    assert (at_risk.projected_date, at_risk.status) == (D(2027, 2, 16), R.AT_RISK)
    same = C.whatif_projection(at_risk, 0, AS_OF, DEADLINE, cal, rules)
    assert (same.projected_date, same.status) == (at_risk.projected_date, at_risk.status)
    # +1 per working day: pace 2 -> 21st working day = 2027-01-12
    faster = C.whatif_projection(at_risk, 1, AS_OF, DEADLINE, cal, rules)
    assert (faster.projected_date, faster.status, faster.actual_pace) == (D(2027, 1, 12), R.ON_PACE, 2.0)
    # required 42 / 39 = 1.08 per day, actual 1.0 -> one more per day is the least that makes it
    assert C.extra_needed(at_risk) == 1
    stuck = R.projection(8, 8, 10, AS_OF, DEADLINE, cal, rules)
    assert C.whatif_projection(stuck, 2, AS_OF, DEADLINE, cal, rules).projected_date == D(2026, 12, 17)
    assert C.extra_needed(R.projection(0, 3, 10, AS_OF, DEADLINE, cal, rules)) == 0


def test_county_frame_worst_first_and_oldest_items() -> None:
    table = pd.DataFrame({
        "code": ["1", "2", "3", "4"], "name": ["甲", "乙", "丙", "丁"],
        "clear_status": [R.CLEARED, R.ON_PACE, R.BEHIND, R.AT_RISK], "open_stock": [0, 5, 8, 40],
        "open_stock_at_start": [5, 10, 0, 50], "required_pace": [0, 0.2, 0.2, 1.0], "actual_pace": [0.3, 1, 0, 1],
        "projected_clear_date": [None, D(2027, 1, 1), None, D(2027, 2, 16)]})
    series = pd.DataFrame({"county_code": ["", "1", "1"], "d": [START, START, AS_OF], "open_stock": [9, 5, 0]})
    cf = C.county_clearing_frame(table, series, START, AS_OF)
    assert cf["status"].tolist() == [R.BEHIND, R.AT_RISK, R.ON_PACE, R.CLEARED]
    assert cf["projected"].tolist() == ["无法预计", "2027-02-16", "2027-01-01", "已清零"]
    assert cf.set_index("code").loc["1", "trend"] == [5, 0]
    assert pd.isna(cf.set_index("code").loc["3", "progress"])  # nothing at the start: no progress, not 0 %

    clues = pd.DataFrame({"clue_id": ["X1", "X2"], "county_name": ["甲", "乙"], "employer": ["e1", "e2"],
                          "received_date": [D(2026, 10, 1), D(2026, 11, 1)], "amount": [100.0, 200.0],
                          "workers": [1, 2], "warning_level": ["红", None]})
    cases = pd.DataFrame({"case_id": ["K1"], "clue_id": ["X2"], "county_name": ["乙"], "employer": ["e2"],
                          "opened_date": [D(2026, 11, 5)], "amount_owed": [500.0], "amount_paid": [100.0],
                          "workers": [2], "leader": ["王某某"], "responsible_unit": [None],
                          "supervision_level": ["leader"], "clear_track": ["其他（春节前）"]})
    items = C.oldest_items(clues, cases, AS_OF).set_index("id")
    assert sorted(items.index) == ["K1", "X1"]  # X2 has an open case: listed once, as the case
    assert items.loc["K1", "amount"] == 400 and items.loc["K1", "flag"] == "领导包案"
    assert items.loc["K1", "unit"] == "乙（属地）" and items.loc["X1", "days_open"] == (AS_OF - D(2026, 10, 1)).days


# ---------------------------------------------------------------------------------------------
# The page
def test_page_four_counties(four_db: Path, app_test: Callable[..., Any], holidays: Callable[[str], Path]) -> None:
    holidays(HOLIDAYS_2027)
    at = app_test(four_db, page="clearing", as_of=AS_OF)
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "剩余工作日").value == str(WORKDAYS_LEFT_WITH_FILE)
    assert metric(at, "距春节清零期限").value == f"{(DEADLINE - AS_OF).days} 天"
    assert metric(at, "当前存量（线索+案件）").value == "71"
    assert metric(at, "预计清零日期").value == "2027-01-26"
    assert metric(at, "清零进度判断").value == "按期"

    cf = county_frame(at)
    assert cf.loc["龙亭区", ["status", "projected", "open_stock", "open_stock_at_start"]].tolist() == \
        ["按期", "2027-01-12", 21, 34]
    assert cf.loc["顺河回族区", ["status", "projected", "open_stock"]].tolist() == ["有风险", "2027-02-16", 42]
    assert cf.loc["鼓楼区", ["status", "projected", "open_stock"]].tolist() == ["已清零", "已清零", 0]
    assert cf.loc["禹王台区", ["status", "projected", "open_stock"]].tolist() == ["滞后", "无法预计", 8]
    assert cf.loc["龙亭区", "required_pace"] == pytest.approx(21 / 39)
    assert cf.loc["顺河回族区", "actual_pace"] == pytest.approx(1.0)
    # worst first; the sparkline is the daily stock since the campaign start
    assert cf.index[:4].tolist() == ["禹王台区", "顺河回族区", "龙亭区", "鼓楼区"]
    trend = cf.loc["鼓楼区", "trend"]
    assert len(trend) == (AS_OF - START).days + 1 and trend[0] == 5 and trend[-1] == 0
    for label in cf["projected"]:  # never a date in the past
        assert label in ("已清零", "无法预计") or D.fromisoformat(label) > AS_OF

    # the two tracks: the 31 December track holds only K001 and has no closures
    assert [m.value for m in at.metric if m.label == "判断"] == ["滞后", "按期"]
    assert [m.value for m in at.metric if m.label == "存量"] == ["1", "70"]
    # the oldest / largest items carry their owners
    tabs = {t.label: t for t in at.tabs}
    top = tabs["金额最大（前 20）"].dataframe[0].value.iloc[0]
    assert (top["id"], top["leader"], top["unit"], top["amount"]) == ("K001", "龙亭区副区长 王某某", "龙亭区住建局", 560000)
    oldest = tabs["最久未结（前 20）"].dataframe[0].value
    assert oldest["opened"].iloc[0] == D(2026, 11, 2) and oldest["unit"].iloc[0] == "龙亭区（属地）"


def test_countdown_counts_working_days_with_the_holiday_file(
        four_db: Path, app_test: Callable[..., Any], holidays: Callable[[str], Path]) -> None:
    holidays("# no 2027 schedule yet\n")
    at = app_test(four_db, page="clearing", as_of=AS_OF)
    assert not at.exception
    assert any("2027 年的法定节假日安排未配置" in w.value for w in at.warning)
    assert metric(at, "剩余工作日").value == str(WORKDAYS_LEFT_WEEKDAYS_ONLY)

    holidays(HOLIDAYS_2027)
    at = app_test(four_db, page="clearing", as_of=AS_OF)
    assert not at.exception
    assert not any("节假日安排未配置" in w.value for w in at.warning)
    assert metric(at, "剩余工作日").value == str(WORKDAYS_LEFT_WITH_FILE)
    assert not any("周一至周五估算" in c.value for c in at.caption)


def test_county_user_and_what_if(four_db: Path, app_test: Callable[..., Any],
                                 holidays: Callable[[str], Path]) -> None:
    holidays(HOLIDAYS_2027)
    at = app_test(four_db, page="clearing", as_of=AS_OF, role="county_user", county="410205")
    assert not at.exception, [e.value for e in at.exception]
    cf = county_frame(at)
    assert cf.index.tolist() == ["禹王台区"]  # own county only
    assert metric(at, "预计清零日期").value == "无法预计"
    assert metric(at, "清零进度判断").value == "滞后"
    # 8 open, pace 0: two more closures a working day -> 4th working day after Fri 11 Dec = Thu 17 Dec
    at.slider(key="clear_whatif").set_value(2).run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "2026年12月17日" in info and "按期" in info


def test_present_mode(four_db: Path, app_test: Callable[..., Any], holidays: Callable[[str], Path]) -> None:
    holidays(HOLIDAYS_2027)
    at = app_test(four_db, page="clearing", as_of=AS_OF, query={"mode": "present"})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.slider and not at.tabs  # no widgets on the projector
    assert metric(at, "预计清零日期").value == "1月26日"
    assert county_frame(at).loc["禹王台区", "projected"] == "无法预计"
