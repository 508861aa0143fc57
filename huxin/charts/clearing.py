"""春节前清零: the burn-down chart, the what-if projection and the per-county table — pure functions.

Nothing here touches the database or Streamlit: pages/clearing.py passes in what huxin.data returns. The projection
logic itself lives in huxin.rules.projection; the what-if only changes the pace it is fed, so the page, the county
table and the slider can never disagree on what 按期 / 有风险 / 滞后 means.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from huxin import rules as R
from huxin.config import Rules
from huxin.workdays import WorkCalendar

NO_PROJECTION = "无法预计"

# Worst first: the meeting reads the table top-down and must see who is late before who is done.
STATUS_ORDER: dict[str, int] = {R.BEHIND: 0, R.AT_RISK: 1, R.ON_PACE: 2, R.CLEARED: 3}
STATUS_COLORS: dict[str, str] = {R.BEHIND: "#d7191c", R.AT_RISK: "#f28e2b", R.ON_PACE: "#2c7bb6",
                                 R.CLEARED: "#1a9641"}

ACTUAL_COLOR = "#2c3e50"
IDEAL_COLOR = "#7f8c8d"
WHATIF_COLOR = "#8e44ad"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


# ---------------------------------------------------------------------------------------------
# Labels
def projected_label(projected: dt.date | None, open_stock: int, as_of: dt.date) -> str:
    """The projected clearing date as the page shows it.

    A cleared stock says so; no projection (pace <= 0) is 「无法预计」. A projected date on or before D cannot happen
    (rules.projection always projects at least one working day ahead), but if bad input ever produced one we show
    「无法预计」 rather than a date in the past.
    """
    if open_stock <= 0:
        return R.CLEARED
    if projected is None or pd.isna(projected) or pd.Timestamp(projected).date() <= as_of:
        return NO_PROJECTION
    return f"{pd.Timestamp(projected).date():%Y-%m-%d}"


def late_label(proj: R.Projection) -> str:
    """「早于期限 10 天」 / 「晚于期限 7 天」 / 「—」."""
    if proj.late_days is None:
        return "—"
    if proj.late_days <= 0:
        return f"早于期限 {-proj.late_days} 天" if proj.late_days < 0 else "恰在期限当天"
    return f"晚于期限 {proj.late_days} 天"


def pace_text(p: float | None) -> str:
    return "—" if p is None or pd.isna(p) else f"{p:,.1f}"


# ---------------------------------------------------------------------------------------------
# What-if
def whatif_projection(proj: R.Projection, extra_per_workday: float, as_of: dt.date, deadline: dt.date,
                      cal: WorkCalendar, rules: Rules) -> R.Projection:
    """The projection if net closures rose by ``extra_per_workday`` per working day from now on.

    Fed back through rules.projection with a synthetic window start (stock now + new pace × window), so the date and
    status follow exactly the rules the rest of the page uses.
    """
    pace = (proj.actual_pace or 0.0) + extra_per_workday
    window = rules.pace_window_workdays
    return R.projection(proj.open_stock, proj.open_stock + pace * window,  # type: ignore[arg-type]
                        window, as_of, deadline, cal, rules)


def extra_needed(proj: R.Projection) -> int | None:
    """Smallest whole number of extra net closures per working day that clears by the deadline (0 if on pace).

    None when no working day is left (no pace can make it any more).
    """
    if proj.open_stock <= 0:
        return 0
    if not proj.working_days_left or proj.required_pace is None:
        return None
    return max(0, math.ceil(proj.required_pace - (proj.actual_pace or 0.0) - 1e-9))


# ---------------------------------------------------------------------------------------------
# Burn-down chart
def _vline(fig: go.Figure, x: dt.date, text: str, color: str, dash: str, ypos: float, anchor: str = "top",
           size: int = 12) -> None:
    # add_shape + add_annotation rather than add_vline(annotation_text=…): the latter has failed on date axes in
    # several plotly releases.
    fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                  line={"color": color, "width": 1.5, "dash": dash})
    if not text:
        return
    fig.add_annotation(x=x, xref="x", y=ypos, yref="paper", text=text, showarrow=False, xanchor="right",
                       yanchor=anchor, font={"color": color, "size": size}, bgcolor="rgba(255,255,255,0.8)")


def burndown_figure(series_total: pd.DataFrame, start: dt.date, deadline: dt.date, year_end_deadline: dt.date,
                    stock_at_start: int, projection: R.Projection, as_of: dt.date,
                    whatif: R.Projection | None = None, title: str = "", height: int = 420,
                    deadline_label: str = "春节清零期限", compact: bool = False, font_size: int = 14) -> go.Figure:
    """Open stock since the campaign start: actual line, ideal line to zero at the deadline, projection at the
    current pace (and optionally the what-if pace), with markers for 31 December and the deadline.

    series_total: columns d (date) and open_stock — the scope total of huxin.data.clearing()["series"].
    compact: a small chart (the two tracks side by side) — no legend and only the deadline marker labelled.
    font_size: base font (larger in present mode, read from the back of a meeting room).
    """
    small = max(font_size - 2, 10)
    s = series_total[["d", "open_stock"]].copy()
    s["d"] = pd.to_datetime(s["d"]).dt.date
    s = s[(s["d"] >= start) & (s["d"] <= as_of)].sort_values("d")
    fig = go.Figure()
    # Ideal: daily points (for the hover) from the start to the deadline; the last point is (deadline, 0).
    end = max(deadline, start)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    fig.add_trace(go.Scatter(x=days, y=R.ideal_line(start, stock_at_start, deadline, days), name="理想进度",
                             mode="lines", line={"color": IDEAL_COLOR, "dash": "dash", "width": 2},
                             hovertemplate="%{x|%Y-%m-%d}<br>理想存量 %{y:,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=s["d"].tolist(), y=s["open_stock"].tolist(), name="实际存量", mode="lines",
                             line={"color": ACTUAL_COLOR, "width": 3},
                             hovertemplate="%{x|%Y-%m-%d}<br>存量 %{y:,.0f} 件<extra></extra>"))
    if projection.open_stock > 0:
        if projection.projected_date is not None and projection.projected_date > as_of:
            color = STATUS_COLORS.get(projection.status, ACTUAL_COLOR)
            fig.add_trace(go.Scatter(
                x=[as_of, projection.projected_date], y=[projection.open_stock, 0], name="按当前速度预计",
                mode="lines+markers", line={"color": color, "dash": "dot", "width": 2.5},
                marker={"size": [0, 10], "color": color},
                hovertemplate="%{x|%Y-%m-%d}<br>预计存量 %{y:,.0f}<extra>按当前速度</extra>"))
            if not compact:
                fig.add_annotation(x=projection.projected_date, y=0,
                                   text=f"预计 {projection.projected_date:%m月%d日} 清零", showarrow=True,
                                   arrowhead=2, ax=0, ay=-36, font={"color": color, "size": font_size})
        elif not compact:
            # below and to the right of the last point: above it is the legend when the stock is at its peak
            fig.add_annotation(x=as_of, y=projection.open_stock, text="按当前速度无法预计清零日期",
                               showarrow=True, arrowhead=2, ax=90, ay=40, xanchor="left",
                               font={"color": STATUS_COLORS[R.BEHIND], "size": font_size})
        if whatif is not None and whatif.projected_date is not None and whatif.projected_date > as_of:
            fig.add_trace(go.Scatter(
                x=[as_of, whatif.projected_date], y=[whatif.open_stock, 0], name="假设提速后",
                mode="lines", line={"color": WHATIF_COLOR, "dash": "dashdot", "width": 2},
                hovertemplate="%{x|%Y-%m-%d}<br>假设存量 %{y:,.0f}<extra>假设提速后</extra>"))
    if start <= year_end_deadline and year_end_deadline != deadline:
        _vline(fig, year_end_deadline, "" if compact else "12月31日 政府/国企/PPP项目清零", "#f28e2b", "dot", 0.99,
               size=small)
    _vline(fig, deadline, f"{deadline_label} {deadline:%m月%d日}", "#d7191c", "solid", 0.99 if compact else 0.92,
           size=small)
    # 「数据截至」 at the bottom: the actual line ends at this x, usually high up
    _vline(fig, as_of, "" if compact else f"数据截至 {as_of:%m月%d日}", "#95a5a6", "dot", 0.02,
           anchor="bottom", size=small)
    xs_end = max([deadline, as_of] + [p.projected_date for p in (projection, whatif)
                                      if p is not None and p.projected_date is not None])
    ymax = max([stock_at_start, projection.open_stock, int(s["open_stock"].max()) if len(s) else 0, 1])
    fig.update_layout(
        title={"text": title} if title else None, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10,
                                                                          "b": 10},
        font={"family": FONT, "size": font_size}, hovermode="x unified", plot_bgcolor="white",
        showlegend=not compact,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        xaxis={"range": [start - dt.timedelta(days=1), xs_end + dt.timedelta(days=3)], "tickformat": "%m-%d",
               "gridcolor": "#eeeeee"},
        yaxis={"title": "存量（件）", "rangemode": "tozero", "range": [0, ymax * 1.1], "gridcolor": "#eeeeee"},
    )
    return fig


# ---------------------------------------------------------------------------------------------
# Per-county table
def county_clearing_frame(table: pd.DataFrame, series: pd.DataFrame, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """One row per county, worst first: stock now and at the start, paces, projected date label, status, progress
    and the daily stock since the campaign start (a list, for st.column_config.LineChartColumn).

    table: huxin.data.county_table() (columns code, name, open_stock, open_stock_at_start, required_pace,
    actual_pace, projected_clear_date, clear_status); series: huxin.data.clearing()["series"].
    """
    cols = ["code", "name", "status", "open_stock", "open_stock_at_start", "progress", "required_pace",
            "actual_pace", "projected", "trend", "order"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    s = series[series["county_code"] != ""].copy()
    s["d"] = pd.to_datetime(s["d"]).dt.date
    s = s[(s["d"] >= start) & (s["d"] <= as_of)].sort_values("d")
    trends = {c: g["open_stock"].astype(int).tolist() for c, g in s.groupby("county_code")}
    out = pd.DataFrame({
        "code": table["code"].astype(str),
        "name": table["name"],
        "status": table["clear_status"],
        "open_stock": table["open_stock"].astype(int),
        "open_stock_at_start": table["open_stock_at_start"].astype(int),
        "required_pace": pd.to_numeric(table["required_pace"], errors="coerce"),
        "actual_pace": pd.to_numeric(table["actual_pace"], errors="coerce"),
    })
    out["progress"] = [None if not st0 else min(max(1 - now / st0, 0.0), 1.0)
                       for now, st0 in zip(out["open_stock"], out["open_stock_at_start"], strict=True)]
    out["projected"] = [projected_label(None if pd.isna(p) else p, n, as_of)
                        for p, n in zip(table["projected_clear_date"], out["open_stock"], strict=True)]
    out["trend"] = [trends.get(c, []) for c in out["code"]]
    out["order"] = out["status"].map(STATUS_ORDER).fillna(9)
    # Worst first; within a status the larger stock first (it takes the meeting's time).
    out = out.sort_values(["order", "open_stock", "code"], ascending=[True, False, True])
    return out[cols].reset_index(drop=True)


def oldest_items(clues: pd.DataFrame, cases: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Open clues and cases in one frame with owners, days open and outstanding amount (for 「最久未结 / 金额最大」).

    clues / cases: huxin.data.open_clue_items (or clues(open_only=True)) / huxin.data.cases(open_only=True).
    Owners: a case has its 包案领导 and 责任单位; a clue has none in the ledger, so its 属地 (county) is named (also
    for a case without a 责任单位). A clue with an open case is listed once, as the case: the case is what is pushed,
    and listing both would count its amount twice.
    """
    cols = ["kind", "id", "county_name", "name", "opened", "days_open", "amount", "workers", "leader", "unit",
            "flag", "deadline_track"]
    parts = []
    if clues is not None and not clues.empty:
        c = clues
        if cases is not None and not cases.empty:
            c = c[~c["clue_id"].isin(cases["clue_id"].dropna())]
        parts.append(pd.DataFrame({
            "kind": "线索", "id": c["clue_id"], "county_name": c["county_name"], "name": c["employer"],
            "opened": pd.to_datetime(c["received_date"]).dt.date,
            "amount": pd.to_numeric(c["amount"], errors="coerce"),
            "workers": pd.to_numeric(c["workers"], errors="coerce"),
            "leader": None, "unit": c["county_name"].fillna("").astype(str) + "（属地）",
            "flag": c["warning_level"].fillna("").astype(str).map(lambda v: f"{v}色预警" if v else ""),
            "deadline_track": "其他（春节前）"}))
    if cases is not None and not cases.empty:
        k = cases
        from huxin.vocab import SUPERVISION_LABEL
        owed = pd.to_numeric(k["amount_owed"], errors="coerce").fillna(0) - \
            pd.to_numeric(k["amount_paid"], errors="coerce").fillna(0)
        parts.append(pd.DataFrame({
            "kind": "案件", "id": k["case_id"], "county_name": k["county_name"], "name": k["employer"],
            "opened": pd.to_datetime(k["opened_date"]).dt.date, "amount": owed.clip(lower=0),
            "workers": pd.to_numeric(k["workers"], errors="coerce"),
            "leader": k["leader"],
            "unit": k["responsible_unit"].where(k["responsible_unit"].notna() & (k["responsible_unit"] != ""),
                                                k["county_name"].fillna("").astype(str) + "（属地）"),
            "flag": k["supervision_level"].map(lambda v: SUPERVISION_LABEL.get(v, "") if isinstance(v, str) else ""),
            "deadline_track": k["clear_track"]}))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["days_open"] = [(as_of - d).days for d in out["opened"]]
    return out[cols]
