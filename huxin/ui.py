"""Shared page furniture: header with 演示数据 badge and 数据截至, the as-of picker, presentation mode, stamps and
export buttons. Pages call ``ctx = ui.page("weekly", "周调度")`` first and then lay out content only.

Ledger text (employer, project names, notes) is only ever shown through st.dataframe / st.text / st.caption with
plain strings — never through Markdown or HTML — so a name like ``<img src=x onerror=...>`` or ``**粗体**`` shows
literally. The only HTML here is our own CSS, with no data in it.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from huxin import audit, auth, data, mapkind, mapwarm, webchart
from huxin.config import Rules, load_rules
from huxin.exports import CONFIDENTIAL, stamp_lines, to_csv, to_excel
from huxin.privacy import escape_markdown

# Presentation mode: a fixed 1920 px (16:9) layout, so a picture looks the same whoever takes it (the server-side
# capture uses a 1920×1080 viewport; on a smaller projector, browser zoom fits it). Everything interactive is hidden:
# sidebar and its expand button, Streamlit's header/toolbar/menu/deploy button/status widget, and input widgets.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"], header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], .stDeployButton, footer, [data-testid="stSidebarNav"],
[data-testid="stElementToolbar"] {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {max-width: 1920px !important; width: 1920px !important;
    min-width: 1920px !important; margin: 0 auto !important; padding: 1.2rem 2.5rem !important;}
html, body, [data-testid="stAppViewContainer"] {font-size: 22px;}
/* big numbers, never cut off ("100.…") when a row has many metrics: at most 3.2rem, less in narrow columns,
   and a unit that does not fit goes to a second line instead of an ellipsis */
[data-testid="stColumn"] {container-type: inline-size;}
[data-testid="stMetricValue"] {font-size: min(3.2rem, 26cqi) !important; line-height: 1.15;}
[data-testid="stMetricValue"] p {white-space: normal !important; text-overflow: clip !important;}
[data-testid="stMetricLabel"] p {font-size: 1.3rem !important;}
.present-hide {display: none !important;}
[data-testid="stWidgetLabel"], [data-testid="stDateInput"], [data-testid="stSelectbox"],
[data-testid="stMultiSelect"], [data-testid="stDownloadButton"], [data-testid="stButton"],
[data-testid="stRadio"], [data-testid="stTextInput"], [data-testid="stSlider"], [data-testid="stToggle"],
[data-testid="stCheckbox"], [data-testid="stExpander"], [data-testid="stSegmentedControl"],
[data-testid="stButtonGroup"], [data-testid="stPills"], [data-testid="stTextArea"], [data-testid="stNumberInput"],
[data-testid="stFileUploader"], [data-testid="stFormSubmitButton"], [data-testid="stLinkButton"],
[data-testid="stPageLink"], [data-testid="stPopover"] {display: none !important;}
.st-key-huxin_stamp [data-testid="stCaptionContainer"] {font-size: 0.8rem; color: #555;}
""" + webchart.PRELOAD_CSS + mapwarm.CSS + """
</style>
"""
BASE_CSS = """
<style>
[data-testid="stMetricValue"] {font-size: 2.2rem;}
.block-container {padding-top: 2.2rem;}
""" + webchart.PRELOAD_CSS + mapwarm.CSS + """
</style>
"""


# Pages that draw plotly charts on first view: they start loading plotly.js while their script still runs
# (huxin.webchart). The drill-down draws one only at the level of a single clue, so it loads it then.
CHART_PAGES = frozenset({"weekly", "ranking", "clearing"})


@dataclass
class PageContext:
    key: str
    title: str
    user: auth.User
    scope: data.Scope
    as_of: dt.date
    present: bool
    rules: Rules
    context: data.Context

    def stamp(self, filters: str = "无", title: str = "") -> list[str]:
        return stamp_lines(self.as_of, filters, self.scope.label or self.user.role_label, title)

    def stamp_text(self, filters: str = "无") -> str:
        return "　｜　".join(self.stamp(filters))


