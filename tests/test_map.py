"""预警地图: pure builders (classes, legend, layers, deck, export figure), coordinates, the outside-county check, the
static GeoJSON files, and the page through AppTest."""
from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
import shapely.ops
from fast_geocn import bd09_to_gcj02 as fast_bd09_to_gcj02
from fast_geocn import gcj02_to_bd09 as fast_gcj02_to_bd09
from fast_geocn import gcj02_to_wgs84, wgs84_to_gcj02

from huxin import data, geo, geoserve, mapkind
from huxin.charts import maps as M
from tests.conftest import AS_OF, CITY

KAIFENG = geo.counties_in(CITY)          # 9 counties of 开封市
LONGTING, QIXIAN = "410202", "410221"    # 龙亭区, 杞县
ZHENGZHOU_ERQI = "410103"                # 郑州市二七区 (another city)
EVIL = "<img src=x onerror=alert(1)>{tip_body}&"


def inner_point(code: str) -> tuple[float, float]:
    p = geo.county_geometries([code])[code].representative_point()
    return p.x, p.y


def shapes_of(codes: list[str]) -> dict[str, Any]:
    g = geo.county_geometries(codes)
    names = geo.region_names("district")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": c, "name": names[c]},
         "geometry": shapely.geometry.mapping(shapely.simplify(g[c], 0.002))} for c in codes]}


def displayed(fc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """M.display_geojson over a FeatureCollection's polygons, back as a FeatureCollection (properties kept)."""
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in fc["features"]])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": dict(f["properties"]), "geometry": json.loads(g)}
        for f, g in zip(fc["features"], M.display_geojson(geoms, **kw), strict=True)]}


def display_of(codes: list[str], **kw: Any) -> M.DisplayShapes:
    """The counties as the page draws them (M.display_geojson), for M.county_features."""
    shapes = shapes_of(codes)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in shapes["features"]])
    return M.DisplayShapes(tuple(codes), tuple(KAIFENG[c] for c in codes), tuple(M.display_geojson(geoms, **kw)))


def county_row(code: str, level: str | None, **kw: Any) -> dict[str, Any]:
    base = {"code": code, "name": KAIFENG.get(code, code), "warning_level": level, "warning_reasons": "超期未办结 3 条",
            "overdue_open": 3, "open_stock": 10, "closure_rate": 0.9, "closed": 9, "received": 10,
            "amount_owed": 123456.0, "score": 81.25, "rank": 2}
    return base | kw


def project_row(pid: str, level: str | None, workers: int = 10, lon: float | None = 114.3,
                lat: float | None = 34.8, **kw: Any) -> dict[str, Any]:
    base = {"project_id": pid, "name": f"项目{pid}", "county_code": LONGTING, "county_name": "龙亭区",
            "township": "北道门街道", "builder": "建设单位甲", "contractor": "总包乙", "investment_type": "government",
            "sector": "住建", "missing_safeguards": "维权信息公示牌", "open_clues": 2, "open_cases": 1,
            "amount_owed": 50000.0, "workers_on_site": workers, "warning_level": level,
            "warning_reasons": "未办结线索 2 条（16 分）" if level else "", "risk_score": 40.0,
            "lon_wgs84": lon, "lat_wgs84": lat}
    return base | kw


# ---------------------------------------------------------------------------------------------
# Classes and legend
def test_classify_by_level_counts_and_colours() -> None:
    vals = {"a": "红", "b": "红", "c": "黄", "d": None, "e": "蓝"}
    cl = M.classify("level", vals)
    got = {e.label: e.count for e in cl.entries}
    assert got == {"红色预警": 2, "橙色预警": 0, "黄色预警": 1, "蓝色预警": 1, "无预警": 1}
    assert cl.color_of["a"] == M.LEVEL_HEX["红"] and cl.color_of["c"] == M.LEVEL_HEX["黄"]
    assert cl.color_of["d"] == M.NO_LEVEL_COLOR
    assert [e.label for e in cl.legend()] == ["红色预警", "黄色预警", "蓝色预警", "无预警"]  # empty classes left out
    # a level filter leaves the other counties pale
    hl = M.classify("level", vals, highlight_levels=["红"])
    assert hl.color_of["c"] == M.NOT_SELECTED_HEX and hl.color_of["a"] == M.LEVEL_HEX["红"]
    assert {e.label: e.count for e in hl.entries}["其他等级（未选）"] == 3


def test_classify_closure_rate_against_the_target() -> None:
    vals = {"a": 0.5, "b": 0.92, "c": 0.979, "d": 0.98, "e": None}
    cl = M.classify("closure_rate", vals, target_rate=0.98)
    by_code = {c: next(e.label for e in cl.entries if e.color == h and e.count) for c, h in cl.color_of.items()}
    assert by_code == {"a": "低于 90%", "b": "90%～95%", "c": "95%～98%", "d": "≥ 98%（达标）", "e": "无受理（—）"}


def test_classify_counts_and_amounts_cover_every_county() -> None:
    vals = {f"c{i}": v for i, v in enumerate([0, 0, 1, 2, 3, 5, 8, 13, 40, 123])}
    cl = M.classify("overdue_open", vals)
    assert set(cl.color_of) == set(vals)
    assert cl.entries[0].label == "0" and cl.entries[0].count == 2
    assert sum(e.count for e in cl.entries) == len(vals)
    assert cl.entries[-1].label.endswith("123")                 # the last class ends at the maximum
    assert cl.color_of["c9"] == M.SEQ_HEX[-1]                    # the worst county gets the darkest colour
    money = M.classify("amount_owed", {"a": 0, "b": 30000, "c": 2_000_000})
    assert money.entries[0].label == "无欠薪" and all("万元" in e.label for e in money.entries[1:])


def test_legend_html_uses_only_our_labels() -> None:
    cl = M.classify("level", {"a": "红", "b": None})
    h = M.legend_html(cl, note="项目筛选不改变区县着色")
    assert "红色预警" in h and M.LEVEL_HEX["红"] in h and "无预警" in h and "橙色预警" not in h


# ---------------------------------------------------------------------------------------------
# Layers and the deck
def test_county_features_bake_colour_and_tooltip() -> None:
    table = pd.DataFrame([county_row(LONGTING, "红"), county_row(QIXIAN, None, overdue_open=0)])
    cl = M.classify("level", {LONGTING: "红", QIXIAN: None})
    fc = json.loads(M.county_features(display_of([LONGTING, QIXIAN]), table, cl))
    assert fc["type"] == "FeatureCollection" and [f["properties"]["code"] for f in fc["features"]] == [LONGTING, QIXIAN]
    props = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    assert props[LONGTING]["fill"][:3] == [215, 25, 28] and props[LONGTING]["level"] == "红"
    assert props[LONGTING]["tip_title"] == "龙亭区"
    body = props[LONGTING]["tip_body"]
    for text in ("红色预警（超期未办结 3 条）", "超期未办结：3 条", "存量（线索+案件）：10 件", "办结率：90.0%",
                 "欠薪金额：12.3 万元", "考核得分：81.2 分（第 2 名）"):
        assert text in body
    assert "无预警" in props[QIXIAN]["tip_body"]
    coords = json.dumps(fc["features"][0]["geometry"]["coordinates"])
    assert all(len(x.split(".")[-1]) <= 4 for x in coords.replace("[", "").replace("]", "").split(","))


