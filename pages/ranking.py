"""县区排名: who is ahead, who is behind, and why — the league table of the 考核-style county score, its charts and
the weekly rank trend of the campaign. Choosing a county opens its drill-down (pages/drill.py?county=…).

Every number is huxin.data.county_table (huxin.rules.county_table) for the chosen period; this page lays it out.
A county user sees the city-wide table (aggregates only, as published) but can drill into their own county only.

At province or national scale (more than C.BAR_MAX_ALL counties) the table still lists every county, but the charts
show the best and the worst few (and the trend the top and bottom few plus the user's own and picked counties), and
the 得分计算明细 shows one chosen county at a time; the Excel export keeps every row. A city is shown as before.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping

import pandas as pd
import streamlit as st

from huxin import data, ui, webchart
from huxin import rules as R
from huxin.charts import ranking as C
from huxin.vocab import LEVEL_COLORS, LEVELS

ctx = ui.page("ranking", "县区排名")
rules = ctx.rules
camp = ctx.context.campaign
cfg = st.column_config

# Score items in the order of rules.county_score: (points column, label, figure column, figure kind)
ITEMS = (
    ("pts_closure_rate", "办结率", "closure_rate", "rate"),
    ("pts_on_time_rate", "按期办结率", "on_time_rate", "rate"),
    ("pts_overdue", "超期未办结", "overdue_open", "count"),
    ("pts_clearing_progress", "存量清零进度", "clearing_progress", "rate"),
    ("pts_safeguards", "制度落实率", "safeguard_rate", "rate"),
    ("pts_repeat", "重复反映率", "repeat_rate", "rate"),
)
WEIGHTS = {"pts_closure_rate": rules.score.closure_rate, "pts_on_time_rate": rules.score.on_time_rate,
           "pts_overdue": rules.score.overdue, "pts_clearing_progress": rules.score.clearing_progress,
           "pts_safeguards": rules.score.safeguards, "pts_repeat": rules.score.repeat}
FORMULAS = {"pts_closure_rate": f"{rules.score.closure_rate:g} × 办结率（已办结 ÷ 受理）",
            "pts_on_time_rate": f"{rules.score.on_time_rate:g} × 按期办结率（按期办结 ÷ 已办结）",
            "pts_overdue": f"{rules.score.overdue:g} × (1 − 超期未办结 ÷ 未办结线索)",
            "pts_clearing_progress": f"{rules.score.clearing_progress:g} × clamp(1 − 存量 ÷ 行动开始时存量, 0, 1)",
            "pts_safeguards": f"{rules.score.safeguards:g} × 五项核心制度全部落实的在建项目占比",
            "pts_repeat": f"{rules.score.repeat:g} × (1 − 重复反映率)"}


def rank_change_text(v: object) -> str:
    """↑2 moved up two places since a week earlier, ↓1 down one, → unchanged, — no ranking a week earlier."""
    if v is None or pd.isna(v):
        return "—"
    n = int(v)
    return f"↑{n}" if n > 0 else f"↓{-n}" if n < 0 else "→"


def league_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The league table with Chinese headers (shown and exported as is)."""
    t = C.with_progress(table)
    out = pd.DataFrame({
        "排名": t["rank"].astype(int), "较上周": [rank_change_text(v) for v in t["rank_change"]],
        "区县": t["name"], "等级": t["grade"], "得分": t["score"].astype(float),
        "末位": ["末位" if x else "" for x in t["is_last"]],
        "预警": [lv if isinstance(lv, str) else "" for lv in t["warning_level"]],
    })
    for pts, label, fig, _kind in ITEMS:
        out[f"{label}得分"] = t[pts].astype(float).round(1)
        out[label if fig != "overdue_open" else "超期未办结条数"] = t[fig]
        if fig == "clearing_progress":
            out["存量"] = t["open_stock"].astype(int)
    out["受理"] = t["received"].astype(int)
    out["已办结"] = t["closed"].astype(int)
    out["未办结线索"] = t["open_clues"].astype(int)
    out["预警原因"] = t["warning_reasons"].fillna("")
    out["区县代码"] = t["code"]
    return out


