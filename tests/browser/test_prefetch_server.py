"""The prefetch on a real `streamlit run` server: after a viewer's home page, the map's county file is written
without anyone opening the map (huxin.prefetch runs the map's default view in its background thread), nothing is
logged as failed, and the map then opens. The map is drawn by deck.gl here (ARREARS_PLOT_MAX_COUNTIES=0, as at national
scale): its county file is what shows from outside the server that the prefetch ran (a city's plotly map writes none).
tests/test_prefetch.py checks the plans page by page."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from huxin import geoserve, snapshot
from tests.conftest import AS_OF


def county_files() -> set[Path]:
    return set(geoserve.GEO_DIR.glob("counties-*.json"))


def test_the_server_prefetches_the_map_after_the_home_page(chromium_path: str, browser: Any, city_db: Path,
                                                            tmp_path: Path) -> None:
    log = tmp_path / "streamlit.log"
    before = county_files()
    with snapshot.serve_app(city_db, app_dir=tmp_path, log=log, timeout_s=120,
                            extra_env={"ARREARS_NO_PREFETCH": "0", "ARREARS_PLOT_MAX_COUNTIES": "0"}) as base:
        ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
        try:
            pg = ctx.new_page()
            pg.goto(f"{base}/home?as_of={AS_OF}", wait_until="domcontentloaded")
            pg.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
            new: set[Path] = set()
            deadline = time.monotonic() + 120
            while not new and time.monotonic() < deadline:
                time.sleep(0.5)
                new = county_files() - before
            assert new, "no county file written: the map was not prefetched"
            text = log.read_text(encoding="utf-8", errors="replace")
            assert "prefetch:" not in text, text[-3000:]
            pg.goto(f"{base}/map?as_of={AS_OF}", wait_until="domcontentloaded")
            snapshot.wait_for_ready(pg, timeout_s=150)
            assert county_files() - before == new   # the map used the prefetched file, it did not write another
        finally:
            ctx.close()
