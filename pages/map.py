"""预警地图: where the trouble is, at a glance — on the county polygons themselves.

No tiles and no outside request (government intranets): the county boundaries bundled with the app are the base map.
A city's or a province's map is a plotly chart (SVG, drawn by huxin.webchart; huxin.mapkind says why and when); the
country's, or any map with the heat layer, is a deck.gl deck whose counties are a static file (huxin.geoserve). Both
are built by huxin.charts.maps. Choosing a county or a project (on the map or in the lists below it) links to its
drill-down.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from huxin import auth, data, geoserve, ui, webchart
from huxin import mapview as MV
from huxin.charts import maps as M
from huxin.exports import stamp_lines
from huxin.static_images import StaticImageError
from huxin.vocab import INVESTMENT_LABEL, LEVELS, SAFEGUARDS, SECTORS

ctx = ui.page("map", "预警地图")
ss = st.session_state
present = ctx.present
DRILL_OK = ((Path(__file__).resolve().parent / "drill.py").exists()
            and "drill" in auth.pages_for(ctx.user.role))
HEAT_DAYS = MV.HEAT_DAYS
MAX_PICK = 2000  # projects offered in the picker (most severe first)
# the plotly map: the wheel zooms, dragging pans; the camera button saves the map as drawn (offline, in the browser)
MAP_CONFIG = {"scrollZoom": True, "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
              "toImageButtonOptions": {"filename": "预警地图", "scale": 2}}

# --- Controls -------------------------------------------------------------------------------------------
default_period = (dt.date(ctx.as_of.year, 1, 1), ctx.as_of)
period_key = f"map_period_{ctx.as_of}"  # a new 数据截至 date gets a fresh range (its end may not exceed it)
if present:  # no widgets on the projector: last choices of this session, else defaults
    color_by = ss.get("map_color_by", "level")
    show_points = ss.get("map_points", True)
    size_by = ss.get("map_size_by", "workers_on_site")
    show_heat = ss.get("map_heat", False)
    levels, sectors, inv = ss.get("map_levels", []), ss.get("map_sectors", []), ss.get("map_inv", [])
    missing = ss.get("map_missing")
    period = ss.get(period_key, default_period)
else:
    c = st.columns([2, 1.2, 1.6, 1.6])
    color_by = c[0].selectbox("区县着色", list(M.COLOR_BY), format_func=M.COLOR_BY.__getitem__, key="map_color_by",
                              help="区县指标按全部线索、案件计算（不受下方项目筛选影响）")
    show_points = c[1].toggle("显示项目点", value=True, key="map_points")
    size_by = c[2].selectbox("项目点大小", list(M.SIZE_BY), format_func=M.SIZE_BY.__getitem__, key="map_size_by",
                             disabled=not show_points)
    show_heat = c[3].toggle(f"近 {HEAT_DAYS} 天线索热力", value=False, key="map_heat",
                            help="截止日前 30 天受理的线索：有项目坐标的落在项目上，其余落在所属区县")
    with st.expander("筛选", expanded=False, icon=":material/filter_alt:"):
        f = st.columns(5)
        levels = f[0].multiselect("预警等级", list(LEVELS), format_func=lambda x: M.LEVEL_LABEL[x], key="map_levels",
                                  help="项目点按项目预警等级筛选；按预警等级着色时，其他等级的区县淡显")
        sectors = f[1].multiselect("行业主管部门", list(SECTORS), key="map_sectors")
        inv = f[2].multiselect("投资类型", list(INVESTMENT_LABEL), format_func=INVESTMENT_LABEL.__getitem__,
                               key="map_inv")
        missing = f[3].selectbox("缺失制度", [None, *SAFEGUARDS],
                                 format_func=lambda k: "不限" if k is None else SAFEGUARDS[k], key="map_missing")
        period = f[4].date_input("统计期间", value=default_period, max_value=ctx.as_of, key=period_key,
                                 format="YYYY-MM-DD",
                                 help="受理、办结率等按此期间统计；结束日即地图的计算日（不晚于侧栏的数据截至日）")
start, end = (period[0], period[1]) if isinstance(period, tuple | list) and len(period) == 2 else default_period
start = min(start, end)

filters = data.Filters(levels=tuple(levels), sectors=tuple(sectors), investment_types=tuple(inv),
                       missing_safeguard=missing)
filter_text = "；".join(x for x in (f"区县着色：{M.COLOR_BY[color_by]}",
                                     f"统计期间：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}",
                                     "" if filters.describe() == "无" else f"项目：{filters.describe()}") if x)
ui.set_filters_desc(filter_text)  # shown in the picture stamp (导出本页图片)

# --- Data ---------------------------------------------------------------------------------------------
md = MV.map_data(ctx.scope, present, start, end, color_by, filters, show_points, size_by, show_heat,
                 ctx.rules.target_closure_rate, st.get_option("server.baseUrlPath") or "")
codes, bounds, view, height = md.codes, md.bounds, md.view, md.height
if not codes:
    st.info("当前范围内没有区县边界数据。请确认数据库已按地市或省初始化（python -m etl init）。")
    st.stop()
table, values, classes, geo_name, pv = md.table, md.values, md.classes, md.geo_name, md.projects
spec, n_points, n_heat = md.spec, md.n_points, md.n_heat
dropped = pv.dropped if show_points else 0

# --- Map and legend -------------------------------------------------------------------------------------
if end != ctx.as_of:
    st.caption(f"地图按 {end:%Y年%m月%d日} 计算（统计期间的结束日）。")
left, right = st.columns([5, 1.3] if not present else [6, 1.2])
with left:
    if md.plot:  # a city or a province: plotly.js, SVG (huxin.mapkind says why)
        pick = webchart.chart(md.plot, key="map_plot", config=MAP_CONFIG, selectable=True)
        event = None
    else:
        pick = None
        event = st.pydeck_chart(M.PrebuiltDeck(spec, M.TOOLTIP), on_select="rerun", selection_mode="single-object",
                                key="map_deck", height=height, width="stretch")
with right:
    note = "项目筛选不改变区县着色" if filters.describe() != "无" else ""
    st.markdown(M.legend_html(classes, note), unsafe_allow_html=True)  # our own labels and colours only
    if n_points:
        st.markdown(M.point_legend_html(f"项目点（{n_points:,} 个，按预警等级）"), unsafe_allow_html=True)
    if n_heat:
        st.caption(f"热力：近 {HEAT_DAYS} 天受理线索 {n_heat:,} 条")
if dropped:
    st.caption(f"项目较多，地图只画出风险最高的 {n_points:,} 个（另有 {dropped:,} 个未画出），"
               "请缩小范围或用筛选查看。")
n_outside, n_missing = pv.outside, pv.missing
if n_outside or n_missing:
    st.caption(f"未画出的项目：坐标不在所属区县内 {n_outside} 个，无坐标 {n_missing} 个（见下方「数据质量」）。")


# --- Selection -> drill-down ------------------------------------------------------------------------------
# a project can only be picked as a drawn point; the map carries its id as M.plain() made it (markup characters in
# full width, at most 60 characters), so the pick is looked up that way and the ledger's own id comes back
drawn_ids = ({M.plain(p, 60): p for p in pv.drawn["project_id"].astype(str)} if n_points else {})


def _selected(ev: object, pick: dict[str, str] | None) -> tuple[str | None, str | None]:
    """(county code, project id) picked on the map (the deck's selection event, or the plotly map's pick) —
    validated against what this user may see."""
    if pick:
        if pick["layer"] == "projects":
            return None, drawn_ids.get(pick["id"])
        return (pick["id"] if pick["layer"] == "counties" and pick["id"] in codes else None), None
    try:
        objs = ev.selection["objects"]  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return None, None
    county = project = None
    for o in objs.get("counties") or []:
        c = str((o.get("properties") or {}).get("code", ""))
        county = c if c in codes else None
    for o in objs.get("projects") or []:
        p = str(o.get("project_id", ""))
        project = drawn_ids.get(p)
    return county, project


def drill_link(county: str | None, project: str | None, label: str) -> None:
    if not DRILL_OK:
        st.caption("区域钻取页面暂不可用。")
        return
    q = {"as_of": end.isoformat()}
    if county:
        q["county"] = county
    if project:
        q["project"] = project
    st.page_link("pages/drill.py", label=label, icon=":material/account_tree:", query_params=q)


names = dict(zip(table["code"].astype(str), table["name"], strict=True)) if not table.empty else {}
sel_county, sel_project = _selected(event, pick)
if sel_project:
    row = pv.drawn[pv.drawn["project_id"] == sel_project].iloc[0]
    with st.container(border=True):
        st.text(f"已选中项目：{row['name']}（{sel_project}），{row['county_name']}")  # ledger text: plain st.text
        drill_link(str(row["county_code"]), sel_project, "查看该项目的线索与案件")
elif sel_county:
    r = table[table["code"].astype(str) == sel_county]
    with st.container(border=True):
        lvl = r["warning_level"].iloc[0] if not r.empty else None
        st.text(f"已选中区县：{names.get(sel_county, sel_county)}（{M.LEVEL_LABEL.get(lvl, '无预警')}）")
        drill_link(sel_county, None, "进入该区县的区域钻取")

if present:
    st.stop()

# --- Lists under the map (the accessible path to the drill-down) -------------------------------------------
tab_p, tab_c, tab_q, tab_x = st.tabs(["项目清单", "区县指标", "数据质量", "导出地图图片"])

with tab_p:
    ordered = pv.listed  # most severe first, at most MV.MAX_LIST
    st.caption(f"符合筛选的在建项目 {pv.total:,} 个（按预警等级、欠薪金额排序）。筛选：{filters.describe()}")
    pnames = dict(zip(ordered["project_id"].head(MAX_PICK), ordered["name"].head(MAX_PICK), strict=True))
    pick = st.selectbox("选择项目查看详情", [None, *pnames], key="map_pick_project",
                        format_func=lambda p: "（请选择）" if p is None else f"{p} · {pnames.get(p, '')}",
                        help=f"按预警等级从高到低，最多列出 {MAX_PICK} 个项目；也可在地图上单击项目点")
    if pick:
        prow = ordered[ordered["project_id"] == pick].iloc[0]
        drill_link(str(prow["county_code"]), pick, "查看该项目的线索与案件")
    show = ordered.head(MV.MAX_LIST).assign(
        level=lambda d: d["warning_level"].map(lambda x: M.LEVEL_LABEL.get(x if x in M.LEVEL_HEX else None)),
        inv=lambda d: d["investment_type"].map(lambda x: INVESTMENT_LABEL.get(x, x)),
        owed_wan=lambda d: pd.to_numeric(d["amount_owed"], errors="coerce") / 10000,
        where=lambda d: d["location_status"].map(geoserve.LOCATION_LABEL),
    )
    cols = {"project_id": st.column_config.TextColumn("项目编号"), "name": st.column_config.TextColumn("项目名称"),
            "county_name": st.column_config.TextColumn("区县"), "level": st.column_config.TextColumn("预警"),
            "inv": st.column_config.TextColumn("投资类型"), "sector": st.column_config.TextColumn("主管部门"),
            "missing_safeguards": st.column_config.TextColumn("缺失制度"),
            "open_clues": st.column_config.NumberColumn("未办结线索", format="%d"),
            "owed_wan": st.column_config.NumberColumn("欠薪金额（万元）", format="%.1f"),
            "workers_on_site": st.column_config.NumberColumn("在场人数", format="%d"),
            "where": st.column_config.TextColumn("坐标")}
    st.dataframe(show[list(cols)], column_config=cols, hide_index=True, width="stretch", height=360)
    if pv.total > len(show):
        st.caption(f"表中只列出前 {len(show):,} 个项目（共 {pv.total:,} 个）。")
    # building the Excel file costs ~0.5 s per 1,000 rows on every rerun: only on request for long lists
    if len(show) <= 2000 or st.toggle(f"准备导出文件（{len(show):,} 行）", key="map_export_projects"):
        ui.download_table(ctx, "预警地图项目清单", show[list(cols)].rename(
            columns={k: v["label"] for k, v in cols.items()}), filter_text, key="map_projects")

with tab_c:
    pick_c = st.selectbox("选择区县进入钻取", [None, *codes], key="map_pick_county",
                          format_func=lambda c: "（请选择）" if c is None else names.get(c, c))
    if pick_c:
        drill_link(pick_c, None, "进入该区县的区域钻取")
    if not table.empty:
        ct = table.assign(level=table["warning_level"].map(lambda x: M.LEVEL_LABEL.get(x if x in M.LEVEL_HEX
                                                                                      else None)),
                          owed_wan=table["amount_owed"] / 10000)
        ccols = {"name": st.column_config.TextColumn("区县"), "level": st.column_config.TextColumn("预警"),
                 "warning_reasons": st.column_config.TextColumn("预警原因"),
                 "overdue_open": st.column_config.NumberColumn("超期未办结", format="%d"),
                 "open_stock": st.column_config.NumberColumn("存量（线索+案件）", format="%d"),
                 "closure_rate": st.column_config.ProgressColumn("办结率", format="percent", min_value=0,
                                                                max_value=1),
                 "owed_wan": st.column_config.NumberColumn("欠薪金额（万元）", format="%.1f"),
                 "score": st.column_config.NumberColumn("考核得分", format="%.1f"),
                 "rank": st.column_config.NumberColumn("排名", format="%d")}
        st.dataframe(ct.sort_values("rank")[list(ccols)], column_config=ccols, hide_index=True, width="stretch")
        st.caption("办结率为「—」表示统计期间内没有受理线索。")

with tab_q:
    bad = pv.problems
    st.caption("项目坐标按台账「坐标系」列（WGS-84 / GCJ-02 高德腾讯 / BD-09 百度）换算为 WGS-84 后，与所属区县边界核对"
               "（边界外约 100 米内视为在区县内）。不符的项目不画在地图上，请核实台账中的坐标或所属区县。")
    if bad.empty:
        st.success("所有有坐标的项目都落在所属区县内。", icon=":material/check_circle:")
    else:
        qcols = {"project_id": st.column_config.TextColumn("项目编号"),
                 "name": st.column_config.TextColumn("项目名称"),
                 "county_name": st.column_config.TextColumn("台账所属区县"),
                 "point_county_name": st.column_config.TextColumn("坐标所在区县"),
                 "lon_wgs84": st.column_config.NumberColumn("经度（WGS-84）", format="%.6f"),
                 "lat_wgs84": st.column_config.NumberColumn("纬度（WGS-84）", format="%.6f"),
                 "coord_system": st.column_config.TextColumn("原坐标系"),
                 "where": st.column_config.TextColumn("问题")}
        qshow = bad.assign(where=bad["location_status"].map(geoserve.LOCATION_LABEL),
                           point_county_name=bad["point_county_name"].fillna("不在任何区县内（经纬度是否填反？）"))
        st.dataframe(qshow[list(qcols)], column_config=qcols, hide_index=True, width="stretch")
        if pv.n_problems > len(qshow):
            st.caption(f"表中只列出前 {len(qshow):,} 个（共 {pv.n_problems:,} 个）。")
        if len(qshow) <= 2000 or st.toggle(f"准备导出文件（{len(qshow):,} 行）", key="map_export_quality"):
            ui.download_table(ctx, "坐标与所属区县不符的项目", qshow[list(qcols)].rename(
                columns={k: v["label"] for k, v in qcols.items()}), filter_text, key="map_quality")
    if n_missing:
        st.caption(f"另有 {n_missing} 个项目没有填写坐标，未画在地图上。")

with tab_x:
    st.caption("地图图片在服务器端绘制（不依赖浏览器截图和在线底图），带图例、标题和数据截至日期，可直接用于通报。")
    img_key = ("map_png", geo_name)
    if st.button("生成地图图片（PNG）", key="map_make_png", icon=":material/image:"):
        title = f"{data.scope_name()}欠薪预警地图（{M.COLOR_BY[color_by]}）"
        stamp = stamp_lines(end, filter_text, ctx.scope.label or ctx.user.role_label)
        shapes = data.region_shapes(ctx.scope)  # the polygons as stored (not the gapped display ones)
        fig = (M.map_image_figure(shapes, levels={c: values.get(c) for c in codes}, title=title, stamp=stamp)
               if color_by == "level" else
               M.map_image_figure(shapes, values={c: values.get(c) for c in codes}, title=title, stamp=stamp,
                                  color_by=color_by, target_rate=ctx.rules.target_closure_rate))
        try:
            with st.spinner("正在绘制地图图片…"):
                ss["map_png"] = (img_key, M.map_png(fig))
        except StaticImageError as e:
            st.error(str(e))
    got = ss.get("map_png")
    if got and got[0] == img_key:
        st.image(got[1], width="stretch")
        st.download_button("下载地图图片", got[1], file_name=f"预警地图_{end:%Y%m%d}.png", mime="image/png",
                           key="map_dl_png", icon=":material/download:", on_click=ui.log_export,
                           kwargs={"user": ctx.user.name, "role": ctx.user.role, "page": ctx.key,
                                   "table": "预警地图图片", "as_of": str(end), "filters": filter_text,
                                   "scope": ctx.scope.label or "全部", "rows": len(codes), "unmasked": False,
                                   "format": "png"})