def detail_frame(table: pd.DataFrame) -> pd.DataFrame:
    """得分明细: one row per county and score item, from rules.county_score on the table's counts."""
    rows = []
    for r in table.to_dict("records"):
        sc = R.county_score(int(r["received"]), int(r["closed"]), int(r["closed_on_time"]), int(r["overdue_open"]),
                            int(r["open_clues"]), int(r["open_stock"]), int(r["open_stock_at_start"]),
                            int(r["active_projects"]), int(r["projects_all_core"]), int(r["repeat_clues"]), rules)
        for it in sc.items:
            rows.append({"排名": int(r["rank"]), "区县": r["name"], "得分项": it.label, "得分": round(it.points, 2),
                         "满分": it.max_points, "计算依据": it.figure, "公式": it.formula})
        rows.append({"排名": int(r["rank"]), "区县": r["name"], "得分项": "合计", "得分": sc.total, "满分": 100.0,
                     "计算依据": f"等级 {sc.grade}", "公式": "六项之和，保留一位小数"})
    return pd.DataFrame(rows)


class LazySheets(Mapping[str, pd.DataFrame]):
    """Export sheets built on first access, i.e. when 「导出 Excel」 is clicked (ui.download_table builds the
    workbook only then): the 得分明细 of every county is 20,000 rows nationally, not worth building on every view."""

    def __init__(self, makers: dict[str, Callable[[], pd.DataFrame]]) -> None:
        self._makers = makers
        self._built: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._built:
            self._built[name] = self._makers[name]()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def column_config(present: bool) -> dict:
    rate = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
    conf = {
        "排名": cfg.NumberColumn("排名", format="%d", pinned=True, width="small"),
        "较上周": cfg.TextColumn("较上周", help="与 7 天前（同一统计口径）的排名相比：↑ 上升，↓ 下降，→ 持平", width="small"),
        "区县": cfg.TextColumn("区县", pinned=True),
        "等级": cfg.MultiselectColumn("等级", options=list(C.GRADE_COLORS), color=list(C.GRADE_COLORS.values()),
                                    help=f"A ≥ {rules.score.grade_a:g}，B ≥ {rules.score.grade_b:g}，"
                                         f"C ≥ {rules.score.grade_c:g}，D 低于 {rules.score.grade_c:g}", width="small"),
        "得分": cfg.ProgressColumn("综合得分", format="%.1f", min_value=0, max_value=100,
                                 help="六项得分之和（满分 100）；各项公式见各得分列表头，数据见下方「得分计算明细」"),
        "末位": cfg.TextColumn("末位", width="small"),
        "预警": cfg.MultiselectColumn("预警", options=list(LEVELS), color=[LEVEL_COLORS[x] for x in LEVELS],
                                    width="small", help="县区预警：超期未办结数与预计清零日期"),
        "超期未办结条数": cfg.NumberColumn("超期未办结", format="%d", help="截至当日超期未办结的线索（条）"),
        "存量": cfg.NumberColumn("存量", format="%d", help="未办结线索 + 未结案件"),
        "受理": cfg.NumberColumn("受理", format="%d"), "已办结": cfg.NumberColumn("已办结", format="%d"),
        "未办结线索": cfg.NumberColumn("未办结线索", format="%d"),
    }
    for pts, label, fig, kind in ITEMS:
        conf[f"{label}得分"] = cfg.NumberColumn(f"{label}得分", format="%.1f",
                                               help=f"满分 {WEIGHTS[pts]:g}：{FORMULAS[pts]}")
        if kind == "rate":
            conf[label] = cfg.ProgressColumn(label, help=C.INDICATORS[fig].help, **rate)
    if present:
        conf["区县代码"] = None
        conf["预警原因"] = None
    return conf


def go_drill(code: str, kind: str, start: dt.date) -> None:
    params = {"county": code, "period": kind}
    if kind == "custom":
        params["from"] = start.isoformat()
    st.switch_page("pages/drill.py", query_params=params)


def replay_last_week(day: dt.date) -> None:
    ui.set_as_of(day)


# --- Period ------------------------------------------------------------------------------------------------
as_of = ctx.as_of
kind = st.session_state.get("rk_period") or "campaign"
if ctx.present:  # no widgets on the projector: keep the period chosen before switching to presentation mode
    rng = st.session_state.get("rk_custom")
    if kind == "custom" and isinstance(rng, (tuple, list)) and len(rng) == 2:
        start, as_of = rng[0], rng[1]
    else:
        kind = "campaign" if kind == "custom" else kind
        start = data.period_start(kind, as_of)
