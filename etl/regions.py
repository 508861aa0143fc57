"""`init`: the regions of one city, one province or the whole country, with simplified offline boundaries."""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import shapely

from huxin import geo

# ~0.005° ≈ 500 m: county outlines stay recognisable while the national GeoJSON shrinks from ~10 MB to a few MB.
SIMPLIFY_TOLERANCE = {"city": 0.002, "province": 0.005, "all": 0.01}


class ScopeError(ValueError):
    pass


def scope_level(code: str) -> str:
    if code == "all":
        return "all"
    if len(code) != 6 or not code.isdigit():
        raise ScopeError(f"区划代码应为 6 位数字或 all，实际为 {code!r}")
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    raise ScopeError(f"{code} 是区县代码；init 需要地市代码（如 410200）、省代码（如 410000）或 all")


def regions_frame(code: str) -> pd.DataFrame:
    """Rows for the regions table: the scope itself, its cities/provinces, and its counties with polygons."""
    level = scope_level(code)
    counties = geo.counties_in(code)
    if not counties:
        raise ScopeError(f"找不到区划代码 {code} 下的区县")
    cities = geo.region_names("city")
    provinces = geo.region_names("province")
    geoms = geo.county_geometries(set(counties))
    tol = SIMPLIFY_TOLERANCE[level]
    rows = []
    for c, name in counties.items():
        g = geoms[c]
        simple = shapely.simplify(g, tol, preserve_topology=True)
        pt = g.representative_point()
        city = c[:4] + "00"
        rows.append({"code": c, "name": name, "level": "county", "parent_code": city, "city_code": city,
                     "province_code": c[:2] + "0000", "lon": pt.x, "lat": pt.y,
                     "geojson": json.dumps(shapely.geometry.mapping(simple), separators=(",", ":"))})
    for city in sorted({r["city_code"] for r in rows}):
        rows.append({"code": city, "name": cities.get(city, city), "level": "city", "parent_code": city[:2] + "0000",
                     "city_code": city, "province_code": city[:2] + "0000", "lon": None, "lat": None,
                     "geojson": None})
    for prov in sorted({r["province_code"] for r in rows if r["level"] == "county"}):
        rows.append({"code": prov, "name": provinces.get(prov, prov), "level": "province", "parent_code": None,
                     "city_code": None, "province_code": prov, "lon": None, "lat": None, "geojson": None})
    return pd.DataFrame(rows)


def scope_name(code: str) -> str:
    if code == "all":
        return "全国"
    level = scope_level(code)
    names = geo.region_names("province" if level == "province" else "city")
    return names.get(code, code)


def write_regions(con: duckdb.DuckDBPyConnection, code: str) -> int:
    df = regions_frame(code)
    con.execute("DELETE FROM regions")
    con.register("_regions_df", df)
    con.execute("INSERT INTO regions BY NAME SELECT * FROM _regions_df")
    con.unregister("_regions_df")
    return int((df["level"] == "county").sum())