def test_county_features_without_counties_or_names() -> None:
    table = pd.DataFrame([county_row(LONGTING, "红")])
    cl = M.classify("level", {LONGTING: "红"})
    assert json.loads(M.county_features(M.DisplayShapes((), (), ()), table, cl))["features"] == []
    one = display_of([LONGTING])
    nameless = json.loads(M.county_features(M.DisplayShapes((LONGTING,), ("",), one.geometry), table, cl))
    assert nameless["features"][0]["properties"]["tip_title"] == LONGTING  # no name: the code, never "None"


def test_project_points_colour_size_order_and_escaping() -> None:
    df = pd.DataFrame([project_row("P1", "红", workers=5), project_row("P2", None, workers=100),
                       project_row("P3", "蓝", workers=100), project_row("P4", "黄", lon=None, lat=None),
                       project_row("P5", "橙", workers=1, name=EVIL, builder=EVIL)])
    pts, dropped = M.project_points(df, "workers_on_site")
    assert dropped == 0
    assert [p["project_id"] for p in pts] == ["P2", "P3", "P5", "P1"]  # no coordinates left out; red drawn last
    by = {p["project_id"]: p for p in pts}
    assert by["P1"]["color"][:3] == [215, 25, 28] and by["P3"]["color"][:3] == [44, 123, 182]
    assert by["P3"]["radius"] > by["P1"]["radius"]                         # more workers, bigger point
    assert by["P2"]["radius"] < by["P3"]["radius"] and by["P2"]["color"][3] < by["P3"]["color"][3]  # no warning
    tip = by["P5"]["tip_title"] + by["P5"]["tip_body"]
    assert not set("<>{}&") & set(tip)                                      # ledger text cannot become markup
    assert "＜img src=x onerror=alert(1)＞｛tip_body｝＆" in tip
    for text in ("建设单位：", "施工总承包：总包乙", "投资类型：政府投资", "缺失制度：维权信息公示牌", "未办结线索：2 条",
                 "欠薪金额：5.0 万元", "预警：红色预警"):
        assert text in by["P1"]["tip_body"]
    half, _ = M.project_points(df, "workers_on_site", scale=0.5)
    assert all(abs(h["radius"] - p["radius"] / 2) <= 0.06 for h, p in zip(half, pts, strict=True))
    # too many: the least severe are dropped first
    pts2, dropped2 = M.project_points(df, "amount_owed", max_points=2)
    assert dropped2 == 2 and {p["project_id"] for p in pts2} == {"P1", "P5"}


def test_project_tips_match_project_tip_row_by_row() -> None:
    rows = [project_row("P1", "红", name=EVIL, builder=EVIL, township=None),
            project_row("P2", None, contractor=None, missing_safeguards=None, risk_score=None),
            project_row("P3", "蓝", investment_type="unknown<type>", warning_reasons="原因\x00一", amount_owed=None),
            project_row("P4", "黄", county_name=None, township=None, name=None, workers_on_site=float("nan"))]
    df = pd.DataFrame(rows)
    titles, bodies = M.project_tips(df)
    assert list(zip(titles, bodies, strict=True)) == [M.project_tip(r) for r in df.to_dict("records")]
    # columns a ledger may lack are shown as missing, not an error
    t2, b2 = M.project_tips(df.drop(columns=["township", "risk_score", "open_cases"]))
    assert t2 == titles and all("在办案件：—" in b for b in b2)


def test_project_points_builds_tooltips_only_for_drawn_points(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 20_000  # a province's worth of projects
    levels = ["红", "橙", "黄", "蓝", None]
    df = pd.DataFrame([project_row(f"P{i:05d}", levels[i % 5], workers=i % 50, amount_owed=float(i),
                                   lon=114 + (i % 100) / 1000, lat=34 + (i // 100) / 1000) for i in range(n)])
    seen: list[int] = []
    orig = M.project_tips
    monkeypatch.setattr(M, "project_tips", lambda d: (seen.append(len(d)), orig(d))[1])
    pts, dropped = M.project_points(df, "workers_on_site", max_points=500)
    assert seen == [500] and len(pts) == 500 and dropped == n - 500
    assert {p["level"] for p in pts} == {"红"}                                # the most severe are kept
    assert min(int(p["project_id"][1:]) for p in pts) == n - 5 * 500         # … the largest amounts owed first
    assert [p["project_id"] for p in pts][-1] == f"P{n - 5:05d}"              # largest drawn last (on top)
    assert not {"kind"} & set(pts[0])                                         # only what the browser uses


def test_project_view_lists_and_draws_the_most_severe() -> None:
    rows = [project_row("A", None, amount_owed=9e6), project_row("B", "蓝", amount_owed=1.0),
            project_row("C", "红", amount_owed=10.0), project_row("D", "红", amount_owed=500.0),
            project_row("E", "橙", lon=None, lat=None), project_row("F", "红", amount_owed=1e9),
            project_row("G", "黄")]
    status = ["ok", "ok", "ok", "ok", "missing", "outside", "unknown_county"]
    df = pd.DataFrame(rows).assign(location_status=status, point_county_code=None, point_county_name=None)
    v = M.project_view(df, max_list=4, max_points=2)
    assert (v.total, v.placed, v.outside, v.missing, v.n_problems) == (7, 4, 1, 1, 2)
    assert v.listed["project_id"].tolist() == ["F", "D", "C", "E"]            # level first, then amount owed
    assert v.drawn["project_id"].tolist() == ["D", "C"] and v.dropped == 2     # only placed projects are drawn
    assert v.problems["project_id"].tolist() == ["F", "G"]
    empty = M.project_view(df.iloc[:0])
    assert (empty.total, empty.dropped, len(empty.drawn)) == (0, 0, 0)
    assert M.level_rank(pd.Series(["蓝", None, "红", "紫"], index=[5, 6, 7, 8])).to_dict() == {5: 1, 6: 0, 7: 4, 8: 0}


def test_display_geojson_leaves_a_gap_as_the_border() -> None:
    def square(x0: float, y0: float, w: float) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + w], [x0, y0 + w],
                                                   [x0, y0]]]}

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "a", "name": "甲"}, "geometry": square(0, 0, 1)},
        {"type": "Feature", "properties": {"code": "b", "name": "乙"}, "geometry": square(1, 0, 1)},
        {"type": "Feature", "properties": {"code": "c"}, "geometry": square(5, 5, 0.05)},    # half the gap only
        {"type": "Feature", "properties": {"code": "d"}, "geometry": square(7, 7, 0.012)}]}  # too small to shrink
    out = displayed(fc, gap=0.02, ndigits=4)
    g = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in out["features"]}
    assert out["features"][0]["properties"] == {"code": "a", "name": "甲"}
    assert g["a"].distance(g["b"]) == pytest.approx(0.02)                   # neighbours 0.02 apart
    assert g["a"].bounds == pytest.approx((0.01, 0.01, 0.99, 0.99))
    assert g["c"].bounds == pytest.approx((5.005, 5.005, 5.045, 5.045))      # 0.01 gap: keeps >= half its area
    assert g["d"].equals(shapely.geometry.shape(square(7, 7, 0.012)))        # its own outline
    raw = json.dumps(displayed(shapes_of([LONGTING]), gap=0.001, ndigits=4))
    assert all(len(x.split(".")[-1]) <= 4 for x in raw.split("coordinates")[1].replace("[", "").replace("]", "")
               .replace("}", "").split(",") if "." in x)
    assert M.display_geojson(shapely.from_geojson([])) == []
    assert M.degrees_per_pixel(0) == pytest.approx(360 / 512)
    # simplified to a tolerance: fewer vertices, every county still there and within the tolerance of its outline
    fc = shapes_of([LONGTING, QIXIAN])
    tol = 0.005
    simple = displayed(fc, ndigits=None, simplify=tol)
    for before, after in zip(fc["features"], simple["features"], strict=True):
        a, b = shapely.geometry.shape(before["geometry"]), shapely.geometry.shape(after["geometry"])
        assert b.is_valid and not b.is_empty and after["properties"] == before["properties"]
        assert shapely.get_num_coordinates(b) < shapely.get_num_coordinates(a)
        assert a.hausdorff_distance(b) <= tol + 1e-9