else:
    c1, c2, c3 = st.columns([4, 3, 2], vertical_alignment="bottom")
    kind = c1.segmented_control("统计期间", list(data.PERIODS), format_func=data.PERIODS.get, key="rk_period",
                                default="campaign", help="受理、办结等累计指标的统计起点；存量和超期按截至日计算。") or "campaign"
    if kind == "custom":
        rng = c2.date_input("自定义期间（起止日期）", value=(data.period_start("campaign", as_of), as_of),
                            key="rk_custom", format="YYYY-MM-DD",
                            help="截止日即本表的「数据截至」日，可与侧栏不同")
        if isinstance(rng, (tuple, list)) and len(rng) == 2:
            start, as_of = rng[0], rng[1]
        else:
            st.info("请选择起止两个日期。")
            st.stop()
    else:
        start = data.period_start(kind, as_of)
    last_sunday = ctx.as_of - dt.timedelta(days=ctx.as_of.weekday() + 1)
    c3.button(f"回放上周调度会（截至 {last_sunday:%m-%d}）", on_click=replay_last_week, args=(last_sunday,),
              help="把「数据截至」改为上周日，重现上周调度会时的排名；侧栏可改回。")
period_text = f"{data.PERIODS.get(kind, '')}：{start:%Y-%m-%d} 至 {as_of:%Y-%m-%d}"
ui.set_filters_desc(f"统计期间 {period_text}")  # shown in the picture stamp (导出本页图片)

table = data.county_table(ctx.scope, as_of, start)
if table.empty:
    st.info("当前范围内没有区县数据。")
    st.stop()
city = data.totals_from(table)
many = len(table) > C.BAR_MAX_ALL           # province / national: charts show the best and worst few
labels = C.county_labels(table["code"], table["name"])   # a shared name (朝阳区) gets its code

# --- Headline ----------------------------------------------------------------------------------------------
m = st.columns(5)
m[0].metric("参评区县", f"{len(table)}", help=f"统计期间 {period_text}")
m[1].metric("全市办结率", ui.fmt_rate(city["closure_rate"]),
            delta=None if city["closure_rate"] is None else
            f"{city['closure_rate'] - rules.target_closure_rate:+.1%} 较目标",
            help=f"已办结 ÷ 受理；年度目标 ≥ {rules.target_closure_rate:.0%}")
m[2].metric("超期未办结", f"{city['overdue_open']:,}")
grades = table["grade"].value_counts()
m[3].metric("等级分布 A/B/C/D", "/".join(f"{int(grades.get(g, 0))}" for g in ("A", "B", "C", "D")),
            help="A、B、C、D 各等级的区县数")
last = table[table["is_last"]]
m[4].metric("末位", "、".join(last["name"]) if not last.empty else "—",
            help="得分最低的区县（并列时均为末位）")
st.caption(f"统计期间　{period_text}　｜　排名变化与 7 天前（{as_of - dt.timedelta(days=7):%Y-%m-%d}）相比"
           "　｜　得分规则见 config/rules.toml")

# --- League table ------------------------------------------------------------------------------------------
frame = league_frame(table)
sort_options = {"rank": "排名", **{k: v.label for k, v in C.INDICATORS.items() if k != "score"}}
sort_key = "rank"
if not ctx.present:
    sort_key = st.selectbox("排序依据", list(sort_options), format_func=sort_options.get, key="rk_sort",
                            help="也可点击表头排序") or "rank"
order = table.index
if sort_key != "rank":
    vals = pd.to_numeric(C.with_progress(table)[sort_key], errors="coerce")
    order = vals.sort_values(ascending=not C.INDICATORS[sort_key].higher_is_better, na_position="last",
                             kind="stable").index
shown = frame.loc[order]
present_cols = ["排名", "较上周", "区县", "等级", "得分", "末位", "预警", "办结率", "按期办结率", "超期未办结条数",
                "存量"]
edge = min(8, C.BAR_EDGE) if ctx.present else C.BAR_EDGE   # bars at each end at scale; narrower on the projector
if ctx.present:
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(shown, hide_index=True, column_config=column_config(True), column_order=present_cols,
                     height=min(60 + 38 * len(shown), 760), row_height=38)
    with right:
        webchart.chart(C.score_bars(table, rules.score.grade_a, rules.score.grade_b, rules.score.grade_c,
                                    present=True, height=480, edge=edge))
