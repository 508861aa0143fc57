"""县区排名: the chart builders, the weekly rank trend, and the page (AppTest) against the rules functions.

Hand-made fixture (as of Friday 2026-11-20; campaign from Sunday 2026-11-15; period 本次行动), in 开封市:
- 龙亭区 410202: A1 received Mon 2 Nov, still open (due Mon 16 Nov: overdue; open at the campaign start);
  A2 and A3 received 16 and 17 Nov, closed on time. Scores 30 + 20 + 0 (1 of 1 open clues overdue)
  + 0 (stock 1 of 1 at start) + 10 (no project) + 10 (no repeat) = 70.0 -> C, last of nine.
- 顺河回族区 410203: B1 received 16 Nov closed 18 Nov, B2 received 17 Nov open, same employer (a repeat).
  15 (1 of 2 closed) + 20 + 15 + 15 (no stock at start) + 10 + 5 (repeat 1 of 2) = 80.0 -> B, 8th.
- the seven other counties have no records: every item's denominator is zero, so full points: 100 -> A, tied 1st.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from huxin.charts import ranking as C
from tests.conftest import AS_OF

CAMPAIGN_START = dt.date(2026, 11, 15)


def as_demo(path: Path) -> Path:
    """Mark a make_db database as demo data, so the app runs in demo mode (role switcher, no login)."""
    from huxin import db

    with db.writer(path) as con:
        db.meta_set(con, "is_demo", "1")
    return path


def clue(cid: str, county: str, received: str, employer: str, closed: str | None = None) -> dict[str, Any]:
    return {"线索编号": cid, "来源渠道": "来电", "反映时间": received, "所属区县": county, "所属乡镇": "城关镇",
            "行业领域": "工程建设", "被反映单位": employer, "涉及人数": 3, "涉及金额（元）": 20000,
            "办理状态": "已办结" if closed else "办理中", "核处结论": "欠薪属实已解决" if closed else None,
            "办结时间": closed}


@pytest.fixture
def rank_db(make_db: Callable[..., Path]) -> Path:
    return as_demo(make_db(clues=[
        clue("A1", "410202", "2026-11-02", "甲一建筑劳务有限公司"),
        clue("A2", "410202", "2026-11-16", "甲二建筑劳务有限公司", "2026-11-18"),
        clue("A3", "410202", "2026-11-17", "甲三建筑劳务有限公司", "2026-11-19"),
        clue("B1", "410203", "2026-11-16", "乙建筑劳务有限公司", "2026-11-18"),
        clue("B2", "410203", "2026-11-17", "乙建筑劳务有限公司"),
    ]))


def league(at: Any) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if {"排名", "区县", "得分", "等级"} <= set(d.value.columns)]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0].reset_index(drop=True)


def metric(at: Any, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


# --- pure builders -------------------------------------------------------------------------------------------
def table_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    base = {"received": 0, "closed": 0, "closed_on_time": 0, "overdue_open": 0, "open_clues": 0, "open_stock": 0,
            "open_stock_at_start": 0, "active_projects": 0, "projects_all_core": 0, "repeat_clues": 0,
            "warning_level": None, "rank_change": None}
    out = pd.DataFrame([{**base, **r} for r in rows])
    out["closure_rate"] = [None if not r else c / r for c, r in zip(out["closed"], out["received"], strict=True)]
    return out


def test_city_value_is_rate_of_sums_not_mean_of_rates() -> None:
    t = table_of([{"code": "1", "name": "甲", "received": 100, "closed": 99, "open_stock": 10, "open_stock_at_start": 40},
                  {"code": "2", "name": "乙", "received": 1, "closed": 0, "open_stock": 30, "open_stock_at_start": 10}])
    assert C.city_value(t, "closure_rate") == pytest.approx(99 / 101)      # mean of rates would be 0.495
    assert C.city_value(t, "clearing_progress") == pytest.approx(0.2)      # 1 - 40/50, not mean(0.75, 0)
    assert C.city_value(t, "open_stock") == pytest.approx(20)              # counts: mean per county
    assert C.clearing_progress(30, 10) == 0.0 and C.clearing_progress(5, 0) is None


def test_score_bars_colour_by_grade_over_bands_and_mark_last() -> None:
    t = table_of([{"code": "1", "name": "甲", "score": 92.0, "grade": "A", "rank": 1, "is_last": False},
                  {"code": "2", "name": "<b>乙</b>", "score": 61.5, "grade": "C", "rank": 2, "is_last": False},
                  {"code": "3", "name": "丙", "score": 40.0, "grade": "D", "rank": 3, "is_last": True}])
    fig = C.score_bars(t)
    assert [tr.name for tr in fig.data] == ["A 级", "C 级", "D 级"]
    assert [tr.marker.color for tr in fig.data] == [C.GRADE_COLORS[g] for g in "ACD"]
    assert sorted((s.y0, s.y1) for s in fig.layout.shapes) == [(0, 60), (60, 75), (75, 90), (90, 100)]
    assert list(fig.layout.xaxis.categoryarray) == ["甲", "&lt;b&gt;乙&lt;/b&gt;", "丙"]   # rank order, escaped
    assert "末位" in fig.data[2].text[0] and "末位" not in fig.data[0].text[0]


def test_indicator_bars_city_and_target_lines_best_first() -> None:
    t = table_of([{"code": "1", "name": "甲", "received": 10, "closed": 5},
                  {"code": "2", "name": "乙", "received": 10, "closed": 10},
                  {"code": "3", "name": "丙", "received": 0, "closed": 0}])
    fig = C.indicator_bars(t, "closure_rate", target=0.98)
    assert list(fig.data[0].x) == ["乙", "甲", "丙"]                      # best first, no-denominator last
    assert list(fig.data[0].text) == ["100.0%", "50.0%", "—"]
    lines = {round(s.y0, 4) for s in fig.layout.shapes}
    assert lines == {0.75, 0.98}                                          # city 15/20, target
    worst_first = C.indicator_bars(table_of([{"code": "1", "name": "甲", "overdue_open": 1},
                                             {"code": "2", "name": "乙", "overdue_open": 5}]), "overdue_open")
    assert list(worst_first.data[0].x) == ["甲", "乙"]                   # fewer overdue is better


def test_rank_trend_chart_reverses_rank_axis() -> None:
    trend = pd.DataFrame({"d": [dt.date(2026, 11, 15)] * 2 + [dt.date(2026, 11, 20)] * 2,
                          "code": ["1", "2", "1", "2"], "name": ["甲", "乙", "甲", "乙"],
                          "score": [80.0, 70.0, 60.0, 90.0], "grade": ["B", "C", "C", "A"], "rank": [1, 2, 2, 1]})
    fig = C.rank_trend_chart(trend, "rank", highlight="1")
    assert fig.layout.yaxis.autorange == "reversed"
    assert [tr.name for tr in fig.data] == ["乙", "甲"]                  # legend in the latest rank order
    assert fig.data[1].line.width > fig.data[0].line.width              # highlighted county
    assert list(fig.data[1].y) == [1, 2]
    assert C.rank_trend_chart(trend, "score").layout.yaxis.autorange is None


# --- pure builders at province / national scale -------------------------------------------------------------
def national_table(n: int = 3000, no_figure: int = 0) -> pd.DataFrame:
    """n counties ranked 1..n by falling score (no ties); two share the name 朝阳区; the last `no_figure` received
    nothing (no 办结率)."""
    rows = []
    for i in range(n):
        score = round(95 - 60 * i / n, 1)
        received = 0 if i >= n - no_figure else 100
        rows.append({"code": f"C{i:04d}", "name": "朝阳区" if i in (0, n // 2) else f"县{i:04d}", "score": score,
                     "grade": "A" if score >= 90 else "B" if score >= 75 else "C" if score >= 60 else "D",
                     "rank": i + 1, "is_last": i == n - 1, "received": received,
                     "closed": received * (n - i) // n})
    return table_of(rows)


def national_trend(n: int = 3000) -> pd.DataFrame:
    """Three week ends; at the latest county C{i} ranks i+1, a week earlier the order was reversed."""
    days = [dt.date(2026, 11, 15), dt.date(2026, 11, 22), dt.date(2026, 11, 29)]
    rows = []
    for w, d in enumerate(days):
        for i in range(n):
            rank = i + 1 if w != 1 else n - i
            rows.append({"d": d, "code": f"C{i:04d}", "name": "朝阳区" if i in (0, n // 2) else f"县{i:04d}",
                         "score": 95 - 60 * (rank - 1) / n, "grade": "B", "rank": rank})
    return pd.DataFrame(rows)


def test_rank_trend_at_scale_draws_top_bottom_and_chosen_counties() -> None:
    trend = national_trend()
    fig = C.rank_trend_chart(trend, "rank", highlight="C1234", extra=["C2000", "C0001", "nope"])
    edge = C.TREND_EDGE
    # bounded: top and bottom `edge`, the highlighted county, one pick outside them (C0001 is in the top already)
    assert len(fig.data) == 2 * edge + 2
    assert len(fig.to_json()) < 100_000                                    # was one trace per county: megabytes
    names = [tr.name for tr in fig.data]
    assert names[:edge] == ["朝阳区（C0000）", *[f"县{i:04d}" for i in range(1, edge)]]   # shared name gets its code
    assert names[-edge:] == [f"县{i:04d}" for i in range(3000 - edge, 3000)]
    hl = next(tr for tr in fig.data if tr.name == "县1234")
    assert list(hl.y) == [1235, 3000 - 1234, 1235] and hl.legendgroup == "本县区"
    assert hl.line.width == max(tr.line.width for tr in fig.data)
    assert next(tr for tr in fig.data if tr.name == "县2000").legendgroup == "所选区县"
    assert next(tr for tr in fig.data if tr.name == "县0001").line.width > fig.data[2].line.width  # picked in top 5
    assert "3,000" in fig.layout.title.subtitle.text and fig.layout.yaxis.autorange == "reversed"
    sel = C.trend_selection(trend, "C1234", ["C2000", "nope"])
    assert sel.focused and sel.total == 3000 and sel.picked == ("C2000",) and len(sel.codes) == 2 * edge + 2
    # the projector: fewer lines, no highlight
    assert len(C.rank_trend_chart(trend, "score", present=True, edge=3).data) == 6
    assert len(C.edge_rows(30, edge=20, max_all=10)) == 30                 # ends that overlap: every row, once


def test_rank_trend_of_a_city_draws_every_county() -> None:
    trend = national_trend(9)
    fig = C.rank_trend_chart(trend, "rank", highlight="C0003", extra=["C0004"])
    assert len(fig.data) == 9 and fig.layout.title.subtitle.text is None
    assert not C.trend_selection(trend).focused
    assert [tr.line.width for tr in fig.data].count(4) == 1                # only the highlighted county is thick


def test_county_labels_keep_shared_names_apart() -> None:
    labels = C.county_labels(["110105", "220104", "410202"], ["朝阳区", "朝阳区", "龙亭区"])
    assert labels == {"110105": "朝阳区（110105）", "220104": "朝阳区（220104）", "410202": "龙亭区"}


def test_score_bars_at_scale_show_best_and_worst_with_a_gap() -> None:
    t = national_table()
    fig = C.score_bars(t)
    edge = C.BAR_EDGE
    cats = list(fig.layout.xaxis.categoryarray)
    assert len(cats) == 2 * edge + 1 and cats[edge] == C.GAP
    assert cats[0] == "朝阳区（C0000）" and cats[-1] == "县2999"
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert sum(len(tr.x) for tr in bars) == 2 * edge
    last = next(tr for tr in bars if "县2999" in tr.x)
    assert "末位" in last.text[list(last.x).index("县2999")]
    assert any(f"中间 {3000 - 2 * edge:,} 个" in a.text for a in fig.layout.annotations)
    assert "3,000" in fig.layout.title.subtitle.text
    assert len(fig.to_json()) < 60_000
    # a city keeps every bar, no gap
    city = C.score_bars(national_table(9))
    assert C.GAP not in list(city.layout.xaxis.categoryarray) and len(city.layout.xaxis.categoryarray) == 9
    assert city.layout.title.subtitle.text is None


def test_indicator_bars_at_scale_leave_out_counties_without_a_figure() -> None:
    t = national_table(no_figure=100)
    fig = C.indicator_bars(t, "closure_rate", target=0.98)
    edge = C.BAR_EDGE
    x = list(fig.data[0].x)
    assert len(x) == 2 * edge and "—" not in list(fig.data[0].text)       # no "no figure" bars among the worst
    assert x[0] == "朝阳区（C0000）" and x[-1] == "县2899"                  # best and worst of those with a figure
    city = next(s for s in fig.layout.shapes if s.line.dash == "dash")
    assert city.y0 == pytest.approx(C.city_value(t, "closure_rate"))      # the city line is over every county
    assert "100 个无数据" in fig.layout.title.subtitle.text
    assert list(fig.layout.xaxis.categoryarray)[edge] == C.GAP


def test_clue_timeline_overdue_segment() -> None:
    fig = C.clue_timeline({"received_date": pd.Timestamp("2026-11-02"), "due_date": pd.Timestamp("2026-11-16"),
                           "closed_date": pd.NaT}, AS_OF)
    assert [tr.name for tr in fig.data[:2]] == ["时限内", "超期 4 天"]
    on_time = C.clue_timeline({"received_date": dt.date(2026, 11, 2), "due_date": dt.date(2026, 11, 16),
                               "closed_date": dt.date(2026, 11, 10)}, AS_OF)
    assert not any(str(tr.name).startswith("超期") for tr in on_time.data)


# --- data: weekly trend ----------------------------------------------------------------------------------------
def test_week_ends_and_rank_trend(rank_db: Path, use_db: Callable[[Path], Path]) -> None:
    from huxin import data

    use_db(rank_db)
    assert data.campaign_week_ends(AS_OF) == [dt.date(2026, 11, 15), AS_OF]
    assert data.campaign_week_ends(dt.date(2026, 12, 1)) == [dt.date(2026, 11, 15), dt.date(2026, 11, 22),
                                                              dt.date(2026, 11, 29), dt.date(2026, 12, 1)]
    trend = data.rank_trend(data.ALL, AS_OF)
    last = trend[trend["d"] == AS_OF].set_index("code")
    table = data.county_table(data.ALL, AS_OF, CAMPAIGN_START).set_index("code")
    assert last["score"].to_dict() == table["score"].to_dict()
    assert last["rank"].to_dict() == table["rank"].to_dict()
    assert last["grade"].to_dict() == table["grade"].to_dict()
    # a county user gets the same city-wide trend (aggregates only)
    own = data.rank_trend(data.Scope(counties=("410202",)), AS_OF)
    assert len(own) == len(trend) and own["code"].nunique() == 9


# --- the page ------------------------------------------------------------------------------------------------
def test_table_equals_rules_on_hand_made_ledger(rank_db: Path, app_test: Callable[..., Any]) -> None:
    from huxin import data
    from huxin import rules as R
    from huxin.config import load_rules
    from huxin.workdays import work_calendar

    at = app_test(rank_db, "ranking")
    assert not at.exception, at.exception
    t = league(at).set_index("区县代码")
    # the hand computation of the module docstring
    assert (t.loc["410202", "得分"], t.loc["410202", "等级"], t.loc["410202", "排名"]) == (70.0, "C", 9)
    assert (t.loc["410203", "得分"], t.loc["410203", "等级"], t.loc["410203", "排名"]) == (80.0, "B", 8)
    others = t.drop(index=["410202", "410203"])
    assert set(others["得分"]) == {100.0} and set(others["排名"]) == {1} and set(others["等级"]) == {"A"}
    assert list(t.loc["410202", ["办结率得分", "按期办结率得分", "超期未办结得分", "存量清零进度得分",
                                 "制度落实率得分", "重复反映率得分"]]) == [30.0, 20.0, 0.0, 0.0, 10.0, 10.0]
    assert list(t.loc["410203", ["办结率得分", "重复反映率得分"]]) == [15.0, 5.0]
    assert t.loc["410202", "末位"] == "末位" and (t.drop(index="410202")["末位"] == "").all()
    assert t.loc["410203", "办结率"] == pytest.approx(0.5) and t.loc["410203", "重复反映率"] == pytest.approx(0.5)
    # the same numbers straight from the rules functions on the aggregates
    rules = load_rules()
    agg = data.county_aggregates(data.ALL, AS_OF, CAMPAIGN_START)
    for r in agg.to_dict("records"):
        sc = R.county_score(int(r["received"]), int(r["closed"]), int(r["closed_on_time"]), int(r["overdue_open"]),
                            int(r["open_clues"]), int(r["open_stock"]), int(r["open_stock_at_start"]),
                            int(r["active_projects"]), int(r["projects_all_core"]), int(r["repeat_clues"]), rules)
        assert t.loc[r["code"], "得分"] == sc.total and t.loc[r["code"], "等级"] == sc.grade
    camp_deadline = data.context(AS_OF).campaign.deadline
    expected = R.county_table(agg, None, AS_OF, camp_deadline, work_calendar(), rules).set_index("code")
    assert t["排名"].to_dict() == expected["rank"].to_dict()
    assert metric(at, "末位") == "龙亭区"
    assert metric(at, "全市办结率") == "75.0%"                          # summed counts: 3 closed of 4 received


def test_city_table_equals_county_table(city_db: Path, app_test: Callable[..., Any]) -> None:
    """On the demo city: every shown column is the data layer's county_table, row for row (rank order)."""
    from huxin import data

    at = app_test(city_db, "ranking")
    assert not at.exception, at.exception
    shown = league(at)
    expected = data.county_table(data.ALL, AS_OF, CAMPAIGN_START)
    assert shown["区县代码"].tolist() == expected["code"].tolist()
    assert shown["排名"].tolist() == expected["rank"].tolist()
    assert shown["得分"].tolist() == expected["score"].tolist()
    assert shown["等级"].tolist() == expected["grade"].tolist()
    for pts, label in (("pts_closure_rate", "办结率得分"), ("pts_on_time_rate", "按期办结率得分"),
                       ("pts_overdue", "超期未办结得分"), ("pts_clearing_progress", "存量清零进度得分"),
                       ("pts_safeguards", "制度落实率得分"), ("pts_repeat", "重复反映率得分")):
        assert shown[label].tolist() == pytest.approx(expected[pts].round(1).tolist()), label
    assert shown["超期未办结条数"].tolist() == expected["overdue_open"].tolist()
    assert shown["存量"].tolist() == expected["open_stock"].tolist()
    arrows = ["—" if pd.isna(v) else f"↑{int(v)}" if v > 0 else f"↓{int(-v)}" if v < 0 else "→"
              for v in expected["rank_change"]]
    assert shown["较上周"].tolist() == arrows
    assert shown["末位"].tolist() == ["末位" if x else "" for x in expected["is_last"]]
    # the 得分明细 sheet lists six items and the total for each county
    detail = next(d.value for d in at.dataframe if "得分项" in d.value.columns)
    assert len(detail) == 7 * len(expected)


