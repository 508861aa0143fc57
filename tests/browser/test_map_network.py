"""The warning map in a real browser, drawn by deck.gl (as at national scale) and by plotly.js (a city's): it draws,
and it makes no request to any host but the app's own.

Offices run on government networks without internet, and published maps must not depend on foreign tile services:
every request the page makes (documents, scripts, the county GeoJSON, fonts, basemap styles, telemetry) is recorded
and any host other than the app's fails the test.
"""
from __future__ import annotations

import contextlib
import io
import time
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import LOCAL_HOSTS, open_app_page

pytestmark = pytest.mark.browser

DECK = '[data-testid="stDeckGlJsonChart"]'


def outside(url: str) -> bool:
    u = urlparse(url)
    if u.scheme in ("data", "blob", "about"):
        return False
    return (u.hostname or "") not in LOCAL_HOSTS


def wait_idle(page: Any, timeout_ms: int = 60_000) -> None:
    """Until Streamlit's 'running' indicator is gone."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


def click_until_shown(page: Any, x: float, y: float, shown: Any, tries: int = 3) -> None:
    """Click at (x, y) until ``shown`` (a locator) appears: a click while the script is still running can be
    superseded by that run, so click again."""
    for _ in range(tries):
        wait_idle(page)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        with contextlib.suppress(PlaywrightTimeout):
            shown.wait_for(timeout=15_000)
            return


def drawn_share(png: bytes) -> float:
    """Share of clearly coloured (non-grey) pixels: the county polygons, not an empty canvas."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 120))
    px = list(im.getdata())
    return sum(1 for r, g, b in px if max(r, g, b) - min(r, g, b) > 60) / len(px)


def test_map_page_draws_and_requests_nothing_outside(deck_app: str, page: Any) -> None:
    requests: list[str] = []
    geo_files: list[tuple[str, int]] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: geo_files.append((r.url, r.status)) if "/app/static/geo/" in r.url else None)

    open_app_page(page, deck_app, "/map", f"{DECK} canvas")
    deck = page.locator(DECK)
    deadline = time.monotonic() + 60
    share = 0.0
    while time.monotonic() < deadline:
        share = drawn_share(deck.screenshot())
        if geo_files and share > 0.15:
            break
        page.wait_for_timeout(500)
    assert geo_files and all(status == 200 for _, status in geo_files), geo_files
    assert share > 0.15, f"the county polygons were not drawn (coloured share {share:.0%})"

    # tooltips (Chinese, from the baked properties) and selection work without any request either
    box = deck.bounding_box()
    tip = None
    for fx, fy in ((0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.4, 0.4), (0.6, 0.6)):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(400)
        tip = page.locator(".deck-tooltip")
        if tip.count() and "预警" in tip.first.inner_text():
            break
    assert tip is not None and tip.count() and "预警" in tip.first.inner_text()
    chosen = page.get_by_text("已选中").first
    click_until_shown(page, box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, chosen)
    assert chosen.is_visible(), "selecting on the map did not show the drill-down link"

    page.wait_for_timeout(2000)  # late requests (basemap styles, fonts, telemetry) would show up by now
    foreign = sorted({u for u in requests if outside(u)})
    assert not foreign, f"requests to other hosts: {foreign}"
    # and nothing in the document points elsewhere (a favicon link, say, is fetched lazily — or not at all — by
    # headless Chromium, so the request log alone could miss it)
    linked = page.evaluate("""() => Array.from(document.querySelectorAll('[src],[href]'))
        .filter(e => !(e.tagName === 'A'))
        .map(e => e.src || e.href).filter(u => typeof u === 'string' && u)""")
    foreign_links = sorted({u for u in linked if outside(u)})
    assert not foreign_links, f"the page links resources on other hosts: {foreign_links}"
    assert any("/app/static/geo/counties-" in u for u in requests)


def test_ready_waits_for_the_county_polygons(deck_app: str, page: Any) -> None:
    """End to end on the real map page, as the page picture uses it: right after huxin.snapshot.wait_for_ready
    returns, a screenshot shows the county polygons and the paint does not change afterwards. (That ready is
    counted from the final paint, not from the canvas appearing, is checked without a browser in
    tests/test_snapshot.py; the canvas readback itself below, on a WebGL canvas we paint.)"""
    from huxin import snapshot as S

    watch = S.NetworkWatch(page)
    page.goto(f"{deck_app}/map?as_of=2026-11-20", wait_until="domcontentloaded")
    S.wait_for_ready(page, watch, timeout_s=150)
    paint = page.evaluate(S.DECK_PAINT_JS)
    deck = page.locator(DECK)
    share = drawn_share(deck.screenshot())  # at once: no waiting here
    assert paint and all(p > 0.1 for p in paint), paint
    assert share > 0.15, f"ready, but the county polygons were not drawn yet (coloured share {share:.0%})"
    assert any("/app/static/geo/counties-" in u for u in watch.urls)
    page.wait_for_timeout(1500)
    assert page.evaluate(S.DECK_PAINT_JS) == paint, "the map changed after the page was reported ready"


