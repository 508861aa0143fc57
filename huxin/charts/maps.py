"""The warning map (预警地图) as pure builders: county classes and legend, layer records, the map itself (a plotly
figure for a city or a province, a pydeck Deck for the country or with the heat layer: huxin.mapkind), and the
server-side export image. No Streamlit here; tested without a browser.

Offline by construction:
- ``pdk.Deck(map_provider=None)`` with the map style left at pydeck's default sentinel. Streamlit's frontend then
  draws no basemap. (Passing ``map_style=None`` is *not* the same: the sentinel is replaced by nothing and Streamlit
  falls back to a CARTO basemap from basemaps.cartocdn.com — checked in the Streamlit 1.67 bundle and in the
  browser test.) The county polygons are the base map; county names are a TextLayer.
- The export image is drawn with plain ``go.Scatter`` polygons (fill='toself') on hidden cartesian axes, not with
  ``go.Choropleth``: plotly's geo subplot fetches world topojson from cdn.plot.ly even with every base layer hidden,
  which fails on an intranet. Rings are oriented (exterior counter-clockwise, holes clockwise) so SVG's nonzero fill
  rule cuts holes and enclaves stay visible.

Ledger text in tooltips: Streamlit 1.67 HTML-escapes every value it substitutes into the tooltip template (verified in
its DeckGlJsonChart bundle), so ``html.escape`` here would show ``&amp;`` to users. ``plain`` instead swaps the few
characters that matter in HTML or in the template (< > & { }) for their full-width forms, which is safe under any
renderer (e.g. pydeck's own ``to_html``) and reads naturally in Chinese text.

Speed in the browser (measured in headless Chromium, whose WebGL is SwiftShader: software rendering on the CPU, as on
many office PCs without a usable GPU): every deck.gl layer type is one more shader program to compile, on every map
opened (that is why plot_map_figure draws maps of up to huxin.mapkind.PLOT_MAX_COUNTIES counties as SVG), and deck.gl's
PathLayer (what a stroked GeoJsonLayer uses for outlines) is by far the most expensive: 0.5-1.5 s of CPU for the
9 counties of a city and ~10 s for the 155,000 outline vertices of the 2,891 counties of the country, where the
filled polygons alone cost ~2 s. So county borders are not stroked: ``display_geojson`` shrinks each polygon a little
(BORDER_PX at the zoom the map opens with), and the white page shows through the gaps as borders — the same picture
at the opening zoom, drawn by the fill layer alone (the gaps widen when one zooms far in). Counties too small to
shrink keep their outline.

Speed on the server: the page caches what it builds on the data version and its arguments (``project_view``
reduces the projects to what is listed and drawn; ``project_points`` builds tooltips only for the drawn points,
column by column), and hands Streamlit the deck JSON it cached (``PrebuiltDeck``) instead of a Deck to serialise.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import shapely
from shapely.geometry import shape
from shapely.geometry.polygon import orient

from huxin.vocab import INVESTMENT_LABEL, LEVEL_RANK, LEVELS, NO_LEVEL_COLOR

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"

# What the counties can be coloured by (key -> UI label); the keys are county_table columns (or 'level').
COLOR_BY: dict[str, str] = {
    "level": "预警等级",
    "overdue_open": "超期未办结",
    "open_stock": "存量（线索+案件）",
    "closure_rate": "办结率",
    "amount_owed": "欠薪金额",
}
# What project points can be sized by.
SIZE_BY: dict[str, str] = {"workers_on_site": "在场人数", "amount_owed": "欠薪金额"}

LEVEL_HEX: dict[str, str] = {"红": "#d7191c", "橙": "#f28e2b", "黄": "#f7d038", "蓝": "#2c7bb6"}
LEVEL_LABEL: dict[str | None, str] = {"红": "红色预警", "橙": "橙色预警", "黄": "黄色预警", "蓝": "蓝色预警",
                                      None: "无预警"}
NOT_SELECTED_HEX = "#f2f2f2"
ZERO_HEX = "#eeeeee"
# Sequential classes, light -> dark (more = worse).
SEQ_HEX = ("#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
# Closure rate, worst -> best (the last class is "target reached").
RATE_HEX = ("#7f0000", "#d7301f", "#fdae6b", "#6baed6")
POLY_ALPHA = 190
# Heat in purples: the warning colours (red/orange/yellow) are taken by the counties and the points.
HEAT_RANGE = [[237, 231, 246], [209, 196, 233], [179, 157, 219], [149, 117, 205], [103, 58, 183], [69, 39, 160]]
POINT_ALPHA = 235

TOOLTIP: dict[str, Any] = {
    "html": "<div style='font-weight:600;font-size:15px;margin-bottom:4px'>{tip_title}</div><div>{tip_body}</div>",
    "style": {"whiteSpace": "pre-line", "maxWidth": "420px", "fontSize": "13px", "lineHeight": "1.5",
              "backgroundColor": "rgba(33,33,33,0.92)", "color": "white", "fontFamily": FONT},
}
# Above this many counties the name labels are left out (tooltips still name every county): thousands of distinct
# CJK glyphs make a huge font atlas and the labels would overlap at country zoom anyway.
MAX_LABELS = 400
# Above this many projects only the most severe are drawn (the page says so): each point carries its tooltip text
# (~0.8 KB), and more points than this cover a province or the country completely anyway.
MAX_POINTS = 3000
# County borders: the gap between neighbouring polygons, in pixels at the zoom the map opens with (see module docstring).
BORDER_PX = 0.6
# County outlines are drawn simplified to a quarter pixel at the zoom the map opens with (finer detail is invisible
# there). Each polygon is simplified on its own, so a shared border may move by this much on either side: it stays
# below the half gap (BORDER_PX / 2) that each county is shrunk by, so the white border does not close.
SIMPLIFY_PX = 0.25


# ---------------------------------------------------------------------------------------------
# Small helpers
# one pass: markup characters to full width, control characters (except newline) dropped
_PLAIN = str.maketrans({"<": "＜", ">": "＞", "&": "＆", "{": "｛", "}": "｝",
                        **{chr(c): None for c in range(32) if c != 10}, "\x7f": None})


def plain(value: Any, limit: int = 80) -> str:
    """Ledger text made safe for a tooltip or label (see module docstring); None/NaN -> ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    s = str(value).translate(_PLAIN).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def hex_to_rgba(color: str, alpha: int = 255) -> list[int]:
    c = color.lstrip("#")
    return [int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha]


