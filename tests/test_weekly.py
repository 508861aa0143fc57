"""周调度 page (AppTest on the demo city), its chart builders and the offline PNG export.

The page's numbers must equal the data/rules functions for the chosen week, the week-over-week deltas must be this
week minus last week, ?week= must select the week, and presentation mode must show content only (no widgets).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from huxin import briefing as B
from huxin import data, static_images
from huxin.charts import weekly as WC
from huxin.vocab import LEVEL_COLORS

from .conftest import AS_OF

MON = dt.date(2026, 11, 16)
PREV = (dt.date(2026, 11, 9), dt.date(2026, 11, 15))


def metrics(at: Any) -> dict[str, Any]:
    return {m.label: m for m in at.main.metric}


def check_kpis(at: Any, this: dict[str, Any], prev: dict[str, Any]) -> None:
    m = metrics(at)
    for label, key, unit in (("新增线索", "received", "条"), ("办结", "closed", "条"), ("超期未办结", "overdue_open", "条"),
                             ("存量", "open_stock", "件"), ("新立案件", "cases_opened", "件"),
                             ("涉及人数", "workers_involved", "人")):
        assert m[label].value == f"{this[key]:,}", label
        d = this[key] - prev[key]
        assert m[label].delta == (f"{d:+,} {unit}" if d else "持平"), label
    assert m["办结率"].value == f"{this['closure_rate']:.1%}"
    assert m["办结率"].delta == f"{(this['closure_rate'] - prev['closure_rate']) * 100:+.1f} 个百分点"
    money = m.get("追回金额（万元）") or m["追回(万元)"]
    assert money.value == f"{this['amount_recovered'] / 10000:,.1f}"
    assert money.delta == f"{(this['amount_recovered'] - prev['amount_recovered']) / 10000:+,.1f} 万元"


@pytest.fixture
def city(city_db: Path, use_db: Any) -> Path:
    use_db(city_db)
    return city_db


def test_page_numbers_equal_the_data_functions(city: Path, app_test: Any) -> None:
    at = app_test(city, page="weekly", query={"week": "2026-11-16"})
    assert not at.exception
    this, prev = data.totals(data.ALL, AS_OF, MON), data.totals(data.ALL, PREV[1], PREV[0])
    check_kpis(at, this, prev)
    assert at.main.selectbox(key="weekly_week").value == MON
    # the county table: sorted by rank, numbers from the rules functions, last place marked
    shown = at.main.dataframe[0].value
    table = data.county_table(data.ALL, AS_OF, MON)
    assert shown["区县"].tolist() == table["name"].tolist()
    assert shown["排名"].astype(int).tolist() == table["rank"].tolist()
    assert shown["受理"].astype(int).tolist() == table["received"].tolist()
    assert shown["超期未办结"].astype(int).tolist() == table["overdue_open"].tolist()
    assert shown["存量"].astype(int).tolist() == table["open_stock"].tolist()
    assert shown["得分"].astype(float).tolist() == table["score"].tolist()
    assert (shown["备注"] == "末位").tolist() == table["is_last"].tolist()
    expected_change = [B.rank_change_text(x) for x in table["rank_change"]]
    assert shown["名次变化"].tolist() == expected_change
    # key matters and the 通报 text come from the same summary
    s = B.weekly_summary(data.ALL, MON, AS_OF)
    counts = B.matter_counts(s)
    m = metrics(at)
    assert m["重点事项合计"].value == str(counts["total"]) and m["本周新增重大事项"].value == str(counts["new_large"])
    assert at.main.text_area[0].value == B.briefing_text(s)
    assert {b.label for b in at.main.download_button} >= {"Word 通报（.docx）", "Excel 表格（.xlsx）"}


def test_week_parameter_any_day_and_picker(city: Path, app_test: Any) -> None:
    at = app_test(city, page="weekly", query={"week": "2026-11-11"})   # a Wednesday selects its week
    assert not at.exception
    this = data.totals(data.ALL, PREV[1], PREV[0])
    prev = data.totals(data.ALL, dt.date(2026, 11, 8), dt.date(2026, 11, 2))
    check_kpis(at, this, prev)
    assert any("本周 11月09日（周一）至 11月15日（周日）；对比上周 11月02日 至 11月08日" in c.value
               for c in at.main.caption)
    at.main.selectbox(key="weekly_week").set_value(MON).run()
    assert at.query_params["week"] in ("2026-11-16", ["2026-11-16"])   # the URL follows the picker
    check_kpis(at, data.totals(data.ALL, AS_OF, MON), data.totals(data.ALL, PREV[1], PREV[0]))
    # a week after the as-of date falls back to the current week with a warning
    at = app_test(city, page="weekly", query={"week": "2026-11-30"})
    assert any("晚于数据截至日期" in w.value for w in at.main.warning)
    assert at.main.selectbox(key="weekly_week").value == MON


def test_edited_text_is_kept_and_can_be_reset(city: Path, app_test: Any) -> None:
    at = app_test(city, page="weekly", query={"week": "2026-11-16"})
    auto = at.main.text_area[0].value
    at.main.text_area[0].set_value("本周通报（人工修改稿）").run()
    assert at.main.text_area[0].value == "本周通报（人工修改稿）"
    at.main.button(key="briefing_reset").click().run()
    assert at.main.text_area[0].value == auto


def test_present_mode_hides_the_widgets(city: Path, app_test: Any) -> None:
    at = app_test(city, page="weekly", query={"mode": "present", "week": "2026-11-16"})
    assert not at.exception
    main = at.main
    for kind in ("selectbox", "text_area", "button", "download_button", "pills", "date_input", "toggle"):
        assert len(getattr(main, kind)) == 0, kind
    check_kpis(at, data.totals(data.ALL, AS_OF, MON), data.totals(data.ALL, PREV[1], PREV[0]))
    s = B.weekly_summary(data.ALL, MON, AS_OF)
    assert len(main.table) == 2                       # county table and key matters, large type
    assert [t.value for t in main.text] == [B.briefing_text(s)]
    assert "display: none" in "".join(m.value for m in main.markdown if "<style>" in m.value)


def test_page_at_scale_bounds_what_it_sends(city: Path, app_test: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the limits lowered below the nine counties the city behaves as a province would: the county table keeps
    every county (uncoloured, scrolling), the projector shows the first and last few, key matters the first few."""
    monkeypatch.setattr(B, "TABLE_MAX_COLOURED", 4)
    monkeypatch.setattr(B, "PRESENT_ENDS", 2)
    monkeypatch.setattr(B, "MATTERS_SHOWN", 3)
    s = B.weekly_summary(data.ALL, MON, AS_OF)
    total = B.matter_counts(s)["total"]
    assert total > 3
    at = app_test(city, page="weekly", query={"week": "2026-11-16"})
    assert not at.exception, at.exception
    county = at.main.dataframe[0].value
    assert isinstance(county, pd.DataFrame) and len(county) == 9     # every county; a plain frame, not a Styler
    assert county["办结率"].map(lambda v: v == "—" or v.endswith("%")).all()
    km = at.main.dataframe[-1].value
    assert km["编号"].tolist() == B.key_matter_rows(s)["编号"].head(3).tolist()
    assert any(f"共 {total:,} 项" in c.value and "表中列出前 3 项" in c.value for c in at.main.caption)
    present = app_test(city, page="weekly", query={"mode": "present", "week": "2026-11-16"})
    assert not present.exception, present.exception
    shown = present.main.table[0].value
    names = data.county_table(data.ALL, AS_OF, MON)["name"].tolist()
    assert [n.replace("（末位）", "") for n in shown["区县"]] == names[:2] + names[-2:]
    assert any("共 9 个县区，表中为排名前 2 位和后 2 位" in c.value for c in present.main.caption)