def is_present() -> bool:
    return st.query_params.get("mode") == "present" or bool(st.session_state.get("present_toggle"))


AS_OF_KEPT = "_as_of_kept"   # the date the pages are computed for, kept across pages (see page())


def set_as_of(day: dt.date) -> None:
    """Show every page as of ``day`` from the next run on (a button's callback, e.g. 县区排名's 回放上周)."""
    st.session_state["as_of"] = st.session_state[AS_OF_KEPT] = day


def _keep_as_of() -> None:
    st.session_state[AS_OF_KEPT] = st.session_state["as_of"]


def _as_of_default() -> dt.date:
    q = st.query_params.get("as_of")
    if q:
        try:
            return dt.date.fromisoformat(q)
        except ValueError:
            st.warning(f"网址中的 as_of 参数不是日期（{q}），已改用今天。")
    return dt.date.today()


def _through_app_shell() -> None:
    """Make sure a page runs inside app.py (login, pinned data version, role-based navigation).

    With a folder named pages/ next to app.py, Streamlit's legacy multipage mode runs pages/<name>.py directly when
    the first request a server process sees is a page URL such as /ranking — skipping app.py until something calls
    st.navigation. Switch that mode off and rerun, so app.py runs and dispatches to this page properly.
    """
    from streamlit import config
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        # AppTest resets this flag before every run, so there a rerun would swallow each widget event; page tests
        # run the page directly (the role check below still applies).
        if not config.get_option("global.appTest"):
            st.rerun()


def page(key: str, title: str, show_as_of: bool = True) -> PageContext:
    """Header, permission check, sidebar controls. Stops the script when the user may not see this page."""
    _through_app_shell()
    last_filters = st.session_state.get("_filters_desc") or "无"  # the previous run's, for the picture's audit record
    user: auth.User = st.session_state.get("user") or auth.current_user()
    if key not in auth.pages_for(user.role):
        st.error("您的角色无权查看此页面。")
        st.stop()
    present = is_present()
    st.markdown(PRESENT_CSS if present else BASE_CSS, unsafe_allow_html=True)
    # the map of a city or a province is a plotly chart too; the country's is deck.gl (huxin.mapkind). Counted from
    # the regions (cheap, cached): the map counts those with boundaries, which in practice are all of them.
    sees_map = "map" in auth.pages_for(user.role)
    plotly_map = sees_map and mapkind.draws_with_plotly(len(data.regions(user.scope(False))),
                                                        heat=bool(st.session_state.get("map_heat")))
    if key in CHART_PAGES or (key == "map" and plotly_map):
        webchart.preload()   # first on the page: the browser loads plotly.js while this script still computes
    if key != "map" and sees_map and not plotly_map:
        mapwarm.warm()       # evaluates deck.gl once this page is quiet, so the map opens sooner
    # The date lives under a second key: Streamlit treats the date widget of each page as a different widget and
    # forgets its value one page after the viewer leaves it, so a replayed date (?as_of= or picked) fell back to today
    # on the second page reached from the sidebar. Streamlit's documented pattern: keep it apart, give it back.
    if AS_OF_KEPT not in st.session_state:
        st.session_state[AS_OF_KEPT] = st.session_state.get("as_of") or _as_of_default()
    st.session_state["as_of"] = st.session_state[AS_OF_KEPT]
    unmask = False
    with st.sidebar:
        if show_as_of:
            st.date_input("数据截至（可回放历史）", key="as_of", format="YYYY-MM-DD", on_change=_keep_as_of,
                          help="所有指标都按这一天计算，可选择过去的日期重现当时的调度会数据。")
        st.toggle("演示模式（投影/截图）", key="present_toggle", help="隐藏侧栏和控件、放大字号、16:9 版式。"
                  "也可在网址后加 ?mode=present。")
        if user.can_unmask:
            unmask = st.toggle("显示个人信息（记录审计日志）", key="unmask_toggle")
            if unmask and not st.session_state.get("_unmask_logged"):
                audit.audit("unmask", user.name, role=user.role, page=key)
                st.session_state["_unmask_logged"] = True
            if not unmask:
                st.session_state["_unmask_logged"] = False
    as_of: dt.date = st.session_state["as_of"]
    scope = user.scope(unmask)
    ctx = data.context(as_of)
    pc = PageContext(key, title, user, scope, as_of, present, load_rules(), ctx)
    # app.py hands this to huxin.prefetch once the run is over: the other pages' default views for the same scope,
    # date and mode are then computed in the background, so the next page opens from the cache
    st.session_state["_prefetch"] = (key, scope, as_of, present, tuple(auth.pages_for(user.role)))
    if not present:
        with st.sidebar:
            picture_export(pc, last_filters)
    header(pc)
    return pc


