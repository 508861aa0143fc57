"""区域钻取: city → county → township → project → clue / case, and the employer view — down to the single record.

URL query parameters (all optional; the ranking and map pages link here with them, e.g.
``st.switch_page("pages/drill.py", query_params={"county": "410202"})``):

    county=410202        区县代码 (6 digits): that county's townships
    township=朱仙街道     乡镇（街道）name within the county; 「（未填乡镇）」 for records without one
    project=XM410202-0006 项目编号: the project with its safeguards, warning, clues and cases
    clue=BL12345-0009    线索编号: one clue's detail (timeline, verdict, repeat complaints, linked cases)
    case=AJ2026-000344   案件编号: one case's detail (stage, escalation, its clue)
    employer=9141…       统一社会信用代码 or 单位名称: every clue and case of that employer (repeat offenders)
    period=campaign|week|month|year|custom, from=YYYY-MM-DD   统计期间 of 受理/办结 (the ranking page passes its own)

Deeper parameters win: clue/case/employer show the record whatever the path; the breadcrumbs are then derived from
the record itself. The drill state lives in the URL (shareable, back button works); the filters live in the sidebar
(session state keys ``f_*``) and apply to every level, so the counts of a level add up to the level above.
Records are read through ctx.scope: a county user sees only their own county's records.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from huxin import data, ui, webchart
from huxin.charts import ranking as C
from huxin.vocab import (
    CASE_STAGE_LABEL,
    CLUE_SOURCES,
    CLUE_STATUS_LABEL,
    INDUSTRIES,
    INVESTMENT_LABEL,
    LEVEL_COLORS,
    LEVELS,
    PROJECT_STATUS_LABEL,
    SECTORS,
    SUPERVISION_LABEL,
    VERDICTS,
)

ctx = ui.page("drill", "区域钻取")
cfg = st.column_config
PARAMS = ("county", "township", "project", "clue", "case", "employer")
DEPTH = {"county": 0, "township": 1, "project": 2, "clue": 3, "case": 3, "employer": 4}
STATUS_OPTIONS = ("received", "in_progress", "closed")   # returned (退回) clues are in no indicator


# --- state -------------------------------------------------------------------------------------------------
def state() -> dict[str, str | None]:
    return {k: (st.query_params.get(k) or None) for k in PARAMS}


def navigate(params: dict[str, str | None]) -> None:
    """Show the level given by params: replaces every drill parameter, keeps the others (as_of, mode)."""
    for k in PARAMS:
        if params.get(k):
            st.query_params[k] = params[k]
        elif k in st.query_params:
            del st.query_params[k]


def below(s: dict[str, str | None], key: str, value: str) -> dict[str, str | None]:
    """The current path down to (not including) key's depth, then key=value."""
    out: dict[str, str | None] = {k: s[k] for k in PARAMS if DEPTH[k] < DEPTH[key] and s.get(k)}
    out[key] = value
    return out


