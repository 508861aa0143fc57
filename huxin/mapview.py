"""The 预警地图's layers as cached, reduced views (pages/map.py lays them out; huxin.charts.maps builds them).

Everything the map is built from is cached on the data version, the rules and the arguments (as huxin.data caches
its queries), so a rerun with unchanged inputs rebuilds nothing: not the 300,000 projects of a national roll-up,
not the point records and tooltips, not the deck JSON. What is cached is small: the projects listed and drawn
(M.ProjectView), the deck JSON (a few MB at most), the county polygons as drawn (built only for a new static file).
Callers pass ``version, rules_key`` first (``keys()``), so a new load or a rules change misses the cache.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from huxin import data, geoserve
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
    shapes = data.region_shapes(scope)
    return tuple(str(f["properties"]["code"]) for f in shapes["features"]), M.bounds_of(shapes)


@st.cache_data(show_spinner=False, max_entries=8, ttl=6 * 3600)
def county_display(version: str, rules_key: str, scope: data.Scope, gap: float, simplify: float) -> dict:
    """The county polygons as drawn (simplified, borders as gaps, rounded); only needed when a new static file is
    written."""
    return M.display_shapes(data.region_shapes(scope), gap=gap, simplify=simplify)


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
    points: list[dict] = []
    if show_points:  # points shrink at province/country zoom, where thousands would otherwise cover the counties
        points, _ = M.project_points(project_view(version, rules_key, scope, end, filters).drawn, size_by,
                                     scale=1.0 if view.zoom >= 7 else 0.6)
    heat = heat_layer(version, rules_key, scope, end, filters, M.heat_cell(bounds)) if show_heat else None
    reg = data.regions(scope)
    labels = M.county_labels(reg) if len(reg) <= M.MAX_LABELS else []
    deck = M.build_deck(geo_url, labels, points, heat, view, label_px=18 if present else 13)
    return deck.to_json(), len(points), sum(h["w"] for h in heat or ())


def keys() -> tuple[str, str]:
    """(data version, rules key): the first two arguments of every function here."""
    return data.data_version(), repr(load_rules()) + holidays_key()
