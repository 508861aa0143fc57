"""Real-browser fixtures: a Streamlit server on a free port and the system Chromium driven by Playwright.

- Chromium is the Debian package (/usr/bin/chromium, or $BROWSER_PATH); Playwright's own browser download is never
  used (offline machines). Without Chromium the tests are skipped — except in CI (env CI=true), where that is a
  failure, so a broken CI image cannot pass by skipping.
- ``app_server(db_path)`` starts ``streamlit run app.py`` headless on 127.0.0.1 with ARREARS_DB set, waits for the
  health endpoint, and stops the server (its whole process group) afterwards.
- ``city_app``: one server on the city demo database for the session.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions"]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_chromium() -> str:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    msg = (f"Chromium not found at {CHROMIUM} (Debian: apt install chromium fonts-noto-cjk; or set BROWSER_PATH); "
           "the real-browser tests need it")
    if in_ci():
        pytest.fail(msg + " — in CI a missing browser is a failure, not a skip")
    pytest.skip(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy within {timeout:.0f} s")


@contextlib.contextmanager
def app_server(db_path: Path, app_dir: Path, timeout: float = 90) -> Iterator[str]:
    """A running app on the given database; yields its base URL (http://127.0.0.1:<port>)."""
    port = free_port()
    env = {**os.environ, "ARREARS_DB": str(db_path), "ARREARS_APP_DIR": str(app_dir),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (app_dir / f"streamlit-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, timeout)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()


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
def city_app(city_db: Path, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an app serving the city demo database (read-only use)."""
    with app_server(city_db, tmp_path_factory.mktemp("browser-app")) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def open_app_page(pg: Any, base: str, path: str, ready: str, timeout_ms: int = 90_000) -> None:
    """Open the app first (so st.navigation has run once in this server), then the page; wait for `ready`."""
    pg.goto(base + "/", wait_until="domcontentloaded")
    pg.wait_for_selector('[data-testid="stSidebarNav"]', timeout=timeout_ms)
    pg.goto(base + path, wait_until="domcontentloaded")
    pg.wait_for_selector(ready, timeout=timeout_ms)