def test_bounds_of_polygons_multipolygons_and_points() -> None:
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[114.0, 34.0], [115.0, 34.0], [115.0, 35.0], [114.0, 34.0]], [[114.5, 34.5], [114.6, 34.5], [114.6, 34.6]]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[110.0, 30.0], [111.0, 30.0], [111.0, 31.0], [110.0, 30.0]]]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [120.0, 40.0]}}]}
    assert M.bounds_of(fc) == (110.0, 30.0, 120.0, 40.0)
    assert M.bounds_of({"features": []}) is None


def test_plain_drops_control_characters_and_truncates() -> None:
    assert M.plain("a\x00b\tc\nd\x7f") == "abc\nd"
    assert M.plain(None) == "" and M.plain(float("nan")) == ""
    assert M.plain("长" * 100, limit=10) == "长" * 9 + "…"


def test_heat_points_fall_back_to_the_county_point() -> None:
    clues = pd.DataFrame({"project_id": ["P1", None, "PX"], "county_code": [LONGTING, QIXIAN, "999999"]})
    pts = M.heat_points(clues, {"P1": (114.3, 34.8)}, {QIXIAN: (114.8, 34.5)})
    assert pts == [{"lon": 114.3, "lat": 34.8, "w": 1}, {"lon": 114.8, "lat": 34.5, "w": 1}]
    many = pd.DataFrame({"project_id": ["P1", "P2", None, None], "county_code": [LONGTING, LONGTING, QIXIAN, QIXIAN]})
    xy = {"P1": (114.301, 34.801), "P2": (114.302, 34.802)}
    summed = M.heat_points(many, xy, {QIXIAN: (114.8, 34.5)}, cell=0.01)
    assert sorted((p["lon"], p["lat"], p["w"]) for p in summed) == [(114.3, 34.8, 2), (114.8, 34.5, 2)]
    assert M.heat_cell((114.0, 34.0, 115.5, 35.0), cells=300) == pytest.approx(0.005)
    odd = pd.DataFrame({"project_id": [float("nan"), "P1", None], "county_code": [QIXIAN, None, None]})
    assert M.heat_points(odd, xy, {QIXIAN: (114.8, 34.5)}) == [{"lon": 114.8, "lat": 34.5, "w": 1},
                                                               {"lon": 114.301, "lat": 34.801, "w": 1}]
    assert M.heat_points(odd.iloc[:0], xy, {}) == [] and M.heat_points(odd, {}, {}) == []


def test_deck_is_offline_with_layers_and_tooltips() -> None:
    df = pd.DataFrame([project_row("P1", "红"), project_row("P2", None)])
    pts, _ = M.project_points(df)
    labels = [{"name": "龙亭区", "lon": 114.3, "lat": 34.8}]
    heat = [{"lon": 114.3, "lat": 34.8, "w": 1}]
    deck = M.build_deck("/app/static/geo/counties-abc.json", labels, pts, heat, M.fit_view((114, 34, 115, 35)))
    spec = json.loads(deck.to_json())
    assert [ly["id"] for ly in spec["layers"]] == ["counties", "heat", "projects", "labels"]
    counties = spec["layers"][0]
    assert counties["@@type"] == "GeoJsonLayer" and counties["data"] == "/app/static/geo/counties-abc.json"
    assert counties["getFillColor"] == "@@=properties.fill" and counties["pickable"] is True
    # no basemap: provider left out and pydeck's style sentinel kept (map_style=None would make Streamlit use CARTO)
    assert "mapProvider" not in spec and spec["mapStyle"] == "__MAP_STYLE__"
    raw = deck.to_json()
    assert "http" not in raw and "cartocdn" not in raw and "mapbox" not in raw
    assert "\\u" not in raw and "龙亭区" in raw                              # compact UTF-8, not ASCII escapes
    text = spec["layers"][3]
    assert text["characterSet"] == "auto" and not text["fontFamily"].startswith("@@=")
    assert spec["layers"][2]["radiusUnits"] == "pixels"
    # the one tooltip template only uses fields every pickable object has
    tpl = M.TOOLTIP["html"]
    assert "{tip_title}" in tpl and "{tip_body}" in tpl
    assert all("tip_title" in p and "tip_body" in p for p in spec["layers"][2]["data"])
    assert deck._tooltip == M.TOOLTIP
    # borders are gaps in the polygons, not a PathLayer (very slow under software WebGL)
    assert counties["stroked"] is False
    # the page hands Streamlit the cached JSON: exactly what it would have serialised
    pre = M.PrebuiltDeck(deck.to_json(), M.TOOLTIP)
    assert pre.to_json() == raw and pre._tooltip == M.TOOLTIP and pre.mapbox_key is None and not pre.layers