def header(pc: PageContext) -> None:
    cols = st.columns([6, 2]) if not pc.present else st.columns([8, 2])
    with cols[0]:
        st.title(pc.title)
    with cols[1]:
        if data.is_demo():
            st.badge("演示数据", icon=":material/science:", color="orange")
        if pc.scope.counties is not None:
            names = data.regions(pc.scope)["name"].tolist()
            st.badge(f"范围：{'、'.join(names) or '无'}", color="blue")
    st.session_state["_filters_desc"] = "无"
    if pc.present:
        # The stamp every picture and projector view carries; the filters are filled in when the page knows them
        # (set_filters_desc). The container key gives the element a class the capture reads the stamp from.
        slot = st.container(key=STAMP_KEY).empty()
        st.session_state["_stamp_slot"] = (slot, pc)
        _draw_stamp(slot, pc)
    else:
        st.session_state["_stamp_slot"] = None
        fr = data.freshness()
        last = fr["last_load"].strftime("%Y-%m-%d %H:%M") if fr["last_load"] else "无"
        st.caption(f"数据截至 {pc.as_of:%Y年%m月%d日}（台账最新记录 {fr['data_as_of'] or '—'}），最近导入 {last}"
                   f"　｜　{data.scope_name()}　｜　内部资料 注意保密")
    for w in pc.context.calendar_warnings:
        st.warning(w, icon=":material/event_busy:")


STAMP_KEY = "huxin_stamp"


def stamp_line(pc: PageContext, filters: str | None = None) -> str:
    """数据截至｜筛选条件｜范围｜内部资料 — the presentation-mode stamp (and so the text under every picture)."""
    fr = data.freshness()
    filters = filters if filters is not None else (st.session_state.get("_filters_desc") or "无")
    scope = "　".join(x for x in (data.scope_name(), pc.scope.label or pc.user.role_label) if x)
    if pc.scope.unmask:
        scope += "（含未脱敏个人信息）"
    return "　｜　".join((f"数据截至 {pc.as_of:%Y年%m月%d日}（台账最新记录 {fr['data_as_of'] or '—'}）",
                        f"筛选条件：{filters}", f"范围：{scope}", CONFIDENTIAL))


def _draw_stamp(slot: Any, pc: PageContext) -> None:
    slot.caption(escape_markdown(stamp_line(pc)))  # filters may quote ledger text or a search string: literal


def set_filters_desc(text: str) -> None:
    """Pages call this once their filters are known (e.g. 「统计期间：本次行动；排序：得分」). The text goes into the
    presentation-mode stamp — so into every picture of the page — and into the picture's audit record. Plain text;
    shown literally. Default 「无」."""
    st.session_state["_filters_desc"] = (text or "").strip() or "无"
    held = st.session_state.get("_stamp_slot")
    if held:
        _draw_stamp(*held)