def test_county_user_sees_own_totals(city: Path, app_test: Any) -> None:
    at = app_test(city, page="weekly", role="county_user", county="410225", query={"week": "2026-11-16"})
    assert not at.exception
    scope = data.Scope(counties=("410225",))
    check_kpis(at, data.totals(scope, AS_OF, MON), data.totals(scope, PREV[1], PREV[0]))
    assert at.main.text_area[0].value.startswith("本周（11月16日至11月22日，数据截至11月20日周五），兰考县")
    shown = at.main.dataframe[-1].value                     # the full key-matters list
    assert set(shown["区县"]) <= {"兰考县"}


# ---------------------------------------------------------------------------------------------
# Chart builders (pure)
def table_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"code": "2", "name": "乙县", "rank": 2, "received": 5, "closed": 1, "closure_rate": 0.2, "open_stock": 9,
         "overdue_open": 4, "warning_level": "红"},
        {"code": "1", "name": "甲县", "rank": 1, "received": 8, "closed": 8, "closure_rate": 1.0, "open_stock": 2,
         "overdue_open": 0, "warning_level": None},
        {"code": "3", "name": "丙县", "rank": 3, "received": 0, "closed": 0, "closure_rate": None, "open_stock": 5,
         "overdue_open": 1, "warning_level": "黄"},
    ])