def test_deck_without_optional_layers_and_many_labels() -> None:
    labels = [{"name": f"县{i}", "lon": 100 + i / 100, "lat": 30.0} for i in range(M.MAX_LABELS + 1)]
    spec = json.loads(M.build_deck({"type": "FeatureCollection", "features": []}, labels).to_json())
    assert [ly["id"] for ly in spec["layers"]] == ["counties"]


def test_plot_map_is_the_decks_picture_in_plotly() -> None:
    """plot_map_figure: one filled county trace each (colour and tooltip from county_features, hovered inside the
    polygon, its code as what a click picks), the points (size = 2 x the deck's pixel radius, the project id per
    point), the names on top; hidden axes at the local aspect; ledger text cannot become markup."""
    codes = [LONGTING, QIXIAN]
    rows = [county_row(LONGTING, "红", name=EVIL), county_row(QIXIAN, None)]
    classes = M.classify("level", {LONGTING: "红", QIXIAN: None})
    features = M.county_features(display_of(codes, gap=0.002), pd.DataFrame(rows), classes)
    pts, _ = M.project_points(pd.DataFrame([project_row("P1", "红", name=EVIL), project_row("P2", None)]))
    labels = [{"name": "龙亭区", "lon": 114.3, "lat": 34.8}, {"name": "杞县", "lon": 114.8, "lat": 34.5}]
    bounds = (114.0, 34.3, 115.0, 35.0)
    fig = M.plot_map_figure(features, pts, labels, bounds, height=500)
    traces = fig.data
    assert [t.meta["layer"] for t in traces] == ["counties", "counties", "projects", "labels"]
    assert [t.meta["id"] for t in traces[:2]] == codes
    red = M.hex_to_rgba(M.LEVEL_HEX["红"], M.POLY_ALPHA)
    assert traces[0].fillcolor == f"rgba({red[0]},{red[1]},{red[2]},{round(M.POLY_ALPHA / 255, 3)})"
    assert traces[0].fill == "toself" and traces[0].hoveron == "fills" and traces[0].line.width == 0
    # the polygon drawn is the served one: its rings, split by None, hold the county's shrunk outline
    ring = [(x, y) for x, y in zip(traces[1].x, traces[1].y, strict=True) if x is not None]
    served = shapely.geometry.shape(json.loads(features)["features"][1]["geometry"])
    assert shapely.geometry.Polygon(ring).area == pytest.approx(served.area, rel=1e-6)
    assert traces[1].text.startswith("<b>杞县</b><br>预警：无预警<br>超期未办结：3 条")
    points = traces[2]
    assert list(points.customdata) == [p["project_id"] for p in pts] and len(pts) == 2
    assert list(points.marker.size) == [round(2 * p["radius"], 1) for p in pts]
    assert list(points.x) == [p["lon"] for p in pts] and list(points.y) == [p["lat"] for p in pts]
    assert list(traces[3].text) == ["龙亭区", "杞县"] and traces[3].hoverinfo == "skip"
    texts = "".join([t.text for t in traces[:2]] + list(points.text))
    assert "<img" not in texts and "{tip_body}" not in texts and "＜img" in texts   # full-width: shown, not markup
    assert set(re.findall(r"<(/?\w+)", texts)) == {"b", "/b", "br"}              # our two tags only
    lay = fig.layout
    assert lay.xaxis.visible is False and lay.yaxis.scaleanchor == "x" and lay.dragmode == "pan"
    assert lay.yaxis.scaleratio == pytest.approx(1 / math.cos(math.radians(34.65)))
    assert lay.xaxis.range[0] < 114.0 and lay.xaxis.range[1] > 115.0 and lay.height == 500
    assert lay.uirevision == "map"                                    # zoom and pan survive a rerun
    # without points and with too many names for a map
    many = [{"name": f"县{i}", "lon": 114.0, "lat": 34.5} for i in range(M.MAX_LABELS + 1)]
    assert [t.meta["layer"] for t in M.plot_map_figure(features, (), many, bounds).data] == ["counties"] * 2


def test_which_maps_plotly_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mapkind.PLOT_MAX_COUNTIES == mapkind.DEFAULT_PLOT_MAX_COUNTIES == 400   # a province has ~160 counties
    assert mapkind.draws_with_plotly(9) and mapkind.draws_with_plotly(400)
    assert not mapkind.draws_with_plotly(401)                         # the country: deck.gl
    assert not mapkind.draws_with_plotly(9, heat=True)                # the heat layer: deck.gl
    assert not mapkind.draws_with_plotly(0)
    for value, want in (("0", 0), ("2900", 2900), ("many", 400), ("-5", 0)):
        monkeypatch.setenv("ARREARS_PLOT_MAX_COUNTIES", value)
        assert mapkind._plot_max_counties() == want


def test_plot_map_tooltips_wrap_long_lines() -> None:
    reasons = "未办结线索 2 条（16 分）；" * 8
    text = M._hover_text("开封市" * 15, f"预警：红色预警\n原因：{reasons}")
    title, _, body = text.partition("</b><br>")
    assert title.startswith("<b>") and title.count("<br>") == 1          # 45 characters: two lines
    lines = body.split("<br>")
    assert lines[0] == "预警：红色预警" and all(len(x) <= M.HOVER_WIDTH for x in lines) and len(lines) >= 4
    assert "".join(lines[1:]).replace(" ", "") == f"原因：{reasons}".replace(" ", "")   # nothing lost


def test_fit_view_frames_the_scope() -> None:
    b = M.bounds_of(shapes_of(list(KAIFENG)))
    assert b is not None and 113.8 < b[0] < b[2] < 115.4 and 34.1 < b[1] < b[3] < 35.1
    v = M.fit_view(b, width=950, height=600)
    assert b[0] < v.longitude < b[2] and b[1] < v.latitude < b[3]
    assert 8.0 <= v.zoom <= 9.5
    assert M.fit_view((73.5, 18.0, 135.0, 53.6), 950, 600).zoom < 4.5      # the whole country
    assert M.fit_view(None).zoom < 4


# ---------------------------------------------------------------------------------------------
# Coordinates
def close(a: tuple[float, float], b: tuple[float, float], tol: float) -> bool:
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


