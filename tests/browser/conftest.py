"""Real-browser fixtures: the real app on a free loopback port, and the system Chromium driven by Playwright.

- Chromium is the Debian package (/usr/bin/chromium, or $BROWSER_PATH), started with ``executable_path``;
  ``playwright install`` is never used (offline machines). Without Chromium (or the playwright package) the tests
  are skipped with the install command — except in CI (env CI=true), where that is a failure, so a broken CI image
  cannot pass by skipping.
- ``app_server(db_path, app_dir)`` starts ``streamlit run app.py`` headless on 127.0.0.1 with ARREARS_DB and
  ARREARS_APP_DIR set (huxin.snapshot.serve_app, the same code ``python -m etl snapshot`` uses), waits for the health
  endpoint, and stops the server's whole process group afterwards.
- ``city_app``: one server on the city demo database for the whole session (all pages share it and one browser).
- Screenshots go to artifacts/screenshots/ (kept by CI; the path and the time each page took to be ready are
  printed at the end of the run and written to artifacts/screenshots/timings.json).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from huxin import snapshot

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = snapshot.CHROMIUM_ARGS
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
INSTALL = "sudo apt-get install chromium fonts-noto-cjk"

# page key -> seconds until ready, per mode; printed at the end of the session (bench/ reads timings.json)
TIMINGS: dict[str, dict[str, float]] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(msg: str) -> None:
    if in_ci():
        pytest.fail(msg + " — in CI a missing browser is a failure, not a skip")
    pytest.skip(msg)


def require_chromium() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM}; the real-browser tests need it. Install it with: {INSTALL} "
                     "(or set BROWSER_PATH)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is missing: pip install -r requirements.txt "
                     "(its own browser download is not needed)")
    return CHROMIUM


def app_server(db_path: Path, app_dir: Path, timeout: float = 90, extra_env: dict[str, str] | None = None) -> Any:
    """Context manager: a running app on the given database; yields its base URL (http://127.0.0.1:<port>)."""
    return snapshot.serve_app(db_path, app_dir=app_dir, log=app_dir / "streamlit.log", timeout_s=timeout,
                              extra_env=extra_env)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return require_chromium()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def city_app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-app")


@pytest.fixture(scope="session")
def city_app(chromium_path: str, city_db: Path, city_app_dir: Path) -> Iterator[str]:  # no browser: skip at once
    """Base URL of an app serving the city demo database (read-only use)."""
    with app_server(city_db, city_app_dir) as url:
        yield url


@pytest.fixture(scope="session")
def deck_app(chromium_path: str, city_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an app on the city demo that draws its map with deck.gl, as at national scale
    (ARREARS_PLOT_MAX_COUNTIES=0; a city's map is otherwise a plotly chart, huxin.mapkind)."""
    with app_server(city_db, tmp_path_factory.mktemp("browser-deck-app"),
                    extra_env={"ARREARS_PLOT_MAX_COUNTIES": "0"}) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def open_app_page(pg: Any, base: str, path: str, ready: str, timeout_ms: int = 90_000) -> None:
    """Open the app first (so st.navigation has run once in this server), then the page; wait for `ready`."""
    pg.goto(base + "/", wait_until="domcontentloaded")
    pg.wait_for_selector('[data-testid="stSidebarNav"]', timeout=timeout_ms)
    pg.goto(base + path, wait_until="domcontentloaded")
    pg.wait_for_selector(ready, timeout=timeout_ms)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TIMINGS:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "timings.json").write_text(json.dumps(TIMINGS, ensure_ascii=False, indent=2), encoding="utf-8")
    tr = terminalreporter
    tr.write_sep("-", "real-browser pages (city demo database)")
    tr.write_line(f"screenshots: {SHOTS}")
    tr.write_line(f"{'page':<10}{'interactive s':>15}{'present s':>12}")
    for key, t in TIMINGS.items():
        tr.write_line(f"{key:<10}{t.get('interactive', float('nan')):>15.1f}{t.get('present', float('nan')):>12.1f}")
