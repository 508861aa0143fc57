"""Prefetch: once a page has been served, compute in the background what the viewer's other pages show by default
for the same scope, date and mode, so that the next page opens from the data cache.

At the weekly meeting the leader opens one page and then goes through the others (周调度, 县区排名, 预警地图,
春节前清零) for the same date; each first visit used to wait for a cold script run (bench/RESULTS.md, seventh round:
0.5-1 s at city scale on a fast machine, 2-4 s at national scale). The results land in the same st.cache_data entries
the pages read, keyed on the data version, so a prefetch can never show other numbers than the page would compute:
a new load is a new version, and a prefetch that finds the version changed stops.

What each page reads by default is written here a second time (PLANS): a page that changes its defaults without
changing its plan only loses the head start. tests/test_prefetch.py runs every page after its plan and asserts it
then runs no query at all, so such a drift fails the tests.

It never takes the cores from a viewer: between two steps of a plan it waits while any script run of this process
is in progress and for GRACE_S after the last one ended (give_way; app.py counts the runs).

When the ETL swaps in a new database file, or the day changes, nobody has opened a page of the new data yet, and
the first viewer after it (typically at the meeting, after the morning's load) used to wait for every page cold.
A watcher thread notices the new version within WATCH_S and recomputes the views viewers last looked at (up to
MAX_RECENT) and the city-level default view: all pages, the whole database, today, interactive mode.

Bounds: one background thread per process computes, one request at a time; a viewer's request goes first and
replaces a viewer's request not yet started (that viewer has moved on); each (data version, scope, date, mode) runs
once, and at most MAX_PER_VERSION viewer requests per data version, so an analyst replaying many dates does not keep
both cores busy or fill the memory with views nobody opens. The watcher adds at most MAX_RECENT + 1 per change.
Set ARREARS_NO_PREFETCH=1 (any value but 0) to switch it off (bench/browser_bench.py --no-prefetch).
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from huxin import data, db

log = logging.getLogger(__name__)

MAX_PER_VERSION = 4      # distinct (scope, date, mode) prefetched for viewers per data version
MAX_REMEMBERED = 64      # requests remembered as done (older ones may be prefetched again: cheap, the cache has them)
MAX_RECENT = 4           # views viewers looked at, recomputed when a new data version comes
WATCH_S = 5.0            # how often the watcher looks at the database file (one stat)

VIEWER, RELOAD = "viewer", "reload"   # Request.origin: after a viewer's page; the watcher, after a new version/day


@dataclass(frozen=True)
class Request:
    version: str                 # the data version the triggering run read
    scope: data.Scope
    as_of: dt.date
    present: bool                # presentation mode draws some views at other sizes
    pages: tuple[str, ...]       # page keys to prefetch, in order
    origin: str = VIEWER

    @property
    def key(self) -> tuple[Any, ...]:
        # the cache does not tell the city roles apart (Scope.for_cache), so neither does this
        return (self.version, self.scope.for_cache(), self.as_of, self.present, self.pages)


# --- What each page reads when opened with its default choices ---------------------------------------------------
# Each plan is a generator: it yields between its steps, and there the prefetch waits while a viewer's script runs
# (give_way). Not inside a step: a step may hold the cache's compute lock of a value that viewer is waiting for.
Steps = Iterator[None]

def _home(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    camp = data.context(as_of).campaign
    data.totals(scope, as_of, dt.date(as_of.year, 1, 1))
    yield
    if camp.start <= as_of:
        data.totals(scope, as_of, camp.start)
        yield
    data.clearing(scope, as_of)


def _weekly(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    from huxin import briefing as B

    monday = B.week_options(as_of)[0]
    B.weekly_summary(scope, monday, as_of)
    yield
    B.weekly_chart_json(scope, monday, as_of, present)


def _ranking(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    data.county_table(scope, as_of, data.period_start("campaign", as_of))
    yield
    data.rank_trend(scope, as_of)


def _clearing(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    from huxin import clearingview as V

    data.clearing(scope, as_of)
    yield
    V.clearing_county_frame(scope, as_of, min(data.context(as_of).campaign.start, as_of))  # both modes show it
    yield
    if not V.clearing_items(scope, as_of).empty:
        yield
        V.clearing_top_items(scope, as_of, 8 if present else 20)


def _map(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    import streamlit as st

    from huxin import mapview as MV
    from huxin.config import load_rules

    MV.map_data(scope, present, dt.date(as_of.year, 1, 1), as_of, "level", data.NO_FILTERS, True, "workers_on_site",
                False, load_rules().target_closure_rate, st.get_option("server.baseUrlPath") or "")
    yield


def _drill(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    start = data.period_start(next(iter(data.PERIODS)), as_of)
    f = data.NO_FILTERS
    data.drill_counts(scope, as_of, start, f)
    yield
    data.drill_counts(scope, as_of, start, f, "county_code")
    yield
    data.drill_employers(scope, as_of, start, f)


def _quality(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    data.load_files_table(10)
    data.load_issue_rows(scope)
    yield
    data.ledger_freshness()


def _shell(scope: data.Scope, as_of: dt.date, present: bool) -> Steps:
    """What every page's header reads (ui.page, ui.header): cached by the first page a viewer opens, but after a new
    load the watcher's requests come before any page."""
    data.context(as_of)
    data.is_demo()
    data.freshness()
    data.scope_name()
    if scope.counties is not None:
        data.regions()        # a county user's label names the county (auth.User.scope)
        data.regions(scope)   # the header's 范围 badge
    yield


