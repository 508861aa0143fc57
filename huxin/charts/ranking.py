"""Charts of the county ranking (县区排名) and drill-down (区域钻取) pages: pure builders from the county table
(huxin.data.county_table), the weekly rank trend (huxin.data.rank_trend) and one clue record.

County names come from the regions table; record fields that reach a figure are escaped (plotly text understands a
few HTML tags), so a ledger value is always drawn literally.

At province or national scale (hundreds or thousands of counties) a bar per county or a line per county is unreadable
and slow to draw and to send: the bar charts then show the best and the worst few (BAR_EDGE each side, with a marked
gap and a subtitle saying how many are left out) and the rank trend the top and bottom few plus the highlighted and
picked counties (trend_selection). Up to BAR_MAX_ALL / TREND_MAX_ALL counties (a city) every county is drawn, as
before. The full ranking stays in the page's table and its Excel export.
"""
from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
GRADE_COLORS: dict[str, str] = {"A": "#2e7d32", "B": "#1f77b4", "C": "#f0a500", "D": "#c62828"}
GRADE_BANDS: dict[str, str] = {"A": "#e8f5e9", "B": "#e3f2fd", "C": "#fff8e1", "D": "#ffebee"}
CITY_COLOR = "#555555"
TARGET_COLOR = "#c62828"
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
TOP_COLORS = ("#1b5e20", "#2e7d32", "#43a047", "#66bb6a", "#1f77b4", "#4e79a7", "#76b7b2", "#00838f")
BOTTOM_COLORS = ("#b71c1c", "#c62828", "#e15759", "#f28e2b", "#d95f02", "#ff9da7", "#e6ab02", "#9c755f")
PICK_COLORS = ("#6a1b9a", "#7570b3", "#b07aa1", "#e7298a", "#9c755f", "#455a64", "#ad1457", "#283593",
               "#5d4037", "#00695c")
BAR_MAX_ALL = 40    # up to this many counties a bar chart shows every county
BAR_EDGE = 10       # beyond: the best and the worst BAR_EDGE
TREND_MAX_ALL = 20  # up to this many counties the rank trend draws every county
TREND_EDGE = 5      # beyond: the top and bottom TREND_EDGE at the latest date, plus highlighted and picked counties
MAX_PICKS = 10      # counties a user can add to the trend at scale


@dataclass(frozen=True)
class Indicator:
    key: str            # column of the county table
    label: str          # UI name
    kind: str           # "rate" (0..1), "count" or "score"
    higher_is_better: bool
    help: str


INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("score", "综合得分", "score", True, "六项得分之和（满分 100）"),
    Indicator("closure_rate", "办结率", "rate", True, "已办结 ÷ 受理（统计期间内受理的线索）"),
    Indicator("on_time_rate", "按期办结率", "rate", True, "按期办结 ÷ 已办结"),
    Indicator("overdue_open", "超期未办结", "count", False, "截至当日仍未办结且已超过办结时限的线索"),
    Indicator("open_stock", "存量（线索+案件）", "count", False, "截至当日未办结线索与未结案件"),
    Indicator("clearing_progress", "存量清零进度", "rate", True, "1 − 存量 ÷ 行动开始时存量（0 至 100%）"),
    Indicator("safeguard_rate", "制度落实率", "rate", True, "五项核心制度全部落实的在建项目 ÷ 在建项目"),
    Indicator("repeat_rate", "重复反映率", "rate", False, "90 天内同一单位或项目再次被反映的线索 ÷ 受理"),
)}


def clearing_progress(open_stock: float, open_stock_at_start: float) -> float | None:
    """The 存量清零进度 ratio of the score: clamp(1 − stock ÷ stock at start, 0, 1); None without a baseline."""
    if not open_stock_at_start:
        return None
    return min(max(1 - open_stock / open_stock_at_start, 0.0), 1.0)