def _num(x: Any) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def fmt_wan(x: Any) -> str:
    v = _num(x)
    return "—" if v is None else f"{v / 10000:,.1f} 万元"


def fmt_rate(x: Any) -> str:
    v = _num(x)
    return "—" if v is None else f"{v:.1%}"


def fmt_int(x: Any, unit: str = "") -> str:
    v = _num(x)
    return "—" if v is None else f"{round(v):,}{(' ' + unit) if unit else ''}"


# ---------------------------------------------------------------------------------------------
# County classes and the legend
@dataclass(frozen=True)
class LegendEntry:
    label: str
    color: str          # hex
    count: int = 0


@dataclass(frozen=True)
class Classes:
    title: str
    entries: tuple[LegendEntry, ...]
    color_of: Mapping[str, str]      # county code -> hex colour

    def legend(self, with_empty: bool = False) -> list[LegendEntry]:
        return [e for e in self.entries if with_empty or e.count]


def _nice(x: float) -> float:
    """Smallest 1/2/2.5/5 × 10^k not below x (class breaks people can read)."""
    if x <= 0:
        return 0.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= x * (1 - 1e-12):
            return m * e
    return 10 * e


def _breaks(values: Sequence[float], n: int = 4) -> list[float]:
    """Upper bounds of up to n classes of the positive values: nice quantiles, the last one the maximum."""
    v = np.asarray([x for x in values if x and x > 0], dtype=float)
    if v.size == 0:
        return []
    top = float(v.max())
    qs = [_nice(float(np.quantile(v, i / n))) for i in range(1, n)]
    return sorted({q for q in qs if q < top} | {top})


def classify(color_by: str, values: Mapping[str, Any], target_rate: float = 0.98,
             highlight_levels: Iterable[str] = ()) -> Classes:
    """Colour classes of counties. values: county code -> warning level (color_by='level') or the indicator value.

    highlight_levels (level colouring only): counties at other levels are drawn pale, as 「其他等级」.
    """
    title = COLOR_BY.get(color_by, color_by)
    color_of: dict[str, str] = {}
    entries: list[tuple[str, str, list[str]]] = []  # label, hex, codes

    if color_by == "level":
        hl = set(highlight_levels)
        groups: dict[str | None, list[str]] = {lv: [] for lv in (*LEVELS, None)}
        other: list[str] = []
        for code, lv in values.items():
            lv = lv if lv in LEVEL_HEX else None
            if hl and lv not in hl:
                other.append(code)
            else:
                groups[lv].append(code)
        for lv in (*LEVELS, None):
            entries.append((LEVEL_LABEL[lv], LEVEL_HEX.get(lv, NO_LEVEL_COLOR), groups[lv]))
        if hl:
            entries.append(("其他等级（未选）", NOT_SELECTED_HEX, other))
    elif color_by == "closure_rate":
        t = min(max(target_rate, 0.0), 1.0)
        bounds = [b for b in (0.90, 0.95) if b < t] + [t]
        labels = []
        lo = None
        for b in bounds:
            labels.append(f"低于 {b:.0%}" if lo is None else f"{lo:.0%}～{b:.0%}")
            lo = b
        labels.append(f"≥ {t:.0%}（达标）")
        hexes = RATE_HEX[-len(labels):] if len(labels) <= len(RATE_HEX) else RATE_HEX
        groups_r: list[list[str]] = [[] for _ in labels]
        none: list[str] = []
        for code, v in values.items():
            f = _num(v)
            if f is None:
                none.append(code)
                continue
            i = next((k for k, b in enumerate(bounds) if f < b - 1e-12), len(bounds))
            groups_r[i].append(code)
        # worst first in the legend
        entries += [(lab, hexes[i], groups_r[i]) for i, lab in enumerate(labels)]
        entries.append(("无受理（—）", NO_LEVEL_COLOR, none))
    else:
        money = color_by == "amount_owed"
        vals = {c: (_num(v) or 0.0) for c, v in values.items()}
        brk = _breaks(list(vals.values()))
        hexes = SEQ_HEX[-len(brk):] if brk else ()
        zero = [c for c, v in vals.items() if v <= 0]
        groups_s: list[list[str]] = [[] for _ in brk]
        for c, v in vals.items():
            if v > 0:
                groups_s[next(k for k, b in enumerate(brk) if v <= b + 1e-9)].append(c)
        entries.append(("0" if not money else "无欠薪", ZERO_HEX, zero))
        lo = 0.0
        for k, b in enumerate(brk):
            if money:
                lab = f"{lo / 10000:,.4g}～{b / 10000:,.4g} 万元" if lo else f"不超过 {b / 10000:,.4g} 万元"
            else:
                a, z = math.floor(lo) + 1, math.ceil(b)
                lab = str(z) if a >= z else f"{a}～{z}"
            entries.append((lab, hexes[k], groups_s[k]))
            lo = b
    out: list[LegendEntry] = []
    for label, hx, codes in entries:
        for c in codes:
            color_of[c] = hx
        out.append(LegendEntry(label, hx, len(codes)))
    return Classes(title, tuple(out), color_of)


