"""`python -m etl …` — the one command-line entry. Subcommands are thin wrappers over package functions that the
pages use too, so the CLI and the dashboard can never disagree on a number.

Each subcommand lives in a module with ``register(subparsers)``; this file only assembles them.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# module -> registers one or more subcommands
COMMAND_MODULES = ("etl.cmd_data", "etl.cmd_report", "etl.cmd_user", "etl.cmd_snapshot")

DESCRIPTION = """护薪调度台 数据命令行 / Wage-Arrears Dispatch Dashboard data CLI

  init      新建空数据库（地市/省/全国区划）      create an empty database for a city, province or all
  load      导入台账文件（线索/项目/案件）        load ledger files (clues, projects, cases)
  demo      生成并导入演示数据                    generate and load demo ledgers
  status    导入情况、各表行数、数据新鲜度          loads, row counts, rejects, data freshness
  report    按日期生成通报数据（json/md/docx）      briefing numbers as of a date
  user      管理本地账户                          manage local accounts
  snapshot  页面截图（演示模式 PNG）              page screenshots for briefings

数据库路径 / database path: --db PATH，否则环境变量 ARREARS_DB，否则 data/arrears.duckdb
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="数据库文件路径 / database file (default: $ARREARS_DB or data/arrears.duckdb)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # a subcommand module not written yet must not break the others
                continue
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - a clerk gets a sentence, the developer gets the log file
        import traceback

        from huxin.audit import app_dir
        log = app_dir() / "etl-errors.log"
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {' '.join(sys.argv)}\n{traceback.format_exc()}\n")
        print(f"错误：程序内部错误（{type(e).__name__}: {e}）。数据库未作改动。详细信息已写入 {log}，请联系技术人员。",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
