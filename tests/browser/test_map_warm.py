"""huxin.mapwarm in Chromium: a page left quiet evaluates the map's script, the map then uses that very module (no
second request for it in the tab), a page that keeps changing does not start it, and a failed warm-up does not stop
the map from opening."""
from __future__ import annotations

import time
from typing import Any

import pytest

from huxin import mapwarm
from huxin import snapshot as S
from tests.conftest import AS_OF

pytestmark = pytest.mark.browser

DECK = '[data-testid="stDeckGlJsonChart"]'


def _chunk_requests(watch: S.NetworkWatch) -> int:
    """Requests for the map chunk so far (Playwright's request events: every request, also from the HTTP cache)."""
    name = mapwarm.chunk_name()
    return sum(1 for u in watch.urls if u.split("?")[0].endswith(f"/static/js/{name}"))


def _warm_state(page: Any, want: str, timeout_s: float) -> str | None:
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate("() => window.__huxinMapWarm ?? null")
        if state == want:
            break
        page.wait_for_timeout(100)
    return state


def _open_home(page: Any, base: str) -> S.NetworkWatch:
    watch = S.NetworkWatch(page)
    page.goto(S.page_url(base, "home", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
    S.wait_for_ready(page, watch, timeout_s=150)
    return watch


def _map_is_drawn(page: Any, watch: S.NetworkWatch) -> None:
    S.navigate_sidebar(page, watch, "map", timeout_s=150)
    assert page.locator(f"{DECK} canvas").count() >= 1
    assert max(page.evaluate(S.DECK_PAINT_JS)) > 0.1              # the counties are drawn


def test_a_quiet_page_evaluates_the_map_script_and_the_map_reuses_it(deck_app: str, page: Any) -> None:
    assert mapwarm.chunk_name()
    watch = _open_home(page, deck_app)
    assert _warm_state(page, "done", 30) == "done"
    before = _chunk_requests(watch)
    assert before >= 1
    _map_is_drawn(page, watch)
    assert _chunk_requests(watch) == before                       # Streamlit found the module evaluated


def test_a_page_still_changing_does_not_start_it(deck_app: str, page: Any) -> None:
    """While the page keeps changing (here: a new element every 300 ms), the warm-up waits."""
    page.goto(S.page_url(deck_app, "home", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMain"]', timeout=150_000)
    page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
      window.__busy = setInterval(() => m.appendChild(document.createElement('span')), 300); }""")
    page.wait_for_function("""() => window.__huxinMapWarm && document.querySelector('[data-testid="stApp"]')
      .getAttribute('data-test-script-state') === 'notRunning'""", timeout=150_000)
    assert _warm_state(page, "done", 3) == "waiting"             # the script has finished, the page still changes
    page.evaluate("() => clearInterval(window.__busy)")
    assert _warm_state(page, "done", 30) == "done"


def test_after_a_failed_warm_up_the_map_still_opens(deck_app: str, page: Any) -> None:
    """The chunk answered 503 while the warm-up asked for it (a server restarting): the warm-up gives up, marked
    'failed' so that a later page run tries again, and the map opens normally afterwards. This Chromium fetches a
    failed module again on the next import anyway (Chromium 156: the test passes with a bare import() too); the
    warm-up fetches first for browsers that keep a failed import for the page's life (those without
    whatwg/html#10327)."""
    name = mapwarm.chunk_name()
    page.route(f"**/static/js/{name}", lambda route: route.fulfill(status=503, body="restarting"))
    watch = _open_home(page, deck_app)
    assert _warm_state(page, "failed", 30) == "failed"
    page.unroute(f"**/static/js/{name}")
    _map_is_drawn(page, watch)
