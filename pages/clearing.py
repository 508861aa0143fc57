"""春节前清零: will we clear the stock by the deadline, who will not, and what must move this week.

Present mode (projector, 16:9) puts the countdown in one row and the burn-down next to the county table; the
what-if slider, the small track charts and the downloads are left out there.
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from huxin import clearingview as V
from huxin import data, ui, webchart
from huxin import rules as R
from huxin.charts import clearing as C
from huxin.workdays import work_calendar

ctx = ui.page("clearing", "春节前清零")
as_of = ctx.as_of
camp = ctx.context.campaign
rules = ctx.rules
present = ctx.present
cal = work_calendar()
clr = data.clearing(ctx.scope, as_of)
proj: R.Projection = clr["projection"]
series = clr["series"]
total = series[series["county_code"] == ""]
calendar_ok = not ctx.context.calendar_warnings
# Before the coming campaign has started (replaying October) the burn-down starts today, from today's stock.
base = min(camp.start, as_of)
PLOT_CONFIG = {"displaylogo": False}


def days_text(n: int) -> str:
    return f"{n} 天" if n >= 0 else f"已过期限 {-n} 天"


def projected_text(p: R.Projection, short: bool = False) -> str:
    label = C.projected_label(p.projected_date, p.open_stock, as_of)
    if short and p.projected_date is not None and label not in (C.NO_PROJECTION, R.CLEARED):
        return f"{p.projected_date.month}月{p.projected_date.day}日"
    return label


# --- Countdown ---------------------------------------------------------------------------------
eve = "（除夕）" if rules.deadline == "eve" else ""
if not present:
    st.subheader(f"{rules.campaign_name}：{camp.start:%Y年%m月%d日} 起，{camp.deadline:%Y年%m月%d日}{eve}前清零")
    if camp.start > as_of:
        st.caption(f"专项行动尚未开始（{camp.start:%m月%d日}开始），燃尽图和进度暂以 {as_of:%m月%d日} 的存量为起点。")
countdown = [
    ("距春节清零期限", days_text(clr["days_left"]), None, f"清零期限 {camp.deadline:%Y年%m月%d日}{eve}（日历天数）"),
    ("剩余工作日", f"{clr['working_days_left']}", None,
     "从数据截至日次日到清零期限（含）的工作日，已扣除法定节假日、计入调休上班日" if calendar_ok
     else "部分年份的节假日安排未配置，暂按周一至周五计算（见上方提示）"),
    ("当前存量（线索+案件）", f"{proj.open_stock:,}",
     None if camp.start > as_of else f"{proj.open_stock - clr['stock_at_start']:+,} 较行动开始", None),
    ("预计清零日期", projected_text(proj, short=present), None,
     f"按近 {rules.pace_window_workdays} 个工作日的净办结速度推算；速度 ≤ 0 时无法预计"),
    ("清零进度判断", proj.status, None,
     f"按期：预计日期不晚于期限；有风险：晚于期限 {rules.risk_days} 天以内；滞后：更晚，或无法预计"),
    ("需要 / 实际速度（件/工作日）", f"{C.pace_text(proj.required_pace)} / {C.pace_text(proj.actual_pace)}", None,
     f"需要速度 = 存量 ÷ 剩余工作日；实际速度 = 近 {rules.pace_window_workdays} 个工作日净办结 ÷ 工作日数"),
]
rows = [countdown[:5]] if present else [countdown[:3], countdown[3:]]
for row in rows:
    for col, (label, value, delta, hlp) in zip(st.columns(len(row)), row, strict=True):
        col.metric(label, value, delta=delta, delta_color="inverse", help=hlp)
if proj.open_stock > 0:
    weekly = None if proj.required_pace is None else math.ceil(proj.required_pace * 5)
    st.caption(
        f"按期清零需要每个工作日净办结 {C.pace_text(proj.required_pace)} 件"
        + (f"（每周约 {weekly:,} 件）" if weekly is not None else "")
        + f"；近 {rules.pace_window_workdays} 个工作日实际净办结 {C.pace_text(proj.actual_pace)} 件/工作日；"
        + (f"预计{C.late_label(proj)}。" if proj.projected_date else "按当前速度无法预计清零日期。")
        + ("" if calendar_ok else "　工作日暂按周一至周五估算（节假日安排未配置，见上方提示）。"))


# --- Burn-down with the what-if -------------------------------------------------------------------
def what_if() -> R.Projection | None:
    """The slider and its answer; returns the what-if projection to draw (None at 0 or when not applicable)."""
    if proj.open_stock <= 0 or proj.working_days_left <= 0:
        return None
    need = C.extra_needed(proj)
    top = max(10, math.ceil((proj.required_pace or 0) * 2), (need or 0) + 5)
    extra = st.slider("假设：每个工作日多办结（件）", 0, int(top), 0, step=1, key="clear_whatif",
                      help="在近期实际速度的基础上，每个工作日再多净办结 N 件，看何时能清零")
    result = None
    if extra:
        result = C.whatif_projection(proj, extra, as_of, camp.deadline, cal, rules)
        if C.projected_label(result.projected_date, result.open_stock, as_of) == C.NO_PROJECTION:
            st.info(f"每个工作日多办结 {extra} 件后，净办结速度仍不大于 0，无法预计清零日期。")
        else:
            st.info(f"若每个工作日多办结 {extra} 件（净办结 {C.pace_text(result.actual_pace)} 件/工作日），"
                    f"预计 {result.projected_date:%Y年%m月%d日} 清零，{C.late_label(result)}，判断为「{result.status}」。")
    if need:
        st.caption(f"按期清零至少需要每个工作日比现在多净办结 {need:,} 件。")
    elif need == 0:
        st.caption("按当前速度可以在期限前清零。")
    return result


def burndown(height: int) -> None:
    chart_box = st.container()
    whatif = None if present else what_if()
    with chart_box:
        fig = C.burndown_figure(total, base, camp.deadline, camp.year_end_deadline, clr["stock_at_start"], proj,
                                as_of, whatif=whatif, height=height, font_size=18 if present else 14)
        webchart.chart(fig, key="burndown", config=PLOT_CONFIG)


# --- Per county -----------------------------------------------------------------------------------
def county_table(height: int | str = "auto") -> None:
    cf = V.clearing_county_frame(ctx.scope, as_of, base)
    if cf.empty:
        st.info("当前范围内没有区县数据。")
        return
    counts = cf["status"].value_counts()
    st.caption("　".join(f"{s} {int(counts.get(s, 0))} 个" for s in C.STATUS_ORDER))
    show = cf.drop(columns=["order", "code"])
    cfg = {
        "name": st.column_config.TextColumn("区县"),
        "status": st.column_config.TextColumn("状态", help="已清零 / 按期 / 有风险 / 滞后"),
        "open_stock": st.column_config.NumberColumn("当前存量", format="%d"),
        "open_stock_at_start": st.column_config.NumberColumn("行动开始时存量", format="%d"),
        "progress": st.column_config.ProgressColumn("清零进度", format="percent", min_value=0, max_value=1,
                                                    color="green",
                                                    help="1 − 当前存量 ÷ 行动开始时存量；开始时为 0 的不显示"),
        "required_pace": st.column_config.NumberColumn("需要速度（件/工作日）", format="%.1f"),
        "actual_pace": st.column_config.NumberColumn("实际速度（件/工作日）", format="%.1f",
                                                     help=f"近 {rules.pace_window_workdays} 个工作日净办结 ÷ 工作日数"),
        "projected": st.column_config.TextColumn("预计清零日期"),
        "trend": st.column_config.LineChartColumn("行动以来存量走势", y_min=0, color="auto-inverse"),
    }
    # the projector shows the essentials only (half a 16:9 screen); the paces are in the caption under the countdown
    order = ["name", "status", "open_stock", "projected", "trend"] if present else list(cfg)
    st.dataframe(show, hide_index=True, key="county_clearing", column_config=cfg, column_order=order, height=height)
    ui.download_table(ctx, "各县区清零进度", show.drop(columns=["trend"]).rename(
        columns={k: v["label"] for k, v in cfg.items()}), key="clear_counties")
    if ctx.scope.counties is not None:
        st.caption("县区用户只看到本县区的清零进度；全市排名见「县区排名」。")


if present:
    left, right = st.columns([3, 2])
    with left:
        burndown(height=470)
    with right:
        county_table(height=470)
else:
    st.subheader("存量燃尽图")
    burndown(height=420)

# --- The two tracks -------------------------------------------------------------------------------
st.subheader("两条清零线")
tot = total.assign(d=pd.to_datetime(total["d"]).dt.date).set_index("d")


def track_start(col: pd.Series) -> int:
    """A track's stock at the campaign start (replaying a date before the start: its stock now)."""
    if not len(col):
        return 0
    return int(col.get(camp.start, 0)) if camp.start <= as_of else int(col.iloc[-1])


