"""Subcommand `report`: the briefing numbers as of a date, for automation (a weekly cron job writes them).

    python -m etl report --as-of 2026-11-20 [--from 2026-11-01] [--format json|md|docx] [--out FILE]
    python -m etl report --week 2026-11-16 --format docx --out 周报.docx

Every number comes from the same huxin.data functions the pages call (county_table, totals_from, clearing,
context), so the CLI, the dashboard and the exports cannot disagree. Calendar warnings (a year whose statutory
holidays nobody entered) go to stderr as well as into the JSON.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from etl.common import add_db_arg, parse_day, resolve_db

FORMATS = ("json", "md", "docx")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="按日期生成通报数据 / briefing numbers as of a date",
        description="按截至日期生成通报数据（与页面同一套计算）：全市合计、各区县得分排名、春节前清零预测。\n"
                    "Briefing numbers as of a date, computed by the same functions as the pages.\n\n"
                    "统计期 [--from, --as-of]；--from 默认为截至日期所在年的 1 月 1 日。\n"
                    "--week 某周一：统计该周（周一至周日，截至日期不晚于今天）。\n"
                    "比率为小数（0.98 即 98%）；分母为 0 时为 null（页面显示「—」）。",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--as-of", type=parse_day, default=None, metavar="DATE",
                   help="截至日期，默认今天 / as-of date (default today)")
    p.add_argument("--from", dest="start", type=parse_day, default=None, metavar="DATE",
                   help="统计期开始，默认截至日期所在年 1 月 1 日 / period start (default 1 January)")
    p.add_argument("--week", type=parse_day, default=None, metavar="MONDAY",
                   help="按周统计：该周周一（截至该周周日，不晚于今天）/ a week, by its Monday")
    p.add_argument("--format", choices=FORMATS, default="json",
                   help="输出格式 json（默认）、md（Markdown 表格）、docx（Word 周报）/ output format")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="写入文件（默认输出到屏幕；docx 默认写入当前目录）/ output file")
    add_db_arg(p)
    p.set_defaults(func=cmd_report)


def _fail(msg: str) -> int:
    print(f"错误：{msg}", file=sys.stderr)
    return 1


def resolve_period(as_of: dt.date | None, start: dt.date | None, week: dt.date | None,
                   today: dt.date) -> tuple[dt.date, dt.date, dt.date | None]:
    """(as_of, from, week Monday or None) from the arguments; ValueError with a Chinese message when they clash."""
    if week is not None:
        if as_of is not None or start is not None:
            raise ValueError("--week 不能与 --as-of 或 --from 同时使用")
        if week.weekday() != 0:
            monday = week - dt.timedelta(days=week.weekday())
            raise ValueError(f"--week 应为某周的周一：{week} 是星期{'一二三四五六日'[week.weekday()]}，"
                             f"该周周一是 {monday}")
        if week > today:
            raise ValueError(f"--week {week} 晚于今天（{today}），该周尚无数据")
        return min(week + dt.timedelta(days=6), today), week, week
    d = as_of or today
    f = start or dt.date(d.year, 1, 1)
    if f > d:
        raise ValueError(f"--from {f} 晚于截至日期 {d}")
    return d, f, None


# ---------------------------------------------------------------------------------------------
# The report as a dict (the JSON shape of issue 3; extra keys are additions, never renames)
def _int(x: Any) -> int | None:
    import pandas as pd

    return None if x is None or pd.isna(x) else int(x)


def _str(x: Any) -> str | None:
    """Text or None: pandas turns a None in a column of text into NaN, which is not JSON."""
    return x if isinstance(x, str) and x != "" else None


def _float(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return None if math.isnan(v) else v


def _day(x: Any) -> str | None:
    if x is None:
        return None
    import pandas as pd
    if pd.isna(x):
        return None
    return pd.Timestamp(x).date().isoformat()


def _projection(p: Any) -> dict[str, Any]:
    return {"open_stock": int(p.open_stock), "working_days_left": int(p.working_days_left),
            "required_pace": _float(p.required_pace), "actual_pace": _float(p.actual_pace),
            "projected_clear_date": _day(p.projected_date), "status": p.status, "late_days": _int(p.late_days)}


def build_report(as_of: dt.date, start: dt.date) -> dict[str, Any]:
    """The briefing numbers for the whole database as of ``as_of`` over the period [start, as_of]."""
    from huxin import data
    from huxin.config import load_rules

    rules = load_rules()
    ctx = data.context(as_of, start)
    table = data.county_table(data.ALL, as_of, start)
    tot = data.totals_from(table)
    clear = data.clearing(data.ALL, as_of)
    camp = clear["campaign"]
    proj = clear["projection"]
    ye_now = data.stock_series(data.ALL, as_of, as_of)
    ye_by_county = dict(zip(ye_now["county_code"], ye_now["year_end_stock"], strict=True))

    counties = []
    for r in table.sort_values("code").to_dict("records"):
        counties.append({
            "code": r["code"], "name": r["name"],
            "received": int(r["received"]), "closed": int(r["closed"]),
            "closure_rate": _float(r["closure_rate"]), "on_time_rate": _float(r["on_time_rate"]),
            "overdue_open": int(r["overdue_open"]), "open_stock": int(r["open_stock"]),
            "score": float(r["score"]), "grade": r["grade"], "rank": int(r["rank"]),
            "rank_change": _int(r["rank_change"]), "warning_level": _str(r["warning_level"]),
            "projected_clear_date": _day(r["projected_clear_date"]), "clear_status": r["clear_status"],
            # additions
            "closed_on_time": int(r["closed_on_time"]), "open_clues": int(r["open_clues"]),
            "cases_open": int(r["open_cases"]), "open_stock_at_start": int(r["open_stock_at_start"]),
            "year_end_open": int(ye_by_county.get(r["code"], 0)),
            "repeat_rate": _float(r["repeat_rate"]), "safeguard_rate": _float(r["safeguard_rate"]),
            "amount_owed": float(r["amount_owed"]), "amount_recovered": float(r["amount_recovered"]),
            "required_pace": _float(r["required_pace"]), "actual_pace": _float(r["actual_pace"]),
            "is_last": bool(r["is_last"]), "warning_reasons": _str(r["warning_reasons"]) or "",
            "score_detail": r["score_detail"],
        })
    return {
        "as_of": as_of.isoformat(), "from": start.isoformat(),
        "calendar_warnings": list(ctx.calendar_warnings),
        "totals": {
            "received": tot["received"], "closed": tot["closed"],
            "closure_rate": _float(tot["closure_rate"]), "on_time_rate": _float(tot["on_time_rate"]),
            "overdue_open": tot["overdue_open"], "open_stock": tot["open_stock"], "cases_open": tot["cases_open"],
            "amount_owed": float(tot["amount_owed"]), "amount_recovered": float(tot["amount_recovered"]),
            # additions
            "closed_on_time": tot["closed_on_time"], "open_clues": tot["open_clues"],
            "cases_opened": tot["cases_opened"], "workers_involved": tot["workers_involved"],
            "repeat_rate": _float(tot["repeat_rate"]), "safeguard_rate": _float(tot["safeguard_rate"]),
        },
        "counties": counties,
        "spring_festival": {
            "date": camp.festival.isoformat(), "deadline": camp.deadline.isoformat(),
            "days_left": int(clear["days_left"]), "working_days_left": int(clear["working_days_left"]),
            "projected_clear_date": _day(proj.projected_date), "status": proj.status,
            # additions
            "campaign_name": rules.campaign_name, "campaign_start": camp.start.isoformat(),
            "open_stock": int(proj.open_stock), "open_stock_at_start": int(clear["stock_at_start"]),
            "required_pace": _float(proj.required_pace), "actual_pace": _float(proj.actual_pace),
            "late_days": _int(proj.late_days),
            # 两清零: cases on government / SOE / PPP projects by 31 December, everything else by the deadline
            "year_end": {"deadline": camp.year_end_deadline.isoformat(), "days_left": int(clear["year_end_days_left"]),
                         **_projection(clear["year_end_projection"])},
            "others": {"deadline": camp.deadline.isoformat(), **_projection(clear["other_projection"])},
        },
    }


# ---------------------------------------------------------------------------------------------
# Markdown (Chinese, for people). Only region names and numbers appear: no ledger text is rendered.
def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _n(x: Any) -> str:
    return "—" if x is None else f"{x:,}"


def _wan(x: float | None) -> str:
    return "—" if x is None else f"{x / 10000:,.1f} 万元"


def _cell(x: Any) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _change(x: int | None) -> str:
    return "—" if x is None else "持平" if x == 0 else f"↑{x}" if x > 0 else f"↓{-x}"


def render_markdown(rep: dict[str, Any]) -> str:
    t, sf = rep["totals"], rep["spring_festival"]
    lines = [f"# 欠薪治理调度数据（截至 {rep['as_of']}）", "",
             f"统计期：{rep['from']} 至 {rep['as_of']}。比率分母为 0 时显示「—」。", ""]
    for w in rep["calendar_warnings"]:
        lines += [f"> ⚠ {_cell(w)}", ""]
    lines += ["## 全市合计", "", "| 指标 | 数值 |", "|---|---:|",
              f"| 受理线索 | {_n(t['received'])} 条 |", f"| 办结 | {_n(t['closed'])} 条 |",
              f"| 办结率 | {_pct(t['closure_rate'])} |", f"| 按期办结率 | {_pct(t['on_time_rate'])} |",
              f"| 超期未办结 | {_n(t['overdue_open'])} 条 |", f"| 存量（线索+案件） | {_n(t['open_stock'])} 件 |",
              f"| 未结案件 | {_n(t['cases_open'])} 件 |", f"| 欠薪金额 | {_wan(t['amount_owed'])} |",
              f"| 追回金额 | {_wan(t['amount_recovered'])} |", ""]
    lines += ["## 各区县得分与排名", "",
              ("| 排名 | 区县 | 得分 | 等级 | 排名变化 | 受理 | 办结 | 办结率 | 按期办结率 | 超期未办结 | 存量 | 预警 "
               "| 预计清零 | 清零状态 |"),
              "|---:|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for c in sorted(rep["counties"], key=lambda c: (c["rank"], c["code"])):
        name = _cell(c["name"]) + ("（末位）" if c.get("is_last") else "")
        lines.append(
            f"| {c['rank']} | {name} | {c['score']:.1f} | {c['grade']} | {_change(c['rank_change'])} "
            f"| {_n(c['received'])} | {_n(c['closed'])} | {_pct(c['closure_rate'])} | {_pct(c['on_time_rate'])} "
            f"| {_n(c['overdue_open'])} | {_n(c['open_stock'])} | {c['warning_level'] or '—'} "
            f"| {c['projected_clear_date'] or '—'} | {c['clear_status']} |")
    flagged = [c for c in rep["counties"] if c["warning_level"] in ("红", "橙")]
    if flagged:
        lines += ["", "预警原因："]
        for c in sorted(flagged, key=lambda c: (c["warning_level"] != "红", c["code"])):
            lines.append(f"- {_cell(c['name'])}（{c['warning_level']}）：{_cell(c['warning_reasons'])}")
    ye = sf["year_end"]
    if sf["open_stock"]:
        projected = sf["projected_clear_date"] or "无法预计（近期存量未净减少）"
    else:
        projected = "已清零"
    lines += ["", "## 春节前清零（两清零）", "",
              (f"- 春节：{sf['date']}；清零期限：{sf['deadline']}（还有 {sf['days_left']} 天、"
               f"{sf['working_days_left']} 个工作日）"),
              f"- 存量：{_n(sf['open_stock'])} 件（行动开始 {sf['campaign_start']} 时 {_n(sf['open_stock_at_start'])} 件）",
              f"- 需要进度：每个工作日净减少 {_rate(sf['required_pace'])} 件；近期实际：{_rate(sf['actual_pace'])} 件",
              f"- 预计清零日期：{projected}；状态：{sf['status']}",
              (f"- 政府投资/国企/PPP 项目案件（{ye['deadline']} 前清零）：未结 {_n(ye['open_stock'])} 件，"
               f"状态：{ye['status']}"),
              (f"- 其他线索和案件（{sf['deadline']} 前清零）：存量 {_n(sf['others']['open_stock'])} 件，"
               f"状态：{sf['others']['status']}"), ""]
    return "\n".join(lines)


def _rate(x: float | None) -> str:
    return "—" if x is None else f"{x:,.1f}"


# ---------------------------------------------------------------------------------------------
def _write_docx(week_monday: dt.date, as_of: dt.date, out: Path | None) -> int:
    # Imported only when Word output is asked for (python-docx and the chart renderer are heavy).
    try:
        docx_report = importlib.import_module("huxin.docx_report")
    except ImportError as e:
        return _fail(f"Word 周报模块 huxin.docx_report 不可用（{e}），无法生成 docx；可先用 --format json 或 md。")
    from huxin import data

    try:
        result = docx_report.weekly_docx_for(data.ALL, week_monday, as_of)
    except ValueError as e:   # the briefing module explains a week it cannot report in Chinese
        return _fail(str(e))
    out = out or Path(f"护薪调度周报_{week_monday:%Y%m%d}.docx")
    if hasattr(result, "save") and not isinstance(result, (bytes, bytearray)):
        result.save(str(out))          # a python-docx Document
    elif hasattr(result, "getvalue"):
        out.write_bytes(result.getvalue())
    elif isinstance(result, (bytes, bytearray)):
        out.write_bytes(bytes(result))
    elif isinstance(result, (str, Path)) and Path(result).exists():
        out.write_bytes(Path(result).read_bytes())
    else:
        return _fail(f"Word 周报模块返回了无法识别的结果（{type(result).__name__}）")
    print(f"已写入 {out}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from huxin import db
    from huxin.config import ConfigError

    path = resolve_db(args)
    if not path.exists():
        return _fail(f"数据库 {path} 不存在。请先运行 python -m etl init 和 python -m etl load，"
                     f"或用 --db 指定数据库文件。")
    # The data layer reads the database named by $ARREARS_DB (or --db on the command line).
    os.environ["ARREARS_DB"] = str(path)
    try:
        as_of, start, week = resolve_period(args.as_of, args.start, args.week, dt.date.today())
    except ValueError as e:
        return _fail(str(e))
    try:
        if args.format == "docx":
            from huxin import data
            for w in data.context(as_of, start).calendar_warnings:
                print(f"警告：{w}", file=sys.stderr)
            return _write_docx(week or as_of - dt.timedelta(days=as_of.weekday()), as_of, args.out)
        rep = build_report(as_of, start)
    except ConfigError as e:
        return _fail(str(e))
    except db.DatabaseMissing:
        return _fail(f"数据库 {path} 不存在或无法打开。")
    for w in rep["calendar_warnings"]:
        print(f"警告：{w}", file=sys.stderr)
    text = (json.dumps(rep, ensure_ascii=False, indent=2, allow_nan=False) + "\n" if args.format == "json"
            else render_markdown(rep))
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"已写入 {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
