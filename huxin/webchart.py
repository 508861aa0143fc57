"""Interactive plotly charts on the pages, drawn with plotly.js's *basic* bundle instead of Streamlit's own.

Why: ``st.plotly_chart`` loads Streamlit's PlotlyChart chunk, the full plotly.js (4.7 MB of script: 3-D, maps,
WebGL traces). On the 2-core machine the benchmarks run on, evaluating it took 0.75–0.79 s of the browser's main
thread on every page with a chart. That was the largest single cost in a page's time to ready (Chrome trace in
bench/RESULTS.md). Every chart the pages draw is a bar or scatter trace, and plotly.js's basic bundle (bar, scatter,
pie: 1.2 MB) draws exactly these. It is served from ``static/vendor/`` by Streamlit's static serving: nothing from
a CDN. Its version is the plotly.js that the Python ``plotly`` package ships, so the figure JSON is the same.

``chart(fig)`` mounts a small ``st.components.v2`` component in the page's own DOM (no iframe). Its script puts
plotly-basic on the page once (a plain <script>, so the browser caches it), then draws with ``Plotly.react``. Each
chart page also calls ``preload()`` as its first element (from ``huxin.ui.page``). When the page script is slow (a
cold cache), the bundle then downloads and evaluates while the server still computes, not after the last chart
arrives.

What the viewer keeps: hover values, zoom and pan, legend toggling, and the camera button. That button saves a PNG
in the browser, offline, using ``toImageButtonOptions``. The modebar speaks Chinese. The chart follows the width of
its column.

Ledger text in a chart: plotly.js reads a few HTML-like tags in text (<b>, <br>, <a href>). The builders escape
ledger names (``html.escape``; the map's tooltips use ``maps.plain``, which turns < > & into their full-width forms)
as before. This module adds no HTML of its own. The figure is only ever given to
``Plotly.react`` as data.
"""
from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from huxin.charts import figure_json
from huxin.config import static_url

PLOTLY_JS_VERSION = "4.1.1"
BUNDLE = f"vendor/plotly-basic-{PLOTLY_JS_VERSION}.min.js"   # under static/, served at /app/static/<BUNDLE>
PRELOAD_KEY = "huxin_plot_preload"
# preload() draws nothing; its slot would still take a gap in the page's layout. Pages include this in their CSS.
PRELOAD_CSS = f".st-key-{PRELOAD_KEY} {{display: none !important;}}"
ELEMENT_CLASS = "huxin-plot"        # the div plotly draws into (plotly adds js-plotly-plot); READY_JS looks for it

# The modebar's tooltips and the date names in Chinese. The strings are from plotly.js-locales' zh-cn (MIT), limited
# to what the basic bundle shows. The month names are the usual 1月…12月 (the package has 一…十二).
_LOCALE = {
    "moduleType": "locale", "name": "zh-CN",
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形框选", "Lasso Select": "套索选择", "Pan": "平移",
        "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小", "Reset": "重置", "Reset axes": "重置坐标轴",
        "Reset view": "重置视图", "Download plot as a PNG": "下载图表（PNG）", "Download plot": "下载图表",
        "Compare data on hover": "悬停时比较数据", "Show closest data on hover": "悬停时显示最近的数据",
        "Toggle Spike Lines": "显示/隐藏辅助线", "Toggle show closest data on hover": "切换悬停显示最近数据",
        "Double-click on legend to isolate one trace": "双击图例只显示该项",
        "Double-click to zoom back out": "双击恢复", "Snapshot succeeded": "图表已下载",
        "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，图片下载失败！",
        "Produced with Plotly.js": "由 Plotly.js 生成", "trace": "系列",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)], "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d",
    },
}