def test_period_choice_and_sort(rank_db: Path, app_test: Callable[..., Any]) -> None:
    from huxin import data

    at = app_test(rank_db, "ranking")
    at.segmented_control(key="rk_period").set_value("year").run()
    assert not at.exception
    t = league(at).set_index("区县代码")
    expected = data.county_table(data.ALL, AS_OF, dt.date(2026, 1, 1)).set_index("code")
    assert t["得分"].to_dict() == expected["score"].to_dict()
    # A1 (received 2 Nov, open) now counts as received: 龙亭区 closes 2 of 3
    assert t.loc["410202", "办结率"] == pytest.approx(2 / 3)
    at.selectbox(key="rk_sort").set_value("overdue_open").run()
    assert league(at)["区县代码"].iloc[0] != "410202" and league(at)["区县代码"].iloc[-1] == "410202"


def test_choosing_a_county_opens_its_drill_down(rank_db: Path, app_test: Callable[..., Any]) -> None:
    at = app_test(rank_db, "ranking")
    at.segmented_control(key="rk_period").set_value("week").run()
    at.selectbox(key="rk_drill_pick").set_value("410203").run()
    at.button(key="rk_drill_go").click().run()
    assert not at.exception, at.exception
    assert at.query_params.get("county") in ("410203", ["410203"])
    assert any("乡镇（街道）" in d.value.columns for d in at.dataframe)      # the county level of the drill page
    # the drill page takes over the ranking's period (this week: Mon 16 – Fri 20 Nov) and consumes the parameter
    assert at.selectbox(key="f_period").value == "week" and "period" not in at.query_params
    received = {m.label: m.value for m in at.metric}["受理线索"]
    assert received == "2"                                                 # B1 and B2, both this week


