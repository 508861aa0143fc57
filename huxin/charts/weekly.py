"""Charts of the weekly dispatch (周调度) page and its Word briefing: pure builders from the county table.

The same figures go to the page (interactive; plotly's camera button saves a PNG offline) and, through
huxin.static_images, into the .docx — so fonts are set to a CJK family that the system Chromium can find
(fonts-noto-cjk) and the layout does not rely on hover.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from huxin.charts import ranking as RC
from huxin.vocab import LEVEL_COLORS, LEVELS, NO_LEVEL_COLOR

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
RECEIVED_COLOR = "#4e79a7"
CLOSED_COLOR = "#59a14f"
OVERDUE_COLOR = "#7f0000"


def _style(fig: go.Figure, title: str, present: bool, height: int | None) -> go.Figure:
    size = 22 if present else 14
    n = max((len(t.x) for t in fig.data if getattr(t, "x", None) is not None), default=0)
    fig.update_layout(
        # title on the first line, legend on the second, so a long title never runs into the legend
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top",
               "font": {"size": size + 6}},
        font={"family": FONT, "size": size},
        height=height or (620 if present else 440),
        margin={"l": 60, "r": 20, "t": 110 if present else 90, "b": 40},
        plot_bgcolor="white", paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0.0},
        bargap=0.25,
    )
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#bdbdbd", rangemode="tozero")
    # county names are 2–5 characters; more than six bars side by side overlap, so turn them
    fig.update_xaxes(automargin=True, tickangle=-35 if n > 6 else 0)
    return fig


def _empty(title: str, present: bool, height: int | None) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="本周暂无数据", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 24 if present else 16, "color": "#777"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title, present, height)


def received_closed(table: pd.DataFrame, present: bool = False, height: int | None = None,
                    title: str = "本周各县区受理与办结线索") -> go.Figure:
    """Grouped bars per county (in rank order): clues received this week and, of those, closed."""
    if table is None or table.empty:
        return _empty(title, present, height)
    t = table.sort_values(["rank", "code"]) if "rank" in table else table
    total = len(t)
    t = t.iloc[RC.edge_rows(total)]      # a province or the country: the best and the worst by rank
    names = _names(t, table)
    fig = go.Figure()
    fig.add_bar(x=names, y=t["received"].astype(int), name="本周受理", marker_color=RECEIVED_COLOR,
                text=t["received"].astype(int), textposition="outside", cliponaxis=False,
                hovertemplate="%{x}<br>本周受理 %{y} 条<extra></extra>")
    rates = ["—" if r is None or pd.isna(r) else f"{r:.0%}" for r in t["closure_rate"]]
    fig.add_bar(x=names, y=t["closed"].astype(int), name="其中已办结", marker_color=CLOSED_COLOR,
                text=t["closed"].astype(int), textposition="outside", cliponaxis=False, customdata=rates,
                hovertemplate="%{x}<br>已办结 %{y} 条（办结率 %{customdata}）<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="线索（条）")
    fig = _style(fig, title, present, height)
    if len(t) < total:
        RC.mark_gap(fig, names, RC.BAR_EDGE, total - len(t), total, f"排名前后各 {RC.BAR_EDGE} 位", present)
    return fig


def stock_by_county(table: pd.DataFrame, present: bool = False, height: int | None = None,
                    title: str = "各县区存量（线索+案件）及预警") -> go.Figure:
    """Open stock per county, largest first, coloured by the county's warning level; the overdue open clues are
    drawn as a dark inner bar so the projector shows both 存量 and 超期 at a glance."""
    if table is None or table.empty:
        return _empty(title, present, height)
    t = table.sort_values(["open_stock", "code"], ascending=[False, True])
    total = len(t)
    if total > RC.BAR_MAX_ALL:           # a province or the country: the largest stocks only
        t = t.head(2 * RC.BAR_EDGE)
    levels = [lv if isinstance(lv, str) and lv in LEVEL_COLORS else None for lv in t["warning_level"]]
    t = t.assign(_level=levels, name=_names(t, table))
    fig = go.Figure()
    for lv in (*LEVELS, None):
        part = t[t["_level"].isna()] if lv is None else t[t["_level"] == lv]
        if part.empty:
            continue
        fig.add_bar(x=part["name"], y=part["open_stock"].astype(int), name=f"{lv}色预警" if lv else "无预警",
                    marker_color=LEVEL_COLORS.get(lv, NO_LEVEL_COLOR) if lv else NO_LEVEL_COLOR,
                    text=part["open_stock"].astype(int), textposition="outside", cliponaxis=False,
                    hovertemplate="%{x}<br>存量 %{y} 件<extra></extra>", offsetgroup="stock")
    fig.add_bar(x=t["name"], y=t["overdue_open"].astype(int), name="其中超期未办结线索", marker_color=OVERDUE_COLOR,
                width=0.35, offsetgroup="stock", text=[str(int(v)) if v else "" for v in t["overdue_open"]],
                textposition="inside", insidetextanchor="end", textangle=0, textfont={"color": "white"},
                hovertemplate="%{x}<br>超期未办结 %{y} 条<extra></extra>")
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(categoryorder="array", categoryarray=t["name"].tolist())
    fig = _style(fig, title, present, height)
    if len(t) < total:
        RC.subtitle(fig, f"共 {total:,} 个区县，只显示存量最大的 {len(t)} 个"
                     + ("" if present else "；全部见县区表和 Excel 导出"), present)
    return fig


def _names(t: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Display names of t's counties: a name shared by several counties of the table gets its code (38 names repeat
    nationally, 朝阳区 among them), so no two counties collapse into one bar."""
    labels = RC.county_labels(table["code"], table["name"])
    return [labels[str(c)] for c in t["code"].tolist()]


def weekly_figures(summary: dict[str, Any], present: bool = False) -> list[tuple[str, go.Figure]]:
    """The two charts of the page and the briefing, with a file-name stem each."""
    t = summary["table"]
    return [("本周受理与办结", received_closed(t, present)), ("存量与预警", stock_by_county(t, present))]