def with_progress(table: pd.DataFrame) -> pd.DataFrame:
    """The county table with a clearing_progress column (the figure behind the 存量清零进度 points)."""
    out = table.copy()
    out["clearing_progress"] = [clearing_progress(s, s0) for s, s0 in
                                zip(out["open_stock"], out["open_stock_at_start"], strict=True)]
    return out


def city_value(table: pd.DataFrame, key: str) -> float | None:
    """The city figure of an indicator: rates from summed counts (never an average of rates), counts and scores as the
    mean per county."""
    if table.empty:
        return None

    def s(c: str) -> float:
        return float(pd.to_numeric(table[c], errors="coerce").fillna(0).sum())

    def ratio(a: float, b: float) -> float | None:
        return None if not b else a / b

    if key == "closure_rate":
        return ratio(s("closed"), s("received"))
    if key == "on_time_rate":
        return ratio(s("closed_on_time"), s("closed"))
    if key == "safeguard_rate":
        return ratio(s("projects_all_core"), s("active_projects"))
    if key == "repeat_rate":
        return ratio(s("repeat_clues"), s("received"))
    if key == "clearing_progress":
        return clearing_progress(s("open_stock"), s("open_stock_at_start"))
    return s(key) / len(table)


def fmt_value(v: Any, kind: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if kind == "rate":
        return f"{v:.1%}"
    if kind == "score":
        return f"{v:.1f}"
    return f"{v:,.1f}" if isinstance(v, float) and not float(v).is_integer() else f"{int(v):,}"


def _style(fig: go.Figure, title: str, present: bool, height: int | None) -> go.Figure:
    size = 22 if present else 14
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": size + 4}},
        font={"family": FONT, "size": size}, height=height or (600 if present else 420),
        margin={"l": 60, "r": 30, "t": 70 if present else 60, "b": 60},
        plot_bgcolor="white", paper_bgcolor="white", bargap=0.3,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#bdbdbd")
    return fig


def _empty(title: str, present: bool, height: int | None, text: str = "暂无数据") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 24 if present else 16, "color": "#777"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title, present, height)


def county_labels(codes: Any, names: Any) -> dict[str, str]:
    """code -> display name (not escaped). A name shared by several counties (朝阳区 in Beijing and in Changchun, 38
    names nationally) gets its code, so that no two counties collapse into one bar, line or option; in a city every
    name is unique and stays as it is."""
    pairs = dict(zip(map(str, pd.Series(codes).tolist()), map(str, pd.Series(names).tolist()), strict=True))
    seen = Counter(pairs.values())
    return {c: f"{n}（{c}）" if seen[n] > 1 else n for c, n in pairs.items()}


def _labelled(t: pd.DataFrame) -> pd.DataFrame:
    """t with an escaped, unambiguous _label column (county_labels over all of t's counties)."""
    labels = county_labels(t["code"], t["name"])
    return t.assign(_label=[html.escape(labels[c]) for c in map(str, t["code"].tolist())])


GAP = "⋯"   # the empty slot between the best and the worst bars


def _bar_limits(edge: int | None, max_all: int | None) -> tuple[int, int]:
    """(edge, max_all), BAR_EDGE and BAR_MAX_ALL when not given (read at call time)."""
    return (BAR_EDGE if edge is None else edge), (BAR_MAX_ALL if max_all is None else max_all)


def edge_rows(n: int, edge: int | None = None, max_all: int | None = None) -> list[int]:
    """Positions kept of n ordered rows: all of them up to max_all (BAR_MAX_ALL), else the first and the last edge
    (BAR_EDGE)."""
    edge, max_all = _bar_limits(edge, max_all)
    if n <= max(max_all, 2 * edge):
        return list(range(n))
    return [*range(edge), *range(n - edge, n)]


