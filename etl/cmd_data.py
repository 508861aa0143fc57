"""Subcommands init, load, demo, status."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from etl.common import add_db_arg, parse_day, resolve_db
from etl.read import LoadError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="新建空数据库 / create an empty database",
                       description="新建空数据库：地市代码（如 410200）、省代码（如 410000）或 all（全国）。\n"
                                   "Create an empty database for a city, a province or all counties.")
    p.add_argument("--city", required=True, metavar="CODE", help="地市/省代码或 all / city, province code or all")
    p.add_argument("--force", action="store_true", help="覆盖已有数据库 / replace an existing database")
    add_db_arg(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("load", help="导入台账 / load ledgers",
                       description="导入台账文件（.xlsx/.xls/.csv），类型按表头自动识别。一次导入要么全部成功，要么不做任何改动。\n"
                                   "Load ledger files; the kind is recognised from the headers. All or nothing.")
    p.add_argument("files", nargs="+", type=Path, help="台账文件 / ledger files")
    p.add_argument("--kind", choices=["clues", "projects", "cases"], help="台账类型 / ledger kind")
    p.add_argument("--today", type=parse_day, help=argparse.SUPPRESS)  # for tests: the date "future" is judged by
    add_db_arg(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("demo", help="生成并导入演示数据 / generate and load demo data",
                       description="生成演示台账文件（data/demo/）并通过正常导入流程加载。\n"
                                   "Write realistic demo ledgers under data/demo/ and load them with the real loader.")
    p.add_argument("--city", default="410200", help="地市代码，默认 410200 开封市 / city code")
    p.add_argument("--as-of", type=parse_day, default=None, help="数据截至日期，默认今天 / as-of date (default today)")
    p.add_argument("--scale", choices=["city", "province", "national"], default="city",
                   help="规模 / scale: city (~15,000 clues), province (~300,000), national (~3,000,000)")
    p.add_argument("--seed", type=int, default=7, help="随机种子 / random seed")
    add_db_arg(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", help="导入情况与数据新鲜度 / loads, row counts, freshness",
                       description="导入批次、各表行数、拒收和警告行、最新记录日期。\n"
                                   "Loads so far, rows per table, rejected and warned rows, newest record dates.")
    p.add_argument("--issues", type=int, default=10, metavar="N", help="显示最近 N 条问题行 / show N latest issues")
    add_db_arg(p)
    p.set_defaults(func=cmd_status)


def _fail(msg: str) -> int:
    print(f"错误：{msg}", file=sys.stderr)
    return 1


def cmd_init(args: argparse.Namespace) -> int:
    from etl.load import init_database
    from etl.regions import ScopeError

    path = resolve_db(args)
    try:
        n = init_database(path, args.city, replace=args.force)
    except (LoadError, ScopeError) as e:
        return _fail(str(e))
    print(f"已创建数据库 {path}：{n} 个区县。")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from etl.load import load_files

    path = resolve_db(args)
    try:
        result = load_files(path, args.files, kind=args.kind, today=args.today)
    except LoadError as e:
        return _fail(f"{e}\n本次导入未作任何改动。")
    for line in result.summary_lines():
        print(line)
    rejected = sum(f.rejected for f in result.files)
    if rejected:
        print(f"共拒收 {rejected} 行，原因见 python -m etl status 或数据库表 load_issues。")
    _print_calendar_warnings()
    if sum(f.loaded for f in result.files) == 0:
        print("错误：没有一行通过校验，未导入任何记录（拒收原因已记录）。", file=sys.stderr)
        return 3
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from etl.demo_db import build_demo_database

    path = resolve_db(args)
    t0 = dt.datetime.now()

    def progress(frac: float, msg: str) -> None:
        print(f"[{frac:4.0%}] {msg}", flush=True)

    result = build_demo_database(path, city=args.city, as_of=args.as_of, scale=args.scale, seed=args.seed,
                                 progress=progress)
    for line in result.summary_lines():
        print(line)
    print(f"演示数据库已写入 {path}（用时 {(dt.datetime.now() - t0).total_seconds():.1f} 秒）。")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from huxin import data

    path = resolve_db(args)
    if not path.exists():
        return _fail(f"数据库 {path} 不存在。")
    st = data.load_status(path)
    print(f"数据库：{path}（{st['scope_name']}{'，演示数据' if st['is_demo'] else ''}）")
    print(f"最近导入：{st['last_load'] or '无'}")
    print("各表行数：" + "，".join(f"{k} {v}" for k, v in st["rows"].items()))
    print("最新记录日期：" + "，".join(f"{k} {v or '—'}" for k, v in st["newest"].items()))
    print(f"问题行：拒收 {st['rejected']}，警告 {st['warnings']}")
    if st["missing_from_latest"]:
        print("以下记录在最近一次导入的同类台账中不存在（未删除，请核实）：" +
              "，".join(f"{k} {v}" for k, v in st["missing_from_latest"].items()))
    if not st["batches"].empty:
        print("\n导入批次：")
        print(st["batches"].to_string(index=False))
    if args.issues and not st["issues"].empty:
        print(f"\n最近 {args.issues} 条问题行：")
        print(st["issues"].head(args.issues).to_string(index=False))
    _print_calendar_warnings()
    return 0


def _print_calendar_warnings() -> None:
    from huxin.config import load_rules
    from huxin.workdays import campaign_for, work_calendar

    today = dt.date.today()
    camp = campaign_for(today, load_rules())
    for w in work_calendar().warnings_for(min(today, camp.start), camp.deadline):
        print(f"警告：{w}", file=sys.stderr)
