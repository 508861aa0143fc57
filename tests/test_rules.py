"""The pure domain rules (huxin.rules, huxin.config.parse_rules) on numbers worked out by hand.

The calendar is chinese-calendar alone (2027 Monday–Friday), built explicitly so the tests do not depend on the
office's config/holidays.toml.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from huxin import rules as R
from huxin.config import ConfigError, Rules, load_rules, parse_rules
from huxin.workdays import WorkCalendar

D = dt.date
RULES = Rules()


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.build({})


def test_rate_with_zero_denominator_is_none() -> None:
    assert R.rate(0, 0) is None
    assert R.rate(5, 0) is None
    assert R.rate(0, 4) == 0.0
    assert R.rate(3, 4) == 0.75


# ---------------------------------------------------------------------------------------------
# Clue warnings (defaults: 蓝 ≤ 3 working days to due, 黄 ≤ 1, 橙 overdue, 红 overdue > 5 working days or ≥ 30
# workers or ≥ 1,000,000 元 or a government-investment project)
@pytest.mark.parametrize(("wtd", "overdue", "workers", "amount", "gov", "level", "reason"), [
    (6, False, 5, 1000, False, None, None),
    (4, False, 5, 1000, False, None, None),
    (3, False, 5, 1000, False, "蓝", "3 个工作日内到期"),
    (2, False, 5, 1000, False, "蓝", "2 个工作日内到期"),
    (1, False, 5, 1000, False, "黄", "1 个工作日内到期"),
    (0, False, 5, 1000, False, "黄", "今天到期"),
    # due Friday, as of Saturday: overdue although no working day has passed
    (0, True, 5, 1000, False, "橙", "已超过办结时限"),
    (-1, True, 5, 1000, False, "橙", "超期 1 个工作日"),
    (-5, True, 5, 1000, False, "橙", "超期 5 个工作日"),        # 5 is not "more than 5"
    (-6, True, 5, 1000, False, "红", "超期 6 个工作日（超过 5 个工作日）"),
    (8, False, 29, 999_999, False, None, None),                  # just under both thresholds
    (8, False, 30, 1000, False, "红", "涉及 30 人（≥30 人）"),
    (8, False, 5, 1_000_000, False, "红", "涉及金额 100.0 万元（≥100 万元）"),
    (8, False, 5, 1000, True, "红", "政府投资项目"),
    (8, False, None, None, False, None, None),                   # missing numbers are not red
    (-2, True, 40, 1000, False, "红", "已超期"),                 # red for workers, and says it is overdue
])
def test_clue_warning(wtd: int, overdue: bool, workers: int | None, amount: float | None, gov: bool,
                      level: str | None, reason: str | None) -> None:
    w = R.clue_warning(wtd, overdue, workers, amount, gov, RULES)
    assert w.level == level
    if reason is None:
        assert w.reasons == ()
    else:
        assert any(reason in r for r in w.reasons), w.reasons


def test_clue_warning_lists_every_red_reason() -> None:
    w = R.clue_warning(-7, True, 35, 2_000_000, True, RULES)
    assert w.level == "红"
    assert len(w.reasons) == 4
    assert w.reasons[0].startswith("超期 7 个工作日")


def test_clue_warning_rules_are_configurable() -> None:
    rules = parse_rules("[warning.clue]\nred_government_project = false\nred_workers = 10\n"
                        "blue_within_workdays = 5\n")
    assert R.clue_warning(8, False, 5, 1000, True, rules).level is None
    assert R.clue_warning(8, False, 10, 1000, False, rules).level == "红"
    assert R.clue_warning(5, False, 1, 1, False, rules).level == "蓝"


def test_clue_warning_frame_equals_the_scalar_rule() -> None:
    rows = [(w, o, k, a, g) for w in (-7, -6, -5, -1, 0, 1, 2, 3, 4, 9) for o in (False, True)
            for k, a in ((1, 10.0), (30, 10.0), (1, 1e6), (None, None)) for g in (False, True, None)
            if not (o and w > 0)]
    df = pd.DataFrame(rows, columns=["workdays_to_due", "overdue", "workers", "amount", "government_project"])
    df["workers"] = df["workers"].astype("Int64")
    out = R.clue_warning_frame(df, RULES)
    for row, lvl, why in zip(rows, out["warning_level"], out["warning_reasons"], strict=True):
        w, o, k, a, g = row
        exp = R.clue_warning(w, o, k, a, bool(g), RULES)
        assert (lvl if isinstance(lvl, str) else None) == exp.level, row
        assert why == "；".join(exp.reasons), row


# ---------------------------------------------------------------------------------------------
# Project risk: points 10 per missing core safeguard, 8 per open clue, 3 per clue in 90 days, 5 per repeat,
# 15 suspended, 2 per 100,000 元 owed (at most 30); 红 ≥ 60, 橙 ≥ 40, 黄 ≥ 20, 蓝 ≥ 10
def test_project_risk_hand_computed() -> None:
    # 2 missing (20) + 1 open clue (8) + 2 clues in 90 days (6) + 1 repeat (5) + suspended (15)
    # + 250,000 owed (2 × 2.5 = 5) = 59 → 橙
    score, w = R.project_risk(["实名制管理", "维权信息公示牌"], 1, 2, 1, True, 250_000, RULES)
    assert score == 59 and w.level == "橙"
    assert "未落实：实名制管理、维权信息公示牌（20 分）" in w.reasons
    assert "项目停工（15 分）" in w.reasons
    # one more clue in 90 days (+3) → 62 → 红
    assert R.project_risk(["实名制管理", "维权信息公示牌"], 1, 3, 1, True, 250_000, RULES)[1].level == "红"
    # owed points are capped: 2,000,000 元 would be 40, counts 30 → 黄 (30 ≥ 20)
    score, w = R.project_risk([], 0, 0, 0, False, 2_000_000, RULES)
    assert score == 30 and w.level == "黄"
    # 1 clue in 90 days (3) + nothing else = 3 → no level, no reasons
    score, w = R.project_risk([], 0, 1, 0, False, 0, RULES)
    assert score == 3 and w.level is None and w.reasons == ()
    assert R.project_risk(["工资专用账户"], 0, 0, 0, False, 0, RULES)[1].level == "蓝"   # 10 → 蓝


def test_project_warning_frame_adds_missing_safeguards() -> None:
    df = pd.DataFrame([{"real_name": True, "wage_account": True, "contractor_pays": False, "wage_deposit_ok": None,
                        "notice_board": True, "payment_guarantee": False, "monthly_full_pay": True,
                        "open_clues": 2, "clues_90d": 2, "repeat_clues": 1, "status": "active", "amount_owed": 0}])
    out = R.project_warning_frame(df, RULES)
    # missing core: 总包代发, 工资保证金 (unknown counts as missing) = 20; 2 open = 16; 2 in 90d = 6; 1 repeat = 5 → 47
    assert out.loc[0, "risk_score"] == 47 and out.loc[0, "warning_level"] == "橙"
    assert out.loc[0, "missing_safeguards"] == "总包代发、工资保证金、工程款支付担保"


# ---------------------------------------------------------------------------------------------
# Spring Festival projection. As of Fri 20 Nov 2026, deadline Fri 5 Feb 2027 (eve of 6 Feb).
# Working days left, (20 Nov, 5 Feb]: Nov 23–30 = 6, Dec = 23, Jan 2027 = 21 (Mon–Fri: not covered, 1 Jan counts),
# Feb 1–5 = 5 → 55.
AS_OF, DEADLINE = D(2026, 11, 20), D(2027, 2, 5)


def test_projection_positive_pace(cal: WorkCalendar) -> None:
    # stock 60 ten working days ago, 40 now → pace (60 − 40) / 10 = 2 per working day → 40 / 2 = 20 working days:
    # Nov 23 24 25 26 27 30 (6), Dec 1 2 3 4 (10), 7–11 (15), 14–18 (20) → Fri 18 Dec 2026
    p = R.projection(40, 60, 10, AS_OF, DEADLINE, cal, RULES)
    assert p.working_days_left == 55
    assert p.required_pace == pytest.approx(40 / 55)
    assert p.actual_pace == 2.0
    assert p.projected_date == D(2026, 12, 18)
    assert p.late_days == (D(2026, 12, 18) - DEADLINE).days == -49
    assert p.status == "按期"


def test_projection_at_risk_and_behind(cal: WorkCalendar) -> None:
    # 60 at pace 1: 55 working days reach 5 Feb, 5 more (Mon–Fri 2027) → Fri 12 Feb: 7 days late → 有风险 (≤ 15)
    p = R.projection(60, 70, 10, AS_OF, DEADLINE, cal, RULES)
    assert (p.projected_date, p.late_days, p.status) == (D(2027, 2, 12), 7, "有风险")
    # 70 at pace 1: 15 after 5 Feb → 8–12, 15–19, 22–26 Feb → Fri 26 Feb: 21 days late → 滞后
    p = R.projection(70, 80, 10, AS_OF, DEADLINE, cal, RULES)
    assert (p.projected_date, p.late_days, p.status) == (D(2027, 2, 26), 21, "滞后")
    # a fractional pace rounds the working days up: 3 at 0.2/day = 15 working days → Fri 11 Dec
    p = R.projection(3, 5, 10, AS_OF, DEADLINE, cal, RULES)
    assert p.actual_pace == pytest.approx(0.2) and p.projected_date == D(2026, 12, 11)


def test_projection_zero_and_negative_pace_has_no_date(cal: WorkCalendar) -> None:
    zero = R.projection(40, 40, 10, AS_OF, DEADLINE, cal, RULES)
    assert zero.actual_pace == 0 and zero.projected_date is None and zero.status == "滞后"
    neg = R.projection(40, 30, 10, AS_OF, DEADLINE, cal, RULES)
    assert neg.actual_pace == -1 and neg.projected_date is None and neg.status == "滞后"
    assert neg.late_days is None


def test_projection_cleared_and_past_deadline(cal: WorkCalendar) -> None:
    p = R.projection(0, 5, 10, AS_OF, DEADLINE, cal, RULES)
    assert p.status == "已清零" and p.projected_date is None and p.required_pace == 0
    # as of the deadline itself: no working day left → required pace is None (shown 「—」), not a division by zero
    late = R.projection(4, 6, 10, DEADLINE, DEADLINE, cal, RULES)
    assert late.working_days_left == 0 and late.required_pace is None and late.status in ("有风险", "滞后")
    # a pace so slow the date is years away still gives a date (beyond the materialised calendar)
    far = R.projection(100_000, 100_001, 10, AS_OF, DEADLINE, cal, RULES)
    assert far.projected_date is not None and far.projected_date.year > 2035 and far.status == "滞后"


def test_ideal_line() -> None:
    # 15 Nov 2026 → 5 Feb 2027 is 82 days; 26 Dec is day 41, half way
    start = D(2026, 11, 15)
    line = R.ideal_line(start, 100, DEADLINE, [start, D(2026, 12, 26), DEADLINE, D(2027, 2, 20)])
    assert line == [100.0, 50.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------------
# County warning: 红 ≥ 10 overdue or > 15 days late or no projection; 橙 ≥ 5 or late; 黄 ≥ 1; 蓝 stock remains
def _proj(date: dt.date | None, late: int | None, pace: float | None = 1.0) -> R.Projection:
    return R.Projection(10, 50, 0.2, pace, date, "按期", late)


@pytest.mark.parametrize(("overdue", "stock", "proj", "level"), [
    (10, 20, _proj(D(2027, 1, 1), -35), "红"),
    (9, 20, _proj(D(2027, 1, 1), -35), "橙"),
    (5, 20, _proj(D(2027, 1, 1), -35), "橙"),
    (4, 20, _proj(D(2027, 1, 1), -35), "黄"),
    (1, 20, _proj(D(2027, 1, 1), -35), "黄"),
    (0, 20, _proj(D(2027, 1, 1), -35), "蓝"),
    (0, 20, _proj(D(2027, 2, 5), 0), "蓝"),            # on the deadline is in time
    (0, 20, _proj(D(2027, 2, 6), 1), "橙"),
    (0, 20, _proj(D(2027, 2, 20), 15), "橙"),
    (0, 20, _proj(D(2027, 2, 21), 16), "红"),
    (0, 20, _proj(None, None, 0.0), "红"),             # no net decrease: no projection
    (3, 20, _proj(D(2027, 2, 10), 5), "橙"),           # the worse of the two wins
    (0, 0, _proj(None, None, 0.0), None),               # cleared
    (0, 20, None, "蓝"),
])
def test_county_warning(overdue: int, stock: int, proj: R.Projection | None, level: str | None) -> None:
    assert R.county_warning(overdue, stock, proj, RULES).level == level


def test_county_warning_says_why() -> None:
    w = R.county_warning(12, 30, _proj(D(2027, 2, 10), 5), RULES)
    assert w.level == "红"
    assert w.reasons[0] == "超期未办结线索 12 条（≥10 条为红色）"
    assert "预计 2027-02-10 清零，晚于期限 5 天" in w.reasons[1]
    w = R.county_warning(2, 30, _proj(None, None, -0.5), RULES)
    assert w.level == "红"
    assert w.reasons[0] == "近 10 个工作日存量未净减少，按当前进度无法清零"
    assert w.reasons[1] == "超期未办结线索 2 条（≥1 条为黄色）"


# ---------------------------------------------------------------------------------------------
# County score: 30 × closure + 20 × on-time + 15 × (1 − overdue/open clues) + 15 × clamp(1 − stock/stock at start)
# + 10 × all-core share + 10 × (1 − repeat rate); zero denominator = full points; rounded to 0.1
def test_county_score_hand_computed() -> None:
    # received 20, closed 16 (12 on time), 4 open clues of which 2 overdue, stock 5 (4 clues + 1 case), 10 at start,
    # 4 active projects of which 3 have all five core safeguards, 2 repeat complaints
    # 30 × 16/20 = 24; 20 × 12/16 = 15; 15 × (1 − 2/4) = 7.5; 15 × (1 − 5/10) = 7.5; 10 × 3/4 = 7.5;
    # 10 × (1 − 2/20) = 9 → 70.5 → C
    s = R.county_score(20, 16, 12, 2, 4, 5, 10, 4, 3, 2, RULES)
    assert [i.points for i in s.items] == [24, 15, 7.5, 7.5, 7.5, 9]
    assert s.total == 70.5 and s.grade == "C"
    assert s.items[0].figure == "办结 16 / 受理 20 = 80.0%"


def test_county_score_zero_denominators_earn_full_points() -> None:
    s = R.county_score(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, RULES)
    assert s.total == 100 and s.grade == "A"
    assert all(i.points == i.max_points for i in s.items)
    # received but nothing closed yet: on-time item has no denominator → full 20; closure 0/3 → 0
    s = R.county_score(3, 0, 0, 0, 3, 3, 3, 0, 0, 0, RULES)
    # 0 + 20 + 15 + 15 × (1 − 3/3) = 0 + 10 + 10 = 55
    assert s.total == 55.0 and s.grade == "D"


def test_county_score_clamps_and_rounds() -> None:
    # stock grew from 10 to 15: progress clamps at 0, not negative
    s = R.county_score(1, 1, 1, 0, 0, 15, 10, 0, 0, 0, RULES)
    assert s.items[3].points == 0 and s.total == 85.0
    # 30 × 1/3 = 10; 20; 15; 15; 10; 10 × (1 − 1/3) = 6.667 → 76.667 → 76.7 → B
    assert R.county_score(3, 1, 1, 0, 2, 2, 0, 0, 0, 1, RULES).total == 76.7
    # 30 × 2/5 + 20 × 1/2 + 15 × (1 − 3/4) + 0 + 10 + 10 = 12 + 10 + 3.75 + 0 + 10 + 10 = 45.75 → 45.8 (half up)
    assert R.county_score(5, 2, 1, 3, 4, 5, 5, 0, 0, 0, RULES).total == 45.8


@pytest.mark.parametrize(("total", "g"), [(100, "A"), (90, "A"), (89.9, "B"), (75, "B"), (74.9, "C"), (60, "C"),
                                          (59.9, "D"), (0, "D")])
def test_grade_boundaries(total: float, g: str) -> None:
    assert R.grade(total, RULES) == g


@pytest.mark.parametrize(("scores", "ranks"), [
    ([90, 80, 90, 70], [1, 3, 1, 4]),
    ([50.5, 50.5, 50.5], [1, 1, 1]),
    ([10, 20, 30], [3, 2, 1]),
    ([88.1, 92.4, 88.1, 92.4, 60], [3, 1, 3, 1, 5]),
    ([], []),
])
def test_competition_rank(scores: list[float], ranks: list[int]) -> None:
    assert R.competition_rank(scores) == ranks


def _agg(code: str, **kw: int) -> dict[str, object]:
    row: dict[str, object] = {"code": code, "name": f"县{code}", **{c: 0 for c in R.AGG_COLUMNS}}
    row.update(kw)
    return row


def test_county_table_ranks_ties_change_and_last(cal: WorkCalendar) -> None:
    # This week (scores by the formula above):
    #   A: received 10, closed 10 on time, nothing open → 100
    #   B: received 10, closed 5 (5 on time), 5 open of which 5 overdue, stock 5, start 10:
    #      30 × 0.5 + 20 + 15 × 0 + 15 × 0.5 + 10 + 10 = 62.5
    #   C: same as B → 62.5 (tie with B: both rank 2, next is 4)
    #   E: received 10, closed 0, 10 open, 0 overdue, stock 10, start 10: 0 + 20 + 15 + 0 + 10 + 10 = 55 → last
    now = pd.DataFrame([
        _agg("A", received=10, closed=10, closed_on_time=10),
        _agg("B", received=10, closed=5, closed_on_time=5, overdue_open=5, open_clues=5, open_stock=5,
             open_stock_at_start=10, stock_window_start=5),
        _agg("C", received=10, closed=5, closed_on_time=5, overdue_open=5, open_clues=5, open_stock=5,
             open_stock_at_start=10, stock_window_start=5),
        _agg("E", received=10, open_clues=10, open_stock=10, open_stock_at_start=10, stock_window_start=10),
    ])
    # Last week: E 100 (1), A 62.5 (2), B 55 (3), C 40 … ranks E1 A2 B3 C4
    prev = pd.DataFrame([
        _agg("A", received=10, closed=5, closed_on_time=5, overdue_open=5, open_clues=5, open_stock=5,
             open_stock_at_start=10),
        _agg("B", received=10, open_clues=10, open_stock=10, open_stock_at_start=10),
        _agg("C", received=10, open_clues=10, overdue_open=10, open_stock=10, open_stock_at_start=10),
        _agg("E"),
    ])
    t = R.county_table(now, prev, AS_OF, DEADLINE, cal, RULES).set_index("code")
    assert t["score"].to_dict() == {"A": 100.0, "B": 62.5, "C": 62.5, "E": 55.0}
    assert t["rank"].to_dict() == {"A": 1, "B": 2, "C": 2, "E": 4}
    # positive = moved up: A 2→1 (+1), B 3→2 (+1), C 4→2 (+2), E 1→4 (−3)
    assert t["rank_change"].to_dict() == {"A": 1, "B": 1, "C": 2, "E": -3}
    assert t["is_last"].to_dict() == {"A": False, "B": False, "C": False, "E": True}
    assert t.loc["A", "grade"] == "A" and t.loc["E", "grade"] == "D"
    assert t.loc["A", "closure_rate"] == 1.0 and pd.isna(t.loc["E", "on_time_rate"])   # 0 closed: no rate
    # B: stock 5 = 5 ten working days ago → pace 0 → no date → 滞后, county 红 (and 5 overdue → ≥ 5)
    assert t.loc["B", "clear_status"] == "滞后" and t.loc["B", "warning_level"] == "红"
    assert t.loc["A", "clear_status"] == "已清零" and pd.isna(t.loc["A", "warning_level"])
    assert "办结率 15.0/30" in t.loc["B", "score_detail"]


def test_county_table_ties_at_the_bottom_share_last_place_and_all_tied_is_no_last(cal: WorkCalendar) -> None:
    rows = [_agg("A"), _agg("B", received=1, open_clues=1, open_stock=1, open_stock_at_start=1),
            _agg("C", received=1, open_clues=1, open_stock=1, open_stock_at_start=1)]
    t = R.county_table(pd.DataFrame(rows), None, AS_OF, DEADLINE, cal, RULES).set_index("code")
    assert t["rank"].to_dict() == {"A": 1, "B": 2, "C": 2}
    assert t["is_last"].to_dict() == {"A": False, "B": True, "C": True}
    assert t["rank_change"].isna().all()
    t = R.county_table(pd.DataFrame([_agg("A"), _agg("B")]), None, AS_OF, DEADLINE, cal, RULES)
    assert not t["is_last"].any()
    assert not R.county_table(pd.DataFrame([_agg("A")]), None, AS_OF, DEADLINE, cal, RULES)["is_last"].any()


# ---------------------------------------------------------------------------------------------
# The rules file
def test_shipped_rules_file_is_the_domain_defaults() -> None:
    shipped = load_rules(Path(__file__).resolve().parent.parent / "config" / "rules.toml")
    d = Rules()
    assert shipped.deadline_days == d.deadline_days == 10
    assert shipped.deadline == "eve" and shipped.campaign_start == (11, 15)
    assert shipped.clue_warning == d.clue_warning
    assert shipped.county_warning == d.county_warning
    assert shipped.project_warning == d.project_warning
    assert shipped.score == d.score
    assert (shipped.repeat_window_days, shipped.pace_window_workdays, shipped.risk_days) == (90, 10, 15)


def test_rules_values_are_read() -> None:
    r = parse_rules('[deadline]\ndays = 7\n[deadline.by_source]\n"12345热线" = 5\n'
                    '[score]\nclosure_rate = 32.5\n[campaign]\nstart = "11-01"\ndeadline = 2027-01-31\n')
    assert r.days_for_source("12345热线") == 5 and r.days_for_source("信访") == 7 and r.days_for_source(None) == 7
    assert r.score.closure_rate == 32.5                      # a decimal weight is fine
    assert r.campaign_start == (11, 1) and r.deadline == "2027-01-31"


@pytest.mark.parametrize(("text", "needle"), [
    ("[deadline]\ndays = 0", "deadline.days"),
    ('[deadline]\ndays = "十"', "deadline.days"),
    ("[deadline]\ndays = 2.5", "deadline.days"),
    ("[deadline]\ndayz = 5", "deadline.dayz"),
    ('[deadline.by_source]\n"12345" = 5', "deadline.by_source.12345"),
    ('[deadline.by_source]\n"12345热线" = -1', "deadline.by_source.12345热线"),
    ('[campaign]\nstart = "13-45"', "campaign.start"),
    ('[campaign]\nstart = "02-29"', "campaign.start"),
    ('[campaign]\ndeadline = "lunar"', "campaign.deadline"),
    ('[campaign]\nyear_end_investment_types = ["state"]', "campaign.year_end_investment_types"),
    ("[warning.clue]\nred_workers = -1", "warning.clue.red_workers"),
    ("[warning.clue]\nred_government_project = 1", "warning.clue.red_government_project"),
    ("[warning.clue]\nblue_within_workdays = 1\nyellow_within_workdays = 2", "warning.clue.blue_within_workdays"),
    ("[warning.project]\norange = 70", "warning.project.red"),
    ("[warning.county]\norange_overdue = 20", "warning.county.red_overdue"),
    ("[warning.county]\nyellow_overdue = 0", "warning.county.yellow_overdue"),
    ("[warning.colour]\nred = 1", "warning.colour"),
    ('[score]\nclosure_rate = "30"', "score.closure_rate"),
    ("[score]\ngrade_b = 95", "score.grade_a"),
    ("[targets]\nclosure_rate = 98", "targets.closure_rate"),
    ("[clearing]\npace_window_workdays = 0", "clearing.pace_window_workdays"),
    ("[scores]\nclosure_rate = 30", "scores"),
    ("score = 5", "score"),
    ("[deadline\ndays = 5", "TOML"),
])
def test_malformed_rules_are_a_chinese_error_naming_the_key(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_rules(text)
    msg = str(e.value)
    assert needle in msg
    assert msg.startswith("rules.toml：")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg.replace("rules.toml：", ""))   # Chinese text


def test_load_rules_reports_the_office_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "rules.toml"
    f.write_text("[deadline]\ndays = 0\n", encoding="utf-8")
    monkeypatch.setenv("ARREARS_RULES", str(f))
    with pytest.raises(ConfigError, match="deadline.days"):
        load_rules()
    f.write_text("[deadline]\ndays = 12\n", encoding="utf-8")
    import os
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000))   # a new mtime: reloaded
    assert load_rules().deadline_days == 12
