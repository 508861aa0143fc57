"""huxin.webchart: the pages' plotly charts drawn by the vendored plotly.js basic bundle (the browser side is in
tests/browser/test_charts.py)."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import pytest

from huxin import webchart
from huxin.charts import weekly as WC
from huxin.config import STATIC_DIR

BUNDLE = STATIC_DIR / webchart.BUNDLE


def _traces_in_bundle(js: str) -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', js))


def test_bundle_is_the_plotly_js_of_the_python_package() -> None:
    """The figure JSON comes from the Python package; the browser draws it with the vendored bundle: same version."""
    head = BUNDLE.read_text(encoding="utf-8")[:400]
    assert f"plotly.js (basic - minified) v{webchart.PLOTLY_JS_VERSION}" in head
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert f"plotly.js v{webchart.PLOTLY_JS_VERSION}\n" in full.read_text(encoding="utf-8")[:400]
    assert (STATIC_DIR / "vendor" / "plotly-LICENSE.txt").read_text().startswith("MIT License")
    assert _traces_in_bundle(BUNDLE.read_text(encoding="utf-8")) == {"bar", "pie", "scatter"}


def test_figure_json_round_trips_dates_and_gaps() -> None:
    fig = go.Figure(go.Scatter(x=[dt.date(2026, 11, 20), dt.date(2026, 11, 23)], y=[3, float("nan")],
                               name="存量"))
    raw = webchart.figure_json(fig)
    back = json.loads(raw)
    assert '"name":"存量"' in raw                                   # compact UTF-8, not \uXXXX escapes
    assert back["data"][0]["x"] == ["2026-11-20", "2026-11-23"]
    assert back["data"][0]["y"][0] == 3 and back["data"][0]["y"][1] is None     # NaN is a gap, not invalid JSON
    assert back["data"][0]["name"] == "存量"


def test_bundle_url_honours_the_base_url_path() -> None:
    from streamlit import config

    assert webchart.bundle_url() == "/app/static/" + webchart.BUNDLE
    old = config.get_option("server.baseUrlPath")
    try:
        config.set_option("server.baseUrlPath", "/huxin/")
        assert webchart.bundle_url() == "/huxin/app/static/" + webchart.BUNDLE
    finally:
        config.set_option("server.baseUrlPath", old)


def _chart_traces(figs: list[dict[str, Any]]) -> set[str]:
    return {t.get("type", "scatter") for f in figs for t in f.get("data", [])}


@pytest.mark.parametrize(("page", "query", "at_least"), [
    ("weekly", {}, 2), ("ranking", {}, 3), ("clearing", {}, 1), ("weekly", {"mode": "present"}, 2),
    ("ranking", {"mode": "present"}, 3)])
def test_pages_draw_only_what_the_bundle_has(page: str, query: dict[str, str], at_least: int, city_db: Path,
                                             app_test: Callable[..., Any]) -> None:
    at = app_test(city_db, page, query=query)
    assert not at.exception, at.exception
    figs = webchart.figures_in(at)
    assert len(figs) >= at_least
    assert _chart_traces(figs) <= _traces_in_bundle(BUNDLE.read_text(encoding="utf-8"))
    assert not at.get("plotly_chart"), "a page still uses st.plotly_chart (Streamlit's full plotly.js)"


def test_weekly_page_draws_the_builders_figures(city_db: Path, app_test: Callable[..., Any]) -> None:
    """What reaches the browser is the builder's figure, value for value."""
    from huxin import briefing as B
    from huxin.auth import User
    from tests.conftest import AS_OF

    at = app_test(city_db, "weekly")
    drawn = webchart.figures_in(at)
    monday = AS_OF - dt.timedelta(days=AS_OF.weekday())
    summary = B.weekly_summary(User("管理员", "city_admin").scope(False), monday, AS_OF)
    built = [json.loads(webchart.figure_json(f)) for _, f in WC.weekly_figures(summary)]
    assert [d["data"] for d in drawn] == [b["data"] for b in built]
    assert [d["layout"]["title"] for d in drawn] == [b["layout"]["title"] for b in built]