def picture_export(pc: PageContext, filters: str = "无") -> None:
    """「导出本页图片」: the server renders this page as this session shows it (URL parameters, filter widgets, week,
    role/county, masking) in presentation mode in headless Chromium; the PNG is offered for download with the stamp
    band, and the download is written to the audit log. Lives in the sidebar, so every page has it."""
    from huxin import snapshot

    slot = f"_png_{pc.key}"
    # a picture made for other parameters (another 数据截至, week, unmask choice) is not offered any more
    finger = json.dumps([str(pc.as_of), pc.scope.unmask, sorted(st.query_params.to_dict().items())],
                        ensure_ascii=False)
    if st.button("导出本页图片", key=f"png_make_{pc.key}", icon=":material/photo_camera:", width="stretch",
                 help="由服务器以演示模式（1920×1080）按当前筛选条件重新绘制本页，生成 PNG 图片，"
                      "图片下方注明数据截至、筛选条件、范围和「内部资料 注意保密」，可直接插入 Word 或幻灯片。"):
        st.session_state.pop(slot, None)
        with st.spinner("正在生成图片（约 10–30 秒）…"):
            try:
                shot = snapshot.capture_session_page(pc)
            except snapshot.SnapshotError as e:
                st.error(str(e), icon=":material/error:")
                shot = None
        if shot is not None:
            log = {"user": pc.user.name, "role": pc.user.role, "page": pc.key, "format": "png",
                   "as_of": str(pc.as_of), "filters": filters, "scope": pc.scope.label or "全部",
                   "unmasked": pc.scope.unmask, "stamp": shot.stamp, "size": f"{shot.width}x{shot.height}"}
            st.session_state[slot] = {"png": shot.png, "finger": finger, "log": log,
                                      "made": dt.datetime.now().strftime("%H:%M:%S"), "problems": shot.problems}
    made = st.session_state.get(slot)
    if made and made["finger"] == finger:
        for p in made["problems"]:
            st.warning(escape_markdown(f"图片中的页面有提示：{p[:200]}"), icon=":material/warning:")
        st.download_button("下载图片（PNG）", made["png"], file_name=f"{pc.title}_{pc.as_of:%Y%m%d}.png",
                           mime="image/png", key=f"png_dl_{pc.key}", on_click=log_export, kwargs=made["log"],
                           icon=":material/download:", type="primary", width="stretch")
        st.caption(f"图片生成于 {made['made']}；筛选条件改变后请重新生成。")


def fmt_rate(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and pd.isna(x)) else f"{x:.1%}"


def fmt_wan(x: Any) -> str:
    """元 -> 万元 text."""
    return "—" if x is None or pd.isna(x) else f"{x / 10000:,.1f} 万元"


def delta(now: float | None, before: float | None, pct: bool = False) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    d = now - before
    return f"{d:+.1%}" if pct else f"{d:+,.0f}"


def download_table(pc: PageContext, name: str, df: pd.DataFrame, filters: str = "无", key: str | None = None,
                   sheets: dict[str, pd.DataFrame] | None = None) -> None:
    """Excel and CSV downloads with the stamp; each export is written to the audit log."""
    if pc.present:
        return
    stamp = pc.stamp(filters, title=name)
    c1, c2 = st.columns(2)
    k = key or name
    # The files are built only when a button is clicked (a callable as data): building the workbook on every run
    # was most of a warm page run at province scale (bench/RESULTS.md).
    tables = sheets or {name: df}
    log = {"user": pc.user.name, "role": pc.user.role, "page": pc.key, "table": name, "as_of": str(pc.as_of),
           "filters": filters, "scope": pc.scope.label or "全部", "rows": len(df), "unmasked": pc.scope.unmask}
    c1.download_button("导出 Excel", lambda: to_excel(tables, stamp), file_name=f"{name}_{pc.as_of:%Y%m%d}.xlsx", key=f"x_{k}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click=log_export, kwargs={**log, "format": "xlsx"}, icon=":material/table_view:")
    c2.download_button("导出 CSV", lambda: to_csv(df, stamp), file_name=f"{name}_{pc.as_of:%Y%m%d}.csv", key=f"c_{k}",
                       mime="text/csv", on_click=log_export, kwargs={**log, "format": "csv"},
                       icon=":material/download:")


def log_export(user: str, **fields: Any) -> None:
    """Download-button callback: who exported what, with which scope and filters."""
    audit.audit("export", user, **fields)