def mark_gap(fig: go.Figure, names: list[str], edge: int, hidden: int, total: int, what: str, present: bool) -> None:
    """An empty slot (GAP) between the first `edge` and the last bars, saying how many counties it stands for, and a
    subtitle saying what the chart leaves out."""
    fig.add_scatter(x=[GAP], y=[None], mode="markers", showlegend=False, hoverinfo="skip")
    fig.update_xaxes(categoryorder="array", categoryarray=[*names[:edge], GAP, *names[edge:]])
    fig.add_annotation(text=f"中间 {hidden:,} 个略", x=GAP, xref="x", y=0.5, yref="paper", showarrow=False,
                       textangle=-90, font={"color": "#757575", "size": 16 if present else 11})
    subtitle(fig, f"共 {total:,} 个区县，只显示{what}" + ("" if present else "；完整排名见县区排名表和 Excel 导出"),
              present)


def subtitle(fig: go.Figure, text: str, present: bool) -> None:
    """A grey line under the title (what a chart at scale leaves out), with room above a top legend."""
    fig.update_layout(title_subtitle_text=text, title_subtitle_font={"size": 16 if present else 12, "color": "#616161"},
                      margin={"t": 125 if present else 95})


def score_bars(table: pd.DataFrame, grade_a: float = 90, grade_b: float = 75, grade_c: float = 60,
               present: bool = False, height: int | None = None, title: str = "各县区综合得分与等级",
               edge: int | None = None, max_all: int | None = None) -> go.Figure:
    """Scores in rank order, each bar coloured by its grade, over shaded grade bands (A ≥ grade_a, B ≥ grade_b,
    C ≥ grade_c, D below); the last place is labelled 末位. More than max_all counties: the first and the last
    `edge` in rank order, with the gap marked (edge_rows)."""
    if table is None or table.empty:
        return _empty(title, present, height)
    edge, max_all = _bar_limits(edge, max_all)
    full = _labelled(table).sort_values(["rank", "code"])
    t = full.iloc[edge_rows(len(full), edge, max_all)]
    names = t["_label"].tolist()
    top = 100.0
    bands = [{"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": lo, "y1": hi,
              "fillcolor": GRADE_BANDS[g], "line": {"width": 0}, "layer": "below"}
             for g, lo, hi in (("A", grade_a, top), ("B", grade_b, grade_a), ("C", grade_c, grade_b),
                               ("D", 0.0, grade_c))]
    fig = go.Figure(layout={"shapes": bands})
    for g in ("A", "B", "C", "D"):
        part = t[t["grade"] == g]
        if part.empty:
            continue
        labels = [f"{s:.1f}" + ("<br>末位" if last else "") for s, last in
                  zip(part["score"], part.get("is_last", pd.Series(False, index=part.index)), strict=True)]
        fig.add_bar(x=part["_label"].tolist(), y=part["score"], name=f"{g} 级", marker_color=GRADE_COLORS[g],
                    text=labels, textposition="outside", cliponaxis=False, customdata=part["rank"],
                    hovertemplate="%{x}<br>得分 %{y:.1f}<br>第 %{customdata} 名<extra>" + g + " 级</extra>")
    for g, y in (("A", (grade_a + top) / 2), ("B", (grade_b + grade_a) / 2), ("C", (grade_c + grade_b) / 2),
                 ("D", grade_c / 2)):
        rng = {"A": f"≥{grade_a:g}", "B": f"{grade_b:g}–{grade_a:g}", "C": f"{grade_c:g}–{grade_b:g}",
               "D": f"<{grade_c:g}"}[g]
        fig.add_annotation(text=f"{g} 级<br>{rng}", x=1.005, xref="paper", xanchor="left", y=y, yref="y",
                           showarrow=False, align="left", font={"color": GRADE_COLORS[g], "size": 18 if present else 12})
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_yaxes(range=[0, 108], title_text="得分")
    fig = _style(fig, title, present, height)
    fig.update_layout(margin={"r": 110 if present else 80})
    if len(t) < len(full):
        mark_gap(fig, names, edge, len(full) - len(t), len(full), f"得分前 {edge} 名和后 {edge} 名", present)
    return fig


