"""The server warm-up (huxin.warmup) and the bundled boundaries it reads once per process (huxin.geo)."""
from __future__ import annotations

import sys

import pytest

from huxin import geo, geoserve, warmup


def test_run_imports_the_pages_modules_and_builds_the_county_index() -> None:
    geoserve._county_index.cache_clear()
    assert warmup.run() == []
    assert all(m in sys.modules for m in warmup.MODULES)
    assert geoserve._county_index.cache_info().currsize == 1
    codes, tree, names = geoserve._county_index()
    assert len(codes) > 2800 and len(tree) == len(codes) and names["410202"] == "龙亭区"


def test_run_names_what_failed_and_does_not_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "MODULES", ("huxin.charts.maps", "huxin.no_such_module"))
    assert warmup.run() == ["huxin.no_such_module"]


def test_start_once_per_process_and_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARREARS_NO_WARMUP", raising=False)
    first = warmup.start()
    assert first is not None and warmup.start() is first
    first.join(120)
    assert not first.is_alive()
    monkeypatch.setenv("ARREARS_NO_WARMUP", "1")
    assert warmup.start() is None
    monkeypatch.setenv("ARREARS_NO_WARMUP", "0")
    assert warmup.start() is first


def test_bundled_counties_read_once_and_shared() -> None:
    a = geo.county_geometries(["410221", "410202", "999999"])
    assert list(a) == [c for c in geo.region_names("district") if c in {"410202", "410221"}]  # file order
    assert "999999" not in a
    assert geo.county_geometries(["410202"])["410202"] is a["410202"]  # parsed once: the same object
    names = geo.region_names("district")
    names["410202"] = "改名"
    assert geo.region_names("district")["410202"] == "龙亭区"  # callers get a copy
    assert set(geo.county_geometries()) == set(geo.region_names("district"))
