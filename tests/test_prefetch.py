"""huxin.prefetch: after one page, the other pages' default views are in the cache, so each opens without a query.

The request is the one the real trigger builds (ui.page -> app.py -> prefetch.after_run, captured instead of
queued); its plans run in this thread with the Streamlit cache on, as the server's prefetch thread runs them. Then
every other page runs with AppTest while huxin.data.query is counted: a page whose defaults drifted from its plan
runs queries and fails.
"""
from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from huxin import data, prefetch


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no request queued, running or done, no view remembered, nothing seen by the watcher and
    no data version seen yet (data.forget_old_versions), whatever an earlier test left halfway."""
    monkeypatch.setattr(prefetch, "_queue", prefetch.collections.deque())
    monkeypatch.setattr(prefetch, "_running", None)
    monkeypatch.setattr(prefetch, "_done", prefetch.collections.OrderedDict())
    monkeypatch.setattr(prefetch, "_recent", prefetch.collections.OrderedDict())
    monkeypatch.setattr(prefetch, "_seen", None)
    monkeypatch.setattr(data, "_newest", None)


def started_event(monkeypatch: pytest.MonkeyPatch, record: Any) -> tuple[threading.Event, threading.Event]:
    """Replace prefetch.run by one that sets `started`, waits for `gate`, then calls record(req): a test knows when
    the worker has taken a request instead of guessing with a sleep."""
    started, gate = threading.Event(), threading.Event()

    def fake_run(req: prefetch.Request) -> list[str]:
        started.set()
        gate.wait(5)
        record(req)
        return list(req.pages)

    monkeypatch.setattr(prefetch, "run", fake_run)
    return started, gate


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL text huxin.data.query runs from now on (pages and plans go through it)."""
    seen: list[str] = []
    real = data.query

    def counted(text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(data, "query", counted)
    return seen


@pytest.fixture
def misses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every st.cache_data value computed from now on (a miss), by function name: huxin.data's cached functions by
    their own name, the map's by theirs. Catches a drift that needs no query of its own (a frame derived from other
    cached values), which counting queries does not."""
    from streamlit.runtime.caching import cache_utils
    from streamlit.runtime.caching.cache_type import CacheType

    seen: list[str] = []
    real = cache_utils.CachedFunc._handle_cache_miss

    def counted(self: Any, cache: Any, value_key: str, func_args: tuple, func_kwargs: dict) -> Any:
        if self._info.cache_type == CacheType.DATA:
            name = self._info.func.__qualname__
            seen.append(func_args[2] if name.endswith("_cached_call") else name)  # data.cached: (version, rules, name…)
        return real(self, cache, value_key, func_args, func_kwargs)

    monkeypatch.setattr(cache_utils.CachedFunc, "_handle_cache_miss", counted)
    return seen


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[prefetch.Request]:
    """Requests app.py hands to prefetch, captured instead of queued (and no watcher thread: tests drive it)."""
    got: list[prefetch.Request] = []
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "0")
    monkeypatch.setattr(prefetch, "submit", lambda req: got.append(req) or True)
    monkeypatch.setattr(prefetch, "start_watch", lambda: None)
    return got


def run_plans(req: prefetch.Request, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # Outside an AppTest run there is no Streamlit runtime, so huxin.data would call straight through; the server's
    # prefetch thread has one, so the plans fill st.cache_data there. Same here:
    with monkeypatch.context() as m:
        m.setattr(data, "_in_streamlit", lambda: True)
        return prefetch.run(req)


def first_page_then_plans(city_db: Path, app_test: Any, captured: list[prefetch.Request],
                          monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None
                          ) -> prefetch.Request:
    st.cache_data.clear()
    at = app_test(city_db, query=query)     # the home page: what a viewer opens first
    assert not at.exception, at.exception
    assert len(captured) == 1, "the run should hand one request to the prefetch"
    req = captured[0]
    assert run_plans(req, monkeypatch) == list(req.pages)
    return req


def assert_from_cache(db: Path, app_test: Any, pages: tuple[str, ...], queries: list[str], misses: list[str],
                      **kw: Any) -> None:
    for page in pages:
        queries.clear()
        misses.clear()
        at = app_test(db, page=None if page == "home" else page, **kw)
        assert not at.exception, (page, at.exception)
        assert misses == [], f"{page} computed {misses} after its prefetch"
        assert queries == [], f"{page} ran {len(queries)} queries after its prefetch: {queries[0][:200]}"


def test_after_home_every_other_page_opens_from_the_cache(city_db: Path, app_test: Any, queries: list[str],
                                                          misses: list[str], captured: list[prefetch.Request],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    req = first_page_then_plans(city_db, app_test, captured, monkeypatch)
    assert req.pages == ("weekly", "ranking", "map", "clearing", "drill", "quality")  # not home itself
    assert not req.present and str(req.as_of) == "2026-11-20"
    assert_from_cache(city_db, app_test, req.pages, queries, misses)


def test_presentation_mode_is_prefetched_as_shown(city_db: Path, app_test: Any, queries: list[str],
                                                  misses: list[str], captured: list[prefetch.Request],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    req = first_page_then_plans(city_db, app_test, captured, monkeypatch, query={"mode": "present"})
    assert req.present
    assert_from_cache(city_db, app_test, ("weekly", "ranking", "map", "clearing"), queries, misses,
                      query={"mode": "present"})


def test_the_miss_counter_sees_a_derived_frame(city_db: Path, app_test: Any, queries: list[str], misses: list[str],
                                               captured: list[prefetch.Request],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # the drift the review found (the clearing plan without its county frame) runs no query of its own, since the
    # ranking plan computes what the frame is made of; the miss counter names it
    def clearing_without_county_frame(scope: Any, as_of: dt.date, present: bool) -> prefetch.Steps:
        from huxin import clearingview as V

        data.clearing(scope, as_of)
        yield
        if not V.clearing_items(scope, as_of).empty:
            V.clearing_top_items(scope, as_of, 8 if present else 20)

    monkeypatch.setitem(prefetch.PLANS, "clearing", clearing_without_county_frame)
    first_page_then_plans(city_db, app_test, captured, monkeypatch)
    queries.clear()
    misses.clear()
    at = app_test(city_db, page="clearing")
    assert not at.exception
    assert queries == [] and misses == ["clearing_county_frame"]


def test_the_city_roles_share_one_cache_entry(city_db: Path, app_test: Any, queries: list[str], misses: list[str],
                                              captured: list[prefetch.Request],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The scope's label (the role's name) is for the stamp only: a view computed for the admin serves the analyst
    # and the big screen, and each still shows its own role in the stamp.
    from huxin import auth

    req = first_page_then_plans(city_db, app_test, captured, monkeypatch, query={"mode": "present"})
    assert req.scope.label == auth.ROLES["city_admin"]
    for role in ("city_analyst", "screen"):
        queries.clear()
        misses.clear()
        at = app_test(city_db, page="weekly", role=role, query={"mode": "present"})
        assert not at.exception, at.exception
        assert misses == [] and queries == [], (role, misses)
        stamp = " ".join(c.value for c in at.caption)
        assert f"范围：{auth.ROLES[role]}" in stamp.replace(data.scope_name() + "　", ""), stamp
    # a county user's records differ: computed, not shared
    misses.clear()
    assert not app_test(city_db, page="weekly", role="county_user", county="410203", query={"mode": "present"}).exception
    assert misses


def test_no_cached_value_holds_a_role_name(city_db: Path, app_test: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The other side of sharing entries between roles: what one role's run puts in the cache must not name that role,
    # or another role would be shown it. Every value computed while each page runs for the admin (a city role) and a
    # county user (whose scope's label also names the county) is pickled and searched for the role names.
    import pickle

    from streamlit.runtime.caching import cache_utils

    from huxin import auth

    values: list[tuple[str, bytes]] = []
    real = cache_utils.CachedFunc._handle_cache_miss

    def kept(self: Any, cache: Any, value_key: str, func_args: tuple, func_kwargs: dict) -> Any:
        value = real(self, cache, value_key, func_args, func_kwargs)
        values.append((self._info.func.__qualname__, pickle.dumps(value)))
        return value

    monkeypatch.setattr(cache_utils.CachedFunc, "_handle_cache_miss", kept)
    st.cache_data.clear()
    for role, county in (("city_admin", None), ("county_user", "410203")):
        for page in sorted(auth.pages_for(role)):
            at = app_test(city_db, page=None if page == "home" else page, role=role, county=county)
            assert not at.exception, (role, page, at.exception)
    assert len(values) > 20
    for name, blob in values:
        for label in auth.ROLES.values():
            assert label.encode() not in blob, f"{name} cached a value naming {label}"


def test_without_the_prefetch_the_next_page_queries(city_db: Path, app_test: Any, queries: list[str],
                                                    captured: list[prefetch.Request]) -> None:
    # the check above can fail: the same sequence without the plans runs queries on each page
    st.cache_data.clear()
    app_test(city_db)
    for page in ("weekly", "map"):
        queries.clear()
        at = app_test(city_db, page=page)
        assert not at.exception, at.exception
        assert queries, page


def test_a_page_the_user_may_not_open_is_not_prefetched(city_db: Path, app_test: Any,
                                                        captured: list[prefetch.Request]) -> None:
    from huxin import auth

    app_test(city_db, role="county_user", county="410203")
    (req,) = captured
    allowed = auth.pages_for("county_user")
    assert set(req.pages) <= allowed and "home" not in req.pages
    assert req.scope.counties == ("410203",)


def test_a_new_data_version_stops_the_prefetch(city_db: Path, use_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use_db(city_db)
    ver = data.begin_run()
    data.end_run()
    stale = prefetch.Request("not-" + ver, data.ALL, dt.date(2026, 11, 20), False, ("weekly",))
    called: list[str] = []
    monkeypatch.setitem(prefetch.PLANS, "weekly", lambda *a: called.append("weekly"))
    assert prefetch.run(stale) == [] and called == []


def test_requests_run_once_one_at_a_time_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "0")
    ran: list[tuple[Any, ...]] = []
    started, gate = started_event(monkeypatch, lambda req: ran.append(req.key))
    monkeypatch.setattr(prefetch, "MAX_PER_VERSION", 4)

    def mk(day: int, ver: str = "v1") -> prefetch.Request:
        return prefetch.Request(ver, data.ALL, dt.date(2026, 11, day), False, ("weekly",))

    assert prefetch.submit(mk(1))
    assert started.wait(5)                # the worker has taken it: running
    assert not prefetch.submit(mk(1))     # running: not again
    assert prefetch.submit(mk(2))         # queued
    assert prefetch.submit(mk(3))         # replaces 2, not started yet
    gate.set()
    assert prefetch.idle(5)
    assert [k[2].day for k in ran] == [1, 3]
    assert not prefetch.submit(mk(1))     # done
    assert prefetch.submit(mk(4)) and prefetch.idle(5)
    assert prefetch.submit(mk(5)) and prefetch.idle(5)
    assert not prefetch.submit(mk(6))     # 1, 3, 4, 5: the version's budget (MAX_PER_VERSION) is spent
    assert prefetch.submit(mk(6, "v2")) and prefetch.idle(5)   # a new load starts a new budget
    assert len(ran) == 5
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "1")
    assert not prefetch.submit(mk(7, "v2"))


def test_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "1")
    assert not prefetch.enabled()
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "0")
    assert prefetch.enabled()
    monkeypatch.delenv("ARREARS_NO_PREFETCH")
    assert prefetch.enabled()


def test_the_prefetch_waits_while_a_viewer_runs(city_db: Path, use_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use_db(city_db)
    ver = data.begin_run()
    data.end_run()
    steps: list[str] = []

    def plan(*_: Any) -> prefetch.Steps:
        steps.append("one")
        yield
        steps.append("two")

    monkeypatch.setitem(prefetch.PLANS, "weekly", plan)
    monkeypatch.setattr(prefetch, "_active", 0)
    prefetch.run_started()                       # a viewer's script is running
    t = threading.Thread(target=prefetch.run, args=(prefetch.Request(ver, data.ALL, dt.date(2026, 11, 20), False,
                                                                     ("weekly",)),))
    t.start()
    time.sleep(0.5)
    assert steps == []                           # not even the first step
    prefetch.run_ended()
    t.join(5)
    assert steps == ["one", "two"]
    # between two steps: a run that starts holds the second step back until GRACE_S after it ends
    steps.clear()

    def slow_plan(*_: Any) -> prefetch.Steps:
        steps.append("one")
        prefetch.run_started()
        yield
        steps.append("two")

    monkeypatch.setitem(prefetch.PLANS, "weekly", slow_plan)
    t = threading.Thread(target=prefetch.run, args=(prefetch.Request(ver, data.ALL, dt.date(2026, 11, 20), False,
                                                                     ("weekly",)),))
    time.sleep(prefetch.GRACE_S)
    t.start()
    time.sleep(0.5)
    assert steps == ["one"]
    ended = time.monotonic()
    prefetch.run_ended()
    t.join(5)
    assert steps == ["one", "two"] and time.monotonic() - ended >= prefetch.GRACE_S * 0.9


def test_a_failing_request_does_not_stop_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "0")
    ran: list[int] = []

    def flaky(req: prefetch.Request) -> list[str]:
        if req.as_of.day == 1:
            raise RuntimeError("database unreadable mid-swap")
        ran.append(req.as_of.day)
        return []

    monkeypatch.setattr(prefetch, "run", flaky)

    def req(day: int) -> prefetch.Request:
        return prefetch.Request("v9", data.ALL, dt.date(2026, 11, day), False, ("weekly",))

    assert prefetch.submit(req(1)) and prefetch.idle(5)
    assert prefetch.submit(req(2)) and prefetch.idle(5)
    assert ran == [2]


# --- A new data version or a new day (the watcher) ------------------------------------------------------------------
def test_the_watcher_asks_for_the_last_views_and_the_default_after_a_change(monkeypatch: pytest.MonkeyPatch) -> None:
    freed: list[str] = []
    monkeypatch.setattr(data, "forget_old_versions", freed.append)
    day = dt.date(2026, 11, 20)
    county = data.Scope(("410203",), False, "县区用户（龙亭区）")
    prefetch.remember(data.ALL, day, False, ("weekly", "map"))
    prefetch.remember(county, day - dt.timedelta(days=7), True, ("map",))
    assert prefetch.changes("v1", day) == []        # the first look: the viewers' own requests cover it
    assert prefetch.changes("v1", day) == []        # nothing changed
    (new_day,) = prefetch.changes("v1", day + dt.timedelta(days=1))   # a new day, same data: the default view only
    assert (new_day.version, new_day.scope, new_day.as_of, new_day.present, new_day.pages, new_day.origin) == (
        "v1", data.ALL, day + dt.timedelta(days=1), False, prefetch.DEFAULT_PAGES, prefetch.RELOAD)
    reqs = prefetch.changes("v2", day + dt.timedelta(days=1))         # a new load: the last views first
    assert [(r.version, r.scope.counties, r.as_of, r.present, r.pages) for r in reqs] == [
        ("v2", ("410203",), day - dt.timedelta(days=7), True, ("map",)),
        ("v2", None, day, False, ("weekly", "map")),
        ("v2", None, day + dt.timedelta(days=1), False, prefetch.DEFAULT_PAGES)]
    for i in range(10):
        prefetch.remember(data.ALL, day - dt.timedelta(days=i), False, ("weekly",))
    assert len(prefetch.changes("v3", day)) == prefetch.MAX_RECENT + 1
    assert freed == ["v2", "v3"]                    # the old versions' entries go on a new version, not a new day


def test_reload_requests_queue_behind_viewers_and_outside_their_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "0")
    monkeypatch.setattr(prefetch, "MAX_PER_VERSION", 2)
    ran: list[tuple[str, int]] = []
    started, gate = started_event(monkeypatch, lambda req: ran.append((req.origin, req.as_of.day)))

    def mk(day: int, origin: str = prefetch.VIEWER) -> prefetch.Request:
        return prefetch.Request("v1", data.ALL, dt.date(2026, 11, day), False, ("weekly",), origin)

    assert prefetch.submit(mk(1))
    assert started.wait(5)                             # running
    assert prefetch.submit(mk(11, prefetch.RELOAD)) and prefetch.submit(mk(12, prefetch.RELOAD))
    assert prefetch.submit(mk(2))                      # a viewer goes first…
    assert prefetch.submit(mk(3))                      # …and replaces a viewer's request not started, not a reload
    gate.set()
    assert prefetch.idle(5)
    assert ran == [("viewer", 1), ("viewer", 3), ("reload", 11), ("reload", 12)]
    assert not prefetch.submit(mk(4))                  # 1 and 3: the viewers' budget of 2 is spent
    assert prefetch.submit(mk(13, prefetch.RELOAD)) and prefetch.idle(5)   # the watcher's are not counted in it


def _swap_in_a_new_file(path: Path) -> None:
    from huxin import db as hdb

    with hdb.writer(path):   # a load that changes nothing: a copy renamed over the file, a new data version
        pass


def test_after_a_new_load_the_last_view_and_the_default_open_from_the_cache(
        city_db: Path, tmp_path: Path, app_test: Any, queries: list[str], misses: list[str],
        captured: list[prefetch.Request], monkeypatch: pytest.MonkeyPatch) -> None:
    from huxin import auth
    from huxin import db as hdb
    from tests.conftest import AS_OF

    path = tmp_path / "city.duckdb"
    shutil.copy(city_db, path)
    st.cache_data.clear()
    assert not app_test(path, role="county_user", county="410203").exception   # a county user's home page
    assert prefetch.changes(hdb.version_of(path), AS_OF) == []                # the watcher's first look
    _swap_in_a_new_file(path)
    reqs = prefetch.changes(hdb.version_of(path), AS_OF)  # (the server passes today; the demo data is of AS_OF)
    assert [r.scope.counties for r in reqs] == [("410203",), None]
    assert set(reqs[0].pages) == auth.pages_for("county_user")
    for r in reqs:
        assert run_plans(r, monkeypatch) == list(r.pages)
    # the county user comes back to every page, and a city analyst opens the app for the first time
    assert_from_cache(path, app_test, reqs[0].pages, queries, misses, role="county_user", county="410203")
    assert_from_cache(path, app_test, prefetch.DEFAULT_PAGES, queries, misses, role="city_analyst")


def test_the_watcher_thread_notices_a_swapped_file(city_db: Path, tmp_path: Path, use_db: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from huxin import db as hdb

    path = tmp_path / "city.duckdb"
    shutil.copy(city_db, path)
    use_db(path)
    got: list[prefetch.Request] = []
    monkeypatch.setattr(prefetch, "submit", got.append)
    monkeypatch.setattr(prefetch, "WATCH_S", 0.05)
    monkeypatch.setattr(data, "forget_old_versions", lambda version: True)
    stop = threading.Event()
    watcher = threading.Thread(target=prefetch._watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        end = time.monotonic() + 5
        while prefetch._seen is None and time.monotonic() < end:   # its first look
            time.sleep(0.01)
        time.sleep(0.2)
        assert prefetch._seen is not None and got == []     # nothing changed since it started
        _swap_in_a_new_file(path)
        end = time.monotonic() + 5
        while not got and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(5)
    assert [(r.version, r.scope, r.pages) for r in got] == [(hdb.version_of(path), data.ALL, prefetch.DEFAULT_PAGES)]


def test_a_new_version_frees_the_old_versions_cache_once(city_db: Path, use_db: Any, misses: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    use_db(city_db)
    monkeypatch.setattr(data, "_in_streamlit", lambda: True)
    st.cache_data.clear()

    def freshness_misses(in_a_run: bool = True) -> int:
        misses.clear()
        if in_a_run:
            data.begin_run()
        try:
            data.freshness()
        finally:
            data.end_run()
        return misses.count("freshness")

    # (a miss on the same data version can only mean the cache was emptied)
    assert freshness_misses() == 1 and freshness_misses() == 0       # computed once, then cached
    ver = data.data_version()
    assert prefetch.changes(ver, dt.date(2026, 11, 20)) == []
    prefetch.changes(ver, dt.date(2026, 11, 21))                     # a new day, same data: kept
    assert freshness_misses() == 0
    # The first run on a new version frees the older versions' entries before it computes anything…
    monkeypatch.setattr(data, "_newest", "the version before")
    assert freshness_misses() == 1 and freshness_misses() == 0
    # …and the watcher, noticing the new version after that run, keeps what the run computed on it.
    monkeypatch.setattr(prefetch, "_seen", ("the version before", dt.date(2026, 11, 21)))
    assert prefetch.changes(ver, dt.date(2026, 11, 21))
    assert freshness_misses() == 0
    # When the watcher is first, it is the one that frees them (the next run then finds nothing to free).
    prefetch.changes("the next load's version", dt.date(2026, 11, 21))
    assert freshness_misses(in_a_run=False) == 1