def legend_html(classes: Classes, note: str = "") -> str:
    """The legend beside the map as HTML built only from our own labels and colours (never ledger text)."""
    rows = "".join(
        f"<div style='display:flex;align-items:center;margin:3px 0'>"
        f"<span style='display:inline-block;width:18px;height:14px;border:1px solid #999;margin-right:8px;"
        f"background:{html.escape(e.color)}'></span>{html.escape(e.label)}"
        f"<span style='color:#666;margin-left:6px'>{e.count}</span></div>"
        for e in classes.legend())
    extra = f"<div style='color:#666;font-size:0.85em;margin-top:6px'>{html.escape(note)}</div>" if note else ""
    return (f"<div style='font-size:0.95em'><div style='font-weight:600;margin-bottom:4px'>"
            f"{html.escape(classes.title)}（区县数）</div>{rows}{extra}</div>")


def point_legend_html(title: str = "项目点（按预警等级）") -> str:
    rows = "".join(
        f"<div style='display:flex;align-items:center;margin:3px 0'><span style='display:inline-block;width:12px;"
        f"height:12px;border-radius:50%;border:1px solid #fff;box-shadow:0 0 0 1px #999;margin-right:8px;"
        f"background:{hx}'></span>{lab}</div>"
        for hx, lab in [(LEVEL_HEX[lv], LEVEL_LABEL[lv]) for lv in LEVELS] + [(NO_LEVEL_COLOR, "无预警")])
    return f"<div style='font-size:0.95em;margin-top:10px'><div style='font-weight:600'>{html.escape(title)}</div>{rows}</div>"


# ---------------------------------------------------------------------------------------------
# Tooltip text
def county_tip(row: Mapping[str, Any] | None, name: str) -> tuple[str, str]:
    """(title, body) of a county's tooltip from its county_table row (None: no figures for it)."""
    title = plain(name)
    if row is None:
        return title, "暂无数据"
    lv = row.get("warning_level")
    lv = lv if lv in LEVEL_HEX else None
    reasons = plain(row.get("warning_reasons"), 160)
    lines = [f"预警：{LEVEL_LABEL[lv]}" + (f"（{reasons}）" if reasons and lv else ""),
             f"超期未办结：{fmt_int(row.get('overdue_open'), '条')}",
             f"存量（线索+案件）：{fmt_int(row.get('open_stock'), '件')}",
             (f"办结率：{fmt_rate(row.get('closure_rate'))}（办结 {fmt_int(row.get('closed'))} / "
              f"受理 {fmt_int(row.get('received'))}）"),
             f"欠薪金额：{fmt_wan(row.get('amount_owed'))}"]
    score, rank = _num(row.get("score")), _num(row.get("rank"))
    if score is not None:
        lines.append(f"考核得分：{score:.1f} 分" + (f"（第 {int(rank)} 名）" if rank is not None else ""))
    lines.append("单击选中，可进入区域钻取")
    return title, "\n".join(lines)


def project_tip(p: Mapping[str, Any]) -> tuple[str, str]:
    """(title, body) of a project's tooltip; every ledger field passes through plain()."""
    lv = p.get("warning_level")
    lv = lv if lv in LEVEL_HEX else None
    inv = INVESTMENT_LABEL.get(p.get("investment_type") or "", plain(p.get("investment_type")) or "—")
    where = " · ".join(x for x in (plain(p.get("county_name")), plain(p.get("township"))) if x)
    score = _num(p.get("risk_score"))
    lines = [f"所属区县：{where or '—'}",
             f"建设单位：{plain(p.get('builder')) or '—'}",
             f"施工总承包：{plain(p.get('contractor')) or '—'}",
             f"投资类型：{inv}　主管部门：{plain(p.get('sector')) or '—'}",
             f"缺失制度：{plain(p.get('missing_safeguards'), 120) or '无'}",
             f"未办结线索：{fmt_int(p.get('open_clues'), '条')}　在办案件：{fmt_int(p.get('open_cases'), '件')}",
             f"欠薪金额：{fmt_wan(p.get('amount_owed'))}　在场人数：{fmt_int(p.get('workers_on_site'), '人')}",
             f"预警：{LEVEL_LABEL[lv]}" + (f"（风险分 {score:g}）" if score is not None and lv else "")]
    reasons = plain(p.get("warning_reasons"), 240)
    if reasons and lv:
        lines.append(f"原因：{reasons}")
    title = f"{plain(p.get('name'), 60) or '（未填项目名称）'}（{plain(p.get('project_id'), 40)}）"
    return title, "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Layer data
def _county_props(code: str, name: Any, rows: Mapping[str, Mapping[str, Any]], classes: Classes) -> dict[str, Any]:
    """A county's feature properties: fill colour and tooltip text baked in, so deck.gl needs nothing else."""
    row = rows.get(code)
    title, body = county_tip(row, name or code)
    lv = row.get("warning_level") if row else None
    return {"kind": "county", "code": code, "name": plain(name), "level": lv if lv in LEVEL_HEX else None,
            "fill": hex_to_rgba(classes.color_of.get(code, NO_LEVEL_COLOR), POLY_ALPHA),
            "tip_title": title, "tip_body": body}


def county_features(display: DisplayShapes, table: pd.DataFrame, classes: Classes) -> str:
    """The county FeatureCollection served to the browser, as JSON text: the polygons as drawn (display_geojson)
    plus fill colour and tooltip text in the properties. Joined from the geometry text: at national scale, turning
    2,900 polygons into Python lists and back into JSON cost ~1 s of a new server process's first map
    (bench/RESULTS.md, sixth round)."""
    rows = {str(r["code"]): r for r in table.to_dict("records")} if not table.empty else {}
    parts = [f'{{"type":"Feature","geometry":{g},"properties":'
             f'{json.dumps(_county_props(c, n, rows, classes), ensure_ascii=False, separators=(",", ":"), allow_nan=False)}}}'
             for c, n, g in zip(display.codes, display.names, display.geometry, strict=True)]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def degrees_per_pixel(zoom: float) -> float:
    """Degrees of longitude per screen pixel at a deck.gl zoom (the world is 512 px wide at zoom 0)."""
    return 360.0 / (512.0 * 2.0 ** zoom)