else:
    event = st.dataframe(shown, hide_index=True, column_config=column_config(False), key="rk_table",
                         on_select="rerun", selection_mode="single-row",
                         height=min(40 + 35 * len(shown), 720))
    st.caption("点击表头可按任一指标排序；悬停表头查看公式，展开「得分计算明细」查看每一项的数据；选中一行进入该区县的区域钻取。")
    sheets = LazySheets({"县区排名": lambda: shown, "得分明细": lambda: detail_frame(table)})
    ui.download_table(ctx, "县区排名", shown, filters=f"统计期间：{period_text}", sheets=sheets)  # type: ignore[arg-type]
    with st.expander("得分计算明细（各项公式与数据）"):
        if not many:
            shown_details = sheets["得分明细"]
        else:  # 7 rows per county: 20,000 rows (3 MB) nationally — one county at a time, all of them in Excel
            own = next((c for c in ctx.scope.counties or () if c in labels), None)
            first = own or next(iter(table.loc[table["is_last"], "code"]), table["code"].iloc[-1])
            codes = table["code"].tolist()
            one = st.selectbox("区县", codes, index=codes.index(first), format_func=labels.get, key="rk_detail_pick",
                               help="输入名称可搜索；默认为本县区或末位")
            shown_details = detail_frame(table[table["code"] == one])
            st.caption(f"共 {len(table):,} 个区县，此处显示所选区县；全部区县的明细见「导出 Excel」的「得分明细」表。")
        st.dataframe(shown_details, hide_index=True, column_config={
            "得分": cfg.NumberColumn("得分", format="%.2f"), "满分": cfg.NumberColumn("满分", format="%g")})
    rows = event.selection.rows if event is not None else []
    if rows:
        code = str(shown.iloc[rows[0]]["区县代码"])
        if ctx.scope.allows(code):
            go_drill(code, kind, start)
        else:
            st.warning("县区用户只能钻取本县区的明细记录；其他县区只显示汇总排名。")

    # --- Drill-down entry -------------------------------------------------------------------------------------
    drillable = [c for c in table["code"] if ctx.scope.allows(c)]
    if drillable:
        d1, d2 = st.columns([3, 1], vertical_alignment="bottom")
        pick = d1.selectbox("查看区县明细（区域钻取）", drillable, format_func=labels.get, key="rk_drill_pick")
        if d2.button("进入区域钻取", key="rk_drill_go", icon=":material/account_tree:", type="primary"):
            go_drill(pick, kind, start)

# --- Charts ------------------------------------------------------------------------------------------------
c1, c2 = st.columns(2)
with c1:
    if not ctx.present:
        webchart.chart(C.score_bars(table, rules.score.grade_a, rules.score.grade_b, rules.score.grade_c))
    else:
        trend = data.rank_trend(ctx.scope, ctx.as_of)
        webchart.chart(C.rank_trend_chart(trend, "rank", present=True, height=520, edge=3))
with c2:
    ind = "closure_rate"
    if not ctx.present:
        ind = st.selectbox("指标", [k for k in C.INDICATORS if k != "score"], key="rk_indicator",
                           format_func=lambda k: C.INDICATORS[k].label) or "closure_rate"
    target = rules.target_closure_rate if ind == "closure_rate" else None
    webchart.chart(C.indicator_bars(table, ind, target=target, present=ctx.present,
                                    height=520 if ctx.present else 360, edge=edge))
if many and not ctx.present:
    st.caption(f"区县较多（共 {len(table):,} 个）：柱状图只显示排在最前和最后的各 {edge} 个，"
               "中间以「⋯」略去；每个区县的数据见上方排名表（可按任一列排序）和 Excel 导出。")

if not ctx.present:
    st.subheader("本次行动排名与得分走势")
    metric = st.segmented_control("走势指标", ["rank", "score"], format_func={"rank": "排名", "score": "得分"}.get,
                                  default="rank", key="rk_trend_metric") or "rank"
    trend = data.rank_trend(ctx.scope, ctx.as_of)
    own = ctx.scope.counties[0] if ctx.scope.counties else None
    picked: list[str] = []
    if C.trend_selection(trend).focused:  # a line per county is unreadable beyond a city: top/bottom + chosen ones
        pickable = [c for c in table["code"] if c != own]
        picked = st.multiselect("在走势图中加入区县", pickable, format_func=labels.get, key="rk_trend_pick",
                                max_selections=C.MAX_PICKS, placeholder="输入区县名称搜索，最多 "
                                f"{C.MAX_PICKS} 个", help=f"走势图默认显示最新排名的前 {C.TREND_EDGE} 名和后 "
                                f"{C.TREND_EDGE} 名（县区用户另加本县区）；可在此加入其他区县对比。")
    sel = C.trend_selection(trend, own, picked)
    webchart.chart(C.rank_trend_chart(trend, metric, highlight=own, extra=picked))
    st.caption((f"{sel.describe()}。" if sel.focused else "")
               + f"按本次行动（{camp.start:%Y-%m-%d} 起）累计口径，每周日及数据截至日各计算一次；"
               "与上表所选统计期间无关。")