def test_coordinate_conversions_match_published_reference_points() -> None:
    # reference values from wandergis/coordtransform (test/app.js), the widely used JS implementation
    assert close(wgs84_to_gcj02(116.404, 39.915), (116.41024449916938, 39.91640428150164), 1e-9)
    assert close(geoserve.gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021), 1e-9)
    assert close(geoserve.bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631), 1e-9)
    # fast-geocn inverts GCJ-02 iteratively; coordtransform's one-step inverse is within ~1 m of it
    assert close(gcj02_to_wgs84(116.404, 39.915), (116.39775550083061, 39.91359571849836), 2e-5)
    # and the inverses really invert (well under a metre)
    w = (114.3077, 34.7973)  # 开封
    assert close(gcj02_to_wgs84(*wgs84_to_gcj02(*w)), w, 1e-6)
    assert close(geoserve.to_wgs84(*geoserve.gcj02_to_bd09(*wgs84_to_gcj02(*w)), "bd09"), w, 1e-6)
    assert close(geoserve.to_wgs84(*wgs84_to_gcj02(*w), "gcj02"), w, 1e-6)
    assert geoserve.to_wgs84(*w, "wgs84") == w
    # outside China nothing is shifted
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_fast_geocn_bd09_is_still_off() -> None:
    """fast-geocn 1.1.3 uses π instead of x_pi in its BD-09 formulas (~25 m off). When an upgrade fixes it this test
    fails: then geoserve's own BD-09 functions can go and fast-geocn's be used again."""
    assert not close(fast_gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021), 1e-6)
    assert not close(fast_bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631), 1e-6)


PROJECT_BASE = {"项目名称": "测试工程", "所属区县": LONGTING, "投资类型": "政府投资", "项目状态": "在建",
                "行业主管部门": "住建", "建设单位": "建设单位甲", "施工总承包单位": "总包乙", "在场人数": 20,
                "实名制管理": "是", "工资专用账户": "是", "总包代发": "是", "工资保证金": "现金", "维权信息公示牌": "是"}


def _loaded_points(make_db: Any, use_db: Any, system: str, label: str) -> tuple[tuple[float, float], pd.Series]:
    w = inner_point(LONGTING)
    x, y = {"wgs84": lambda: w, "gcj02": lambda: wgs84_to_gcj02(*w),
            "bd09": lambda: geoserve.gcj02_to_bd09(*wgs84_to_gcj02(*w))}[system]()
    use_db(make_db(projects=[PROJECT_BASE | {"项目编号": "P", "经度": x, "纬度": y, "坐标系": label}]))
    return w, data.projects(data.ALL, AS_OF).set_index("project_id").loc["P"]


@pytest.mark.parametrize(("system", "label"), [("wgs84", "WGS84"), ("gcj02", "高德"), ("gcj02", "腾讯")])
def test_loader_converts_coordinates_to_wgs84(make_db: Any, use_db: Any, system: str, label: str) -> None:
    w, row = _loaded_points(make_db, use_db, system, label)
    assert row["coord_system"] == system
    assert close((row["lon_wgs84"], row["lat_wgs84"]), w, 1e-5)           # ~1 m


def test_loader_converts_baidu_coordinates_to_wgs84(make_db: Any, use_db: Any) -> None:
    w, row = _loaded_points(make_db, use_db, "bd09", "百度")
    assert row["coord_system"] == "bd09"
    assert close((row["lon_wgs84"], row["lat_wgs84"]), w, 1e-5)


# ---------------------------------------------------------------------------------------------
# Outside-county check
def test_locate_projects_flags_points_outside_their_county() -> None:
    inside = inner_point(LONGTING)
    elsewhere = inner_point(ZHENGZHOU_ERQI)
    # 50 m across the boundary into the neighbour: still counted as inside (tolerance ~100 m) …
    geom = geo.county_geometries([LONGTING])[LONGTING]
    edge = shapely.ops.nearest_points(geom.boundary, shapely.Point(inside[0] + 1.0, inside[1]))[0]
    near = (edge.x + 0.0005, edge.y)
    far = (edge.x + 0.01, edge.y)   # … but ~1 km is not
    df = pd.DataFrame([
        {"county_code": LONGTING, "lon_wgs84": inside[0], "lat_wgs84": inside[1]},
        {"county_code": LONGTING, "lon_wgs84": elsewhere[0], "lat_wgs84": elsewhere[1]},
        {"county_code": LONGTING, "lon_wgs84": inside[1], "lat_wgs84": inside[0]},      # lon/lat swapped
        {"county_code": LONGTING, "lon_wgs84": None, "lat_wgs84": None},
        {"county_code": "999999", "lon_wgs84": inside[0], "lat_wgs84": inside[1]},
        {"county_code": LONGTING, "lon_wgs84": near[0], "lat_wgs84": near[1]},
        {"county_code": LONGTING, "lon_wgs84": far[0], "lat_wgs84": far[1]},
    ], index=[10, 11, 12, 13, 14, 15, 16])
    out = geoserve.locate_projects(df)
    assert out.index.tolist() == df.index.tolist()
    assert out["location_status"].tolist() == ["ok", "outside", "outside", "missing", "unknown_county", "ok",
                                               "outside"]
    assert out.loc[10, "point_county_code"] == LONGTING
    assert out.loc[11, "point_county_code"] == ZHENGZHOU_ERQI and out.loc[11, "point_county_name"] == "二七区"
    assert out.loc[12, "point_county_code"] is None                        # swapped: not in any county
    assert out.loc[16, "point_county_code"] not in (None, LONGTING)


def test_demo_projects_are_all_inside_their_counties(city_db: Path, use_db: Any) -> None:
    use_db(city_db)
    pr = data.projects(data.ALL, AS_OF)
    loc = geoserve.locate_projects(pr)
    counts = loc["location_status"].value_counts().to_dict()
    assert counts.get("outside", 0) == 0 and counts.get("ok", 0) > 0.9 * len(pr)


# ---------------------------------------------------------------------------------------------
# Static GeoJSON files
def test_publish_writes_once_and_names_by_key(tmp_path: Path) -> None:
    calls = []

    def build() -> dict[str, Any]:
        calls.append(1)
        return {"type": "FeatureCollection", "features": [], "n": len(calls)}

    a = geoserve.publish("counties", ["v1", "level"], build, directory=tmp_path)
    b = geoserve.publish("counties", ["v1", "level"], build, directory=tmp_path)
    c = geoserve.publish("counties", ["v2", "level"], build, directory=tmp_path)
    assert a == b != c and len(calls) == 2
    assert json.loads((tmp_path / a).read_text(encoding="utf-8"))["n"] == 1
    assert a.startswith("counties-") and a.endswith(".json") and "v1" not in a
    assert not list(tmp_path.glob(".tmp-*"))
    assert geoserve.url_for(a) == f"/app/static/geo/{a}"
    assert geoserve.url_for(a, "/huxin/") == f"/huxin/app/static/geo/{a}"


def test_publish_takes_text_and_says_whether_a_file_is_there(tmp_path: Path) -> None:
    assert not geoserve.is_published("counties", ["v1"], directory=tmp_path)
    name = geoserve.publish("counties", ["v1"], lambda: '{"type":"FeatureCollection","features":[]}',
                            directory=tmp_path)
    assert geoserve.is_published("counties", ["v1"], directory=tmp_path)
    assert not geoserve.is_published("counties", ["v2"], directory=tmp_path)
    assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == {"type": "FeatureCollection", "features": []}