tracks = [
    ("政府投资 / 国企 / PPP 项目案件", camp.year_end_deadline, clr["year_end_days_left"], clr["year_end_projection"],
     tot["year_end_stock"]),
    ("其他线索和案件", camp.deadline, clr["days_left"], clr["other_projection"],
     tot["open_stock"] - tot["year_end_stock"]),
]
for col, (label, deadline, days_left, tp, stock) in zip(st.columns(2), tracks, strict=True):
    with col, st.container(border=True):
        st.markdown(f"**{label}**　期限 {deadline:%Y年%m月%d日}")
        k = st.columns(4 if present else 3)
        k[0].metric("存量", f"{tp.open_stock:,}")
        k[1].metric("距期限", days_text(days_left))
        k[2].metric("判断", tp.status)
        if present:
            k[3].metric("预计清零", projected_text(tp, short=True))
        st.caption(f"剩余 {tp.working_days_left} 个工作日；需要 {C.pace_text(tp.required_pace)} 件/工作日，"
                   f"实际 {C.pace_text(tp.actual_pace)} 件/工作日；预计清零：{projected_text(tp)}"
                   + ("" if tp.late_days is None else f"（{C.late_label(tp)}）"))
        if not present:
            sdf = pd.DataFrame({"d": list(stock.index), "open_stock": stock.to_numpy()})
            webchart.chart(C.burndown_figure(sdf, base, deadline, camp.year_end_deadline, track_start(stock),
                                             tp, as_of, height=240, deadline_label="期限", compact=True),
                           key=f"track_{deadline}", config=PLOT_CONFIG)

