"""Server warm-up: what every app process needs whatever the data, done once in a background thread when the process
serves its first session, so that no viewer waits for it.

Two costs were paid by whoever opened a page first after the server started (bench/RESULTS.md, sixth round):
- the modules a page imports beyond the home page's (charts, exports, the map's pydeck and shapely, the Excel and
  Word writers): 0.1-0.5 s on the first visit of each page;
- the bundled county boundaries (huxin.geo, 10 MB of GeoJSON) and their national index, which the map needs to check
  project coordinates at any scale: ~0.7 s on the first map visit.

Nothing here depends on the database or on a user: the data caches (st.cache_data, keyed on the data version) are
left to the pages, so a warm-up can never show stale numbers. Set ARREARS_NO_WARMUP=1 (any value but 0) to skip it
(a test that measures the cold cost itself).
"""
from __future__ import annotations

import importlib
import logging
import os
import threading

log = logging.getLogger(__name__)

# What the pages import that app.py does not (kept as a list so that a module that fails to import is named).
MODULES = (
    "huxin.charts.weekly", "huxin.charts.ranking", "huxin.charts.clearing", "huxin.charts.maps",
    "huxin.clearingview", "huxin.mapview", "huxin.geoserve", "huxin.webchart", "huxin.exports",
    "huxin.briefing", "huxin.docx_report", "huxin.static_images", "openpyxl", "xlsxwriter",
)

_lock = threading.Lock()
_thread: threading.Thread | None = None


def run() -> list[str]:
    """Import MODULES and read the county boundaries; returns what failed (logged, never raised: the page that
    needs it will raise the real error itself)."""
    failed = []
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a warm-up must not take the server down
            log.exception("warm-up: importing %s failed", name)
            failed.append(name)
    try:
        from huxin import geoserve

        geoserve.warm()
    except Exception:  # idem
        log.exception("warm-up: reading the county boundaries failed")
        failed.append("geoserve.warm")
    return failed


def start() -> threading.Thread | None:
    """Start run() once per process (later calls return the same thread); None when switched off."""
    global _thread
    if os.environ.get("ARREARS_NO_WARMUP", "") not in ("", "0"):
        return None
    if _thread is not None:  # every script run calls this: no lock once started
        return _thread
    with _lock:
        if _thread is None:
            # a low-priority helper: daemon, so it never holds up shutdown
            _thread = threading.Thread(target=run, name="huxin-warmup", daemon=True)
            _thread.start()
        return _thread


def thread() -> threading.Thread | None:
    """The warm-up thread if it was started (huxin.prefetch waits for it: one background job at a time)."""
    return _thread