def test_deck_paint_reads_what_the_webgl_canvas_shows(page: Any) -> None:
    """DECK_PAINT_JS on a WebGL canvas like deck.gl's (preserveDrawingBuffer): 0 before anything is drawn, the
    painted share after; READY_JS waits ('deck') while a map's canvas is blank."""
    from huxin import snapshot as S

    page.set_content('<div data-testid="stApp" data-test-script-state="notRunning" '
                     'data-test-connection-state="CONNECTED"><div data-testid="stDeckGlJsonChart">'
                     '<canvas width="200" height="100" style="width:200px;height:100px"></canvas></div></div>')
    page.evaluate("() => { window.gl = document.querySelector('canvas').getContext('webgl2', "
                  "{preserveDrawingBuffer: true}); }")
    assert page.evaluate(S.DECK_PAINT_JS) == [0]
    assert "deck" in page.evaluate(S.READY_JS)
    # paint the left half, as a map paints its counties
    page.evaluate("""() => { gl.enable(gl.SCISSOR_TEST); gl.scissor(0, 0, 100, 100);
                             gl.clearColor(0.8, 0.1, 0.1, 1); gl.clear(gl.COLOR_BUFFER_BIT); }""")
    page.wait_for_timeout(100)
    assert page.evaluate(S.DECK_PAINT_JS) == [0.5]
    assert "deck" not in page.evaluate(S.READY_JS)


PLOT = ".huxin-plot"


def test_a_city_map_is_a_plotly_chart_that_hovers_picks_and_stays_offline(city_app: str, page: Any) -> None:
    """A city's map is drawn by plotly.js as SVG (huxin.mapkind): no WebGL canvas, no county
    file to fetch. A click picks a project or a county and offers its drill-down, a click on empty space clears
    the pick (panning does not), hovering a county shows its tooltip, and nothing is requested from another host."""
    from huxin import snapshot as S

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    watch = S.NetworkWatch(page)
    page.goto(f"{city_app}/map?as_of=2026-11-20", wait_until="domcontentloaded")
    S.wait_for_ready(page, watch, timeout_s=150)
    assert page.locator(DECK).count() == 0
    plot = page.locator(PLOT)
    assert plot.count() == 1
    share = drawn_share(plot.screenshot())
    assert share > 0.15, f"the county polygons were not drawn (coloured share {share:.0%})"
    assert page.locator(f"{PLOT} text").filter(has_text="兰考县").count() >= 1     # the county names
    assert not any("/app/static/geo/" in u for u in requests)

    # a click on a project's point picks that project (the points are SVG paths: the middle one of them)
    marks = page.locator(f"{PLOT} .scatterlayer .trace .points path.point")
    assert marks.count() > 100
    dot = marks.nth(marks.count() // 2).bounding_box()
    picked = page.get_by_text("已选中项目").first
    click_until_shown(page, dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2, picked)
    assert picked.is_visible(), "picking a project on the map did not show it"
    link = page.locator('[data-testid="stPageLink"] a').filter(has_text="查看该项目的线索与案件").first
    assert "project=XM" in (link.get_attribute("href") or "")

    # the counties, with the points switched off: a spot just below a county's name lies inside it
    wait_idle(page)
    page.get_by_text("显示项目点").click()
    page.wait_for_timeout(500)
    S.wait_for_ready(page, watch, timeout_s=150)
    label = page.locator(f"{PLOT} .textpoint text").filter(has_text="兰考县").first.bounding_box()
    spots = [(label["x"] + label["width"] / 2 + dx, label["y"] + label["height"] + dy)
             for dx, dy in ((0, 14), (-30, 20), (30, 20), (0, -40), (-40, -30), (40, -30))]
    tip = ""
    for x, y in spots:
        page.mouse.move(x, y)
        page.wait_for_timeout(400)
        tips = page.locator(f"{PLOT} .hovertext")
        tip = tips.first.text_content() if tips.count() else ""
        if "兰考县" in tip and "超期未办结" in tip:
            break
    assert "兰考县" in tip and "超期未办结" in tip, tip
    chosen = page.get_by_text("已选中区县：兰考县").first
    click_until_shown(page, x, y, chosen)
    assert chosen.is_visible(), "picking a county on the map did not show it"
    link = page.locator('[data-testid="stPageLink"] a').filter(has_text="进入该区县的区域钻取").first
    assert "county=410225" in (link.get_attribute("href") or "")

    # empty space: a corner of the plot where nothing is hovered. Dragging from it pans and keeps the pick; a
    # click on it clears the pick, as on the deck.gl map
    box = plot.bounding_box()
    empty = None
    for x, y in ((box["x"] + 12, box["y"] + box["height"] - 12), (box["x"] + box["width"] - 12,
                                                                   box["y"] + box["height"] - 12),
                 (box["x"] + 12, box["y"] + 12)):
        page.mouse.move(x, y)
        page.wait_for_timeout(400)
        if page.locator(f"{PLOT} .hovertext").count() == 0:
            empty = (x, y)
            break
    assert empty, "no corner of the map without a county or a point"
    wait_idle(page)
    page.mouse.move(*empty)
    page.mouse.down()
    page.mouse.move(empty[0] + 60, empty[1] - 40, steps=6)
    page.mouse.up()
    page.wait_for_timeout(1500)
    wait_idle(page)
    assert chosen.is_visible(), "panning the map dropped the pick"
    page.mouse.click(*empty)
    chosen.wait_for(state="detached", timeout=15_000)
    assert page.get_by_text("已选中").count() == 0

    page.wait_for_timeout(1500)
    foreign = sorted({u for u in requests if outside(u)})
    assert not foreign, f"requests to other hosts: {foreign}"