@dataclass(frozen=True)
class DisplayShapes:
    """Counties as drawn: codes, names and each polygon as GeoJSON text (display_geojson)."""
    codes: tuple[str, ...]
    names: tuple[str, ...]
    geometry: tuple[str, ...]


def display_geojson(geoms: np.ndarray, gap: float = 0.0, ndigits: int | None = 4, min_keep: float = 0.5,
                    simplify: float = 0.0) -> list[str]:
    """The polygons (shapely array) as drawn: each simplified to `simplify` degrees (Douglas-Peucker, keeping each
    polygon valid; SIMPLIFY_PX of a pixel at the opening zoom: 155,626 vertices of the country become ~60,000,
    which the browser downloads and triangulates in software WebGL), then shrunk by gap/2 degrees, so that
    neighbours are `gap` apart and the white page shows through as their border (see the module docstring: no
    outline layer), and coordinates rounded to ndigits; as GeoJSON geometry text. A county that would keep less than
    min_keep of its area (a county a few pixels wide at country zoom) gets half the gap, and if even that is too
    much, keeps its own outline. Vectorised with shapely (no per-coordinate Python)."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return []
    if simplify > 0:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    if gap > 0:
        area = shapely.area(geoms)
        todo = np.ones(len(geoms), dtype=bool)
        for g in (gap, gap / 2):
            # mitre joins: a negative buffer then adds no vertices at the corners
            shrunk = shapely.buffer(geoms[todo], -g / 2, join_style="mitre", mitre_limit=2.0)
            ok = ~shapely.is_empty(shrunk) & (shapely.area(shrunk) >= min_keep * area[todo])
            idx = np.flatnonzero(todo)[ok]
            geoms[idx] = shrunk[ok]
            todo[idx] = False
    if ndigits is not None:
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, ndigits))
    return shapely.to_geojson(geoms).tolist()


def county_labels(regions: pd.DataFrame) -> list[dict[str, Any]]:
    """Text-layer records (name at the county's label point) from data.regions()."""
    out = []
    for r in regions.to_dict("records"):
        lon, lat = _num(r.get("lon")), _num(r.get("lat"))
        if lon is None or lat is None:
            continue
        out.append({"name": plain(r.get("name"), 20), "lon": round(lon, 5), "lat": round(lat, 5)})
    return out


_RANK_OF = np.array([LEVEL_RANK[lv] for lv in LEVELS] + [0])


def level_rank(levels: pd.Series) -> pd.Series:
    """4 for 红 … 1 for 蓝, 0 without a warning (vectorised; for sorting by severity)."""
    codes = pd.Categorical(levels, categories=list(LEVELS)).codes  # -1: no (known) level
    return pd.Series(_RANK_OF[codes], index=levels.index, dtype=int)


def severity_order(projects: pd.DataFrame) -> np.ndarray:
    """Row positions of projects, most severe first: warning level, then amount owed (ties keep their order)."""
    rank = level_rank(projects["warning_level"]).to_numpy()
    owed = pd.to_numeric(projects["amount_owed"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return np.lexsort((-owed, -rank))


def project_tips(projects: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(titles, bodies) of many projects' tooltips at once: the same text as project_tip, built column by column
    (no per-row dicts); the page calls it only for the points it draws."""
    n = len(projects)

    def col(name: str) -> list[Any]:
        return projects[name].tolist() if name in projects.columns else [None] * n

    def txt(name: str, limit: int = 80) -> list[str]:
        return [plain(v, limit) for v in col(name)]

    levels = [lv if lv in LEVEL_HEX else None for lv in col("warning_level")]
    invs = [INVESTMENT_LABEL.get(v or "", plain(v) or "—") for v in col("investment_type")]
    wheres = [" · ".join(x for x in (c, t) if x) or "—" for c, t in zip(txt("county_name"), txt("township"),
                                                                       strict=True)]
    scores = [_num(v) for v in col("risk_score")]
    lines = zip(wheres, txt("builder"), txt("contractor"), invs, txt("sector"), txt("missing_safeguards", 120),
                [fmt_int(v, "条") for v in col("open_clues")], [fmt_int(v, "件") for v in col("open_cases")],
                [fmt_wan(v) for v in col("amount_owed")], [fmt_int(v, "人") for v in col("workers_on_site")],
                levels, scores, txt("warning_reasons", 240), strict=True)
    bodies = []
    for where, builder, contractor, inv, sector, missing, clues, cases, owed, workers, lv, score, reasons in lines:
        body = (f"所属区县：{where}\n建设单位：{builder or '—'}\n施工总承包：{contractor or '—'}\n"
                f"投资类型：{inv}　主管部门：{sector or '—'}\n缺失制度：{missing or '无'}\n"
                f"未办结线索：{clues}　在办案件：{cases}\n欠薪金额：{owed}　在场人数：{workers}\n"
                f"预警：{LEVEL_LABEL[lv]}" + (f"（风险分 {score:g}）" if score is not None and lv else ""))
        if reasons and lv:
            body += f"\n原因：{reasons}"
        bodies.append(body)
    titles = [f"{name or '（未填项目名称）'}（{pid}）" for name, pid in zip(txt("name", 60), txt("project_id", 40),
                                                                       strict=True)]
    return titles, bodies


def project_points(projects: pd.DataFrame, size_by: str = "workers_on_site",
                   max_points: int = MAX_POINTS, scale: float = 1.0) -> tuple[list[dict[str, Any]], int]:
    """Scatter records of projects with coordinates: colour by warning level, radius (pixels) by size_by, times
    scale (smaller at province/country zoom).

    Returns (records, number left out because of max_points — the least severe are dropped first).
    Red is drawn last so it stays on top. Tooltips are built only for the records returned.
    """
    if projects.empty:
        return [], 0
    df = projects[projects["lon_wgs84"].notna() & projects["lat_wgs84"].notna()]
    if df.empty:
        return [], 0
    dropped = 0
    if len(df) > max_points:  # keep the most severe (national scale: ~240,000 projects)
        dropped = len(df) - max_points
        df = df.iloc[severity_order(df)[:max_points]]
    rank = level_rank(df["warning_level"]).to_numpy()
    owed = pd.to_numeric(df["amount_owed"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    df = df.iloc[np.lexsort((owed, rank))]  # drawing order: least severe first, red on top
    size = pd.to_numeric(df[size_by], errors="coerce").fillna(0.0).clip(lower=0).to_numpy(dtype=float)
    pos = size[size > 0]
    top = float(np.quantile(pos, 0.95)) if pos.size else 0.0  # one huge site must not shrink all others
    radius = 3 + 7 * np.sqrt(np.clip(size / top, 0, 1)) if top > 0 else np.full(len(df), 4.0)
    titles, bodies = project_tips(df)
    # projects without a warning recede: smaller and paler
    colors = {lv: hex_to_rgba(hx, POINT_ALPHA) for lv, hx in LEVEL_HEX.items()} | {None: hex_to_rgba("#9e9e9e", 150)}
    recs = []
    for pid, cc, lon, lat, lv, r, title, body in zip(
            df["project_id"].tolist(), df["county_code"].tolist(), df["lon_wgs84"].tolist(), df["lat_wgs84"].tolist(),
            df["warning_level"].tolist(), radius.tolist(), titles, bodies, strict=True):
        lv = lv if lv in LEVEL_HEX else None
        recs.append({"project_id": plain(pid, 60), "county_code": str(cc or ""),
                     "lon": round(float(lon), 6), "lat": round(float(lat), 6), "color": list(colors[lv]),
                     "radius": round(scale * (float(r) if lv else 2.5 + float(r) / 3), 1),
                     "level": lv, "tip_title": title, "tip_body": body})
    return recs, dropped


@dataclass(frozen=True, eq=False)
class ProjectView:
    """The projects matching the map's filters, reduced to what the page lists and draws: a few thousand rows at
    any scale (the page caches this, not the 300,000 projects of the country)."""
    total: int                 # projects matching the filters
    placed: int                # with coordinates inside their county (drawable)
    outside: int               # coordinates outside their declared county
    missing: int               # no coordinates
    listed: pd.DataFrame       # most severe first (warning level, then amount owed); at most max_list rows
    problems: pd.DataFrame     # outside their county, or county not in the boundary data; at most max_list rows
    n_problems: int
    drawn: pd.DataFrame        # the most severe placed projects, at most max_points (what project_points draws)

    @property
    def dropped(self) -> int:
        """Placed projects not drawn because of max_points."""
        return self.placed - len(self.drawn)


def project_view(projects: pd.DataFrame, max_list: int = 5000, max_points: int = MAX_POINTS) -> ProjectView:
    """projects: data.projects() joined with geoserve.locate_projects() (location_status, point_county_*)."""
    from huxin.geoserve import MISSING, OK, OUTSIDE, UNKNOWN

    if projects.empty:
        return ProjectView(0, 0, 0, 0, projects, projects, 0, projects)
    # positions only: the frame itself is sliced once per output, never reordered as a whole (300,000 rows)
    status = projects["location_status"].to_numpy(dtype=object)
    order = severity_order(projects)
    placed = ((status == OK) & projects["lon_wgs84"].notna().to_numpy() & projects["lat_wgs84"].notna().to_numpy())
    placed_order = order[placed[order]]
    bad = np.flatnonzero((status == OUTSIDE) | (status == UNKNOWN))
    return ProjectView(total=len(projects), placed=int(placed.sum()), outside=int((status == OUTSIDE).sum()),
                       missing=int((status == MISSING).sum()), listed=projects.iloc[order[:max_list]],
                       problems=projects.iloc[bad[:max_list]], n_problems=len(bad),
                       drawn=projects.iloc[placed_order[:max_points]])


def heat_points(clues: pd.DataFrame, project_xy: Mapping[str, tuple[float, float]],
                county_xy: Mapping[str, tuple[float, float]], cell: float | None = None) -> list[dict[str, Any]]:
    """Heat-layer records: clues at their project's point when known, else at their county's label point (clues
    carry no coordinates of their own), summed per grid cell of `cell` degrees (None: per distinct point) so a
    national month (~250,000 clues) stays a few thousand weighted records. No ledger text. Vectorised."""
    n = len(clues)
    if not n:
        return []
    pids = clues["project_id"] if "project_id" in clues else pd.Series(None, index=clues.index, dtype=object)
    ccs = clues["county_code"] if "county_code" in clues else pd.Series(None, index=clues.index, dtype=object)

    def lookup(keys: pd.Series, table: Mapping[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        if not table:
            return np.full(n, np.nan), np.full(n, np.nan)
        xy = pd.DataFrame([(float(x), float(y)) for x, y in table.values()], index=list(table), columns=["x", "y"])
        pos = xy.index.get_indexer(keys.to_numpy(dtype=object))
        ok = pos >= 0
        x, y = np.full(n, np.nan), np.full(n, np.nan)
        x[ok], y[ok] = xy["x"].to_numpy()[pos[ok]], xy["y"].to_numpy()[pos[ok]]
        return x, y

    px, py = lookup(pids, project_xy)
    cx, cy = lookup(ccs.map(str), county_xy)
    x, y = np.where(np.isnan(px), cx, px), np.where(np.isnan(px), cy, py)
    keep = ~np.isnan(x)
    x, y = x[keep], y[keep]
    if cell:
        x, y = np.round(x / cell) * cell, np.round(y / cell) * cell
    w = pd.DataFrame({"x": x, "y": y}).groupby(["x", "y"], sort=False).size()
    return [{"lon": round(float(a), 5), "lat": round(float(b), 5), "w": int(c)}
            for (a, b), c in zip(w.index.tolist(), w.tolist(), strict=True)]


def heat_cell(bounds: tuple[float, float, float, float] | None, cells: int = 300) -> float | None:
    """Grid size (degrees) for heat_points: ~`cells` cells across the scope's longer side."""
    if bounds is None:
        return None
    return max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1e-3) / cells


# ---------------------------------------------------------------------------------------------
# View and deck
def bounds_of(shapes: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a FeatureCollection (exterior rings of polygons suffice)."""
    rings: list[Any] = []
    for f in shapes.get("features", []):
        g = f["geometry"]
        if g["type"] == "Polygon":
            rings += g["coordinates"][:1]
        elif g["type"] == "MultiPolygon":
            rings += [poly[0] for poly in g["coordinates"] if poly]
        else:  # points, lines, collections: every coordinate
            rings.append(_flat(g.get("coordinates", [])))
    pts = [np.asarray(r, dtype=float)[:, :2] for r in rings if len(r)]
    if not pts:
        return None
    xy = np.concatenate(pts)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def _flat(c: Any) -> list[Any]:
    if c and isinstance(c[0], int | float):
        return [c[:2]]
    return [p for x in c for p in _flat(x)]


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(bounds: tuple[float, float, float, float] | None, width: int = 900, height: int = 620,
             padding: float = 0.06) -> pdk.ViewState:
    """A view showing the whole bounding box in a width x height canvas (deck.gl: the world is 512 px at zoom 0)."""
    if bounds is None:  # nothing to show: China
        return pdk.ViewState(longitude=104.0, latitude=35.0, zoom=3.2, pitch=0, bearing=0)
    x0, y0, x1, y1 = bounds
    dx = max(x1 - x0, 1e-4) / 360.0
    my0, my1 = _merc_y(y0), _merc_y(y1)
    dy = max(my1 - my0, 1e-4) / (2 * math.pi)
    usable = 1 - 2 * padding
    zoom = math.log2(min(width * usable / (512 * dx), height * usable / (512 * dy)))
    cy = math.degrees(2 * math.atan(math.exp((my0 + my1) / 2)) - math.pi / 2)
    return pdk.ViewState(longitude=round((x0 + x1) / 2, 5), latitude=round(cy, 5),
                         zoom=round(min(max(zoom, 2.0), 14.0), 2), pitch=0, bearing=0, min_zoom=2, max_zoom=16)


class CompactDeck(pdk.Deck):
    """pydeck's to_json() pretty-prints with ASCII escapes (\\uXXXX per Chinese character): about 2.5x the bytes.
    Streamlit sends exactly to_json(), so emit compact UTF-8 JSON instead (same content)."""

    def to_json(self) -> str:
        return json.dumps(json.loads(super().to_json()), ensure_ascii=False, separators=(",", ":"))


class PrebuiltDeck:
    """A deck already serialised (e.g. CompactDeck.to_json() cached by the page on the data version and its
    arguments), for st.pydeck_chart: it reads only to_json(), the tooltip and a few optional attributes, so a
    rerun with unchanged inputs neither rebuilds the layers nor serialises them again."""

    layers: tuple[Any, ...] = ()
    mapbox_key = None
    width = None

    def __init__(self, spec_json: str, tooltip: Mapping[str, Any] | None = None) -> None:
        self._json = spec_json
        self._tooltip = dict(tooltip) if tooltip is not None else None

    def to_json(self) -> str:
        return self._json


def build_deck(counties: str | Mapping[str, Any], labels: Sequence[Mapping[str, Any]] = (),
               points: Sequence[Mapping[str, Any]] = (), heat: Sequence[Mapping[str, Any]] | None = None,
               view: pdk.ViewState | None = None, label_px: int = 13, stroked: bool = False) -> CompactDeck:
    """The map: county polygons (a static-file URL or an inline FeatureCollection) as the base, optional heat,
    project points, county names on top (readable over dense points). Layer ids: counties, heat, projects, labels
    (selection uses them). Borders are the gaps display_geojson leaves between the polygons; stroked=True draws
    outlines instead (deck.gl's PathLayer: slow under software rendering, see the module docstring)."""
    layers = [pdk.Layer(
        "GeoJsonLayer", data=counties, id="counties", pickable=True, stroked=stroked, filled=True,
        get_fill_color="properties.fill", get_line_color=[255, 255, 255, 255], line_width_min_pixels=1,
        auto_highlight=True, highlight_color=[0, 0, 0, 45],
        opacity=0.35 if heat else 1.0)]  # counties recede under the heat layer
    if heat:
        layers.append(pdk.Layer(
            "HeatmapLayer", data=list(heat), id="heat", get_position=["lon", "lat"], get_weight="w",
            radius_pixels=40, intensity=1, threshold=0.05, opacity=0.8, pickable=False,
            color_range=HEAT_RANGE))
    if points:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=list(points), id="projects", pickable=True, get_position=["lon", "lat"],
            get_fill_color="color", get_radius="radius", radius_units=pdk.types.String("pixels"),
            stroked=True, get_line_color=[255, 255, 255, 255], line_width_min_pixels=1, auto_highlight=True))
    if labels and len(labels) <= MAX_LABELS:
        layers.append(pdk.Layer(
            "TextLayer", data=list(labels), id="labels", get_position=["lon", "lat"], get_text="name",
            get_size=label_px, get_color=[20, 20, 20, 255], pickable=False,
            # a white halo (signed-distance glyphs with an outline) keeps the names readable over any fill. Not
            # background boxes: those are one more deck.gl layer (TextBackgroundLayer), whose first draw under
            # software WebGL cost ~0.2-0.3 s of the city map's time to drawn (bench/RESULTS.md, fifth round)
            font_settings={"sdf": True}, outline_width=3, outline_color=[255, 255, 255, 230],
            # literal strings: pydeck would otherwise turn them into accessor expressions ("@@=auto")
            character_set=pdk.types.String("auto"), font_family=pdk.types.String(FONT),
            font_weight=600, get_text_anchor=pdk.types.String("middle"),
            get_alignment_baseline=pdk.types.String("center")))
    # map_provider=None and *no* map_style argument: see the module docstring (no basemap, no outside request).
    return CompactDeck(layers=layers, map_provider=None, initial_view_state=view or fit_view(None),
                    tooltip=TOOLTIP)


HOVER_WIDTH = 30  # characters per tooltip line: plotly.js does not wrap (deck.gl's tooltip wrapped at 420 px)


def _hover_text(title: Any, body: Any) -> str:
    """A tooltip for plotly.js, which reads <b> and <br> in text: title and body are plain() text already (no < > &),
    so these two tags are the only markup. Long lines (a project's name, its warning reasons) are wrapped."""
    def lines(text: Any) -> list[str]:
        return [w for ln in str(text or "").split("\n") for w in (textwrap.wrap(ln, HOVER_WIDTH) or [""])]

    return "<b>" + "<br>".join(lines(title)) + "</b><br>" + "<br>".join(lines(body))


def _rgba(c: Sequence[int] | None, default: str = NO_LEVEL_COLOR, alpha: int = POLY_ALPHA) -> str:
    r, g, b, a = (list(c) + [255])[:4] if c else hex_to_rgba(default, alpha)
    return f"rgba({int(r)},{int(g)},{int(b)},{round(int(a) / 255, 3)})"


def plot_map_figure(counties: str | Mapping[str, Any], points: Sequence[Mapping[str, Any]] = (),
                    labels: Sequence[Mapping[str, Any]] = (),
                    bounds: tuple[float, float, float, float] | None = None, height: int = 600,
                    label_px: int = 13) -> go.Figure:
    """The page's map as a plotly figure (SVG, no WebGL; huxin.mapkind says when): the same picture as build_deck's.

    counties: county_features' FeatureCollection (the polygons as drawn, with the gaps as borders; fill colour and
    tooltip in the properties); points: project_points' records; labels: county_labels'. One filled trace per county,
    hovered anywhere inside it, then the points (the most severe on top), then the names. Each trace's ``meta`` says
    what a click picks (huxin.webchart reports it): {"layer": "counties", "id": code} or {"layer": "projects"} with
    the project id in each point's customdata. The axes are hidden and keep the local aspect (1° of latitude is
    1/cos(latitude) times 1° of longitude); zoom and pan stay across reruns (uirevision).
    """
    fc = json.loads(counties) if isinstance(counties, str) else counties
    # Traces and layout as plain dicts, and the figure built without plotly's per-property validation: for a
    # province's 157 counties and 3,000 points the validation took 0.3 s of every cold map run. The tests check the
    # figure's properties (tests/test_map.py), and plotly.js ignores none of them.
    traces: list[dict[str, Any]] = []
    for f in fc.get("features", []):
        p = f.get("properties") or {}
        xs: list[float | None] = []
        ys: list[float | None] = []
        _extend_rings(xs, ys, f["geometry"])
        code = str(p.get("code", ""))
        traces.append({
            "type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself", "fillcolor": _rgba(p.get("fill")),
            "line": {"width": 0}, "hoveron": "fills", "hoverinfo": "text",
            "text": _hover_text(p.get("tip_title"), p.get("tip_body")), "name": code,
            "meta": {"layer": "counties", "id": code}, "showlegend": False})
    if points:
        traces.append({
            "type": "scatter", "x": [p["lon"] for p in points], "y": [p["lat"] for p in points], "mode": "markers",
            "marker": {"size": [round(2 * float(p["radius"]), 1) for p in points],
                       "color": [_rgba(p.get("color"), alpha=POINT_ALPHA) for p in points],
                       "line": {"width": 1, "color": "white"}},
            "customdata": [p["project_id"] for p in points], "hoverinfo": "text",
            "text": [_hover_text(p.get("tip_title"), p.get("tip_body")) for p in points],
            "name": "projects", "meta": {"layer": "projects"}, "showlegend": False})
    if labels and len(labels) <= MAX_LABELS:
        traces.append({
            "type": "scatter", "x": [x["lon"] for x in labels], "y": [x["lat"] for x in labels], "mode": "text",
            "text": [x["name"] for x in labels],
            "textfont": {"size": label_px, "color": "#141414", "family": FONT, "weight": 600,
                         "shadow": "0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff"},   # a white halo over any fill
            "hoverinfo": "skip", "name": "labels", "meta": {"layer": "labels"}, "showlegend": False})
    x0, y0, x1, y1 = bounds or bounds_of(fc) or (73.0, 18.0, 135.0, 54.0)
    dx, dy = max(x1 - x0, 1e-4) * 0.03, max(y1 - y0, 1e-4) * 0.03
    layout = {
        "height": height, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "paper_bgcolor": "white",
        "plot_bgcolor": "white", "font": {"family": FONT}, "showlegend": False, "dragmode": "pan",
        # a point is picked only under the mouse (plotly's default takes one up to 20 px away, and on a dense city
        # map no county could be hovered or clicked between the points)
        "hovermode": "closest", "hoverdistance": 3, "uirevision": "map",
        "xaxis": {"visible": False, "range": [x0 - dx, x1 + dx]},
        "yaxis": {"visible": False, "range": [y0 - dy, y1 + dy], "scaleanchor": "x",
                  "scaleratio": 1 / math.cos(math.radians((y0 + y1) / 2))},
        "hoverlabel": {"bgcolor": "rgba(33,33,33,0.92)", "bordercolor": "rgba(33,33,33,0.92)", "align": "left",
                       "font": {"color": "white", "size": 13, "family": FONT}}}
    return go.Figure(data=traces, layout=layout, _validate=False)


# ---------------------------------------------------------------------------------------------
# The export image (server-side, offline)
def _rings(geom: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    g = shape(geom)
    polys = list(g.geoms) if isinstance(g, shapely.MultiPolygon) else [g] if isinstance(g, shapely.Polygon) else []
    out = []
    for p in polys:
        p = orient(p, sign=1.0)  # exterior CCW, holes CW -> nonzero fill leaves holes empty
        out.append(list(p.exterior.coords))
        out += [list(r.coords) for r in p.interiors]
    return out


def _extend_rings(xs: list[float | None], ys: list[float | None], geom: Mapping[str, Any]) -> None:
    """Append a polygon's rings (_rings) to one filled scatter trace's x and y, each ring after a None (a gap)."""
    for ring in _rings(geom):
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [pt[0] for pt in ring]
        ys += [pt[1] for pt in ring]


def map_image_figure(shapes: Mapping[str, Any], values: Mapping[str, Any] | None = None,
                     levels: Mapping[str, str | None] | None = None, title: str = "",
                     stamp: Sequence[str] | str = (), color_by: str | None = None, target_rate: float = 0.98,
                     show_labels: bool | None = None, width: int = 1200, height: int = 900) -> go.Figure:
    """The county map as a plain plotly figure for PNG export and the Word briefing (no basemap, no network).

    levels: county code -> warning level (colours 红橙黄蓝); otherwise values: code -> indicator value, classed like
    the page (color_by says which indicator, default 'overdue_open'). title and stamp (lines of 数据截至/筛选/保密)
    are drawn on the image; the legend lists the classes with county counts.
    """
    if levels is not None:
        color_by = "level"
        classes = classify("level", levels)
    else:
        color_by = color_by or "overdue_open"
        classes = classify(color_by, values or {}, target_rate=target_rate)
    feats = list(shapes.get("features", []))
    by_color: dict[str, tuple[list[float | None], list[float | None]]] = {}
    label_x, label_y, label_t = [], [], []
    for f in feats:
        code = str((f.get("properties") or {}).get("code"))
        hx = classes.color_of.get(code, NO_LEVEL_COLOR)
        xs, ys = by_color.setdefault(hx, ([], []))
        _extend_rings(xs, ys, f["geometry"])
        pt = shape(f["geometry"]).representative_point()
        label_x.append(pt.x)
        label_y.append(pt.y)
        label_t.append(html.escape(str((f.get("properties") or {}).get("name") or code)))
    fig = go.Figure()
    for e in classes.entries:
        if e.color not in by_color or not e.count:
            continue
        xs, ys = by_color.pop(e.color)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=e.color,
                                 line={"color": "white", "width": 0.8 if len(feats) <= 300 else 0.3}, name=f"{html.escape(e.label)}（{e.count}）",
                                 hoverinfo="skip"))
    if show_labels is None:
        show_labels = len(feats) <= 150
    if show_labels and feats:
        fig.add_trace(go.Scatter(x=label_x, y=label_y, mode="text", text=label_t, showlegend=False,
                                 textfont={"size": 13 if len(feats) <= 30 else 9, "color": "#222"},
                                 hoverinfo="skip"))
    b = bounds_of(shapes)
    lat0 = (b[1] + b[3]) / 2 if b else 35.0
    stamp_lines = [stamp] if isinstance(stamp, str) else list(stamp)
    fig.update_layout(
        title={"text": html.escape(title), "x": 0.02, "xanchor": "left", "font": {"size": 24}},
        font={"family": FONT, "size": 14}, width=width, height=height,
        paper_bgcolor="white", plot_bgcolor="white",
        margin={"l": 20, "r": 20, "t": 70, "b": 40 + 20 * len(stamp_lines)},
        legend={"title": {"text": f"{html.escape(classes.title)}（区县数）"}, "x": 1.0, "xanchor": "right",
                "y": 1.0, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": "#ccc",
                "borderwidth": 1},
        xaxis={"visible": False, "range": [b[0] - 0.02 * (b[2] - b[0]), b[2] + 0.02 * (b[2] - b[0])] if b else None},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat0))},
        showlegend=True,
    )
    if stamp_lines:
        fig.add_annotation(text="<br>".join(html.escape(s) for s in stamp_lines), xref="paper", yref="paper",
                           x=0, y=0, xanchor="left", yanchor="top", yshift=-8, showarrow=False, align="left",
                           font={"size": 12, "color": "#555"})
    if not feats:
        fig.add_annotation(text="无区县边界数据", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                           font={"size": 18, "color": "#888"})
    return fig