def md_plain(text: Any) -> str:
    """Ledger text for a widget label (labels are Markdown): every Markdown/directive character escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])", r"\\\1", str(text))


# --- period and filters (sidebar) --------------------------------------------------------------------------
# A link's period (the ranking page passes its own) wins once, then the sidebar owns it: the parameters are consumed.
if st.query_params.get("period") in data.PERIODS:
    st.session_state["f_period"] = st.query_params["period"]
    if st.query_params["period"] == "custom":
        try:
            st.session_state["f_period_from"] = dt.date.fromisoformat(st.query_params.get("from", ""))
        except ValueError:
            st.session_state["f_period"] = "campaign"
for _k in ("period", "from"):
    if _k in st.query_params:
        del st.query_params[_k]
st.session_state.setdefault("f_period", "campaign")
st.session_state.setdefault("f_period_from", data.period_start("campaign", ctx.as_of))


def clear_filters() -> None:
    for k in list(st.session_state):
        if str(k).startswith("f_") and k not in ("f_period", "f_period_from"):
            del st.session_state[k]


def sidebar_filters() -> tuple[data.Filters, str, dt.date]:
    with st.sidebar:
        st.divider()
        kind = st.selectbox("统计期间（受理、办结）", list(data.PERIODS), format_func=data.PERIODS.get,
                            key="f_period", persist_state="session",
                            help="受理、办结、按期办结按此期间内受理的线索统计；未办结、超期、在办案件按数据截至日统计。")
        if kind == "custom":
            start = st.date_input("期间起始日", key="f_period_from", format="YYYY-MM-DD", persist_state="session")
        else:
            start = data.period_start(kind, ctx.as_of)
        search = st.text_input("搜索", key="f_search", persist_state="session",
                               placeholder="单位名称、项目名称、信用代码或编号",
                               help="在被反映单位、统一社会信用代码、项目名称、项目编号、线索编号、案件编号中查找")
        with st.expander("筛选条件", expanded=False):
            sources = st.multiselect("来源渠道", CLUE_SOURCES, key="f_sources", persist_state="session")
            industries = st.multiselect("行业", INDUSTRIES, key="f_industries", persist_state="session")
            statuses = st.multiselect("办理状态（截至当日）", STATUS_OPTIONS, format_func=CLUE_STATUS_LABEL.get,
                                      key="f_statuses", persist_state="session")
            levels = st.multiselect("预警等级", LEVELS, key="f_levels", persist_state="session",
                                    help="线索预警只对未办结线索有意义：选择后只保留相应等级的未办结线索")
            verdicts = st.multiselect("核处结论", VERDICTS, key="f_verdicts", persist_state="session")
            inv = st.multiselect("投资类型", list(INVESTMENT_LABEL), format_func=INVESTMENT_LABEL.get,
                                 key="f_investment_types", persist_state="session")
            sectors = st.multiselect("行业主管部门", SECTORS, key="f_sectors", persist_state="session")
            d_from = st.date_input("受理/立案日期自", value=None, key="f_date_from", format="YYYY-MM-DD",
                                   persist_state="session")
            d_to = st.date_input("受理/立案日期至", value=None, key="f_date_to", format="YYYY-MM-DD",
                                 persist_state="session")
            st.caption("来源、行业、状态、预警、结论作用于线索；案件随其来源线索筛选。")
        st.button("清除筛选", on_click=clear_filters, icon=":material/filter_alt_off:", key="clear_filters")
    f = data.Filters(sources=tuple(sources), industries=tuple(industries), statuses=tuple(statuses),
                     levels=tuple(levels), verdicts=tuple(verdicts), investment_types=tuple(inv),
                     sectors=tuple(sectors), date_from=d_from, date_to=d_to, search=(search or "").strip())
    return f, kind, start


filters, period_kind, start = sidebar_filters()
as_of = ctx.as_of
period_text = f"{data.PERIODS.get(period_kind, '')} {start:%Y-%m-%d} 至 {as_of:%Y-%m-%d}"
export_note = f"统计期间：{period_text}；{filters.describe()}"
ui.set_filters_desc(export_note)  # shown in the picture stamp (导出本页图片)


# --- formatting helpers ------------------------------------------------------------------------------------
def wan(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x) / 10000


def day(x: Any) -> dt.date | None:
    if x is None or x is pd.NaT or (not isinstance(x, dt.date) and pd.isna(x)):
        return None
    return pd.Timestamp(x).date()


def yes(v: Any) -> bool:
    """A nullable ledger yes/no (None / NA: not recorded, shown as no)."""
    return False if v is None or pd.isna(v) else bool(v)


def text(x: Any) -> str:
    return "" if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)


def auto_config(df: pd.DataFrame) -> dict[str, Any]:
    """Column types from the Chinese headers: 率 progress bars, 万元 amounts, dates, 预警 coloured labels."""
    conf: dict[str, Any] = {}
    for c in df.columns:
        if c.endswith("率"):
            conf[c] = cfg.ProgressColumn(c, format="percent", min_value=0.0, max_value=1.0)
        elif "万元" in c:
            conf[c] = cfg.NumberColumn(c, format="%,.2f")
        elif "日期" in c or c in ("应办结日", "办结时限", "清零期限"):
            conf[c] = cfg.DateColumn(c, format="YYYY-MM-DD")
        elif c in ("预警", "项目预警"):
            conf[c] = cfg.MultiselectColumn(c, options=list(LEVELS), color=[LEVEL_COLORS[x] for x in LEVELS])
        elif c.endswith("编号") or c == "区县代码":
            conf[c] = cfg.TextColumn(c, pinned=True)
    return conf


def table(name: str, df: pd.DataFrame, key: str, ids: list[str] | None = None,
          on_pick: Callable[[str], None] | None = None, height: int | None = None) -> None:
    """One level table: Streamlit column types, row selection opens the record (on_pick(ids[row])), Excel/CSV
    export with the stamp, the filters and the (already masked) data."""
    if df.empty:
        st.info("没有符合条件的记录。")
        return
    kwargs: dict[str, Any] = {}
    if on_pick is not None and ids is not None and not ctx.present:
        def picked() -> None:
            rows = st.session_state[key].selection.rows
            if rows:
                on_pick(ids[rows[0]])
        kwargs = {"on_select": picked, "selection_mode": "single-row", "key": key}
    st.dataframe(df, hide_index=True, column_config=auto_config(df), placeholder="—",
                 height=height or min(35 * (len(df) + 1) + 3, 563), **kwargs)
    ui.download_table(ctx, name, df, filters=export_note, key=key)


def chooser(label: str, options: list[str], names: dict[str, str], key: str, on_pick: Callable[[str], None]) -> None:
    """Keyboard/search-friendly way to open a row of the table above (the same as selecting the row)."""
    if ctx.present or not options:
        return

    def changed() -> None:
        v = st.session_state.get(key)
        if v:
            on_pick(v)

    st.selectbox(label, options, index=None, format_func=lambda o: names.get(o, o), key=key, on_change=changed,
                 placeholder="选择后进入下一级…")


def kpi_strip(row: pd.Series | dict) -> None:
    """The same eight figures at every level (huxin.data.drill_counts with by=None)."""
    m = st.columns(8)
    m[0].metric("受理线索", f"{int(row['received']):,}", help=f"统计期间 {period_text} 内受理")
    m[1].metric("已办结", f"{int(row['closed']):,}", help="统计期间内受理且截至当日已办结")
    m[2].metric("办结率", ui.fmt_rate(row["closure_rate"]),
                help=f"已办结 ÷ 受理（目标 ≥ {ctx.rules.target_closure_rate:.0%}）")
    m[3].metric("按期办结率", ui.fmt_rate(row["on_time_rate"]), help="按期办结 ÷ 已办结")
    m[4].metric("未办结线索", f"{int(row['open_clues']):,}", help="截至当日未办结（不论受理日期）")
    m[5].metric("超期未办结", f"{int(row['overdue_open']):,}")
    m[6].metric("在办案件", f"{int(row['open_cases']):,}")
    m[7].metric("未办结金额", f"{row['amount_open'] / 10000:,.1f} 万", help="未办结线索反映的欠薪金额（万元）")


def counts_frame(df: pd.DataFrame, name_label: str) -> pd.DataFrame:
    return pd.DataFrame({
        name_label: df["name"].map(text), "受理": df["received"], "已办结": df["closed"],
        "办结率": df["closure_rate"], "按期办结率": df["on_time_rate"], "未办结线索": df["open_clues"],
        "超期未办结": df["overdue_open"], "红色预警": df["red_open"], "在办案件": df["open_cases"],
        "未办结金额（万元）": df["amount_open"].map(wan), "涉及人数": df["workers"]})


def clue_frame(cl: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "线索编号": cl["clue_id"], "受理日期": cl["received_date"], "应办结日": cl["due_date"],
        "办结日期": cl["closed_date"], "状态": cl["status_at"], "超期工作日": cl["overdue_workdays"],
        "预警": cl["warning_level"].map(text), "预警原因": cl["warning_reasons"].map(text),
        "来源渠道": cl["source"].map(text), "行业": cl["industry"].map(text),
        "被反映单位": cl["employer"].map(text), "统一社会信用代码": cl["credit_code"].map(text),
        "项目名称": cl["project_name"].map(text), "乡镇": cl["township"].map(text), "区县": cl["county_name"].map(text),
        "涉及人数": cl["workers"], "涉及金额（万元）": cl["amount"].map(wan), "核处结论": cl["verdict"].map(text)})


def case_frame(ks: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "案件编号": ks["case_id"], "立案日期": ks["opened_date"],
        "阶段": [("已结案" if s == "closed" else CASE_STAGE_LABEL.get(s, text(s))) for s in ks["status_at"]],
        "督办级别": ks["supervision_level"].map(lambda v: SUPERVISION_LABEL.get(v, "") if isinstance(v, str) else ""),
        "包案领导": ks["leader"].map(text), "责任单位": ks["responsible_unit"].map(text),
        "办结时限": ks["due_date"], "结案日期": ks["closed_date"], "用人单位": ks["employer"].map(text),
        "项目名称": ks["project_name"].map(text), "欠薪人数": ks["workers"],
        "欠薪金额（万元）": ks["amount_owed"].map(wan), "已支付（万元）": ks["amount_paid"].map(wan),
        "移送公安": ks["police_referral"].map(lambda v: "是" if yes(v) else ""),
        "列入黑名单": ks["blacklisted"].map(lambda v: "是" if yes(v) else ""),
        "线索编号": ks["clue_id"].map(text), "区县": ks["county_name"].map(text)})


def employers_frame(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "被反映单位": df["employer"].map(text), "统一社会信用代码": df["credit_code"].map(text),
        "期间线索": df["clues"], "未办结": df["open_clues"], "涉及区县数": df["counties"],
        "涉及人数": df["workers"], "涉及金额（万元）": df["amount"].map(wan),
        "黑名单": df["blacklisted"].map(lambda v: "已列入" if yes(v) else "")})


def facts(rows: list[tuple[str, Any]]) -> None:
    """Field / value pairs of one record as a two-column table (plain text, never Markdown)."""
    st.dataframe(pd.DataFrame({"项目": [r[0] for r in rows], "内容": [text(r[1]) for r in rows]}),
                 hide_index=True, height=min(35 * (len(rows) + 1) + 3, 703))


# --- record views ------------------------------------------------------------------------------------------
def pick_clue(s: dict[str, str | None]) -> Callable[[str], None]:
    return lambda cid: navigate(below(s, "clue", cid))


def pick_case(s: dict[str, str | None]) -> Callable[[str], None]:
    return lambda kid: navigate(below(s, "case", kid))


def record_tabs(s: dict[str, str | None], cl: pd.DataFrame, ks: pd.DataFrame, prefix: str) -> None:
    t1, t2 = st.tabs([f"线索（{len(cl):,}）", f"案件（{len(ks):,}）"])
    with t1:
        table(f"{prefix}线索", clue_frame(cl), f"{prefix}_clues", cl["clue_id"].tolist(), pick_clue(s))
        chooser("打开线索", cl["clue_id"].tolist()[:2000], {}, f"go_clue_{prefix}", pick_clue(s))
    with t2:
        table(f"{prefix}案件", case_frame(ks), f"{prefix}_cases", ks["case_id"].tolist(), pick_case(s))
        chooser("打开案件", ks["case_id"].tolist()[:2000], {}, f"go_case_{prefix}", pick_case(s))


def clue_view(s: dict[str, str | None]) -> dict[str, str | None] | None:
    det = data.clue_detail(ctx.scope, s["clue"], as_of)
    if det is None:
        st.warning("没有找到该线索（编号不存在、不在您的查看范围内，或在数据截至日之后才受理）。")
        return None
    c = det["clue"]
    path = {"county": c["county_code"], "township": text(c["township"]) or data.UNSET_TOWNSHIP,
            "project": text(c["project_id"]) or None, "clue": c["clue_id"]}
    received, due, closed = day(c["received_date"]), day(c["due_date"]), day(c["closed_date"])
    st.subheader("线索详情")
    st.text(f"{c['clue_id']}　{text(c['employer'])}")
    m = st.columns(6)
    m[0].metric("状态", c["status_at"])
    m[1].metric("受理日期", f"{received:%Y-%m-%d}")
    n_days = ctx.rules.days_for_source(c["source"])
    m[2].metric("应办结日", f"{due:%Y-%m-%d}", help=f"受理后第 {n_days} 个工作日（法定节假日顺延，调休上班日计入）")
    m[3].metric("已用工作日", f"{c['workdays_taken']}", help="受理次日起至办结日（未办结则至数据截至日）的工作日数")
    m[4].metric("超期天数", f"{c['overdue_days']} 天",
                help="办结日（未办结则数据截至日）晚于应办结日的日历天数；0 表示未超期")
    m[5].metric("预警", text(c["warning_level"]) or "—")
    left, right = st.columns([3, 2])
    with left:
        webchart.chart(C.clue_timeline(c, as_of, present=ctx.present))
        steps = pd.DataFrame({
            "环节": ["受理", "应办结", "办结" if closed else "数据截至（未办结）", "已用工作日", "超期"],
            "日期": [received, due, closed or as_of, None, None],
            "说明": [text(c["source"]), f"受理后第 {n_days} 个工作日",
                   text(c["verdict"]) if closed else c["status_at"], f"{c['workdays_taken']} 个工作日",
                   f"{c['overdue_days']} 天（{c['overdue_workdays_final']} 个工作日）" if c["overdue_days"] else "未超期"]})
        st.dataframe(steps, hide_index=True, placeholder="",
                     column_config={"日期": cfg.DateColumn("日期", format="YYYY-MM-DD")})
    with right:
        facts([("线索编号", c["clue_id"]), ("来源渠道", c["source"]), ("区县", c["county_name"]),
               ("乡镇（街道）", c["township"]), ("行业", c["industry"]), ("被反映单位", c["employer"]),
               ("统一社会信用代码", c["credit_code"]), ("项目", text(c["project_id"]) + "　" + text(c["project_name"])),
               ("涉及人数", c["workers"]), ("涉及金额（元）", f"{c['amount']:,.0f}" if pd.notna(c["amount"]) else ""),
               ("核处结论", c["verdict"]), ("解决人数", c["resolved_workers"]),
               ("解决金额（元）", f"{c['resolved_amount']:,.0f}" if pd.notna(c["resolved_amount"]) else ""),
               ("反映人", c["complainant"]), ("联系电话", c["phone"]), ("身份证号", c["id_number"]),
               ("预警原因", c["warning_reasons"])])
    if not ctx.present:
        b = st.columns(3)
        key = text(c["credit_code"]) or text(c["employer"])
        if key:
            b[0].button("查看该单位全部线索和案件", icon=":material/domain:", key="clue_emp",
                        on_click=navigate, args=({**path, "employer": key},))
        if path["project"]:
            b[1].button("查看所属项目", icon=":material/construction:", key="clue_proj",
                        on_click=navigate, args=({k: path[k] for k in ("county", "township", "project")},))
    st.subheader("关联案件及督办")
    ks = det["cases"]
    table("关联案件", case_frame(ks), "clue_cases", ks["case_id"].tolist(), pick_case(path))
    st.subheader("重复反映：同一单位或项目的其他线索")
    others = []
    if key := (text(c["credit_code"]) or text(c["employer"])):
        others.append(data.employer_records(ctx.scope, key, as_of)["clues"])
    if path["project"]:
        others.append(data.drill_records(ctx.scope, as_of, data.NO_FILTERS, None, path["project"])["clues"])
    oc = pd.concat(others, ignore_index=True) if others else pd.DataFrame()
    if not oc.empty:
        oc = oc[oc["clue_id"] != c["clue_id"]].drop_duplicates("clue_id").sort_values("received_date",
                                                                                      ascending=False)
        st.caption(f"共 {len(oc)} 条；其中近 {ctx.rules.repeat_window_days} 天内受理 "
                   f"{int((pd.to_datetime(oc['received_date']).dt.date > as_of - dt.timedelta(days=ctx.rules.repeat_window_days)).sum())} 条。")
        table("同单位或项目的其他线索", clue_frame(oc), "clue_others", oc["clue_id"].tolist(), pick_clue(path))
    else:
        st.info("没有同一单位或项目的其他线索。")
    return path


def case_view(s: dict[str, str | None]) -> dict[str, str | None] | None:
    det = data.case_detail(ctx.scope, s["case"], as_of)
    if det is None:
        st.warning("没有找到该案件（编号不存在、不在您的查看范围内，或在数据截至日之后才立案）。")
        return None
    k, c = det["case"], det["clue"]
    township = text(c["township"]) if c else ""
    path = {"county": k["county_code"], "township": township or None, "project": text(k["project_id"]) or None,
            "case": k["case_id"]}
    st.subheader("案件详情")
    st.text(f"{k['case_id']}　{text(k['employer'])}")
    stage = "已结案" if k["status_at"] == "closed" else CASE_STAGE_LABEL.get(k["status_at"], text(k["status_at"]))
    m = st.columns(6)
    m[0].metric("阶段", stage)
    m[1].metric("督办级别", SUPERVISION_LABEL.get(k["supervision_level"], "—") if isinstance(k["supervision_level"], str)
                else "—")
    m[2].metric("欠薪金额", ui.fmt_wan(k["amount_owed"]))
    m[3].metric("已支付", ui.fmt_wan(k["amount_paid"]))
    due = day(k["due_date"])
    m[4].metric("办结时限", f"{due:%Y-%m-%d}" if due else "—")
    m[5].metric("剩余工作日", "—" if k["workdays_left"] is None or pd.isna(k["workdays_left"]) or not yes(k["is_open"])
                else f"{int(k['workdays_left'])}")
    facts([("案件编号", k["case_id"]), ("来源线索", k["clue_id"]), ("用人单位", k["employer"]),
           ("项目", text(k["project_id"]) + "　" + text(k["project_name"])), ("区县", k["county_name"]),
           ("立案日期", day(k["opened_date"])), ("欠薪人数", k["workers"]),
           ("欠薪金额（元）", f"{k['amount_owed']:,.0f}" if pd.notna(k["amount_owed"]) else ""),
           ("已支付金额（元）", f"{k['amount_paid']:,.0f}" if pd.notna(k["amount_paid"]) else ""),
           ("阶段", stage), ("督办级别", SUPERVISION_LABEL.get(k["supervision_level"], "")
                            if isinstance(k["supervision_level"], str) else "无"),
           ("包案领导", k["leader"]), ("责任单位", k["responsible_unit"]), ("办结时限", due),
           ("结案日期", day(k["closed_date"])), ("移送公安", "是" if yes(k["police_referral"]) else "否"),
           ("列入黑名单", "是" if yes(k["blacklisted"]) else "否"),
           ("清零期限", f"{k['clear_deadline']:%Y-%m-%d}（{k['clear_track']}）")])
    if not ctx.present:
        b = st.columns(3)
        if c:
            b[0].button("查看来源线索", key="case_clue", icon=":material/description:",
                        on_click=navigate, args=({**{x: path[x] for x in ("county", "township", "project")},
                                                  "clue": c["clue_id"]},))
        b[1].button("查看该单位全部线索和案件", key="case_emp", icon=":material/domain:",
                    on_click=navigate, args=({**path, "employer": text(c["credit_code"]) if c and text(c["credit_code"])
                                              else k["employer"]},))
        if path["project"]:
            b[2].button("查看所属项目", key="case_proj", icon=":material/construction:",
                        on_click=navigate, args=({x: path[x] for x in ("county", "township", "project")},))
    return path


def employer_view(s: dict[str, str | None]) -> None:
    rec = data.employer_records(ctx.scope, s["employer"], as_of)
    cl, ks = rec["clues"], rec["cases"]
    st.subheader("单位视图：全部线索和案件")
    if cl.empty and ks.empty:
        st.warning("在您的查看范围内没有该单位的线索或案件。")
        return
    st.text("单位名称：" + "、".join(rec["names"]) + "\n统一社会信用代码：" + ("、".join(rec["credit_codes"]) or "未登记")
            + "\n涉及区县：" + "、".join(rec["counties"]))
    recent = pd.to_datetime(cl["received_date"]).dt.date > as_of - dt.timedelta(days=ctx.rules.repeat_window_days)
    m = st.columns(6)
    m[0].metric("线索总数", f"{len(cl):,}")
    m[1].metric(f"近 {ctx.rules.repeat_window_days} 天线索", f"{int(recent.sum()):,}")
    m[2].metric("未办结线索", f"{int(cl['is_open'].sum()):,}")
    m[3].metric("案件", f"{len(ks):,}", help="按单位名称匹配的欠薪案件")
    m[4].metric("涉及区县", f"{len(rec['counties'])}")
    m[5].metric("黑名单", "已列入" if rec["blacklisted"] else "未列入", help="任一案件登记为列入失信联合惩戒黑名单")
    record_tabs(s, cl, ks, "单位")


def project_view(s: dict[str, str | None], scope: data.Scope) -> None:
    det = data.project_detail(ctx.scope, s["project"], as_of)
    if det is None:
        st.warning("没有找到该项目（编号不存在或不在您的查看范围内）。")
        return
    p = det["project"]
    kpi_strip(data.drill_counts(scope, as_of, start, filters, None, s["township"], s["project"]).iloc[0])
    st.subheader("项目信息与工资支付保障制度")
    left, right = st.columns([3, 2])
    with left:
        facts([("项目编号", p["project_id"]), ("项目名称", p["name"]), ("区县", p["county_name"]),
               ("乡镇（街道）", p["township"]), ("行业主管部门", p["sector"]),
               ("投资类型", INVESTMENT_LABEL.get(p["investment_type"], text(p["investment_type"]))),
               ("建设单位", p["builder"]), ("施工总承包单位", p["contractor"]),
               ("合同金额（万元）", f"{p['contract_amount'] / 10000:,.1f}" if pd.notna(p["contract_amount"]) else ""),
               ("开工日期", day(p["start_date"])), ("项目状态", PROJECT_STATUS_LABEL.get(p["status"], text(p["status"]))),
               ("在场人数", p["workers_on_site"]), ("实名制更新日期", day(p["roster_updated_date"])),
               ("未办结线索", p["open_clues"]), ("在办案件", p["open_cases"]),
               ("欠薪金额（万元）", f"{p['amount_owed'] / 10000:,.1f}")])
    with right:
        lv = text(p["warning_level"])
        st.metric("项目预警", f"{lv}色预警" if lv else "无预警", help="由缺失制度、未办结线索、近 90 天线索、重复反映、"
                  "停工和欠薪金额计算的风险分")
        st.text(f"风险分 {p['risk_score']:g}\n" + (text(p["warning_reasons"]).replace("；", "\n") or "无预警原因"))
        sg = det["safeguards"]
        sgf = pd.DataFrame({"保障制度": sg["safeguard"], "核心制度": sg["core"].map(lambda v: "是" if v else ""),
                            "落实情况": sg["in_place"].map(lambda v: "已落实" if v else "未落实"),
                            "说明": sg["note"]})
        st.dataframe(sgf, hide_index=True)
        missing = sg.loc[~sg["in_place"], "safeguard"].tolist()
        st.text("缺失制度：" + ("、".join(missing) if missing else "无"))
    recs = data.drill_records(scope, as_of, filters, s["township"], s["project"])
    if s["township"]:
        all_here = data.drill_records(scope, as_of, filters, None, s["project"])
        extra = len(all_here["clues"]) - len(recs["clues"])
        if extra > 0:
            st.caption(f"以下仅含登记在本乡镇的记录；该项目另有 {extra} 条线索登记在其他乡镇。")
    record_tabs(s, recs["clues"], recs["cases"], "项目")


def township_view(s: dict[str, str | None], scope: data.Scope) -> None:
    kpi_strip(data.drill_counts(scope, as_of, start, filters, None, s["township"]).iloc[0])
    pj = data.drill_counts(scope, as_of, start, filters, "project_id", s["township"])
    recs = data.drill_records(scope, as_of, filters, s["township"])
    emp = data.drill_employers(scope, as_of, start, filters, s["township"])
    t0, t1, t2, t3 = st.tabs([f"项目（{int((pj['key'] != '').sum()):,}）", f"线索（{len(recs['clues']):,}）",
                              f"案件（{len(recs['cases']):,}）", f"重复反映单位（{len(emp)}）"])
    with t0:
        pj = pj.sort_values(["open_clues", "received"], ascending=False, kind="stable")
        frame = counts_frame(pj, "项目名称")
        frame.insert(0, "项目编号", pj["key"].to_numpy())
        frame["投资类型"] = pj["investment_type"].map(lambda v: INVESTMENT_LABEL.get(v, "") if isinstance(v, str) else "").to_numpy()
        frame["主管部门"] = pj["sector"].map(text).to_numpy()
        frame["项目状态"] = pj["status"].map(lambda v: PROJECT_STATUS_LABEL.get(v, "") if isinstance(v, str) else "").to_numpy()
        frame["项目预警"] = pj["project_level"].map(text).to_numpy()
        frame["缺失制度"] = pj["missing_safeguards"].map(text).to_numpy()
        ids = pj["key"].tolist()

        def pick(pid: str) -> None:
            if pid:
                navigate(below(s, "project", pid))

        table("乡镇项目", frame, "tw_projects", ids, pick)
        real = [i for i in ids if i]
        chooser("进入项目", real, dict(zip(pj["key"], pj["name"].map(text), strict=True)), "go_project", pick)
        if "" in ids:
            st.caption("「（未关联项目）」为未登记项目编号的线索和案件，见「线索」「案件」页签。")
    with t1:
        cl = recs["clues"]
        table("乡镇线索", clue_frame(cl), "tw_clues", cl["clue_id"].tolist(), pick_clue(s))
        chooser("打开线索", cl["clue_id"].tolist()[:2000], {}, "go_clue", pick_clue(s))
    with t2:
        ks = recs["cases"]
        table("乡镇案件", case_frame(ks), "tw_cases", ks["case_id"].tolist(), pick_case(s))
    with t3:
        employers_table(s, emp, "tw")


def employers_table(s: dict[str, str | None], emp: pd.DataFrame, prefix: str) -> None:
    st.caption(f"统计期间内被反映 2 次及以上的单位（按线索数排序，前 {len(emp)} 家）。选中一行查看该单位在各区县的全部记录。")
    table("重复反映单位", employers_frame(emp), f"{prefix}_employers", emp["key"].tolist(),
          lambda key: navigate({**{k: v for k, v in s.items() if v}, "employer": key}))


def search_results(s: dict[str, str | None], scope: data.Scope) -> None:
    """Records matching the search box at this level (the tables above are narrowed by it too)."""
    recs = data.drill_records(scope, as_of, filters)
    pj = data.projects(scope, as_of, data.Filters(search=filters.search), False)
    st.subheader("搜索结果")
    t1, t2, t3 = st.tabs([f"线索（{len(recs['clues']):,}）", f"案件（{len(recs['cases']):,}）", f"项目（{len(pj):,}）"])
    with t1:
        cl = recs["clues"]
        table("搜索结果_线索", clue_frame(cl), "sr_clues", cl["clue_id"].tolist(), pick_clue(s))
    with t2:
        ks = recs["cases"]
        table("搜索结果_案件", case_frame(ks), "sr_cases", ks["case_id"].tolist(), pick_case(s))
    with t3:
        frame = pd.DataFrame({"项目编号": pj["project_id"], "项目名称": pj["name"].map(text),
                              "区县": pj["county_name"].map(text), "乡镇": pj["township"].map(text),
                              "建设单位": pj["builder"].map(text), "施工总承包单位": pj["contractor"].map(text),
                              "项目预警": pj["warning_level"].map(text), "缺失制度": pj["missing_safeguards"].map(text)})
        table("搜索结果_项目", frame, "sr_projects", pj["project_id"].tolist(),
              lambda pid: navigate({"project": pid}))


def county_view(s: dict[str, str | None], scope: data.Scope) -> None:
    kpi_strip(data.drill_counts(scope, as_of, start, filters).iloc[0])
    if filters.search:
        search_results(s, scope)
    tw = data.drill_counts(scope, as_of, start, filters, "township")
    emp = data.drill_employers(scope, as_of, start, filters)
    st.subheader("各乡镇（街道）")
    tw = tw.sort_values(["overdue_open", "open_clues"], ascending=False, kind="stable")

    def pick(t: str) -> None:
        navigate(below(s, "township", t))

    table("乡镇汇总", counts_frame(tw, "乡镇（街道）"), "cty_townships", tw["key"].tolist(), pick)
    chooser("进入乡镇（街道）", tw["key"].tolist(), {}, "go_township", pick)
    st.subheader("重复反映单位")
    employers_table(s, emp, "cty")


def city_view(s: dict[str, str | None]) -> None:
    scope = ctx.scope
    kpi_strip(data.drill_counts(scope, as_of, start, filters).iloc[0])
    if filters.search:
        search_results(s, scope)
    ct = data.drill_counts(scope, as_of, start, filters, "county_code")
    st.subheader("各区县")
    frame = counts_frame(ct, "区县")
    frame["区县代码"] = ct["key"].to_numpy()

    def pick(code: str) -> None:
        navigate({"county": code})

    table("区县汇总", frame, "city_counties", ct["key"].tolist(), pick)
    chooser("进入区县", ct["key"].tolist(), dict(zip(ct["key"], ct["name"], strict=True)), "go_county", pick)
    st.subheader("重复反映单位")
    employers_table(s, data.drill_employers(scope, as_of, start, filters), "city")


# --- breadcrumbs -------------------------------------------------------------------------------------------
def crumb_label(key: str, value: str) -> str:
    if key == "county":
        names = dict(zip(data.regions(data.ALL)["code"], data.regions(data.ALL)["name"], strict=True))
        return names.get(value, value)
    if key == "project":
        det = data.project_detail(ctx.scope, value, as_of)
        return text(det["project"]["name"]) if det else value
    if key == "clue":
        return f"线索 {value}"
    if key == "case":
        return f"案件 {value}"
    if key == "employer":
        return f"单位 {value}"
    return value


def breadcrumbs(path: dict[str, str | None]) -> None:
    """Buttons from the city down to the current level; each opens its level (keeping the path above it)."""
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
    root = data.scope_name() or "全部"
    trail: list[tuple[str, dict[str, str | None]]] = [(root, {})]
    so_far: dict[str, str | None] = {}
    for k in PARAMS:
        v = path.get(k)
        if not v:
            continue
        so_far = {**so_far, k: v}
        trail.append((crumb_label(k, v), dict(so_far)))
    if ctx.present:  # buttons are hidden on the projector: the path as plain text
        bar.text(" › ".join(label for label, _ in trail))
        return
    for i, (label, params) in enumerate(trail):
        if i:
            bar.text("›")
        last = i == len(trail) - 1
        bar.button(md_plain(label), key=f"crumb_{i}", type="tertiary" if not last else "secondary",
                   disabled=last, on_click=navigate, args=(params,))


# --- page --------------------------------------------------------------------------------------------------
s = state()
crumbs = st.container()
st.caption(f"统计期间 {period_text}　｜　筛选：{md_plain(filters.describe())}")   # the search text is user input
path: dict[str, str | None] = dict(s)
if s["employer"]:
    employer_view(s)
elif s["clue"]:
    path = clue_view(s) or s
elif s["case"]:
    path = case_view(s) or s
elif s["project"]:
    det = data.project_detail(ctx.scope, s["project"], as_of)
    if det is not None:
        path = {"county": det["project"]["county_code"], "township": s["township"], "project": s["project"]}
    project_view(path, ctx.scope.narrowed(path["county"]))
elif s["township"] and s["county"]:
    township_view(s, ctx.scope.narrowed(s["county"]))
elif s["county"]:
    if not ctx.scope.allows(s["county"]):
        st.warning("您只能查看本县区的明细记录。")
    else:
        county_view(s, ctx.scope.narrowed(s["county"]))
else:
    city_view(s)
with crumbs:
    breadcrumbs(path)