def test_file_names_hold_no_digits_a_privacy_scan_could_take_for_a_number() -> None:
    """The names are in the page (the deck's data URL), which the privacy tests scan for card, ID and phone numbers:
    a hex name once held 16 digits in a row (a flaky failure of test_security's map page)."""
    names = {geoserve.file_name("counties", [i, "level"]) for i in range(2000)}
    assert len(names) == 2000
    for n in names:
        stem = n.removeprefix("counties-").removesuffix(".json")
        assert re.fullmatch(r"[a-p]{24}", stem), n


def test_cleanup_keeps_the_newest_files(tmp_path: Path) -> None:
    names = []
    for i in range(6):
        names.append(geoserve.publish("counties", [i], lambda: {"features": []}, directory=tmp_path, keep=3))
        t = time.time() - 100 + i
        os.utime(tmp_path / names[-1], (t, t))
    geoserve.cleanup(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(names[-3:])


# ---------------------------------------------------------------------------------------------
# The export image
def test_map_image_figure_is_plain_polygons_with_legend_title_and_stamp() -> None:
    shapes = shapes_of(list(KAIFENG))
    levels = dict.fromkeys(KAIFENG, "黄") | {LONGTING: "红", QIXIAN: None}
    fig = M.map_image_figure(shapes, levels=levels, title="开封市欠薪预警地图",
                             stamp=["数据截至：2026年11月20日", "内部资料 注意保密"])
    types = {t.type for t in fig.data}
    assert types == {"scatter"}                      # no choropleth/geo subplot: it would fetch topojson online
    names = [t.name for t in fig.data if t.fill == "toself"]
    assert names == ["红色预警（1）", "黄色预警（7）", "无预警（1）"]
    red = next(t for t in fig.data if t.name == "红色预警（1）")
    assert red.fillcolor == M.LEVEL_HEX["红"]
    assert fig.layout.title.text == "开封市欠薪预警地图"
    assert "内部资料 注意保密" in fig.layout.annotations[0].text
    assert any(t.mode == "text" and "龙亭区" in t.text for t in fig.data)
    vals = M.map_image_figure(shapes, values=dict.fromkeys(KAIFENG, 0.99) | {LONGTING: None},
                              color_by="closure_rate", title="t")
    assert [t.name for t in vals.data if t.fill == "toself"] == ["≥ 98%（达标）（8）", "无受理（—）（1）"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="需要系统 Chromium（kaleido 渲染）")
def test_map_png_renders_offline() -> None:
    from PIL import Image

    shapes = shapes_of(list(KAIFENG))
    fig = M.map_image_figure(shapes, levels=dict.fromkeys(KAIFENG, "红"), title="开封市", stamp=["内部资料 注意保密"])
    png = M.map_png(fig, width=600, height=450, scale=1)
    im = Image.open(io.BytesIO(png)).convert("RGB")
    assert im.size == (600, 450)
    reds = sum(1 for px in im.getdata() if px[0] > 200 and px[1] < 60 and px[2] < 60)
    assert reds > 0.05 * 600 * 450                   # the counties are actually drawn in red


# ---------------------------------------------------------------------------------------------
# The page (AppTest)
def deck_spec(at: Any) -> dict[str, Any]:
    el = at.get("deck_gl_json_chart")
    assert el, "no pydeck chart on the page"
    return json.loads(el[0].proto.json)


def served_file(spec: dict[str, Any]) -> dict[str, Any]:
    url = spec["layers"][0]["data"]
    assert isinstance(url, str) and url.startswith("/app/static/geo/counties-")
    return json.loads((geoserve.GEO_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))


@pytest.fixture
def deck_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every map drawn by deck.gl, as at national scale (ARREARS_PLOT_MAX_COUNTIES=0), on the small test data."""
    monkeypatch.setattr(mapkind, "PLOT_MAX_COUNTIES", 0)


def test_map_page_on_the_city_demo(city_db: Path, app_test: Any, deck_maps: None) -> None:
    at = app_test(city_db, page="map")
    assert not at.exception, at.exception
    spec = deck_spec(at)
    assert [ly["id"] for ly in spec["layers"]] == ["counties", "projects", "labels"]
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec
    fc = served_file(spec)
    assert {f["properties"]["code"] for f in fc["features"]} == set(KAIFENG)
    table = data.county_table(data.ALL, AS_OF, dt.date(AS_OF.year, 1, 1)).set_index("code")
    for f in fc["features"]:
        lv = table.loc[f["properties"]["code"], "warning_level"]
        assert f["properties"]["level"] == lv
        assert f["properties"]["fill"][:3] == M.hex_to_rgba(M.LEVEL_HEX.get(lv, M.NO_LEVEL_COLOR))[:3]
    n_points = len(spec["layers"][1]["data"])
    projects = data.projects(data.ALL, AS_OF)
    assert n_points == int(projects["lon_wgs84"].notna().sum())
    legend = " ".join(m.value for m in at.markdown)
    assert "预警等级（区县数）" in legend and f"项目点（{n_points:,} 个" in legend
    assert at.selectbox(key="map_pick_project").options[0] == "（请选择）"
    assert len(at.selectbox(key="map_pick_project").options) == len(projects) + 1
    # the accessible path to the drill-down: pick a project or a county under the map
    first = projects.assign(r=projects["warning_level"].map(lambda x: M.LEVEL_RANK.get(x, 0)))
    top = first.sort_values(["r", "amount_owed"], ascending=False).iloc[0]
    at.selectbox(key="map_pick_project").set_value(top["project_id"]).run()
    at.selectbox(key="map_pick_county").set_value(QIXIAN).run()
    links = {p.proto.label: p.proto for p in at.get("page_link")}
    assert links["查看该项目的线索与案件"].page == "drill"
    assert links["查看该项目的线索与案件"].query_string == (
        f"as_of={AS_OF}&county={top['county_code']}&project={top['project_id']}")
    assert links["进入该区县的区域钻取"].query_string == f"as_of={AS_OF}&county={QIXIAN}"
    # colour by an indicator: a new file, classes from the county table
    at.selectbox(key="map_color_by").set_value("closure_rate").run()
    assert not at.exception
    spec2 = deck_spec(at)
    assert spec2["layers"][0]["data"] != spec["layers"][0]["data"]
    assert "办结率（区县数）" in " ".join(m.value for m in at.markdown)
    # the heat layer: clues of the last 30 days
    at.toggle(key="map_heat").set_value(True).run()
    spec3 = deck_spec(at)
    assert [ly["id"] for ly in spec3["layers"]] == ["counties", "heat", "projects", "labels"]
    recent = data.clues(data.ALL, AS_OF, data.Filters(date_from=AS_OF - dt.timedelta(days=29), date_to=AS_OF),
                        False, 1_000_000)
    assert sum(h["w"] for h in spec3["layers"][1]["data"]) == len(recent) > 0
    at.toggle(key="map_heat").set_value(False).run()
    # filters reach the project points
    at.multiselect(key="map_levels").set_value(["红"]).run()
    pts = deck_spec(at)["layers"][1]["data"]
    assert pts and all(p["level"] == "红" for p in pts)


def map_figure(at: Any) -> dict[str, Any]:
    """The plotly map an AppTest run drew (a city's map: huxin.mapkind)."""
    from huxin import webchart

    figs = [f for f in webchart.figures_in(at) if any((t.get("meta") or {}).get("layer") == "counties"
                                                      for t in f["data"])]
    assert len(figs) == 1, "no plotly map on the page"
    return figs[0]


def test_map_page_draws_a_city_with_plotly_and_picks_what_it_drew(city_db: Path, app_test: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"figure": 0}
    orig = M.plot_map_figure
    monkeypatch.setattr(M, "plot_map_figure", lambda *a, **k: (calls.__setitem__("figure", calls["figure"] + 1),
                                                               orig(*a, **k))[1])
    at = app_test(city_db, page="map")
    assert not at.exception, at.exception
    assert not at.get("deck_gl_json_chart")
    fig = map_figure(at)
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for t in fig["data"]:
        by_layer.setdefault(t["meta"]["layer"], []).append(t)
    assert {t["meta"]["id"] for t in by_layer["counties"]} == set(KAIFENG)
    table = data.county_table(data.ALL, AS_OF, dt.date(AS_OF.year, 1, 1)).set_index("code")
    for t in by_layer["counties"]:
        lv = table.loc[t["meta"]["id"], "warning_level"]
        rgb = M.hex_to_rgba(M.LEVEL_HEX.get(lv, M.NO_LEVEL_COLOR))[:3]
        assert t["fillcolor"].startswith("rgba({},{},{},".format(*rgb))
        assert t["text"].startswith(f"<b>{KAIFENG[t['meta']['id']]}</b><br>预警：{M.LEVEL_LABEL[lv]}")
    projects = data.projects(data.ALL, AS_OF)
    (points,) = by_layer["projects"]
    assert len(points["customdata"]) == int(projects["lon_wgs84"].notna().sum())
    assert sorted(by_layer["labels"][0]["text"]) == sorted(KAIFENG.values())
    legend = " ".join(m.value for m in at.markdown)
    assert f"项目点（{len(points['customdata']):,} 个" in legend
    at.run()                                            # a rerun with the same inputs rebuilds nothing
    assert calls["figure"] == 1
    # a click on the map (huxin.webchart keeps it under the chart's key): checked against what was drawn
    at.session_state["map_plot"] = {"selected": {"layer": "counties", "id": QIXIAN}}
    at.run()
    assert [t.value for t in at.text] == [f"已选中区县：杞县（{M.LEVEL_LABEL[table.loc[QIXIAN, 'warning_level']]}）"]
    assert {p.proto.label: p.proto for p in at.get("page_link")}["进入该区县的区域钻取"].query_string == (
        f"as_of={AS_OF}&county={QIXIAN}")
    pid = points["customdata"][-1]
    at.session_state["map_plot"] = {"selected": {"layer": "projects", "id": pid}}
    at.run()
    assert at.text[0].value.startswith("已选中项目：") and f"（{pid}）" in at.text[0].value
    for forged in ({"layer": "projects", "id": "XM-NOT-DRAWN"}, {"layer": "counties", "id": ZHENGZHOU_ERQI},
                   {"layer": "labels", "id": QIXIAN}):
        at.session_state["map_plot"] = {"selected": forged}
        at.run()
        assert not at.exception and not [t for t in at.text if t.value.startswith("已选中")], forged
    # colouring by an indicator draws other fills; the heat layer needs deck.gl
    at.selectbox(key="map_color_by").set_value("closure_rate").run()
    assert map_figure(at) != fig and calls["figure"] == 2
    at.toggle(key="map_heat").set_value(True).run()
    assert not at.exception
    assert [ly["id"] for ly in deck_spec(at)["layers"]] == ["counties", "heat", "projects", "labels"]


def test_plotly_map_for_a_county_user_on_the_projector_and_its_choices(city_db: Path, app_test: Any) -> None:
    from huxin import webchart

    at = app_test(city_db, page="map", role="county_user", county=LONGTING)
    assert not at.exception, at.exception
    fig = map_figure(at)
    assert [t["meta"]["id"] for t in fig["data"] if t["meta"]["layer"] == "counties"] == [LONGTING]
    (points,) = [t for t in fig["data"] if t["meta"]["layer"] == "projects"]
    mine = data.projects(data.Scope(counties=(LONGTING,)), AS_OF)
    assert set(points["customdata"]) == set(mine.loc[mine["lon_wgs84"].notna(), "project_id"])
    at.session_state["map_plot"] = {"selected": {"layer": "counties", "id": QIXIAN}}   # another county: refused
    at.run()
    assert not at.exception and not [t for t in at.text if t.value.startswith("已选中")]
    # plotly.js is asked for first on the page, while the script computes
    first = next(el for el in at.get("bidi_component") if el.proto.component_name == "huxin_plot")
    assert not webchart.payload_of(first.proto).get("figure")

    at = app_test(city_db, page="map", query={"mode": "present"})
    assert not at.exception, at.exception
    fig_p = map_figure(at)
    assert fig_p["layout"]["height"] == 760                         # the projector's larger map and names
    assert next(t for t in fig_p["data"] if t["meta"]["layer"] == "labels")["textfont"]["size"] == 18
    assert not [w for w in at.main.selectbox] and not at.tabs

    # each choice that changes the picture misses the cache: levels, the points' size, the points themselves
    at = app_test(city_db, page="map")
    base = map_figure(at)
    seen = [json.dumps(base, sort_keys=True)]
    for change in (lambda a: a.multiselect(key="map_levels").set_value(["红"]),
                   lambda a: a.selectbox(key="map_size_by").set_value("amount_owed"),
                   lambda a: a.toggle(key="map_points").set_value(False)):
        change(at).run()
        assert not at.exception
        seen.append(json.dumps(map_figure(at), sort_keys=True))
    assert len(set(seen)) == 4
    last = json.loads(seen[-1])
    assert [t["meta"]["layer"] for t in last["data"]].count("projects") == 0
    assert webchart.figures_in(at)                                  # still drawn through the chart component


def test_a_project_whose_id_has_markup_characters_can_be_picked(make_db: Any, app_test: Any) -> None:
    inside = inner_point(LONGTING)
    rows = [PROJECT_BASE | {"项目编号": "XM<1>&2", "经度": inside[0], "纬度": inside[1], "坐标系": "WGS84"}]
    at = app_test(make_db(projects=rows), page="map")
    assert not at.exception, at.exception
    (points,) = [t for t in map_figure(at)["data"] if t["meta"]["layer"] == "projects"]
    assert points["customdata"] == ["XM＜1＞＆2"]                  # as the map carries it (M.plain)
    at.session_state["map_plot"] = {"selected": {"layer": "projects", "id": "XM＜1＞＆2"}}
    at.run()
    assert not at.exception, at.exception
    link = {p.proto.label: p.proto for p in at.get("page_link")}["查看该项目的线索与案件"]
    assert link.query_string.endswith("&project=XM%3C1%3E%262")   # the ledger's own id


def test_map_page_county_user_and_present_mode(city_db: Path, app_test: Any, deck_maps: None) -> None:
    at = app_test(city_db, page="map", role="county_user", county=LONGTING)
    assert not at.exception, at.exception
    spec = deck_spec(at)
    assert [f["properties"]["code"] for f in served_file(spec)["features"]] == [LONGTING]
    assert {p["county_code"] for p in spec["layers"][1]["data"]} == {LONGTING}
    at = app_test(city_db, page="map", query={"mode": "present"})
    assert not at.exception, at.exception
    assert deck_spec(at)["layers"][0]["id"] == "counties"
    assert not [w for w in at.main.selectbox] and not at.tabs  # no page widgets on the projector
    assert not [w for w in at.main.multiselect] and not at.main.date_input


def test_map_page_lists_projects_outside_their_county(make_db: Any, app_test: Any, deck_maps: None) -> None:
    inside, elsewhere = inner_point(LONGTING), inner_point(ZHENGZHOU_ERQI)
    rows = [PROJECT_BASE | {"项目编号": "IN", "经度": inside[0], "纬度": inside[1], "坐标系": "WGS84"},
            PROJECT_BASE | {"项目编号": "OUT", "项目名称": "坐标错误工程", "经度": elsewhere[0], "纬度": elsewhere[1],
                            "坐标系": "WGS84"}]
    at = app_test(make_db(projects=rows), page="map")
    assert not at.exception, at.exception
    assert [p["project_id"] for p in deck_spec(at)["layers"][1]["data"]] == ["IN"]   # not drawn in the wrong place
    quality = [df.value for df in at.dataframe if "point_county_name" in df.value.columns]
    assert quality, "no data-quality list"
    q = quality[0].set_index("project_id")
    assert q.index.tolist() == ["OUT"] and q.loc["OUT", "point_county_name"] == "二七区"


def test_map_page_reuses_what_it_built(make_db: Any, app_test: Any, monkeypatch: pytest.MonkeyPatch,
                                       deck_maps: None) -> None:
    inside = inner_point(LONGTING)
    rows = [PROJECT_BASE | {"项目编号": f"P{i}", "经度": inside[0], "纬度": inside[1], "坐标系": "WGS84"}
            for i in range(3)]
    calls = {"points": 0, "deck": 0, "located": 0}
    for name, fn, key in ((M, "project_points", "points"), (M, "build_deck", "deck"),
                          (geoserve, "locate_projects", "located")):
        orig = getattr(name, fn)
        monkeypatch.setattr(name, fn, lambda *a, _o=orig, _k=key, **k: (calls.__setitem__(_k, calls[_k] + 1),
                                                                       _o(*a, **k))[1])
    at = app_test(make_db(projects=rows), page="map")   # a new database: nothing cached yet
    assert not at.exception, at.exception
    assert calls == {"points": 1, "deck": 1, "located": 1}
    at.run()                                            # a rerun with the same inputs rebuilds nothing
    assert calls == {"points": 1, "deck": 1, "located": 1}
    spec = deck_spec(at)
    assert [p["project_id"] for p in spec["layers"][1]["data"]] == ["P0", "P1", "P2"]
    assert spec["layers"][0]["stroked"] is False
    # the served polygons are the county outlines shrunk a little: the gaps between them are the borders
    served = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in served_file(spec)["features"]}
    stored = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
              for f in data.region_shapes(data.ALL)["features"]}
    assert served.keys() == stored.keys() == set(KAIFENG)
    assert all(0.9 * stored[c].area < served[c].area < stored[c].area for c in served)
    assert all(stored[c].buffer(1e-9).contains(served[c]) for c in served)
    # a changed choice is built anew (and only what it changes: the projects are not located again)
    at.selectbox(key="map_size_by").set_value("amount_owed").run()
    assert calls == {"points": 2, "deck": 2, "located": 1}