def indicator_bars(table: pd.DataFrame, key: str, target: float | None = None, present: bool = False,
                   height: int | None = None, title: str | None = None, edge: int | None = None,
                   max_all: int | None = None) -> go.Figure:
    """One indicator across counties (best first), with the city figure (city_value, always over every county) as a
    dashed line and, when given, the target (e.g. 办结率 98 %) as a red dotted line. More than max_all counties: the
    best and the worst `edge` of those with a figure, with the gap marked (edge_rows)."""
    ind = INDICATORS[key]
    title = title or f"各县区{ind.label}"
    if table is None or table.empty:
        return _empty(title, present, height)
    edge, max_all = _bar_limits(edge, max_all)
    t = with_progress(table) if key == "clearing_progress" and "clearing_progress" not in table else table
    vals = pd.to_numeric(t[key], errors="coerce")
    full = _labelled(t.assign(_v=vals)).sort_values(["_v", "code"], ascending=[not ind.higher_is_better, True],
                                                    na_position="last")
    shown = full
    if len(full) > max_all:   # at scale the counties without a figure (no denominator) are left out, not "worst"
        valued = full[full["_v"].notna()]
        shown = valued.iloc[edge_rows(len(valued), edge, max_all)]
    texts = [fmt_value(None if pd.isna(v) else v, ind.kind) for v in shown["_v"]]
    names = shown["_label"].tolist()
    fig = go.Figure()
    fig.add_bar(x=names, y=shown["_v"], name=ind.label, marker_color="#4e79a7", text=texts, textposition="outside",
                cliponaxis=False, customdata=texts, hovertemplate="%{x}<br>" + ind.label + " %{customdata}<extra></extra>")
    city = city_value(t, key)
    if city is not None:
        fig.add_hline(y=city, line={"color": CITY_COLOR, "dash": "dash", "width": 2},
                      annotation={"text": f"全市 {fmt_value(city, ind.kind)}", "font": {"color": CITY_COLOR}},
                      annotation_position="bottom right")
    if target is not None:
        fig.add_hline(y=target, line={"color": TARGET_COLOR, "dash": "dot", "width": 2},
                      annotation={"text": f"目标 {fmt_value(target, ind.kind)}", "font": {"color": TARGET_COLOR}},
                      annotation_position="top right")
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    if ind.kind == "rate":
        lo = min([v for v in [*shown["_v"].dropna(), city, target] if v is not None] or [0])
        fig.update_yaxes(tickformat=".0%", range=[max(0.0, min(lo - 0.05, 0.9)) if lo > 0.5 else 0, 1.05])
    fig.update_yaxes(title_text=ind.label)
    fig.update_layout(showlegend=False)
    fig = _style(fig, title, present, height)
    if len(shown) < len(full):
        best, worst = ("最高", "最低") if ind.higher_is_better else ("最少", "最多")
        missing = int(full["_v"].isna().sum())
        what = f"{best}的 {edge} 个和{worst}的 {edge} 个" + (f"（{missing:,} 个无数据）" if missing else "")
        if len(shown) == len(full) - missing:   # few counties with a figure: all of them, no gap
            subtitle(fig, f"共 {len(full):,} 个区县，{missing:,} 个无数据未显示", present)
        else:
            mark_gap(fig, names, edge, len(full) - missing - len(shown), len(full), what, present)
    return fig


@dataclass(frozen=True)
class TrendSelection:
    """Which counties the rank trend draws. focused=False: every county (a city). focused=True (more than
    TREND_MAX_ALL counties): the top and bottom `edge` in the latest ranking, the highlighted county and the picked
    ones; codes in the latest rank order."""
    codes: tuple[str, ...]
    total: int
    focused: bool
    top: tuple[str, ...] = ()
    bottom: tuple[str, ...] = ()
    highlight: str | None = None
    picked: tuple[str, ...] = ()

    def describe(self) -> str:
        """What a focused chart shows, for its subtitle and the page's caption."""
        if not self.focused:
            return f"共 {self.total:,} 个区县"
        parts = [f"最新排名前 {len(self.top)} 名和后 {len(self.bottom)} 名"]
        if self.highlight is not None:
            parts.append("本县区")
        if self.picked:
            parts.append(f"所选 {len(self.picked)} 个区县")
        return f"共 {self.total:,} 个区县，图中为" + "、".join(parts)