# In the order of a weekly meeting: the pages it goes through first are computed first.
PLANS: dict[str, Callable[[data.Scope, dt.date, bool], Steps]] = {
    "weekly": _weekly, "ranking": _ranking, "map": _map, "clearing": _clearing, "home": _home, "drill": _drill,
    "quality": _quality,
}


def run(req: Request) -> list[str]:
    """Compute the plans of req.pages (in this thread); returns the pages done. Stops when the data version is no
    longer the one asked for (the next viewer asks for the new one). Errors are logged, never raised: the page that
    needs the value will raise the real error itself."""
    done = []
    try:
        if data.begin_run() != req.version:
            return done
        for page, plan in [("(header)", _shell)] + [(p, PLANS[p]) for p in req.pages if p in PLANS]:
            try:
                give_way()
                for _ in plan(req.scope, req.as_of, req.present):
                    give_way()
                if plan is not _shell:
                    done.append(page)
            except Exception:  # a background helper must not take the server down
                log.exception("prefetch: page %s failed", page)
            # the file's version now, not the one this thread pinned (which stays req.version)
            if db.version_of(data.current_db()) != req.version:
                break
    finally:
        data.end_run()
    return done


# --- Giving way to viewers --------------------------------------------------------------------------------------
# Script runs in progress in this process (app.py counts them) and when the last one ended: the prefetch waits
# while any runs and for GRACE_S after, so that it never takes the two cores from a viewer who is waiting, nor
# between the quick reruns of a viewer who is clicking through filters. (A grace of 0.3 s and of 2 s measured the
# same in bench/browser_bench.py at national scale: bench/RESULTS.md, seventh round.)
GRACE_S = 1.0
_runs = threading.Condition()
_active = 0
_last_end = 0.0


def run_started() -> None:
    global _active
    with _runs:
        _active += 1


def run_ended() -> None:
    global _active, _last_end
    with _runs:
        _active = max(0, _active - 1)
        _last_end = time.monotonic()
        _runs.notify_all()


def give_way() -> None:
    """Wait (at a step boundary of a plan) while a viewer's script runs, and GRACE_S after the last one."""
    with _runs:
        while True:
            if _active:
                _runs.wait(1.0)
                continue
            left = _last_end + GRACE_S - time.monotonic()
            if left <= 0:
                return
            _runs.wait(left)


# --- The background thread --------------------------------------------------------------------------------------
_lock = threading.Lock()
_wake = threading.Event()
_queue: collections.deque[Request] = collections.deque()
_running: Request | None = None
_done: collections.OrderedDict[tuple[Any, ...], str] = collections.OrderedDict()   # key -> origin
_thread: threading.Thread | None = None


def enabled() -> bool:
    return os.environ.get("ARREARS_NO_PREFETCH", "") in ("", "0")


def submit(req: Request) -> bool:
    """Queue a request unless it is done, queued, running or over the version's budget; True if queued."""
    global _thread
    if not enabled() or not req.pages:
        return False
    with _lock:
        if (req.key in _done or any(q.key == req.key for q in _queue)
                or (_running is not None and _running.key == req.key)):
            return False
        if req.origin == VIEWER:
            if sum(1 for k, o in _done.items() if k[0] == req.version and o == VIEWER) >= MAX_PER_VERSION:
                return False
            # first in line, and instead of a viewer's request not started yet: the viewer has moved on
            for q in [q for q in _queue if q.origin == VIEWER]:
                _queue.remove(q)
            _queue.appendleft(req)
        else:
            _queue.append(req)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_worker, name="huxin-prefetch", daemon=True)
            _thread.start()
        _wake.set()
    return True