def county_map_figure(scope: Any, as_of: dt.date, start: dt.date | None = None, color_by: str = "level",
                      title: str | None = None, filters: str = "无") -> go.Figure:
    """Convenience for briefings: the scope's counties coloured by warning level (or an indicator) as of as_of."""
    from huxin import data
    from huxin.config import load_rules
    from huxin.exports import stamp_lines

    start = start or dt.date(as_of.year, 1, 1)
    shapes = data.region_shapes(scope)
    table = data.county_table(scope, as_of, start)
    codes = {str(f["properties"]["code"]) for f in shapes["features"]}
    table = table[table["code"].astype(str).isin(codes)] if not table.empty else table
    label = COLOR_BY.get(color_by, color_by)
    title = title or f"{data.scope_name()}欠薪预警地图（{label}，截至 {as_of:%Y年%m月%d日}）"
    stamp = stamp_lines(as_of, filters, getattr(scope, "label", ""))
    if color_by == "level":
        lv = dict(zip(table["code"].astype(str), table["warning_level"], strict=True)) if not table.empty else {}
        return map_image_figure(shapes, levels={c: lv.get(c) for c in codes}, title=title, stamp=stamp)
    vals = dict(zip(table["code"].astype(str), table[color_by], strict=True)) if not table.empty else {}
    return map_image_figure(shapes, values={c: vals.get(c) for c in codes}, title=title, stamp=stamp,
                            color_by=color_by, target_rate=load_rules().target_closure_rate)


def map_png(fig: go.Figure, width: int = 1200, height: int = 900, scale: float = 2.0) -> bytes:
    """PNG of a map figure via huxin.static_images (kaleido + system Chromium, offline)."""
    from huxin import static_images

    return static_images.figure_to_png(fig, width=width, height=height, scale=scale)
