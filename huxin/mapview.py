"""The 预警地图's layers as cached, reduced views (pages/map.py lays them out; huxin.charts.maps builds them).

Everything the map is built from is cached on the data version, the rules and the arguments (as huxin.data caches
its queries), so a rerun with unchanged inputs rebuilds nothing: not the 300,000 projects of a national roll-up,
not the point records and tooltips, not the deck or figure JSON. What is cached is small: the projects listed and
drawn (M.ProjectView), the deck or plotly figure JSON (a few MB at most), the county polygons as drawn (for a new
static file of a deck.gl map, or for a plotly map's figure).
Callers pass ``version, rules_key`` first (``keys()``), so a new load or a rules change misses the cache.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from huxin import data, geoserve, mapkind
from huxin.charts import figure_json
from huxin.charts import maps as M
from huxin.config import load_rules
from huxin.workdays import holidays_key

HEAT_DAYS = 30
CACHE = {"show_spinner": False, "max_entries": 32, "ttl": 6 * 3600}  # entries of up to a few MB at national scale
MAX_LIST = 5000  # projects in the table under the map (most severe first)


@st.cache_data(**CACHE)
def county_base(version: str, rules_key: str, scope: data.Scope
                ) -> tuple[tuple[str, ...], tuple[float, float, float, float] | None]:
    """Codes of the counties in scope that have boundaries, and their bounding box."""
    df = data.region_geojson(scope)
    if df.empty:
        return (), None
    x0, y0, x1, y1 = shapely.total_bounds(shapely.from_geojson(df["geojson"].tolist()))
    return tuple(df["code"].astype(str)), (float(x0), float(y0), float(x1), float(y1))


@st.cache_data(show_spinner=False, max_entries=8, ttl=6 * 3600)
def county_display(version: str, rules_key: str, scope: data.Scope, gap: float, simplify: float
                   ) -> M.DisplayShapes:
    """The county polygons as drawn (simplified, borders as gaps, rounded) as GeoJSON text: for a new static file
    (deck.gl) or a new figure (plotly; huxin.mapkind). Shapely reads and writes the text itself: no polygon passes
    through Python lists."""
    df = data.region_geojson(scope)
    text = M.display_geojson(shapely.from_geojson(df["geojson"].tolist()), gap=gap, simplify=simplify)
    return M.DisplayShapes(tuple(df["code"].astype(str)), tuple(df["name"].fillna("").astype(str)), tuple(text))


@st.cache_data(**CACHE)
def project_view(version: str, rules_key: str, scope: data.Scope, end: dt.date, filters: data.Filters
                 ) -> M.ProjectView:
    """The projects as listed and drawn. Reads data.projects past its cache: only this reduced view is kept (at
    national scale the full frame is 300,000 rows; caching it costs ~2 s of pickling and ~100 MB for nothing)."""
    projects = data.projects.uncached(scope, end, filters)  # type: ignore[attr-defined]
    return M.project_view(projects.join(geoserve.locate_projects(projects)), max_list=MAX_LIST)


@st.cache_data(**CACHE)
def heat_layer(version: str, rules_key: str, scope: data.Scope, end: dt.date, filters: data.Filters,
               cell: float | None) -> list[dict]:
    """Clues of the last HEAT_DAYS days at their project's point (else their county's), summed per grid cell.
    Only the few thousand weighted points are cached, not the frames they come from (see project_view)."""
    projects = data.projects.uncached(scope, end, filters)  # type: ignore[attr-defined]
    placed = projects[geoserve.locate_projects(projects)["location_status"] == geoserve.OK]
    recent = data.clue_places.uncached(scope, end, data.Filters(  # type: ignore[attr-defined]
        sectors=filters.sectors, investment_types=filters.investment_types,
        date_from=end - dt.timedelta(days=HEAT_DAYS - 1), date_to=end))
    project_xy = dict(zip(placed["project_id"], zip(placed["lon_wgs84"], placed["lat_wgs84"], strict=True),
                          strict=True))
    reg = data.regions(scope)
    county_xy = {str(c): (x, y) for c, x, y in zip(reg["code"], reg["lon"], reg["lat"], strict=True)
                 if pd.notna(x) and pd.notna(y)}
    return M.heat_points(recent, project_xy, county_xy, cell)


@dataclass(frozen=True)
class CountyLayer:
    """The county polygons' part of the map: which counties, the view they open in, the key of their static file
    (geoserve.publish) and, when this process has not written that file yet, the polygons as drawn."""
    codes: tuple[str, ...]
    bounds: tuple[float, float, float, float] | None
    view: Any                   # pydeck ViewState
    height: int
    gap: float                  # degrees between neighbouring polygons (the borders)
    simplify: float             # degrees the outlines are simplified to
    key: tuple[Any, ...]        # everything the file's colours, tooltips and polygons depend on
    display: M.DisplayShapes | None  # county_display(...) if the file is still to be written, else None


def county_layer(version: str, rules_key: str, scope: data.Scope, present: bool, choices: tuple[Any, ...]
                 ) -> CountyLayer:
    """county_base, the opening view and, for a file still to be written, county_display: computed in one go so
    that the page can run it beside the county table and the projects (data.together). The file names are salted
    per process (geoserve), so every new server process writes the file once; at national scale its polygons take
    ~0.8 s, which used to come after the other ~2 s instead of beside them (bench/RESULTS.md, sixth round).
    ``choices``: what else the file depends on (period, colouring, highlighted levels)."""
    codes, bounds = county_base(version, rules_key, scope)
    view, height = map_view(bounds, present)
    px = M.degrees_per_pixel(view.zoom)
    gap = round(M.BORDER_PX * px, 7)  # county borders: ~1 px gaps at the opening zoom
    simplify = round(M.SIMPLIFY_PX * px, 7)
    key = ("counties", version, rules_key, scope.counties, *choices, gap, simplify)
    display = (None if not codes or geoserve.is_published("counties", key)
               else county_display(version, rules_key, scope, gap, simplify))
    return CountyLayer(codes, bounds, view, height, gap, simplify, key, display)


def publish_counties(layer: CountyLayer, version: str, rules_key: str, scope: data.Scope, table: pd.DataFrame,
                     classes: M.Classes) -> str:
    """The county file's name (geoserve.publish), written if missing from the polygons county_layer computed, or,
    should the file have gone since (another process's cleanup), computed now."""
    return geoserve.publish("counties", layer.key, lambda: M.county_features(
        layer.display if layer.display is not None
        else county_display(version, rules_key, scope, layer.gap, layer.simplify), table, classes))


def map_view(bounds: tuple[float, float, float, float] | None, present: bool) -> tuple[Any, int]:
    """(the view the map opens with: the whole scope, pydeck ViewState; the map's height)."""
    height = 760 if present else 600
    return M.fit_view(bounds, width=1300 if present else 950, height=height), height


@st.cache_data(**CACHE)
def deck_json(version: str, rules_key: str, scope: data.Scope, end: dt.date, filters: data.Filters, geo_url: str,
              bounds: tuple[float, float, float, float] | None, present: bool, show_points: bool, size_by: str,
              show_heat: bool) -> tuple[str, int, int]:
    """(the deck as JSON, points drawn, clues in the heat layer)."""
    view, _ = map_view(bounds, present)
    points, labels = points_and_labels(version, rules_key, scope, end, filters, view.zoom, show_points, size_by)
    heat = heat_layer(version, rules_key, scope, end, filters, M.heat_cell(bounds)) if show_heat else None
    deck = M.build_deck(geo_url, labels, points, heat, view, label_px=18 if present else 13)
    return deck.to_json(), len(points), sum(h["w"] for h in heat or ())


def points_and_labels(version: str, rules_key: str, scope: data.Scope, end: dt.date, filters: data.Filters,
                      zoom: float, show_points: bool, size_by: str) -> tuple[list[dict], list[dict]]:
    """The project points (if shown) and the county names of a map at this opening zoom, deck.gl's or plotly's."""
    points: list[dict] = []
    if show_points:  # points shrink at province/country zoom, where thousands would otherwise cover the counties
        points, _ = M.project_points(project_view(version, rules_key, scope, end, filters).drawn, size_by,
                                     scale=1.0 if zoom >= 7 else 0.6)
    reg = data.regions(scope)
    return points, (M.county_labels(reg) if len(reg) <= M.MAX_LABELS else [])


@st.cache_data(**CACHE)
def plot_json(version: str, rules_key: str, scope: data.Scope, end: dt.date, filters: data.Filters,
              layer_key: tuple[Any, ...], gap: float, simplify: float, present: bool, show_points: bool,
              size_by: str, _table: pd.DataFrame, _classes: M.Classes) -> tuple[str, int]:
    """(the map as plotly figure JSON, points drawn): what deck_json is for a deck.gl map, for a map drawn with
    plotly.js (huxin.mapkind). The polygons are the same as drawn (county_display), with colours and
    tooltips baked in as in the served county file, which a plotly map does not need. ``layer_key`` is that file's
    key (period, colouring, highlighted levels, gap): the table and classes follow from it and are not hashed."""
    bounds = county_base(version, rules_key, scope)[1]
    view, height = map_view(bounds, present)
    points, labels = points_and_labels(version, rules_key, scope, end, filters, view.zoom, show_points, size_by)
    counties = M.county_features(county_display(version, rules_key, scope, gap, simplify), _table, _classes)
    fig = M.plot_map_figure(counties, points, labels, bounds, height, label_px=18 if present else 13)
    return figure_json(fig), len(points)


@dataclass(frozen=True)
class MapData:
    """Everything the map page draws for one set of choices (map_data)."""
    codes: list[str]            # counties in scope that have boundaries
    bounds: tuple[float, float, float, float] | None
    view: Any                   # pydeck ViewState the map opens with
    height: int
    table: pd.DataFrame         # the county table, counties with boundaries only
    values: dict[str, Any]      # code -> the value the counties are coloured by
    classes: M.Classes
    geo_name: str               # the county file's name (geoserve); for a plotly map, the name it would have
    spec: str                   # the deck as JSON ("" when plotly draws the map)
    n_points: int
    n_heat: int
    projects: M.ProjectView
    plot: str = ""              # the map as plotly figure JSON ("" when deck.gl draws it)


def map_data(scope: data.Scope, present: bool, start: dt.date, end: dt.date, color_by: str, filters: data.Filters,
             show_points: bool, size_by: str, show_heat: bool, target_rate: float, base_path: str = "") -> MapData:
    """The map page's data for these choices (pages/map.py; huxin.prefetch computes the default ones ahead).
    ``filters.levels`` also pick the counties highlighted when colouring by warning level."""
    ver = keys()
    scope = scope.for_cache()  # the cached functions below share their entries between the city roles
    levels = tuple(filters.levels)
    # The three are independent; at national scale each takes ~0.3-1 s on a cold cache, mostly in DuckDB and
    # shapely, which run without the GIL: computed together, the cold page is seconds faster (bench/RESULTS.md, fifth
    # and sixth rounds).
    layer, table, pv = data.together(
        lambda: county_layer(*ver, scope, present, (str(start), str(end), color_by, levels)),
        lambda: data.county_table(scope, end, start), lambda: project_view(*ver, scope, end, filters))
    codes = list(layer.codes)
    if not codes:
        return MapData(codes, layer.bounds, layer.view, layer.height, table.iloc[0:0], {}, M.classify(color_by, {}),
                       "", "", 0, 0, pv)
    table = table[table["code"].astype(str).isin(codes)].reset_index(drop=True) if not table.empty else table
    values = (dict(zip(table["code"].astype(str), table["warning_level" if color_by == "level" else color_by],
                       strict=True)) if not table.empty else {})
    classes = M.classify(color_by, {c: values.get(c) for c in codes}, target_rate=target_rate,
                         highlight_levels=levels if color_by == "level" else ())
    if mapkind.draws_with_plotly(len(codes), show_heat):
        plot, n_points = plot_json(*ver, scope, end, filters, layer.key, layer.gap, layer.simplify, present,
                                   show_points, size_by, table, classes)
        return MapData(codes, layer.bounds, layer.view, layer.height, table, values, classes,
                       geoserve.file_name("counties", layer.key), "", n_points, 0, pv, plot)
    geo_name = publish_counties(layer, *ver, scope, table, classes)
    spec, n_points, n_heat = deck_json(*ver, scope, end, filters, geoserve.url_for(geo_name, base_path), layer.bounds,
                                       present, show_points, size_by, show_heat)
    return MapData(codes, layer.bounds, layer.view, layer.height, table, values, classes, geo_name, spec, n_points,
                   n_heat, pv)


def keys() -> tuple[str, str]:
    """(data version, rules key): the first two arguments of every function here."""
    return data.data_version(), repr(load_rules()) + holidays_key()
