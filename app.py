"""护薪调度台 — entry point: first-start demo build, login, navigation, and the home page (首页).

Run: streamlit run app.py [-- --db PATH]
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from huxin import auth, data, db, prefetch, ui, warmup
from huxin.config import db_path

PAGES_DIR = Path(__file__).resolve().parent / "pages"

# A local file: a :material/…: or emoji page icon makes the browser fetch the favicon from a CDN.
st.set_page_config(page_title="护薪调度台", page_icon=str(Path(__file__).resolve().parent / "static" / "favicon.png"), layout="wide",
                   initial_sidebar_state="expanded")


def ensure_database() -> None:
    """If there is no database yet, build the demo one (embedded default: nothing to configure for a first look)."""
    path = db_path()
    for msg in db.cleanup_stale(path):
        st.toast(msg)
    if path.exists():
        return
    from etl.demo_db import build_demo_database

    with st.status("首次启动：正在生成演示数据库（约需半分钟）…", expanded=True) as status:
        bar = st.progress(0.0)

        def progress(frac: float, msg: str) -> None:
            bar.progress(min(max(frac, 0.0), 1.0), text=msg)

        build_demo_database(path, progress=progress)
        status.update(label="演示数据库已生成", state="complete", expanded=False)
    st.rerun()


def home() -> None:
    pc = ui.page("home", "护薪调度台")
    as_of = pc.as_of
    camp = pc.context.campaign
    year = data.totals(pc.scope, as_of, dt.date(as_of.year, 1, 1))
    campaign = data.totals(pc.scope, as_of, camp.start) if camp.start <= as_of else year
    clear = data.clearing(pc.scope, as_of)
    st.subheader(f"{pc.rules.campaign_name}（{camp.start:%Y年%m月%d日}起）")
    c = st.columns(4)
    c[0].metric("本次行动受理线索", f"{campaign['received']:,}", help="冬季专项行动开始以来受理的欠薪线索")
    c[1].metric("本年受理线索", f"{year['received']:,}")
    c[2].metric("本年已办结", f"{year['closed']:,}")
    c[3].metric("本年办结率", ui.fmt_rate(year["closure_rate"]),
                help=f"已办结 ÷ 受理；年度目标 ≥ {pc.rules.target_closure_rate:.0%}")
    c = st.columns(4)
    c[0].metric("超期未办结", f"{year['overdue_open']:,}", help="截至当日仍未办结且已超过办结时限的线索")
    c[1].metric("存量（线索+案件）", f"{year['open_stock']:,}")
    c[2].metric("在办案件", f"{year['cases_open']:,}")
    c[3].metric("距春节清零期限", f"{clear['days_left']} 天",
                help=f"清零期限 {camp.deadline:%Y年%m月%d日}（除夕），剩余 {clear['working_days_left']} 个工作日")
    c = st.columns(4)
    c[0].metric("未结欠薪金额", ui.fmt_wan(year["amount_owed"]), help="截至当日未结案件的欠薪余额与未办结线索涉及金额")
    c[1].metric("本年追回金额", ui.fmt_wan(year["amount_recovered"]))
    c[2].metric("本年涉及人数", f"{year['workers_involved']:,}")
    c[3].metric("清零进度判断", clear["projection"].status,
                help="按近 10 个工作日的净办结速度推算的清零日期与期限比较")
    if not pc.present:
        st.divider()
        st.caption("从左侧导航进入：周调度、县区排名、区域钻取、预警地图、春节前清零、导入情况。")


def main() -> None:
    ensure_database()
    data.begin_run()
    user = auth.current_user()
    st.session_state["user"] = user
    allowed = auth.pages_for(user.role)
    catalogue = [  # key, title, icon — each page file is pages/<key>.py and its URL /<key>
        ("weekly", "周调度", ":material/event_note:"),
        ("ranking", "县区排名", ":material/leaderboard:"),
        ("drill", "区域钻取", ":material/account_tree:"),
        ("map", "预警地图", ":material/map:"),
        ("clearing", "春节前清零", ":material/event_available:"),
        ("quality", "导入情况", ":material/fact_check:"),
    ]
    pages = []
    if "home" in allowed:
        pages.append(st.Page(home, title="首页", icon=":material/home:", url_path="home", default=True))
    # A page whose file is not there (yet) is left out rather than breaking navigation.
    pages += [st.Page(f"pages/{k}.py", title=t, icon=i, url_path=k) for k, t, i in catalogue
              if k in allowed and (PAGES_DIR / f"{k}.py").exists()]
    nav = st.navigation(pages, position="hidden" if ui.is_present() else "sidebar")
    nav.run()


prefetch.run_started()   # the background prefetch waits while a viewer's script runs
try:
    main()
finally:
    prefetch.run_ended()
    # after the first page (or the login form) has been served, so as not to compete with it for the two cores: once
    # per process, in the background, the other pages' modules and the county boundaries (huxin.warmup)
    warmup.start()
    # and after every page: the other pages' default views for the same scope and date (huxin.prefetch)
    prefetch.after_run(st.session_state.pop("_prefetch", None))