def _worker() -> None:
    global _running
    # Not at a lower priority: a viewer who asks for a value this thread is computing waits for it (the cache computes
    # a value once), and a niced thread would then make the viewer wait longer (seen at national scale: 周调度 +2 s).
    from huxin import warmup

    while True:
        _wake.wait()
        with _lock:
            req = _queue.popleft() if _queue else None
            if not _queue:
                _wake.clear()
            _running = req
        if req is None:
            continue
        try:
            warm = warmup.thread()
            if warm is not None:  # one background job at a time: the imports first
                warm.join()
            run(req)
        except Exception:  # e.g. the database unreadable mid-swap: this request is dropped, the thread goes on
            log.exception("prefetch: request failed")
        finally:
            with _lock:
                _running = None
                _done[req.key] = req.origin
                while len(_done) > MAX_REMEMBERED:
                    _done.popitem(last=False)


def idle(timeout: float | None = None) -> bool:
    """Wait until nothing is queued or running (tests, benchmarks); True if idle."""
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        with _lock:
            if not _queue and _running is None:
                return True
        if end is not None and time.monotonic() > end:
            return False
        time.sleep(0.05)


def after_run(request: tuple[str, data.Scope, dt.date, bool, tuple[str, ...]] | None) -> bool:
    """app.py, after a script run: the run's page (key, scope, date, mode, the pages the user may open) -> prefetch
    the other pages for the data version that run read; the view is remembered for the next data version."""
    if request is None or not enabled():
        return False
    key, scope, as_of, present, pages = request
    remember(scope, as_of, present, tuple(p for p in PLANS if p in pages))
    start_watch()
    # the version this run pinned (ui.page has read the database, so there is one)
    return submit(Request(data.data_version(), scope, as_of, present,
                          tuple(p for p in PLANS if p != key and p in pages)))


# --- A new data version or a new day: the watcher ----------------------------------------------------------------
# What the first page of the day, and the first after a load, shows when nobody has chosen anything: the city-level
# view (every city role shares its cache entries, Scope.for_cache) of today, in interactive mode, home page first.
DEFAULT_PAGES = ("home", "weekly", "ranking", "map", "clearing", "drill", "quality")

_recent: collections.OrderedDict[tuple[data.Scope, dt.date, bool, tuple[str, ...]], None] = collections.OrderedDict()
_seen: tuple[str, dt.date] | None = None
_watch_thread: threading.Thread | None = None


def remember(scope: data.Scope, as_of: dt.date, present: bool, pages: tuple[str, ...]) -> None:
    """A view a viewer looked at (all the pages they may open), the most recent last."""
    view = (scope.for_cache(), as_of, present, pages)
    with _lock:
        _recent[view] = None
        _recent.move_to_end(view)
        while len(_recent) > MAX_RECENT:
            _recent.popitem(last=False)


def changes(version: str, today: dt.date) -> list[Request]:
    """What the watcher queues when it sees this (file version, day): nothing the first time or when nothing
    changed; after a new version (whose old entries are freed, if no run has done it yet: data.forget_old_versions)
    the views viewers looked at last (most recent first), then the default view; after a new day only the default
    view (the views of fixed dates are cached for the version already)."""
    global _seen
    with _lock:
        before, _seen = _seen, (version, today)
        recent = list(reversed(_recent))
    if before is None or before == _seen:
        return []
    reqs = []
    if before[0] != version:
        data.forget_old_versions(version)
        reqs = [Request(version, scope, as_of, present, pages, RELOAD) for scope, as_of, present, pages in recent]
    reqs.append(Request(version, data.ALL, today, False, DEFAULT_PAGES, RELOAD))
    return reqs


def _watch(stop: threading.Event | None = None) -> None:
    while stop is None or not stop.is_set():   # (stop: tests)
        try:
            for req in changes(db.version_of(data.current_db()), dt.date.today()):
                submit(req)
        except OSError:  # no file for a moment (a restore by hand, say): look again next time
            pass
        except Exception:  # a background helper must not take the server down
            log.exception("prefetch: the watcher failed")
        time.sleep(WATCH_S)


def start_watch() -> threading.Thread | None:
    """Start the watcher once per process (after the first page: it only looks for changes from then on)."""
    global _watch_thread
    if not enabled():
        return None
    if _watch_thread is not None and _watch_thread.is_alive():
        return _watch_thread
    with _lock:
        if _watch_thread is None or not _watch_thread.is_alive():
            _watch_thread = threading.Thread(target=_watch, name="huxin-prefetch-watch", daemon=True)
            _watch_thread.start()
        return _watch_thread
