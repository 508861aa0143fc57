"""周调度: the page county and city leaders look at in the weekly scheduling meeting, and the 通报 sent afterwards.

Week W (Monday–Sunday) against week W−1. ``?week=2026-11-16`` selects the week (a screenshot job can use it with
``?mode=present``). Every number comes from huxin.briefing.weekly_summary, the same dict the Word/Excel exports and
the ``report`` CLI use. Ledger text (employer and project names) is shown only through st.dataframe / st.table.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import streamlit as st

from huxin import briefing as B
from huxin import docx_report, ui, webchart
from huxin.charts import weekly as WC
from huxin.exports import to_excel
from huxin.vocab import LEVEL_COLORS

ctx = ui.page("weekly", "周调度")
present = ctx.present

PAGE_CSS = """
<style>
[data-testid="stTable"] td, [data-testid="stTable"] th {font-size: 1.05rem; padding: 0.35rem 0.6rem;}
[data-testid="stText"] {font-size: 1.05rem; line-height: 1.9;}
</style>
"""
PRESENT_PAGE_CSS = """
<style>
[data-testid="stTable"] td, [data-testid="stTable"] th {padding: 0.3rem 0.5rem;}
[data-testid="stTable"] p {font-size: 1.25rem !important; line-height: 1.35;}
.st-key-present_county td p {white-space: nowrap !important;}
[data-testid="stText"] {font-size: 1.3rem !important; line-height: 1.8;}
h1 {font-size: 2.6rem !important; padding-bottom: 0.2rem;}
h3 {font-size: 1.7rem !important;}
</style>
"""
st.markdown(PRESENT_PAGE_CSS if present else PAGE_CSS, unsafe_allow_html=True)  # our CSS only, no data


# st.table renders each cell as Markdown (bold, links, autolinked URLs, $math$, :colour[...]), so ledger text shown
# there is made literal: every ASCII punctuation backslash-escaped, and an invisible word joiner put before . : @ so
# GFM autolinks (www.x.com, http://, a@b.com) cannot form. (st.dataframe shows text as it is and needs none of this.)
_WJ = "\u2060"


def md_literal(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    s = re.sub(r"([:@.])", _WJ + r"\1", v.replace("\r", " ").replace("\n", " "))
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", s)


# --- Week ----------------------------------------------------------------------------------------
options = B.week_options(ctx.as_of)
asked = B.parse_week(st.query_params.get("week"))
default = options[0]
if st.query_params.get("week") and asked is None:
    st.warning(f"网址中的 week 参数不是日期（{st.query_params.get('week')}），已显示数据截至日所在周。")
elif asked is not None and asked > options[0]:
    st.warning(f"所选周（{asked:%Y-%m-%d} 起）晚于数据截至日期 {ctx.as_of:%Y-%m-%d}，已显示数据截至日所在周。")
elif asked is not None:
    if asked not in options:
        options.append(asked)
        options.sort(reverse=True)
    default = asked


def _week_changed() -> None:
    # keep the URL in step with the picker so the address can be shared or used by a screenshot job
    st.query_params["week"] = st.session_state["weekly_week"].isoformat()


if present:
    monday = default
else:
    if st.session_state.get("weekly_week") not in options or (asked is not None and asked != st.session_state.get(
            "weekly_week")):
        st.session_state["weekly_week"] = default
    monday = st.selectbox("调度周（周一至周日）", options, key="weekly_week", format_func=B.week_label,
                          on_change=_week_changed,
                          help="与上一周（W−1）对比。本周未结束时，按「数据截至」日期统计到当天。")

try:
    summary = B.weekly_summary(ctx.scope, monday, ctx.as_of)
except ValueError as e:
    st.error(str(e))
    st.stop()
end: dt.date = summary["as_of"]
ui.set_filters_desc(f"调度周：{B.week_label(monday)}")  # shown in the picture stamp (导出本页图片)
sunday: dt.date = summary["week_sunday"]
st.caption(
    f"本周 {monday:%m月%d日}（周一）至 {sunday:%m月%d日}（周日）"
    + (f"，统计至 {end:%m月%d日}（周{B.WEEKDAYS[end.weekday()]}，本周尚未结束）" if summary["partial"] else "")
    + f"；对比上周 {summary['prev_monday']:%m月%d日} 至 {summary['prev_sunday']:%m月%d日}。"
    + "　新增线索、办结、办结率按本周受理的线索计；超期未办结、存量为周末（统计日）时点数。")


# --- Week-over-week indicators -------------------------------------------------------------------
def _value(k: dict[str, Any], v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if k["kind"] == "rate":
        return f"{v:.1%}"
    if k["kind"] == "money":
        return f"{v / 10000:,.1f}"
    return f"{int(v):,}"


def _delta(k: dict[str, Any]) -> str | None:
    d = k["delta"]
    if d is None or (isinstance(d, float) and pd.isna(d)):
        return None
    if k["kind"] == "rate":
        return f"{d * 100:+.1f} 个百分点"
    if k["kind"] == "money":
        return f"{d / 10000:+,.1f} 万元"
    return f"{int(d):+,} {k['unit']}"


COLOR = {"up": "normal", "down": "inverse", None: "off"}
kp = summary["kpis"]
rows = [kp] if present else [kp[:4], kp[4:]]
for row in rows:
    cols = st.columns(len(row))
    for col, k in zip(cols, row, strict=True):
        label = k["label"] + ("（万元）" if k["kind"] == "money" else "")
        if present and k["kind"] == "money":
            label = "追回(万元)"  # eight metrics in one row: the full label would be cut
        flat = k["delta"] is not None and not pd.isna(k["delta"]) and abs(k["delta"]) < 1e-9
        col.metric(label, _value(k, k["now"]), delta="持平" if flat else _delta(k),
                   delta_color="off" if flat else COLOR[k["better"]], delta_arrow="off" if flat else "auto",
                   help=f"上周：{_value(k, k['before'])}" + ("（万元）" if k["kind"] == "money" else ""))


# --- County table --------------------------------------------------------------------------------
def _rate(v: Any) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.1%}"


def _level_css(v: Any) -> str:
    if v in LEVEL_COLORS:
        fg = "#000000" if v == "黄" else "#ffffff"
        return f"background-color: {LEVEL_COLORS[v]}; color: {fg}; font-weight: 700; text-align: center"
    return ""


def _change_css(v: Any) -> str:
    s = str(v)
    return "color: #1a7f37; font-weight: 700" if s.startswith("↑") else (
        "color: #c00000; font-weight: 700" if s.startswith("↓") else "")


def _overdue_css(v: Any) -> str:
    return "background-color: #fde0dd; color: #a50f15; font-weight: 700" if v and v > 0 else ""


def county_styler(df: pd.DataFrame, drop: tuple[str, ...] = ()) -> Any:
    last = df["备注"].eq("末位")
    shown = df.drop(columns=["名次变化数", *drop])
    sty = (shown.style.hide(axis="index")
           .format({c: f for c, f in (("办结率", _rate), ("按期办结率", _rate), ("得分", "{:.1f}"))
                    if c in shown.columns}, na_rep="—")
           .map(_level_css, subset=["预警"]).map(_change_css, subset=["名次变化"])
           .map(_overdue_css, subset=["超期未办结"])
           .apply(lambda r: ["font-weight: 700; color: #c00000" if last[r.name] and c not in ("预警",) else ""
                             for c in r.index], axis=1))
    return sty


table_rows = B.county_rows(summary)
own = summary["own_codes"]


def county_section() -> None:
    st.subheader("各县区本周情况（按得分排名）")
    if table_rows.empty:
        st.info("没有县区数据。")
        return
    big = len(table_rows) > B.TABLE_MAX_COLOURED
    if present:
        # the projector version: fewer columns, 末位 written into the name, no wrapping; a province or the country
        # shows its first and last few counties (who leads, who is late) — the page has them all
        slim = table_rows.assign(区县=[md_literal(n) + ("（末位）" if m == "末位" else "") for n, m in
                                      zip(table_rows["区县"], table_rows["备注"], strict=True)])
        if big:
            slim = pd.concat([slim.head(B.PRESENT_ENDS), slim.tail(B.PRESENT_ENDS)])
        with st.container(key="present_county"):  # the key gives the CSS class that keeps its rows on one line
            st.table(county_styler(slim, drop=("按期办结率", "备注")))
        if big:
            st.caption(f"共 {len(table_rows):,} 个县区，表中为排名前 {B.PRESENT_ENDS} 位和后 {B.PRESENT_ENDS} 位。")
    else:
        config = {"排名": st.column_config.NumberColumn(width="small"),
                  "得分": st.column_config.NumberColumn(format="%.1f"),
                  "备注": st.column_config.TextColumn(help="末位：本周得分最低")}
        if big:
            # colouring thousands of rows cell by cell (Styler) costs seconds per run: plain values, scrolling
            plain = table_rows.drop(columns=["名次变化数"]).assign(
                办结率=table_rows["办结率"].map(_rate), 按期办结率=table_rows["按期办结率"].map(_rate))
            st.dataframe(plain, hide_index=True, key="county_table", placeholder="—", height=35 * 21 + 3,
                         column_config=config)
        else:
            st.dataframe(county_styler(table_rows), hide_index=True, key="county_table", placeholder="—",
                         height=35 * (len(table_rows) + 1) + 3,  # every county visible, no scrolling
                         column_config=config)
        last = table_rows[table_rows["备注"] == "末位"]["区县"].tolist()
        st.caption("得分：考核口径满分 100 分（办结率 30、按期办结率 20、超期未办结 15、存量清零进度 15、制度落实率 10、"
                   "重复反映率 10）；名次变化与上周对比，↑ 上升、↓ 下降。"
                   + (f"末位：{'、'.join(last)}。" if last else "")
                   + ("　县区用户可见全市排名，但只能查看本县区明细。" if own is not None else ""))


# --- Key matters ---------------------------------------------------------------------------------
km_all = B.key_matter_rows(summary)
counts = B.matter_counts(summary)
MATTER_CONFIG = {
    "金额（万元）": st.column_config.NumberColumn(format="%.2f"),
    "涉及人数": st.column_config.NumberColumn(format="%d"),
    "办结时限": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "剩余工作日": st.column_config.NumberColumn(format="%d", help="数据截至日到办结时限的工作日数，负数为已超期"),
    "名称": st.column_config.TextColumn(width="medium"),
    "督办级别/预警": st.column_config.TextColumn(width="medium"),
}


def matters_section() -> None:
    st.subheader("重点督办事项")
    large = f"{summary['large_workers']} 人以上或 {summary['large_amount'] / 10000:g} 万元以上"
    if present:
        brief = B.key_matter_rows(summary, briefing_only=True)
        shown = brief.head(10)[["区县", "名称", "督办级别/预警", "金额（万元）", "涉及人数", "本周变化"]]
        for col in ("区县", "名称", "督办级别/预警", "本周变化"):
            shown = shown.assign(**{col: shown[col].map(md_literal)})
        c = st.columns(3)
        c[0].metric("本周新增重大事项", f"{counts['new_large']}", help=large)
        c[1].metric("挂牌督办/包案/专案组", f"{counts['supervised']}")
        c[2].metric("红色预警线索/项目", f"{counts['red_clues']}/{counts['red_projects']}")
        if shown.empty:
            st.text("本周无重点督办事项。")
        else:
            st.table(shown.style.hide(axis="index").format({"金额（万元）": "{:.1f}", "涉及人数": "{:.0f}"},
                                                           na_rep="—"))
            if len(brief) > len(shown):
                st.caption(f"另有 {len(brief) - len(shown)} 项见导出的通报。")
        return
    c = st.columns(5)
    c[0].metric("重点事项合计", f"{counts['total']}")
    c[1].metric("本周新增重大事项", f"{counts['new_large']}", help=f"本周新增、涉及 {large} 的案件和线索")
    c[2].metric("挂牌督办/包案/专案组", f"{counts['supervised']}")
    c[3].metric("红色预警线索", f"{counts['red_clues']}")
    c[4].metric("红色预警项目", f"{counts['red_projects']}")
    new_large = km_all[km_all["本周新增重大"] == "是"]
    if not new_large.empty:
        more = f"，表中列出前 {B.MATTERS_SHOWN:,} 项，全部见导出的 Excel" if len(new_large) > B.MATTERS_SHOWN else ""
        st.markdown(f"**本周新增重大事项**（{large}；共 {len(new_large):,} 项{more}）")
        st.dataframe(new_large.drop(columns=["本周新增重大"]).head(B.MATTERS_SHOWN), hide_index=True,
                     column_config=MATTER_CONFIG, placeholder="—",
                     key="km_new_table", height=min(35 * (min(len(new_large), B.MATTERS_SHOWN) + 1) + 3, 420))
    kinds = st.pills("类别", ["案件", "线索", "项目"], selection_mode="multi", default=["案件", "线索", "项目"],
                     key="km_kinds")
    view = km_all[km_all["类别"].isin(kinds or [])]
    # A province or the whole country has tens of thousands of red clues: the page lists the first B.MATTERS_SHOWN
    # in the table's order (new large first, then cases, clues, projects by amount) and the Excel export has them all.
    st.dataframe(view.head(B.MATTERS_SHOWN), hide_index=True, column_config=MATTER_CONFIG, key="km_table",
                 height=420, placeholder="—")
    shown = "" if len(view) <= B.MATTERS_SHOWN else f"表中列出前 {B.MATTERS_SHOWN:,} 项（按上述顺序），全部见导出的 Excel；"
    st.caption(f"共 {len(view):,} 项：挂牌督办、领导包案、专案组的在办案件，本周新立的重大案件，以及全部红色预警的线索和"
               f"项目，本周新增重大的在前，其余按案件、线索、项目和金额排序；{shown}「本周变化」与上周末比较"
               "（案件阶段以本周一前最后一次导入的台账为准，此前未导入过的案件显示「—」）。")


# --- Charts ----------------------------------------------------------------------------------------
figs = B.weekly_chart_json(ctx.scope, monday, ctx.as_of, present)
PLOT_CONFIG = {"displaylogo": False,
               "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"周调度_{monday:%Y%m%d}"}}


def chart(i: int) -> None:
    name, fig = figs[i]
    webchart.chart(fig, key=f"chart_{i}", config={**PLOT_CONFIG, "toImageButtonOptions": {
        **PLOT_CONFIG["toImageButtonOptions"], "filename": f"{name}_{monday:%Y%m%d}"}})


# --- The 通报 text ----------------------------------------------------------------------------------
auto_text = B.briefing_text(summary)
text_key = f"briefing_{monday:%Y%m%d}_{end:%Y%m%d}_{ctx.scope.label}_{ctx.scope.unmask}"


def _reset_text() -> None:
    st.session_state[text_key] = auto_text


def text_section() -> str:
    st.subheader("本周通报")
    if present:
        st.text(st.session_state.get(text_key, auto_text))
        return st.session_state.get(text_key, auto_text)
    if text_key not in st.session_state:
        st.session_state[text_key] = auto_text
    text = st.text_area("通报正文（根据本周数据自动生成，可修改后导出）", key=text_key, height=320)
    st.button("恢复自动生成的文本", on_click=_reset_text, key="briefing_reset", icon=":material/restart_alt:")
    return text


# --- Layout ----------------------------------------------------------------------------------------
if present:
    left, right = st.columns([3, 2], gap="medium")
    with left:
        county_section()
    with right:
        chart(1)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        matters_section()
    with right:
        chart(0)
    text = text_section()
else:
    county_section()
    c1, c2 = st.columns(2)
    with c1:
        chart(0)
    with c2:
        chart(1)
    matters_section()
    text = text_section()


# --- Exports ---------------------------------------------------------------------------------------
if not present:
    st.subheader("导出")
    title = f"{summary['area_name']}根治欠薪工作周调度通报"
    stamp = docx_report.week_stamp(summary, ctx.scope.label or ctx.user.role_label, title=title)
    filters = docx_report.week_filters(summary)
    log = {"user": ctx.user.name, "role": ctx.user.role, "page": ctx.key, "as_of": str(end), "filters": filters,
           "scope": ctx.scope.label or "全部", "unmasked": ctx.scope.unmask}
    export_summary, export_text = summary, text
    stem = f"周调度通报_{monday:%Y%m%d}"

    def make_docx() -> bytes:
        # runs on click, in a worker thread: only the values captured here, no Streamlit calls
        pngs, note = docx_report.chart_images(export_summary)
        return docx_report.weekly_docx(export_summary, export_text, stamp, pngs, note)

    def make_xlsx() -> bytes:
        return to_excel(B.export_sheets(export_summary, export_text), stamp)

    def make_png(i: int) -> Any:
        def build() -> bytes:
            from huxin import static_images
            _, f = WC.weekly_figures(export_summary)[i]
            try:
                return static_images.figure_to_png(f, width=1400)
            except static_images.StaticImageError as e:
                # the download still succeeds, with the reason as a text file the user can read
                return str(e).encode("utf-8")
        return build

    c = st.columns(4)
    c[0].download_button("Word 通报（.docx）", make_docx, file_name=f"{stem}.docx", key="dl_docx",
                         mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         on_click=ui.log_export, kwargs={**log, "table": "周调度通报", "format": "docx",
                                                         "rows": len(table_rows)},
                         icon=":material/description:", type="primary")
    c[1].download_button("Excel 表格（.xlsx）", make_xlsx, file_name=f"{stem}.xlsx", key="dl_xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         on_click=ui.log_export, kwargs={**log, "table": "周调度表格", "format": "xlsx",
                                                         "rows": len(table_rows) + len(km_all)},
                         icon=":material/table_view:")
    for j, (name, _) in enumerate(figs):
        c[2 + j].download_button(f"图表 PNG：{name}", make_png(j), file_name=f"{name}_{monday:%Y%m%d}.png",
                                 mime="image/png", key=f"dl_png_{j}", on_click=ui.log_export,
                                 kwargs={**log, "table": name, "format": "png", "rows": len(table_rows)},
                                 icon=":material/image:")
    st.caption("导出文件均标注数据截至日期、统计周次与范围和「内部资料 注意保密」，个人信息已脱敏；Word 和 PNG 由服务器上的"
               "浏览器离线生成图表，约需十余秒。图表右上角的相机按钮也可直接保存 PNG。")