def _latest_order(trend: pd.DataFrame) -> list[str]:
    """Codes in the rank order of the latest date, then those absent from it."""
    last = list(map(str, trend[trend["d"] == trend["d"].max()].sort_values(["rank", "code"])["code"].tolist()))
    return last + sorted(set(map(str, trend["code"].unique().tolist())) - set(last))


def trend_selection(trend: pd.DataFrame, highlight: str | None = None, extra: Any = (), edge: int | None = None,
                    max_all: int | None = None) -> TrendSelection:
    """The counties rank_trend_chart draws (see TrendSelection); unknown codes in highlight/extra are ignored.
    edge and max_all default to TREND_EDGE and TREND_MAX_ALL."""
    edge = TREND_EDGE if edge is None else edge
    max_all = TREND_MAX_ALL if max_all is None else max_all
    if trend is None or trend.empty:
        return TrendSelection((), 0, False)
    order = _latest_order(trend)
    if len(order) <= max(max_all, 2 * edge):
        return TrendSelection(tuple(order), len(order), False, highlight=highlight if highlight in order else None)
    known = set(order)
    top, bottom = order[:edge], order[-edge:]
    hl = str(highlight) if highlight is not None and str(highlight) in known else None
    picked = tuple(dict.fromkeys(str(c) for c in extra if str(c) in known and str(c) != hl))
    wanted = {*top, *bottom, *picked, *([hl] if hl else [])}
    return TrendSelection(tuple(c for c in order if c in wanted), len(order), True, tuple(top), tuple(bottom), hl,
                          picked)