def test_received_closed_chart() -> None:
    fig = WC.received_closed(table_frame())
    rec, clo = fig.data
    assert list(rec.x) == ["甲县", "乙县", "丙县"]          # rank order
    assert list(rec.y) == [8, 5, 0] and list(clo.y) == [8, 1, 0]
    assert list(clo.customdata) == ["100%", "20%", "—"]
    assert "Noto Sans CJK SC" in fig.layout.font.family


def test_stock_chart_colours_by_level() -> None:
    fig = WC.stock_by_county(table_frame())
    bars = {t.name: t for t in fig.data}
    assert list(bars["红色预警"].x) == ["乙县"] and bars["红色预警"].marker.color == LEVEL_COLORS["红"]
    assert list(bars["黄色预警"].x) == ["丙县"] and list(bars["无预警"].x) == ["甲县"]
    assert list(bars["其中超期未办结线索"].y) == [4, 1, 0]        # largest stock first
    assert list(fig.layout.xaxis.categoryarray) == ["乙县", "丙县", "甲县"]


def test_charts_at_scale_show_the_ends_only() -> None:
    """100 counties (a province): the received/closed bars keep the best and worst ten by rank with a gap between,
    the stock bars the twenty largest; each says so; two counties sharing a name stay apart."""
    from huxin.charts import ranking as RC

    n = 100
    t = pd.DataFrame({"code": [f"{i:06d}" for i in range(n)], "name": [f"县{i}" for i in range(n)],
                      "rank": list(range(1, n + 1)), "received": [i % 7 for i in range(n)],
                      "closed": [i % 3 for i in range(n)], "closure_rate": [None] * n,
                      "open_stock": list(range(n)), "overdue_open": [1] * n, "warning_level": ["红"] * n})
    t.loc[98, "name"] = "县0"                                        # a name shared with the first county
    fig = WC.received_closed(t)
    edge = RC.BAR_EDGE
    shown = list(fig.data[0].x)
    assert len(shown) == 2 * edge and shown[0] == "县0（000000）" and shown[-2] == "县0（000098）"
    assert list(fig.layout.xaxis.categoryarray)[edge] == RC.GAP
    assert "共 100 个区县" in fig.layout.title.subtitle.text
    stock = WC.stock_by_county(t)
    bars = [x for tr in stock.data[:-1] for x in tr.x]
    assert len(bars) == 2 * edge and bars[0] == "县99" and "县0（000098）" in bars
    assert "只显示存量最大的 20 个" in stock.layout.title.subtitle.text
    small = WC.stock_by_county(t.head(9))                           # a city: every county, no subtitle
    assert len(small.data[-1].x) == 9 and not small.layout.title.subtitle.text


def test_empty_charts() -> None:
    for builder in (WC.received_closed, WC.stock_by_county):
        fig = builder(pd.DataFrame())
        assert not fig.data and fig.layout.annotations[0].text == "本周暂无数据"


# ---------------------------------------------------------------------------------------------
# PNG export
def test_png_without_chromium_is_a_chinese_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert static_images.browser_path() is None
    with pytest.raises(static_images.StaticImageError, match="无法生成图表图片.*BROWSER_PATH.*不存在"):
        static_images.figure_to_png(go.Figure())


@pytest.mark.browser
def test_png_offline_with_system_chromium() -> None:
    if not static_images.available():
        pytest.skip("no Chromium")
    pngs = static_images.figures_to_png([WC.received_closed(table_frame()), WC.stock_by_county(table_frame())],
                                        width=600, height=300, scale=1)
    assert len(pngs) == 2
    for png in pngs:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (w, h) == (600, 300)