# The component's script. It runs in the page, once per render of each chart element. window.__huxinPlotly is one
# promise per page, so many charts share one <script> load. A failed load is forgotten, so the next render retries
# it. That matters when the server restarts during a meeting.
_JS = """
const LOCALE = __LOCALE__;
function plotly(src) {
  if (!window.__huxinPlotly) {
    window.__huxinPlotly = new Promise((resolve, reject) => {
      if (window.Plotly && window.Plotly.react) { resolve(window.Plotly); return; }
      const s = document.createElement('script');
      s.src = src; s.async = true;
      s.onload = () => { window.Plotly.register(LOCALE); resolve(window.Plotly); };
      s.onerror = () => { window.__huxinPlotly = null; reject(new Error('plotly.js: ' + src)); };
      document.head.appendChild(s);
    });
  }
  return window.__huxinPlotly;
}
export default function (component) {
  const { parentElement } = component;
  // a chart comes as UTF-8 JSON bytes (chart() says why); preload() as plain JSON
  const data = component.data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(component.data))
    : component.data;
  if (!data || !data.src) return;
  const p = plotly(new URL(data.src, document.baseURI).href);
  if (!data.figure) return;                     // preload(): only the script
  let div = parentElement.querySelector('.__CLASS__');
  if (!div) {
    div = document.createElement('div');
    div.className = '__CLASS__';
    div.style.width = '100%';
    parentElement.appendChild(div);
  }
  const fig = data.figure;
  // resizing follows the chart's own box (ResizeObserver below), not window resizes: plotly's responsive mode
  // adds a window listener that holds the chart after Streamlit removes it
  const config = Object.assign({locale: 'zh-CN'}, data.config || {}, {responsive: false});
  let observer = null, gone = false;
  div.__huxinSelect = data.select ? component.setStateValue : null;   // the latest render's, for the one handler
  p.then(Plotly => {
    if (gone) return;
    const drawnAt = div.clientWidth;   // the width plotly lays the chart out at
    return Plotly.react(div, fig.data || [], fig.layout || {}, config).then(() => {
      if (data.select && !div.__huxinClicks) {
        // a click picks what the trace's meta names: {layer, id}, or {layer} and the point's customdata as id.
        // A point over a county wins over the county.
        div.__huxinClicks = true;
        let down = null, onTrace = false;
        div.on('plotly_click', ev => {
          onTrace = true;
          const picks = (ev.points || []).map(pt => {
            const m = (pt.data && pt.data.meta) || {};
            const id = m.id != null ? m.id : pt.customdata;
            return m.layer && id != null ? {layer: String(m.layer), id: String(id)} : null;
          }).filter(Boolean);
          const pick = picks.find(x => x.layer !== 'counties') || picks[0];
          if (pick && div.__huxinSelect) { div.__huxinSelect('selected', pick); div.__huxinPicked = true; }
        });
        // A click on empty space clears the pick, as on the deck.gl map: plotly.js reports only clicks on a trace.
        // Not a drag (panning), not the modebar's buttons. Plotly ends a drag on a cover it lays over the page, so
        // the button's release is heard on the document; plotly_click comes from plotly's own handler of it, so
        // the check waits one task.
        div.addEventListener('mousedown', ev => {
          down = ev.button === 0 && !ev.target.closest('.modebar') ? [ev.clientX, ev.clientY] : null;
          onTrace = false;
        }, true);
        const up = ev => {
          if (!div.isConnected) { document.removeEventListener('mouseup', up, true); return; }
          const start = down;
          down = null;
          if (!start || Math.hypot(ev.clientX - start[0], ev.clientY - start[1]) > 4) return;
          setTimeout(() => {
            if (!onTrace && div.__huxinPicked && div.__huxinSelect) {
              div.__huxinSelect('selected', null);
              div.__huxinPicked = false;
            }
          }, 0);
        };
        document.addEventListener('mouseup', up, true);
      }
      // the column can change width without the window resizing (sidebar opened or closed). Only a real change
      // of width redraws: the observer also reports the width the chart was just drawn at, and plotly's resize then
      // laid the chart out a second time.
      if (!gone && window.ResizeObserver) {
        let width = drawnAt;
        observer = new ResizeObserver(() => {
          if (!div.isConnected || div.clientWidth === width) return;
          width = div.clientWidth;
          Plotly.Plots.resize(div);
        });
        observer.observe(div);
      }
    });
  }).catch(e => {
    div.textContent = '图表脚本加载失败，请刷新页面。';
    div.setAttribute('data-error', String(e));
  });
  return () => { gone = true; if (observer) observer.disconnect(); };
}
""".replace("__LOCALE__", json.dumps(_LOCALE, ensure_ascii=False)).replace("__CLASS__", ELEMENT_CLASS)