if not present:
    st.subheader("各县区清零进度（最落后的在前）")
    county_table()

# --- What must move: oldest and largest open items ---------------------------------------------
st.subheader("重点推动事项：最久未结 / 金额最大")
items = V.clearing_items(ctx.scope, as_of)   # oldest first
item_cfg = {
    "kind": st.column_config.TextColumn("类型"),
    "id": st.column_config.TextColumn("编号"),
    "county_name": st.column_config.TextColumn("区县"),
    "name": st.column_config.TextColumn("被反映单位 / 用人单位"),
    "opened": st.column_config.DateColumn("受理/立案日期", format="YYYY-MM-DD"),
    "days_open": st.column_config.NumberColumn("未结天数", format="%d 天"),
    "amount": st.column_config.NumberColumn("未结金额（元）", format="%,.0f"),
    "workers": st.column_config.NumberColumn("人数", format="%d"),
    "leader": st.column_config.TextColumn("包案领导"),
    "unit": st.column_config.TextColumn("责任单位"),
    "flag": st.column_config.TextColumn("预警/督办"),
    "deadline_track": st.column_config.TextColumn("清零期限"),
}
if items.empty:
    st.success("当前范围内没有未结的线索和案件。")
else:
    n = 8 if present else 20
    oldest, largest = V.clearing_top_items(ctx.scope, as_of, n)
    if present:
        st.dataframe(oldest, hide_index=True, column_config=item_cfg, key="oldest_present")
    else:
        t1, t2 = st.tabs([f"最久未结（前 {n}）", f"金额最大（前 {n}）"])
        with t1:
            st.dataframe(oldest, hide_index=True, column_config=item_cfg, key="oldest")
        with t2:
            st.dataframe(largest, hide_index=True, column_config=item_cfg, key="largest")
        st.caption("线索在台账中没有包案领导，责任单位按属地区县列出；已立案的线索以案件列出（案件未填责任单位的按属地）。")
        ui.download_table(ctx, "重点推动事项", items.rename(
            columns={k: v["label"] for k, v in item_cfg.items()}), key="clear_items")
