"""huxin.prefetch: after one page, the other pages' default views are in the cache, so each opens without a query.

The request is the one the real trigger builds (ui.page -> app.py -> prefetch.after_run, captured instead of
queued); its plans run in this thread with the Streamlit cache on, as the server's prefetch thread runs them. Then
every other page runs with AppTest while huxin.data.query is counted: a page whose defaults drifted from its plan
runs queries and fails.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from huxin import data, prefetch


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
def captured(monkeypatch: pytest.MonkeyPatch) -> list[prefetch.Request]:
    """Requests app.py hands to prefetch, captured instead of queued."""
    got: list[prefetch.Request] = []
    monkeypatch.setenv("ARREARS_NO_PREFETCH", "0")
    monkeypatch.setattr(prefetch, "submit", lambda req: got.append(req) or True)
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


def test_after_home_every_other_page_opens_without_a_query(city_db: Path, app_test: Any, queries: list[str],
                                                            captured: list[prefetch.Request],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    req = first_page_then_plans(city_db, app_test, captured, monkeypatch)
    assert req.pages == ("weekly", "ranking", "map", "clearing", "drill", "quality")  # not home itself
    assert not req.present and str(req.as_of) == "2026-11-20"
    for page in req.pages:
        queries.clear()
        at = app_test(city_db, page=page)
        assert not at.exception, (page, at.exception)
        assert queries == [], f"{page} ran {len(queries)} queries after its prefetch: {queries[0][:200]}"


def test_presentation_mode_is_prefetched_as_shown(city_db: Path, app_test: Any, queries: list[str],
                                                  captured: list[prefetch.Request],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    req = first_page_then_plans(city_db, app_test, captured, monkeypatch, query={"mode": "present"})
    assert req.present
    for page in ("weekly", "ranking", "map", "clearing"):
        queries.clear()
        at = app_test(city_db, page=page, query={"mode": "present"})
        assert not at.exception, (page, at.exception)
        assert queries == [], f"{page} (present) ran {len(queries)} queries after its prefetch"


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
    monkeypatch.setattr(prefetch, "_done", prefetch.collections.OrderedDict())
    ran: list[tuple[Any, ...]] = []
    gate = threading.Event()

    def fake_run(req: prefetch.Request) -> list[str]:
        gate.wait(5)
        ran.append(req.key)
        return list(req.pages)

    monkeypatch.setattr(prefetch, "run", fake_run)
    monkeypatch.setattr(prefetch, "MAX_PER_VERSION", 4)

    def mk(day: int, ver: str = "v1") -> prefetch.Request:
        return prefetch.Request(ver, data.ALL, dt.date(2026, 11, day), False, ("weekly",))

    assert prefetch.submit(mk(1))
    time.sleep(0.2)                       # the worker has taken it: running
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
    monkeypatch.setattr(prefetch, "_done", prefetch.collections.OrderedDict())
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