_component = st.components.v2.component("huxin_plot", js=_JS, isolate_styles=False)


def bundle_url() -> str:
    """The bundle's URL path under Streamlit's static serving (and server.baseUrlPath)."""
    return static_url(BUNDLE, st.get_option("server.baseUrlPath") or "")


def _rerun() -> None:
    """A click on a selectable chart reruns the script (Streamlit calls this first; the page reads the pick)."""


def chart(fig: go.Figure | str, key: str | None = None, config: dict[str, Any] | None = None,
          selectable: bool = False) -> dict[str, str] | None:
    """Draw ``fig`` (a figure, or its ``figure_json`` text) at the width of its column; ``config`` is plotly.js's
    (modebar, toImageButtonOptions).

    selectable: a click on a trace whose ``meta`` names a layer ({"layer": ..., "id": ...}, or the clicked point's
    customdata as the id) reruns the script, and this returns that pick, {"layer": ..., "id": ...}, on that run and
    after it (kept under ``key`` like a widget's value), until the next click; None before any click and after a
    click on empty space. The ids come from the browser: the caller checks them against what it drew."""
    cfg = {"displaylogo": False, **(config or {})}
    text = fig if isinstance(fig, str) else figure_json(fig)
    # One UTF-8 JSON document as bytes, the figure inside it as an object. Streamlit would send a dict as JSON with
    # the figure's text in it as a string, escaped a second time, every Chinese character as \uXXXX: the province
    # map's 1.3 million characters became 4.1 MB on the websocket, and the browser parsed them twice.
    rest = json.dumps({"config": cfg, "src": bundle_url(), "select": selectable}, ensure_ascii=False,
                      separators=(",", ":"))
    payload = ('{"figure":' + text + "," + rest[1:]).encode("utf-8")
    if not selectable:
        _component(data=payload, key=key, width="stretch", height="content")
        return None
    res = _component(data=payload, key=key, width="stretch", height="content", on_selected_change=_rerun)
    pick = getattr(res, "selected", None)   # from the browser: anything at all
    if not isinstance(pick, dict) or not isinstance(pick.get("layer"), str) or not isinstance(pick.get("id"), str):
        return None
    return {"layer": pick["layer"], "id": pick["id"]}


def preload() -> None:
    """Start loading plotly-basic now. huxin.ui.page calls it as the first element of a chart page. It draws
    nothing (PRELOAD_CSS hides its slot)."""
    _component(data={"src": bundle_url()}, key=PRELOAD_KEY, width="stretch", height="content")


def figures_in(at: Any) -> list[dict[str, Any]]:
    """The figures an AppTest run drew with ``chart``, in page order, as plotly JSON dicts (for page tests)."""
    out = []
    for el in at.get("bidi_component"):
        payload = payload_of(el.proto)
        if payload is not None and payload.get("figure"):
            out.append(payload["figure"])
    return out


def payload_of(proto: Any) -> dict[str, Any] | None:
    """What one of this component's elements sent the browser (a chart's bytes, preload()'s JSON), for tests."""
    if proto.component_name != "huxin_plot":
        return None
    kind = proto.WhichOneof("data")
    if kind == "bytes":
        return json.loads(proto.bytes.decode("utf-8"))
    if kind in ("json", "mixed"):
        return json.loads(proto.json if kind == "json" else proto.mixed.json)
    return None
