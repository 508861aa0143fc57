"""huxin.mapwarm: the map's script evaluated ahead on the other pages (the browser side is in
tests/browser/test_map_warm.py)."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from huxin import auth, mapkind, mapwarm


def _warm_chunks(at: Any) -> list[str]:
    """The chunk names the warm-up elements of an AppTest run carry."""
    out = []
    for el in at.get("bidi_component"):
        p = el.proto
        if p.component_name == "huxin_map_warm" and p.WhichOneof("data") == "json":
            out.append(json.loads(p.json)["chunk"])
    return out


def test_the_installed_streamlit_has_exactly_one_map_chunk() -> None:
    """Fails when a Streamlit upgrade renames or splits the chunk: warm() would then quietly draw nothing."""
    name = mapwarm.chunk_name()
    assert name is not None and name.startswith("DeckGlJsonChart.") and name.endswith(".js")
    static = mapwarm.STREAMLIT_STATIC
    js = (static / "static" / "js" / name).read_text(encoding="utf-8")
    assert "DeckGlJsonChart" in js and "deck" in js.lower()
    # what the warm-up's script relies on: one module entry script, matched by its selector, from which Streamlit
    # imports the chunk by a relative URL (so both resolve to the same address)
    entries = re.findall(r'<script type="module"[^>]*src="(\./static/js/index\.[^"]+\.js)"',
                         (static / "index.html").read_text(encoding="utf-8"))
    assert len(entries) == 1
    assert f"import(`./{name}`)" in (static / entries[0]).read_text(encoding="utf-8")


@pytest.mark.parametrize(("files", "want"), [
    ([], None),
    (["DeckGlJsonChart.abc.js", "DeckGlJsonChart.abc.css"], "DeckGlJsonChart.abc.js"),
    (["DeckGlJsonChart.abc.js", "DeckGlJsonChart.def.js"], None),   # which one Streamlit imports is unknown
])
def test_chunk_name_only_when_one_file_matches(tmp_path: Path, files: list[str], want: str | None) -> None:
    for f in files:
        (tmp_path / f).write_text("x", encoding="utf-8")
    assert mapwarm.chunk_name.__wrapped__(tmp_path) == want


@pytest.mark.parametrize(("page", "present"), [(None, False), ("weekly", False), ("ranking", False),
                                               ("drill", False), ("weekly", True)])
def test_the_pages_before_a_deck_map_carry_the_warm_up(page: str | None, present: bool, city_db: Path,
                                                       app_test: Callable[..., Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapkind, "PLOT_MAX_COUNTIES", 0)   # the map drawn by deck.gl, as at national scale
    at = app_test(city_db, page, query={"mode": "present"} if present else None)
    assert not at.exception, at.exception
    assert _warm_chunks(at) == [mapwarm.chunk_name()]


def test_no_warm_up_when_plotly_draws_the_map(city_db: Path, app_test: Callable[..., Any]) -> None:
    """A city's map is a plotly chart (huxin.mapkind): deck.gl's script would be evaluated for nothing."""
    assert mapkind.draws_with_plotly(9) and mapwarm.chunk_name()   # the 9 counties of the test city; a chunk to warm
    at = app_test(city_db, "weekly")
    assert not at.exception, at.exception
    assert _warm_chunks(at) == []


def test_the_map_page_has_no_warm_up(city_db: Path, app_test: Callable[..., Any],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapkind, "PLOT_MAX_COUNTIES", 0)
    at = app_test(city_db, "map")
    assert not at.exception, at.exception
    assert _warm_chunks(at) == []


def test_no_warm_up_for_a_role_without_the_map(city_db: Path, app_test: Callable[..., Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(auth.ROLE_PAGES, "screen", {"weekly"})
    at = app_test(city_db, "weekly", role="screen")
    assert not at.exception, at.exception
    assert at.title and at.title[0].value == "周调度"
    assert _warm_chunks(at) == []
