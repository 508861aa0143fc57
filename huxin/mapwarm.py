"""The warning map's renderer, evaluated ahead while the viewer reads another page, where the map is deck.gl (the
country's counties; a city's or a province's map is a plotly chart, huxin.mapkind, and then
huxin.ui.page leaves this out: it would cost the tab 40 MB for a map that never loads the chunk).

Why: Streamlit loads the script that draws ``st.pydeck_chart`` (its DeckGlJsonChart chunk: deck.gl and a map
library, 3 MB) only when a map first appears in the tab. The browser then evaluates it on the main thread before it
can draw anything. On the benchmark machine that took 0.33-0.61 s per tab. With the chunk evaluated ahead, the
first map reached from the sidebar was ready 0.03-0.99 s sooner (median 0.47 s; alternating runs, RESULTS.md).
A meeting goes through the pages in one tab, so the other pages can do this work while the viewer looks at them.

How: every page the viewer may leave for the map puts ``warm()`` on the page, an invisible ``st.components.v2``
element (the same mechanism as huxin.webchart). Its script waits until the page has been quiet for a while: the
Streamlit script finished and nothing in the page changed for QUIET_MS. Then, when the main thread is idle, it
imports the chunk by the same URL that Streamlit's own lazy import uses. A browser evaluates a module once per page
and URL, so when the map comes Streamlit finds it ready (tests/browser/test_map_warm.py checks this: the map then asks
for no copy of it).
A page still loading is not slowed by it: a click, a rerun, a chart being drawn or a lost connection resets the
wait, and the page is checked again when the idle time comes. A click during the import's half second waits for it.
A tab that never opens the map holds the module for nothing: the JS heap of 首页 grew from 14 to 54 MB (Chromium,
after a forced GC), as it does when the map is opened. Both are small next to a map that opens up to a second
sooner at the meeting. Only the first quiet page of a tab does the work; the others find it done.

The chunk's file name carries a content hash that changes with each Streamlit release. It is looked up in the
installed Streamlit's static files, and if none or several match, ``warm()`` draws nothing. Then the map loads as
before, and tests/test_mapwarm.py fails so that the change is noticed. If the file cannot be fetched (a server
restarting), nothing is imported and the page's next run tries again (see the script for why it fetches first).
"""
from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

KEY = "huxin_map_warm"
# warm() draws nothing, but its slot would still take a gap in the page's layout. Pages include this in their CSS.
CSS = f".st-key-{KEY} {{display: none !important;}}"
CHUNK_GLOB = "DeckGlJsonChart.*.js"
STREAMLIT_STATIC = Path(st.__file__).resolve().parent / "static"   # Streamlit's frontend: index.html, static/js/
QUIET_MS = 1000   # the page unchanged this long (and its script finished) before the main thread is given the work
POLL_MS = 200

_JS = """
const QUIET_MS = __QUIET__, POLL_MS = __POLL__;
export default function (component) {
  const { data } = component;
  const state = window.__huxinMapWarm;   // waiting, loading, done; failed: the next page run tries again
  if (!data || !data.chunk || (state && state !== 'failed')) return;
  // Streamlit's own lazy imports resolve against its entry script (static/js/index.*.js); so does this one. A page
  // behind a proxy (server.baseUrlPath) keeps its prefix.
  const entry = document.querySelector('script[type="module"][src*="/static/js/index."]');
  if (!entry) return;
  const url = new URL(data.chunk, entry.src).href;
  window.__huxinMapWarm = 'waiting';
  const app = document.querySelector('[data-testid="stApp"]');
  let quietSince = performance.now();
  const seen = new MutationObserver(() => { quietSince = performance.now(); });
  if (app) seen.observe(app, {childList: true, subtree: true, attributes: true, characterData: true});
  // quiet: the script has finished, the server is connected, and nothing in the page changed for QUIET_MS
  const quiet = () => {
    const busy = !app || app.getAttribute('data-test-script-state') !== 'notRunning'
      || app.getAttribute('data-test-connection-state') !== 'CONNECTED';
    if (busy) quietSince = performance.now();
    return !busy && performance.now() - quietSince >= QUIET_MS;
  };
  const idle = window.requestIdleCallback || (f => setTimeout(f, 0));
  const check = () => {
    if (!quiet()) { setTimeout(check, POLL_MS); return; }
    idle(() => {
      if (!quiet()) { setTimeout(check, POLL_MS); return; }   // a click or a rerun while it waited for idle time
      seen.disconnect();
      window.__huxinMapWarm = 'loading';
      // A failed import stays failed for the life of the page in browsers that predate whatwg/html#10327, and
      // Streamlit's own import of the map would fail with it. So the file is fetched first (into the HTTP cache),
      // and imported only if it came.
      fetch(url, {credentials: 'same-origin'})
        .then(r => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.arrayBuffer(); })
        .then(() => import(url))
        .then(() => { window.__huxinMapWarm = 'done'; }, () => { window.__huxinMapWarm = 'failed'; });
    }, {timeout: 2000});
  };
  setTimeout(check, POLL_MS);
}
""".replace("__QUIET__", str(QUIET_MS)).replace("__POLL__", str(POLL_MS))

_component = st.components.v2.component("huxin_map_warm", js=_JS, isolate_styles=False)


@functools.lru_cache(maxsize=1)
def chunk_name(static_js: Path | None = None) -> str | None:
    """The file name of Streamlit's map chunk (e.g. DeckGlJsonChart.Bk-DBRSw.js), None unless exactly one matches."""
    if static_js is None:
        static_js = STREAMLIT_STATIC / "static" / "js"
    names = sorted(p.name for p in static_js.glob(CHUNK_GLOB))
    return names[0] if len(names) == 1 else None


def warm() -> None:
    """Put the warm-up on this page (huxin.ui.page does, on every page but the map for viewers who may open it)."""
    name = chunk_name()
    if name is not None:
        _component(data={"chunk": name}, key=KEY, width="stretch", height="content")