def test_county_user_sees_city_table_but_drills_own_county(rank_db: Path, app_test: Callable[..., Any]) -> None:
    at = app_test(rank_db, "ranking", role="county_user", county="410203")
    assert not at.exception, at.exception
    assert len(league(at)) == 9
    assert at.selectbox(key="rk_drill_pick").options == ["顺河回族区"]


def test_present_mode_has_no_widgets(rank_db: Path, app_test: Callable[..., Any]) -> None:
    at = app_test(rank_db, "ranking", query={"mode": "present"})
    assert not at.exception, at.exception
    assert len(league(at)) == 9
    assert not [b for b in at.button if b.key in ("rk_drill_go",)]
    assert "rk_sort" not in [s.key for s in at.selectbox]


def test_page_at_scale_keeps_full_table_and_bounds_charts(rank_db: Path, app_test: Callable[..., Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With the limits lowered below nine counties the city behaves as a province would: full table, bounded
    charts, the trend's county picker, the 得分明细 of one county on the page and of every county in Excel."""
    from huxin import ui, webchart

    for name, value in (("BAR_MAX_ALL", 4), ("BAR_EDGE", 2), ("TREND_MAX_ALL", 4), ("TREND_EDGE", 2)):
        monkeypatch.setattr(C, name, value)
    exported: dict[str, Any] = {}
    monkeypatch.setattr(ui, "download_table", lambda *a, **k: exported.update(k))
    at = app_test(rank_db, "ranking")
    assert not at.exception, at.exception
    assert len(league(at)) == 9                                            # the table lists every county
    score, indicator, trend = webchart.figures_in(at)
    assert len(score["layout"]["xaxis"]["categoryarray"]) == 2 * 2 + 1     # 2 best, the gap, 2 worst
    # 办结率: only 龙亭区 and 顺河回族区 received clues; the seven others have no figure and are left out, said so
    assert sorted(indicator["data"][0]["x"]) == ["顺河回族区", "龙亭区"]
    assert "7 个无数据" in indicator["layout"]["title"]["subtitle"]["text"]
    assert len(trend["data"]) == 4 and "共 9 个区县" in trend["layout"]["title"]["subtitle"]["text"]
    detail = next(d.value for d in at.dataframe if "得分项" in d.value.columns)
    assert len(detail) == 7 and set(detail["区县"]) == {"龙亭区"}          # the last place by default
    assert len(exported["sheets"]["得分明细"]) == 7 * 9                    # every county in the Excel export
    at.selectbox(key="rk_detail_pick").set_value("410203").run()
    assert set(next(d.value for d in at.dataframe if "得分项" in d.value.columns)["区县"]) == {"顺河回族区"}
    middle = [c for c in league(at)["区县代码"] if c not in ("410202", "410203")][3]
    at.multiselect(key="rk_trend_pick").set_value([middle]).run()
    assert not at.exception, at.exception
    trend = webchart.figures_in(at)[-1]
    assert len(trend["data"]) == 5 and trend["data"][2]["legendgroup"] == "所选区县"
    # the projector at scale: bounded charts too (top and bottom three in the trend)
    present = app_test(rank_db, "ranking", query={"mode": "present"})
    assert not present.exception, present.exception
    score_p, trend_p, indicator_p = webchart.figures_in(present)
    assert len(score_p["layout"]["xaxis"]["categoryarray"]) == 2 * 2 + 1
    assert len(trend_p["data"]) == 6
    assert sorted(indicator_p["data"][0]["x"]) == ["顺河回族区", "龙亭区"]


def test_league_scores_are_the_league_tables_scores(city_db: Path, use_db: Callable[[Path], Path]) -> None:
    # the trend scores each week with R.league_scores: the same score, grade and rank as the full league table
    from huxin import data
    from huxin import rules as R
    from huxin.config import load_rules
    from huxin.workdays import work_calendar

    use_db(city_db)
    rules = load_rules()
    for d, start in ((dt.date(2026, 11, 20), CAMPAIGN_START), (dt.date(2026, 11, 1), dt.date(2026, 1, 1)),
                     (dt.date(2026, 11, 20), dt.date(2026, 11, 16))):
        agg = data.county_aggregates(data.ALL, d, start)
        full = R.county_table(agg, None, d, dt.date(2027, 2, 5), work_calendar(), rules)
        light = R.league_scores(agg, rules)
        pd.testing.assert_frame_equal(light, full[["code", "name", "score", "grade", "rank"]])
        assert light["rank"].nunique() > 1
    assert R.league_scores(agg.iloc[:0], rules).empty


def test_score_inputs_by_week_equal_the_aggregates_of_each_week(city_db: Path,
                                                                use_db: Callable[[Path], Path]) -> None:
    # one pass for every week end (records as intervals of week indexes) = county_aggregates week by week
    from huxin import data
    from huxin import rules as R

    use_db(city_db)
    # the 2025/26 campaign (from 15 Nov 2025), which the demo ledgers cover: a period start after the campaign start
    start = dt.date(2025, 11, 24)
    ends = tuple(start + dt.timedelta(days=6 + 7 * i) for i in range(11)) + (dt.date(2026, 2, 10),)
    county = str(data.regions()["code"].iloc[3])
    for scope in (data.ALL, data.ALL.narrowed(county)):
        many = data.score_inputs_by_week(scope, ends, start)
        assert list(many["d"].unique()) == list(ends)
        for d in ends:
            want = data.county_aggregates(scope, d, start)[["code", "name", *R.SCORE_INPUTS]]
            got = many[many["d"] == d].drop(columns="d").reset_index(drop=True)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
        assert many["received"].max() > 0 and (scope.counties or many["overdue_open"].max() > 0)
    with pytest.raises(ValueError):
        data.score_inputs_by_week(data.ALL, ends, ends[0] + dt.timedelta(days=1))
    with pytest.raises(ValueError):   # two campaigns: two different baselines
        data.score_inputs_by_week(data.ALL, (*ends, dt.date(2026, 11, 20)), start)


def test_rank_trend_late_in_the_campaign(city_db: Path, use_db: Callable[[Path], Path]) -> None:
    from huxin import data
    from huxin import rules as R
    from huxin.config import load_rules

    use_db(city_db)
    as_of = dt.date(2026, 2, 10)     # late in the 2025/26 campaign (from 15 Nov 2025), which the demo covers
    trend = data.rank_trend(data.ALL, as_of)
    ends = data.campaign_week_ends(as_of)
    assert len(ends) == 14 and list(trend["d"].unique()) == ends
    for d in ends:
        want = R.league_scores(data.county_aggregates(data.ALL, d, dt.date(2025, 11, 15)), load_rules())
        got = trend[trend["d"] == d].drop(columns="d").reset_index(drop=True)
        pd.testing.assert_frame_equal(got[list(want.columns)], want)