def test_county_base_bounds_are_those_of_the_stored_polygons(city_db: Path, use_db: Any) -> None:
    """county_base reads the bounds with shapely from the stored text; they are the FeatureCollection's."""
    from huxin import mapview as MV

    use_db(city_db)
    codes, bounds = MV.county_base.__wrapped__("v", "r", data.ALL)
    shapes = data.region_shapes(data.ALL)
    assert codes == tuple(str(f["properties"]["code"]) for f in shapes["features"]) and set(codes) == set(KAIFENG)
    assert bounds == pytest.approx(M.bounds_of(shapes), abs=1e-12)
    shown = MV.county_display.__wrapped__("v", "r", data.ALL, 0.001, 0.0005)
    assert shown.codes == codes and shown.names == tuple(f["properties"]["name"] for f in shapes["features"])
    for f, g in zip(shapes["features"], shown.geometry, strict=True):  # each county shrunk inside its own outline
        stored, drawn = shapely.geometry.shape(f["geometry"]), shapely.from_geojson(g)
        assert drawn.is_valid and not drawn.is_empty and stored.buffer(1e-4).contains(drawn)
        assert drawn.area < stored.area


def test_clue_places_are_the_clues_records_places(city_db: Path, use_db: Any) -> None:
    # the heat layer reads only where clues were reported; it must be the same clues data.clues selects
    use_db(city_db)
    month = {"date_from": AS_OF - dt.timedelta(days=29), "date_to": AS_OF}
    county = str(data.regions()["code"].iloc[1])
    for scope, f in ((data.ALL, data.Filters(**month)), (data.ALL.narrowed(county), data.Filters(**month)),
                     (data.ALL, data.Filters(sectors=("住建",), **month)),
                     (data.ALL, data.Filters(investment_types=("government", "soe"), **month)),
                     (data.ALL, data.NO_FILTERS)):
        full = data.clues(scope, AS_OF, f, False, 10_000_000)
        places = data.clue_places(scope, AS_OF, f)
        want = full.assign(project_id=full["project_id"].fillna("")).groupby(["county_code", "project_id"]).size()
        assert len(places) == len(full) > 0
        assert places.groupby(["county_code", "project_id"]).size().sort_index().equals(want.sort_index())
    with pytest.raises(ValueError):
        data.clue_places(data.ALL, AS_OF, data.Filters(levels=("红",)))
