"""huxin.mapwarm in Chromium: a page left quiet evaluates the map's script, and the map then uses that very module
(one fetch of the chunk in the tab), drawn as usual."""
from __future__ import annotations

import time
from typing import Any

import pytest

from huxin import mapwarm
from huxin import snapshot as S
from tests.conftest import AS_OF

pytestmark = pytest.mark.browser

CHUNK_FETCHES = """(name) => performance.getEntriesByType('resource')
  .filter(e => e.name.split('?')[0].endsWith('/static/js/' + name)).map(e => e.startTime)"""


def _warm_state(page: Any, want: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate("() => window.__huxinMapWarm ?? null")
        if state == want:
            break
        page.wait_for_timeout(100)
    return state


def test_a_quiet_page_evaluates_the_map_script_and_the_map_reuses_it(city_app: str, page: Any) -> None:
    name = mapwarm.chunk_name()
    assert name
    watch = S.NetworkWatch(page)
    page.goto(S.page_url(city_app, "home", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
    S.wait_for_ready(page, watch, timeout_s=150)
    assert _warm_state(page, "done", 30) == "done"
    fetched = page.evaluate(CHUNK_FETCHES, name)
    assert len(fetched) == 1
    S.navigate_sidebar(page, watch, "map", timeout_s=150)
    assert page.locator('[data-testid="stDeckGlJsonChart"] canvas').count() >= 1
    assert max(page.evaluate(S.DECK_PAINT_JS)) > 0.1              # the counties are drawn
    assert page.evaluate(CHUNK_FETCHES, name) == fetched          # Streamlit found the module evaluated


def test_a_page_still_changing_does_not_start_it(city_app: str, page: Any) -> None:
    """While the page keeps changing (here: a new element every 300 ms), the warm-up waits."""
    page.goto(S.page_url(city_app, "home", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMain"]', timeout=150_000)
    page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
      window.__busy = setInterval(() => m.appendChild(document.createElement('span')), 300); }""")
    page.wait_for_function("""() => window.__huxinMapWarm && document.querySelector('[data-testid="stApp"]')
      .getAttribute('data-test-script-state') === 'notRunning'""", timeout=150_000)
    assert _warm_state(page, "done", 3) == "waiting"             # the script has finished, the page still changes
    page.evaluate("() => clearInterval(window.__busy)")
    assert _warm_state(page, "done", 30) == "done"