def rank_trend_chart(trend: pd.DataFrame, metric: str = "rank", highlight: str | None = None, present: bool = False,
                     height: int | None = None, title: str | None = None, extra: Any = (),
                     edge: int | None = None, max_all: int | None = None) -> go.Figure:
    """Each county's rank (axis reversed: 1st at the top) or score at each campaign week end; the highlighted
    county (code) is drawn thicker, the others thinner.

    Up to max_all counties every county gets a line. Beyond (a province, the country) only trend_selection's counties
    do — the top `edge` in green, the bottom `edge` in red, the highlighted county and the picked ones (`extra`)
    thick — grouped in the legend, with a subtitle saying so: thousands of lines are unreadable, and were most of the
    page's time and of what it sent to the browser."""
    label = "排名" if metric == "rank" else "得分"
    title = title or f"本次行动各县区{label}变化（每周日）"
    if trend is None or trend.empty:
        return _empty(title, present, height)
    sel = trend_selection(trend, highlight, extra, edge, max_all)
    n = sel.total
    part = trend.assign(code=trend["code"].astype(str))
    if sel.focused:
        part = part[part["code"].isin(sel.codes)]
    part = part.assign(_x=pd.to_datetime(part["d"])).sort_values("d", kind="stable")
    groups = dict(tuple(part.groupby("code", sort=False)))
    labels = county_labels(trend["code"], trend["name"])
    fig = go.Figure()
    top, bottom = set(sel.top), set(sel.bottom)
    emphasis = sel.focused and (sel.highlight is not None or bool(sel.picked))
    for i, code in enumerate(sel.codes):
        g = groups[code]
        name = html.escape(labels[code])
        custom = list(zip(g["rank"], g["score"], strict=True))
        hover = name + "<br>%{x|%Y-%m-%d}<br>第 %{customdata[0]} 名，%{customdata[1]:.1f} 分<extra></extra>"
        if not sel.focused:
            strong = highlight is None or code == highlight
            fig.add_scatter(
                x=g["_x"], y=g[metric], mode="lines+markers", name=name,
                line={"width": 4 if highlight is not None and code == highlight else 2,
                      "color": PALETTE[i % len(PALETTE)]},
                opacity=1.0 if strong else 0.35, customdata=custom, hovertemplate=hover)
            continue
        if code == sel.highlight:
            group, color, width, opacity = "本县区", "#000000", 5, 1.0
        elif code in sel.picked and code not in top and code not in bottom:
            group, color, width, opacity = "所选区县", PICK_COLORS[sel.picked.index(code) % len(PICK_COLORS)], 4, 1.0
        elif code in top:
            group, color = f"前 {len(sel.top)} 名", TOP_COLORS[sel.top.index(code) % len(TOP_COLORS)]
            width, opacity = (4, 1.0) if code in sel.picked else (2, 0.5 if emphasis else 1.0)
        else:
            group, color = f"后 {len(sel.bottom)} 名", BOTTOM_COLORS[sel.bottom.index(code) % len(BOTTOM_COLORS)]
            width, opacity = (4, 1.0) if code in sel.picked else (2, 0.5 if emphasis else 1.0)
        fig.add_scatter(x=g["_x"], y=g[metric], mode="lines+markers", name=name, legendgroup=group,
                        legendgrouptitle_text=group, line={"width": width, "color": color}, opacity=opacity,
                        customdata=custom, hovertemplate=hover)
    days = sorted(pd.to_datetime(trend["d"].unique()))
    fig.update_xaxes(tickvals=days, ticktext=[f"{d:%m-%d}" for d in days], title_text="每周日 / 数据截至日")
    if metric == "rank":
        fig.update_yaxes(autorange="reversed", dtick=1 if n <= 20 else None, title_text="排名（1 为最好）")
    else:
        fig.update_yaxes(range=[0, 105], title_text="得分")
    fig = _style(fig, title, present, height or (560 if sel.focused and not present else None))
    fig.update_layout(legend={"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.02})
    if sel.focused:
        subtitle(fig, sel.describe() + ("" if present else "；完整排名见县区排名表"), present)
        fig.update_layout(legend_groupclick="toggleitem")
    return fig


def _day(v: Any) -> dt.date | None:
    if v is None or v is pd.NaT or (not isinstance(v, dt.date) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def clue_timeline(clue: Mapping[str, Any], as_of: dt.date, present: bool = False,
                  height: int | None = None, title: str = "线索办理时间线") -> go.Figure:
    """Received → due → closed (or still open at as_of) on one date axis: the time within the limit in green, any
    time past the due date in red, a marker and label for each event."""
    received, due, closed = _day(clue.get("received_date")), _day(clue.get("due_date")), _day(clue.get("closed_date"))
    if received is None or due is None:
        return _empty(title, present, height, "缺少受理日期或办结时限")
    end = closed or as_of
    fig = go.Figure()
    in_limit_end = min(end, due)
    fig.add_scatter(x=[received, in_limit_end], y=[0, 0], mode="lines", line={"color": "#59a14f", "width": 14},
                    name="时限内", hoverinfo="skip")
    if end > due:
        fig.add_scatter(x=[due, end], y=[0, 0], mode="lines", line={"color": "#c62828", "width": 14},
                        name=f"超期 {(end - due).days} 天", hoverinfo="skip")
    events = [(received, "受理", "#333333"), (due, "应办结", "#f0a500")]
    events.append((closed, "办结", "#2e7d32") if closed else (as_of, "数据截至（未办结）", "#c62828"))
    for i, (d, label, color) in enumerate(events):
        fig.add_scatter(x=[d], y=[0], mode="markers+text", marker={"size": 16, "color": color, "symbol": "diamond"},
                        text=[f"{label}<br>{d:%Y-%m-%d}"], textposition="top center" if i % 2 == 0 else "bottom center",
                        showlegend=False, hovertemplate=f"{label} {d:%Y-%m-%d}<extra></extra>")
    pad = dt.timedelta(days=max(2, (max(end, due) - received).days // 8))
    fig.update_xaxes(range=[received - pad, max(end, due) + pad], tickformat="%m-%d", showgrid=True)
    fig.update_yaxes(visible=False, range=[-1.2, 1.2])
    fig = _style(fig, title, present, height or (300 if not present else 420))
    return fig
