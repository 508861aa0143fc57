"""The pages' plotly charts in a real browser (huxin.webchart): drawn by the vendored plotly.js basic bundle, not
Streamlit's full plotly.js, and still interactive — hover values, the Chinese modebar, the width of the column."""
from __future__ import annotations

from typing import Any

import pytest

from huxin import snapshot as S
from huxin import webchart
from tests.conftest import AS_OF

pytestmark = pytest.mark.browser


def open_weekly(ctx: Any, city_app: str) -> tuple[Any, S.NetworkWatch]:
    pg = ctx.new_page()
    watch = S.NetworkWatch(pg)
    pg.goto(S.page_url(city_app, "weekly", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
    S.wait_for_ready(pg, watch, timeout_s=150)
    return pg, watch


def new_context(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")


@pytest.fixture
def weekly(browser: Any, city_app: str) -> Any:
    ctx = new_context(browser)
    yield open_weekly(ctx, city_app)
    ctx.close()


def test_charts_use_the_basic_bundle(weekly: Any) -> None:
    pg, watch = weekly
    plots = pg.locator(f".{webchart.ELEMENT_CLASS}.js-plotly-plot")
    assert plots.count() == 2
    assert pg.evaluate("() => window.Plotly.version") == webchart.PLOTLY_JS_VERSION
    # the basic bundle knows bar and scatter, and not the traces only the full bundle has
    assert pg.evaluate("() => ['bar', 'scatter'].every(t => window.Plotly.PlotSchema.get().traces[t])")
    assert not pg.evaluate("() => !!window.Plotly.PlotSchema.get().traces.scatter3d")
    fetched = [u for u in watch.urls if "plotly" in u.lower()]
    assert any(webchart.BUNDLE in u for u in fetched), fetched
    assert not any("PlotlyChart" in u for u in fetched), f"Streamlit's full plotly.js was loaded: {fetched}"
    assert sum(webchart.BUNDLE in u for u in watch.urls) == 1, "the bundle is fetched once for all charts"


def test_chart_is_interactive_and_in_chinese(weekly: Any) -> None:
    pg, _ = weekly
    plot = pg.locator(f".{webchart.ELEMENT_CLASS}").first
    plot.scroll_into_view_if_needed()
    titles = pg.evaluate("() => [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))")
    assert "下载图表（PNG）" in titles and "Download plot as a PNG" not in titles, titles
    assert not any("Plotly" in (t or "") for t in titles), "the plotly logo button is shown"
    bar = plot.locator("g.trace.bars path").first
    box = bar.bounding_box()
    assert box, "no bar drawn"
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + max(box["height"] / 2, 1))
    pg.wait_for_selector(f".{webchart.ELEMENT_CLASS} .hoverlayer .hovertext", timeout=5000)
    hover = pg.evaluate(f"() => document.querySelector('.{webchart.ELEMENT_CLASS} .hoverlayer').textContent")
    assert any(ch.isdigit() for ch in hover), f"hover shows no value: {hover!r}"


def test_chart_follows_the_column_width(weekly: Any) -> None:
    pg, _ = weekly
    sel = f".{webchart.ELEMENT_CLASS}"
    wide = pg.evaluate(f"() => document.querySelector('{sel} .main-svg').getBoundingClientRect().width")
    pg.set_viewport_size({"width": 1100, "height": 1000})
    pg.wait_for_function(f"w => document.querySelector('{sel} .main-svg').getBoundingClientRect().width < w - 50",
                         arg=wide, timeout=5000)
    narrow = pg.evaluate(f"() => document.querySelector('{sel} .main-svg').getBoundingClientRect().width")
    column = pg.evaluate(f"() => document.querySelector('{sel}').parentElement.getBoundingClientRect().width")
    assert abs(narrow - column) <= 2, (narrow, column)


# counts plotly's resizes from the page's start (the bundle sets window.Plotly when it loads)
_COUNT_RESIZES = """
window.__resizes = 0;
let P;
Object.defineProperty(window, 'Plotly', {configurable: true, get() { return P; }, set(v) {
  P = v;
  const r = v && v.Plots && v.Plots.resize;
  if (r && !r.__counted) {
    v.Plots.resize = function (...a) { window.__resizes += 1; return r.apply(this, a); };
    v.Plots.resize.__counted = true;
  }
}});
"""


def test_a_chart_is_laid_out_again_only_when_its_width_changes(browser: Any, city_app: str) -> None:
    # the resize observer also reports the width a chart was just drawn at; plotly then laid every chart out twice
    ctx = new_context(browser)
    try:
        ctx.add_init_script(_COUNT_RESIZES)
        pg, _ = open_weekly(ctx, city_app)
        assert pg.locator(f".{webchart.ELEMENT_CLASS}.js-plotly-plot").count() == 2
        assert pg.evaluate("() => window.__resizes") == 0
        pg.set_viewport_size({"width": 1100, "height": 1000})
        pg.wait_for_function("() => window.__resizes >= 2", timeout=5000)   # both charts follow the new width
    finally:
        ctx.close()
