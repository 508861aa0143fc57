"""The weekly summary, the auto-written 通报 and the Word/Excel exports built from it.

- briefing_text on hand-made weeks (no clues at all, one county only, everything cleared, a county with a null rate,
  county scope, pace verdicts): pure, no database.
- weekly_summary on a small hand-made ledger: this week / last week / deltas counted by hand.
- The .docx and .xlsx for the demo city, opened and checked against huxin.data (numbers and stamp).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pandas as pd
import pytest

from huxin import briefing as B
from huxin import data, docx_report
from huxin.exports import CONFIDENTIAL

from .conftest import AS_OF

MON = dt.date(2026, 11, 16)
SUN = dt.date(2026, 11, 22)


# ---------------------------------------------------------------------------------------------
# Hand-made summaries
def totals(**kw: Any) -> dict[str, Any]:
    t = {"received": 0, "closed": 0, "closed_on_time": 0, "overdue_open": 0, "open_clues": 0, "open_cases": 0,
         "open_stock": 0, "cases_opened": 0, "workers_involved": 0, "amount_recovered": 0.0, "amount_owed": 0.0}
    t.update(kw)
    t["closure_rate"] = None if not t["received"] else t["closed"] / t["received"]
    t["on_time_rate"] = None if not t["closed"] else t["closed_on_time"] / t["closed"]
    return t


def county(code: str, name: str, rank: int, score: float, **kw: Any) -> dict[str, Any]:
    r = {"code": code, "name": name, "rank": rank, "score": score, "grade": "A" if score >= 90 else "B" if
         score >= 75 else "C" if score >= 60 else "D", "received": 0, "closed": 0, "overdue_open": 0,
         "open_stock": 0, "rank_change": 0, "is_last": False, "warning_level": None}
    r.update(kw)
    r["closure_rate"] = None if not r["received"] else r["closed"] / r["received"]
    r["on_time_rate"] = None if not r["closed"] else 1.0
    return r


def clearing(stock: int = 0, status: str = "已清零", **kw: Any) -> dict[str, Any]:
    c = {"campaign_name": "根治欠薪冬季专项行动", "campaign_start": dt.date(2026, 11, 15),
         "festival": dt.date(2027, 2, 6), "deadline": dt.date(2027, 2, 5), "deadline_label": "除夕",
         "days_left": 77, "working_days_left": 55, "open_stock": stock, "stock_at_start": stock,
         "required_pace": stock / 55, "actual_pace": None if not stock else 1.0, "projected_date": None,
         "status": status, "late_days": None, "year_end_deadline": dt.date(2026, 12, 31),
         "year_end_days_left": 41, "year_end_open": 0, "year_end_status": "已清零", "pace_window": 10}
    c.update(kw)
    return c


def summary(this: dict[str, Any], prev: dict[str, Any], rows: list[dict[str, Any]],
            clear: dict[str, Any] | None = None, matters: pd.DataFrame | None = None,
            own: list[str] | None = None, as_of: dt.date = SUN) -> dict[str, Any]:
    s = {"week_monday": MON, "week_sunday": SUN, "as_of": as_of, "partial": as_of < SUN,
         "prev_monday": MON - dt.timedelta(days=7), "prev_sunday": MON - dt.timedelta(days=1),
         "area": "全市" if own is None else "、".join(r["name"] for r in rows if r["code"] in own),
         "area_name": "开封市", "county_scope": own is not None, "own_codes": own, "scope_label": "测试",
         "this": this, "prev": prev, "kpis": B.kpis(this, prev), "table": pd.DataFrame(rows),
         "key_matters": matters if matters is not None else pd.DataFrame(columns=[
             "kind", "id", "county_name", "name", "level", "leader", "unit", "amount", "workers", "deadline",
             "workdays_left", "stage", "change", "new_large"]),
         "clearing": clear or (clearing(this["open_stock"], "按期", projected_date=dt.date(2027, 1, 20))
                               if this.get("open_stock") else clearing()),
         "large_workers": 30, "large_amount": 1_000_000, "target_closure_rate": 0.98}
    return s


def clean(text: str) -> None:
    """No leaked Python values or broken numbers in the prose."""
    for bad in ("None", "nan", "NaN", "—%", "inf", "{", "}"):
        assert bad not in text, (bad, text)


def test_no_clues_at_all() -> None:
    rows = [county("410202", "龙亭区", 1, 100.0), county("410203", "顺河回族区", 1, 100.0)]
    text = B.briefing_text(summary(totals(), totals(), rows))
    clean(text)
    assert "全市未受理欠薪线索" in text and "保持动态清零" in text
    assert "末位" not in text                      # a tie for first is no last place
    assert "2个县区综合得分均为100.0分，并列第一" in text
    assert "各县区均无超期未办结线索" in text
    assert "存量已清零" in text and "巩固动态清零成果" in text
    assert "距春节（2027年2月6日）还有76天" in text  # from the Sunday 22 November


def test_one_county_only() -> None:
    rows = [county("410225", "兰考县", 1, 82.5, received=10, closed=6, overdue_open=2, open_stock=7)]
    this = totals(received=10, closed=6, overdue_open=2, open_stock=7)
    prev = totals(received=8, closed=2, overdue_open=3, open_stock=5)
    text = B.briefing_text(summary(this, prev, rows, clearing(7, "按期", projected_date=dt.date(2027, 1, 10))))
    clean(text)
    assert "兰考县综合得分82.5分（B级）" in text
    assert "排名第一" not in text and "末位" not in text and "并列" not in text
    assert "受理欠薪线索10条，较上周增加2条" in text
    assert "已办结6条，办结率60.0%，较上周上升35.0个百分点" in text
    assert "超期未办结线索2条，较上周减少1条" in text
    assert "线索和案件存量7件，较上周增加2件" in text
    assert "集中在" not in text                     # nothing to compare with
    assert "预计1月10日清零，可在期限前完成" in text
    assert "兰考县要对超期未办结线索逐条倒排时限" in text


def test_everything_cleared() -> None:
    rows = [county("410202", "龙亭区", 1, 100.0, received=5, closed=5, rank_change=1),
            county("410203", "顺河回族区", 2, 95.0, received=3, closed=3, rank_change=-1, is_last=True)]
    this = totals(received=8, closed=8, closed_on_time=8, amount_recovered=123_456.0, workers_involved=40)
    prev = totals(received=8, closed=6, overdue_open=1, open_stock=2)
    text = B.briefing_text(summary(this, prev, rows))
    clean(text)
    assert "共受理欠薪线索8条，与上周持平" in text
    assert "办结率100.0%，较上周上升25.0个百分点" in text
    assert "无超期未办结线索（上周1条）" in text
    assert "线索和案件存量已全部清零" in text
    assert "追回欠薪12.35万元" in text and "涉及农民工40人" in text
    assert "龙亭区综合得分100.0分（A级），排名第一" in text and "顺河回族区综合得分95.0分（A级），排名末位" in text
    assert "存量已清零，实现动态清零" in text
    assert "巩固动态清零成果" in text and "加大存量化解力度" not in text


def test_county_with_a_null_rate() -> None:
    """The last county received nothing this week: its closure rate is None and the text says so in words."""
    rows = [county("410202", "龙亭区", 1, 90.0, received=4, closed=4, open_stock=1),
            county("410221", "杞县", 2, 70.0, received=0, closed=0, overdue_open=3, open_stock=9, is_last=True,
                   rank_change=-4, warning_level="橙")]
    this = totals(received=4, closed=4, overdue_open=3, open_stock=10)
    prev = totals(received=0, closed=0, overdue_open=0, open_stock=6)
    text = B.briefing_text(summary(this, prev, rows, clearing(10, "滞后", actual_pace=-0.4)))
    clean(text)
    assert "杞县综合得分70.0分（C级），排名末位，本周无新受理线索，超期未办结3条" in text
    # last week's rate was None (nothing received): no comparison is invented
    assert "已办结4条，办结率100.0%；" in text
    assert "名次下降较多的有杞县（↓4）" in text
    assert "存量不降反增（日均净增0.4件）" in text and "进度滞后" in text
    assert "排名末位的杞县要分析原因" in text and "各县区要加大存量化解力度" in text


def test_overdue_concentration_and_key_matters() -> None:
    rows = [county("1", "甲县", 1, 80.0, received=5, closed=4, overdue_open=8),
            county("2", "乙县", 2, 70.0, received=5, closed=3, overdue_open=1),
            county("3", "丙县", 3, 60.0, received=5, closed=2, overdue_open=1, is_last=True)]
    this = totals(received=15, closed=9, overdue_open=10, open_stock=30)
    matters = pd.DataFrame([
        {"kind": "案件", "id": "K1", "county_name": "甲县", "name": "某公司", "level": "挂牌督办", "leader": "副县长 甲",
         "unit": "人社局", "amount": 2_000_000.0, "workers": 50, "deadline": dt.date(2026, 12, 1),
         "workdays_left": 8, "stage": "调解", "change": "本周新立案", "new_large": True},
        {"kind": "线索", "id": "C1", "county_name": "乙县", "name": "某劳务", "level": "红色预警：超期", "leader": None,
         "unit": None, "amount": 10_000.0, "workers": 3, "deadline": dt.date(2026, 11, 10), "workdays_left": -8,
         "stage": "超期未办结", "change": "仍为红色", "new_large": False}])
    s = summary(this, totals(), rows, clearing(30, "有风险", projected_date=dt.date(2027, 2, 15), late_days=10),
                matters)
    text = B.briefing_text(s)
    clean(text)
    assert "超期未办结线索主要集中在甲县（8条），合计占全市的80.0%" in text
    assert "一是甲县要对超期未办结线索" in text        # the same counties are asked to act
    assert "晚于期限10天，存在风险" in text
    assert "本周新增重大欠薪事项1件（涉及30人以上或金额100万元以上）" in text
    assert "挂牌督办、领导包案、专案组案件1件" in text
    assert B.matter_counts(s) == {"total": 2, "new_large": 1, "supervised": 1, "red_clues": 1, "red_projects": 0}
    brief = B.key_matter_rows(s, briefing_only=True)
    assert brief["编号"].tolist() == ["K1"]
    assert B.key_matter_rows(s)["金额（万元）"].tolist() == [200.0, 1.0]


def test_county_scope_text() -> None:
    rows = [county("1", "甲县", 1, 80.0, received=5, closed=4),
            county("2", "乙县", 2, 70.0, received=6, closed=3, overdue_open=2, open_stock=4, rank_change=2),
            county("3", "丙县", 3, 60.0, received=5, closed=2, is_last=True)]
    this = totals(received=6, closed=3, overdue_open=2, open_stock=4)
    text = B.briefing_text(summary(this, totals(received=6, closed=3), rows, own=["2"], as_of=dt.date(2026, 11, 20)))
    clean(text)
    assert text.startswith("本周（11月16日至11月22日，数据截至11月20日周五），乙县共受理欠薪线索6条，与上周持平")
    assert "乙县综合得分70.0分（C级），在3个县区中排名第2（较上周上升2位）" in text
    assert "预计1月20日清零，可在期限前完成" in text and "要保持当前化解进度" in text
    assert "甲县" not in text and "丙县" not in text   # other counties are not described to a county user


# ---------------------------------------------------------------------------------------------
# weekly_summary on a small ledger, counted by hand
def _clue(i: int, received: str, county: str = "龙亭区", closed: str | None = None, workers: int = 3,
          amount: int = 30000) -> dict[str, Any]:
    return {"线索编号": f"XS{i:04d}", "来源渠道": "12345热线", "反映时间": received, "所属区县": county,
            "被反映单位": f"开封某劳务公司{i}", "涉及人数": str(workers), "涉及金额（元）": str(amount),
            "办理状态": "已办结" if closed else "办理中", "办结时间": closed or "",
            "核处结论": "欠薪属实已解决" if closed else "", "解决金额（元）": str(amount) if closed else ""}


def test_weekly_summary_counts_by_hand(make_db: Any, use_db: Any) -> None:
    path = make_db(clues=[
        _clue(1, "2026-11-10", closed="2026-11-12"),                 # last week, closed last week
        _clue(2, "2026-11-11"),                                      # last week, still open
        _clue(3, "2026-11-13", county="杞县", closed="2026-11-17"),   # last week, closed this week
        _clue(4, "2026-11-16", closed="2026-11-18"),                 # this week, closed
        _clue(5, "2026-11-17", county="杞县", workers=40),           # this week, open, 40 workers (red)
        _clue(6, "2026-11-19"),                                      # this week, open
        _clue(7, "2026-10-20"),                                      # old, open and overdue
    ])
    use_db(path)
    s = B.weekly_summary(data.ALL, dt.date(2026, 11, 18), AS_OF)   # any day of the week selects it
    assert (s["week_monday"], s["week_sunday"], s["as_of"], s["partial"]) == (MON, SUN, AS_OF, True)
    t, p = s["this"], s["prev"]
    assert (t["received"], t["closed"], t["open_stock"], t["workers_involved"]) == (3, 1, 4, 46)
    assert (p["received"], p["closed"], p["open_stock"], p["workers_involved"]) == (3, 1, 3, 9)
    assert t["closure_rate"] == pytest.approx(1 / 3) and p["closure_rate"] == pytest.approx(1 / 3)
    assert t["overdue_open"] == 1 and p["overdue_open"] == 1        # clue 7 (10 working days from 20 Oct)
    k = {x["key"]: x for x in s["kpis"]}
    assert k["received"]["delta"] == 0 and k["workers_involved"]["delta"] == 37
    assert k["amount_recovered"]["now"] == 60_000 and k["amount_recovered"]["before"] == 30_000
    assert t == data.totals(data.ALL, AS_OF, MON)
    assert p == data.totals(data.ALL, dt.date(2026, 11, 15), dt.date(2026, 11, 9))
    km = s["key_matters"]
    # red: clue 5 (40 workers, new this week: a new large matter) and clue 7 (13 working days overdue)
    assert km[km["kind"] == "线索"]["id"].tolist() == ["XS0005", "XS0007"]
    assert km[km["new_large"]]["id"].tolist() == ["XS0005"]
    text = B.briefing_text(s)
    clean(text)
    assert "共受理欠薪线索3条，与上周持平" in text
    # a week after as_of cannot be computed
    with pytest.raises(ValueError, match="晚于数据截至日期"):
        B.weekly_summary(data.ALL, dt.date(2026, 11, 23), AS_OF)


def _case(cid: str, opened: str, workers: int, amount: int, supervision: str | None = None,
          closed: str | None = None) -> dict[str, Any]:
    return {"案件编号": cid, "所属区县": "410202", "用人单位": f"开封某劳务公司{cid}", "立案日期": opened,
            "欠薪人数": workers, "欠薪金额（元）": amount, "案件状态": "已结案" if closed else "调解",
            "督办级别": supervision, "包案领导": "龙亭区副区长 王某某" if supervision else None,
            "结案日期": closed, "办结时限": "2026-12-15"}


def test_key_matters_by_hand(make_db: Any, use_db: Any) -> None:
    """Which cases and clues are 重点督办事项 in the week of 16–20 Nov, and what changed since Sunday 15 Nov."""
    use_db(make_db(clues=[
        _clue(1, "2026-10-29", amount=20000),   # due Thu 12 Nov: 1 working day late on 15 Nov (橙), 6 on 20 Nov (红)
        _clue(2, "2026-10-20", amount=10000),   # due 3 Nov: already more than 5 working days late on 15 Nov (红)
        _clue(3, "2026-11-17", workers=40),     # new this week, 40 workers: red and a new large matter
        _clue(4, "2026-11-18"),                 # new, small, far from due: not a key matter
    ], cases=[
        _case("AJ-1", "2026-11-02", 5, 50000, "挂牌督办"),             # escalated, open: listed, no change
        _case("AJ-2", "2026-11-02", 100, 300000),                      # large but neither new nor escalated
        _case("AJ-3", "2026-11-17", 40, 300000),                       # new this week and large
        _case("AJ-4", "2026-11-17", 3, 9000),                          # new but small
        _case("AJ-5", "2026-11-02", 5, 50000, "挂牌督办", "2026-11-18"),  # escalated but closed by 20 Nov
    ]))
    km = data.key_matters(data.ALL, MON, AS_OF)
    assert km["id"].tolist() == ["AJ-3", "XS0003", "AJ-1", "XS0001", "XS0002"]
    got = km.set_index("id")
    # AJ-1 was first loaded after Monday (the test loads now): its stage last week is not known
    assert got["change"].to_dict() == {"AJ-3": "本周新立案", "XS0003": "本周新增", "AJ-1": "—",
                                       "XS0001": "本周升为红色", "XS0002": "仍为红色"}
    assert got["new_large"].to_dict() == {"AJ-3": True, "XS0003": True, "AJ-1": False, "XS0001": False,
                                          "XS0002": False}
    assert (got.at["AJ-3", "level"], got.at["AJ-1", "level"]) == ("重大案件", "挂牌督办")
    assert got.at["XS0001", "level"].startswith("红色预警：超期 6 个工作日")



def test_case_stage_change_from_the_loads_before_monday(make_db: Any, use_db: Any, tmp_path: Path) -> None:
    """The case ledger has no dated stages: last week's stage is the case's version in the last load before Monday."""
    from etl.load import load_files
    from huxin import db
    from huxin.vocab import CASE_HEADERS
    from tests.conftest import write_csv

    path = make_db(cases=[_case("AJ-1", "2026-11-02", 5, 50000, "挂牌督办"),
                          _case("AJ-6", "2026-11-02", 5, 50000, "挂牌督办")])
    with db.writer(path) as con:   # that load finished last Friday
        con.execute("UPDATE load_batches SET finished_at = TIMESTAMP '2026-11-13 17:00:00'")
    this_week = [{**_case("AJ-1", "2026-11-02", 5, 50000, "挂牌督办"), "案件状态": "移送公安"},   # stage moved
                 _case("AJ-6", "2026-11-02", 5, 50000, "挂牌督办"),                              # unchanged
                 _case("AJ-8", "2026-11-03", 5, 50000, "挂牌督办")]     # opened before, first loaded this week
    load_files(path, [write_csv(tmp_path / "cases_week.csv", this_week, list(CASE_HEADERS))], today=AS_OF)
    use_db(path)
    got = data.key_matters(data.ALL, MON, AS_OF).set_index("id")["change"].to_dict()
    assert got == {"AJ-1": "阶段变为移送公安", "AJ-6": "无变化", "AJ-8": "—"}

def test_week_helpers() -> None:
    assert B.monday_of(dt.date(2026, 11, 22)) == MON
    assert B.parse_week("2026-11-19") == MON and B.parse_week("x") is None and B.parse_week(None) is None
    assert B.week_end(MON, AS_OF) == AS_OF and B.week_end(MON - dt.timedelta(days=7), AS_OF) == dt.date(2026, 11, 15)
    assert B.week_options(AS_OF, 3) == [MON, dt.date(2026, 11, 9), dt.date(2026, 11, 2)]
    assert B.week_label(MON) == "2026年第47周（11月16日—11月22日）"


# ---------------------------------------------------------------------------------------------
# The Word and Excel files for the demo city
@pytest.fixture(scope="module")
def city_summary(city_db: Path) -> dict[str, Any]:
    import os

    from huxin import db

    old = os.environ.get("ARREARS_DB")
    os.environ["ARREARS_DB"] = str(city_db)
    db.forget_readers()
    try:
        yield B.weekly_summary(data.ALL, MON, AS_OF)
    finally:
        if old is None:
            os.environ.pop("ARREARS_DB", None)
        else:
            os.environ["ARREARS_DB"] = old
        db.forget_readers()


def _num(s: str) -> float:
    return float(s.replace(",", "").replace("%", "").replace("+", ""))


def test_docx_numbers_and_stamp(city_db: Path, use_db: Any, city_summary: dict[str, Any]) -> None:
    use_db(city_db)
    s = city_summary
    text = B.briefing_text(s) + "\n（已人工修改）"
    stamp = docx_report.week_stamp(s, "市级管理员", title="开封市根治欠薪工作周调度通报")
    raw = docx_report.weekly_docx(s, text, stamp, [], "（测试：不附图表）")
    d = docx.Document(io.BytesIO(raw))
    paras = [p.text for p in d.paragraphs]
    body = "\n".join(paras)
    assert paras[0] == CONFIDENTIAL and "开封市根治欠薪工作周调度通报" in paras
    assert "数据截至：2026年11月20日" in body and "周次 2026年第47周" in body and "范围：市级管理员" in body
    assert "（已人工修改）" in paras                 # the edited text is what is exported
    assert d.sections[0].header.paragraphs[0].text == CONFIDENTIAL
    assert "PAGE" in d.sections[0].footer.paragraphs[0]._p.xml
    kpi, county_t, matters = d.tables
    this = data.totals(data.ALL, AS_OF, MON)
    prev = data.totals(data.ALL, dt.date(2026, 11, 15), dt.date(2026, 11, 9))
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in kpi.rows[1:]}
    assert _num(rows["新增线索（条）"][1]) == this["received"] and _num(rows["新增线索（条）"][2]) == prev["received"]
    assert _num(rows["新增线索（条）"][3]) == this["received"] - prev["received"]
    assert _num(rows["存量（件）"][1]) == this["open_stock"]
    assert rows["办结率"][1] == f"{this['closure_rate'] * 100:.1f}%"
    assert _num(rows["追回金额（万元）"][1]) == pytest.approx(this["amount_recovered"] / 10000, abs=0.006)
    table = data.county_table(data.ALL, AS_OF, MON)
    got = [[c.text for c in r.cells] for r in county_t.rows[1:]]
    assert [g[1].removesuffix("（末位）") for g in got] == table["name"].tolist()
    assert [int(g[0]) for g in got] == table["rank"].tolist()
    assert [int(g[3]) for g in got] == table["received"].tolist()
    assert [int(g[7]) for g in got] == table["overdue_open"].tolist()
    assert [float(g[9]) for g in got] == table["score"].tolist()
    last = table[table["is_last"]]["name"].tolist()
    assert [g[1] for g in got if g[1].endswith("（末位）")] == [f"{n}（末位）" for n in last]
    brief = B.key_matter_rows(s, briefing_only=True)
    assert len(matters.rows) - 1 == min(len(brief), docx_report.MATTERS_IN_DOC)
    assert f"共{len(brief)}项" in body


def test_docx_for_cli_has_charts(city_db: Path, use_db: Any) -> None:
    from huxin import static_images

    if not static_images.available():
        pytest.skip("no Chromium")
    use_db(city_db)
    raw = docx_report.weekly_docx_for(data.ALL, MON, AS_OF)
    d = docx.Document(io.BytesIO(raw))
    assert len(d.inline_shapes) == 3                                   # two charts and the warning map
    captions = [p.text for p in d.paragraphs if p.text.startswith("图：")]
    assert captions == ["图：本周受理与办结", "图：存量与预警", f"图：{docx_report.MAP_NAME}"]
    assert any(p.text.startswith("本周（11月16日至11月22日") for p in d.paragraphs)


def test_xlsx_numbers_and_stamp(city_db: Path, use_db: Any, city_summary: dict[str, Any]) -> None:
    use_db(city_db)
    s = city_summary
    stamp = docx_report.week_stamp(s, "市级管理员")
    wb = openpyxl.load_workbook(io.BytesIO(docx_report.weekly_xlsx(s, "第一段\n\n第二段", stamp)))
    assert wb.sheetnames == ["主要指标", "县区情况", "重点督办事项", "通报正文"]
    for ws in wb:
        assert ws.cell(1, 1).value.startswith("数据截至：2026年11月20日")
        assert "周次 2026年第47周" in ws.cell(2, 1).value
        assert ws.cell(3, 1).value == CONFIDENTIAL
    ws = wb["主要指标"]
    head = [c.value for c in ws[5]]
    this = data.totals(data.ALL, AS_OF, MON)
    prev = data.totals(data.ALL, dt.date(2026, 11, 15), dt.date(2026, 11, 9))
    now = dict(zip(head, [c.value for c in ws[6]], strict=True))
    before = dict(zip(head, [c.value for c in ws[7]], strict=True))
    change = dict(zip(head, [c.value for c in ws[8]], strict=True))
    assert (now["周期"], before["周期"], change["周期"]) == ("本周", "上周", "较上周变化")
    for col, key in (("新增线索（条）", "received"), ("办结（条）", "closed"), ("超期未办结（条）", "overdue_open"),
                     ("存量（件）", "open_stock"), ("新立案件（件）", "cases_opened"), ("涉及人数（人）", "workers_involved")):
        assert now[col] == this[key] and before[col] == prev[key] and change[col] == this[key] - prev[key], col
    assert now["办结率"] == pytest.approx(this["closure_rate"])
    assert now["追回金额（万元）"] == pytest.approx(round(this["amount_recovered"] / 10000, 2))
    assert ws.cell(6, head.index("办结率") + 1).number_format == "0.0%"
    ws = wb["县区情况"]
    head = [c.value for c in ws[5]]
    body = [dict(zip(head, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=6)]
    table = data.county_table(data.ALL, AS_OF, MON)
    assert [r["区县"] for r in body] == table["name"].tolist()
    assert [r["受理"] for r in body] == table["received"].tolist()
    assert [r["存量"] for r in body] == table["open_stock"].tolist()
    assert [r["备注"] or "" for r in body] == ["末位" if x else "" for x in table["is_last"]]
    rates = [None if pd.isna(x) else x for x in table["on_time_rate"]]
    assert [None if r["按期办结率"] == "—" else r["按期办结率"] for r in body] == pytest.approx(rates)
    assert ws.cell(6, head.index("办结率") + 1).number_format == "0.0%"
    ws = wb["重点督办事项"]
    assert ws.max_row - 5 == len(s["key_matters"])
    texts = [c.value for c in wb["通报正文"]["A"]][5:]
    assert texts == ["第一段", "第二段"]


def test_exports_carry_no_personal_data(city_summary: dict[str, Any]) -> None:
    """Key matters never include complainants' names, phones or ID numbers (cases and projects carry none; clues'
    personal columns are not selected)."""
    sheets = B.export_sheets(city_summary, "")
    for df in sheets.values():
        assert not {"反映人", "联系电话", "身份证号", "complainant", "phone", "id_number"} & set(df.columns)
    km = sheets["重点督办事项"]
    blob = " ".join(str(v) for v in km.to_numpy().ravel())
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", blob)
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", blob)


def test_key_matter_clues_and_projects_are_the_red_records(city_db: Path, use_db: Any) -> None:
    # key_matters finds red clues in the light open-clue frame and red projects without all reasons; the rows must be
    # those of the full records: the same ids, the same reasons, stages, deadlines and amounts
    use_db(city_db)
    for monday in (dt.date(2026, 11, 16), dt.date(2026, 11, 9), dt.date(2026, 3, 2)):
        end = monday + dt.timedelta(days=min(6, (AS_OF - monday).days))
        km = data.key_matters(data.ALL, monday, end)
        full = data.clues(data.ALL, end, data.Filters(levels=("红",)), True, 10_000_000).set_index("clue_id")
        got = km[km["kind"] == "线索"].set_index("id")
        assert len(got) == len(full) > 0 and set(got.index) == set(full.index)
        full = full.loc[got.index]
        assert (got["level"] == "红色预警：" + full["warning_reasons"]).all()
        assert (got["stage"] == full["status_at"]).all() and (got["county_name"] == full["county_name"]).all()
        assert (got["workdays_left"] == full["workdays_to_due"]).all() and (got["deadline"] == full["due_date"]).all()
        assert got["amount"].equals(pd.to_numeric(full["amount"]).astype("float64").rename("amount"))
        pj = data.projects(data.ALL, end).set_index("project_id")
        pj = pj[pj["warning_level"] == "红"]
        gp = km[km["kind"] == "项目"].set_index("id")
        assert set(gp.index) == set(pj.index) and len(gp) > 0
        assert (gp["level"] == "红色预警：" + pj.loc[gp.index, "warning_reasons"]).all()


def test_briefing_map_colours_each_county_by_its_level(city_db: Path, use_db: Any,
                                                      city_summary: dict[str, Any]) -> None:
    """The map in the Word 通报: every county of the week's table, coloured by the table's warning level."""
    from huxin.charts import maps as M

    use_db(city_db)
    fig = docx_report.warning_map_figure(city_summary)
    table = city_summary["table"]
    filled = [t for t in fig.data if t.fill == "toself"]
    counts = table["warning_level"].fillna("无").value_counts()
    got = {t.fillcolor: int(t.name.rsplit("（", 1)[1].rstrip("）")) for t in filled}
    want = {M.LEVEL_HEX.get(lv, M.NO_LEVEL_COLOR) if lv != "无" else M.NO_LEVEL_COLOR: int(n)
            for lv, n in counts.items()}
    assert got == want and sum(got.values()) == len(table)
    assert city_summary["area_name"] in fig.layout.title.text
    assert {t.type for t in fig.data} == {"scatter"}                  # no geo subplot: nothing fetched online
    # a county user's 通报 ranks every county, and so does its map
    only_a = {**city_summary, "table": table.head(2)}
    assert sum(int(t.name.rsplit("（", 1)[1].rstrip("）")) for t in docx_report.warning_map_figure(only_a).data
               if t.fill == "toself") == 2
    assert docx_report.warning_map_figure({**city_summary, "table": table.iloc[0:0]}) is None
