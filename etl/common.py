"""Shared bits of the subcommands."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from huxin.config import db_path


def add_db_arg(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: a --db given before the subcommand is not overwritten by this one's default.
    p.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件 / database file")


def resolve_db(args: argparse.Namespace) -> Path:
    return db_path(["--db", args.db] if getattr(args, "db", None) else [])


def parse_day(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD 格式 / expected YYYY-MM-DD: {s!r}") from None
