"""Paths and the rules config (config/rules.toml).

The rules file is what an office edits to match its province; every number a page shows is derived from it, so a
malformed value must stop with a Chinese message naming the key rather than silently fall back to a default.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import sys
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "arrears.duckdb"
RULES_FILE = ROOT / "config" / "rules.toml"
HOLIDAYS_FILE = ROOT / "config" / "holidays.toml"
STATIC_DIR = ROOT / "static"        # served by Streamlit's static serving (server.enableStaticServing)
STATIC_URL = "app/static"           # ... at this path under the server's base URL


def static_url(rel_path: str, base_url_path: str = "") -> str:
    """Absolute URL path of a file under STATIC_DIR. It honours server.baseUrlPath, for a proxy at /huxin/."""
    return "/" + "/".join(p for p in (base_url_path.strip("/"), STATIC_URL, rel_path.strip("/")) if p)


class ConfigError(ValueError):
    """A config file is malformed; the message is Chinese and names the file and key."""


def db_path(argv: list[str] | None = None) -> Path:
    """`--db PATH`, else $ARREARS_DB, else data/arrears.duckdb (the order the README documents)."""
    args = sys.argv[1:] if argv is None else argv
    for i, a in enumerate(args):
        if a == "--db" and i + 1 < len(args):
            return Path(args[i + 1]).expanduser().resolve()
        if a.startswith("--db="):
            return Path(a.split("=", 1)[1]).expanduser().resolve()
    env = os.environ.get("ARREARS_DB")
    return Path(env).expanduser().resolve() if env else DEFAULT_DB


@dataclass(frozen=True)
class ClueWarningRules:
    blue_within_workdays: int = 3
    yellow_within_workdays: int = 1
    red_overdue_workdays: int = 5
    red_workers: int = 30
    red_amount: float = 1_000_000
    red_government_project: bool = True


@dataclass(frozen=True)
class ProjectWarningRules:
    points_per_missing_core_safeguard: float = 10
    points_per_open_clue: float = 8
    points_per_clue_90d: float = 3
    points_per_repeat_clue: float = 5
    points_suspended: float = 15
    points_per_100k_owed: float = 2
    max_owed_points: float = 30
    red: float = 60
    orange: float = 40
    yellow: float = 20
    blue: float = 10


@dataclass(frozen=True)
class CountyWarningRules:
    red_overdue: int = 10
    orange_overdue: int = 5
    yellow_overdue: int = 1
    red_late_days: int = 15


@dataclass(frozen=True)
class ScoreWeights:
    closure_rate: float = 30
    on_time_rate: float = 20
    overdue: float = 15
    clearing_progress: float = 15
    safeguards: float = 10
    repeat: float = 10
    grade_a: float = 90
    grade_b: float = 75
    grade_c: float = 60


@dataclass(frozen=True)
class Rules:
    campaign_name: str = "根治欠薪冬季专项行动"
    campaign_start: tuple[int, int] = (11, 15)
    deadline: str = "eve"  # "eve" | "festival" | "YYYY-MM-DD"
    year_end_deadline: tuple[int, int] = (12, 31)
    year_end_investment_types: tuple[str, ...] = ("government", "soe", "ppp")
    deadline_days: int = 10
    deadline_by_source: tuple[tuple[str, int], ...] = ()
    target_closure_rate: float = 0.98
    large_workers: int = 30
    large_amount: float = 1_000_000
    clue_warning: ClueWarningRules = field(default_factory=ClueWarningRules)
    project_warning: ProjectWarningRules = field(default_factory=ProjectWarningRules)
    county_warning: CountyWarningRules = field(default_factory=CountyWarningRules)
    score: ScoreWeights = field(default_factory=ScoreWeights)
    repeat_window_days: int = 90
    pace_window_workdays: int = 10
    risk_days: int = 15
    roster_fresh_days: int = 7

    def days_for_source(self, source: str | None) -> int:
        return dict(self.deadline_by_source).get(source or "", self.deadline_days)


def _month_day(value: Any, key: str, file: str) -> tuple[int, int]:
    try:
        m, d = (int(x) for x in str(value).split("-"))
        dt.date(2001, m, d)  # validates the pair (2001: not a leap year, so 02-29 is refused)
        return m, d
    except (ValueError, TypeError):
        raise ConfigError(f"{file}：{key} 应为“月-日”格式（如 11-15），实际为 {value!r}") from None


def _number(section: dict[str, Any], key: str, default: float, file: str, prefix: str,
            integer: bool = False, lo: float = 0, hi: float | None = None) -> Any:
    if key not in section:
        return default
    v = section[key]
    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    if ok and integer and not float(v).is_integer():
        ok = False
    if ok and (v < lo or (hi is not None and v > hi)):
        ok = False
    if not ok:
        kind = "整数" if integer else "数字"
        rng = f"，范围 {lo}–{hi}" if hi is not None else f"，不小于 {lo}"
        raise ConfigError(f"{file}：{prefix}{key} 应为{kind}{rng}，实际为 {v!r}")
    return int(v) if integer else float(v)


def _section(data: dict[str, Any], key: str, file: str) -> dict[str, Any]:
    sec = data.get(key, {})
    if not isinstance(sec, dict):
        raise ConfigError(f"{file}：[{key}] 应为一个配置节")
    return sec


def _unknown(section: dict[str, Any], known: set[str], file: str, prefix: str) -> None:
    """A misspelt key must not silently fall back to its default: name it."""
    extra = sorted(set(section) - known)
    if extra:
        raise ConfigError(f"{file}：{prefix}{extra[0]} 不是可识别的配置项（可用：{'、'.join(sorted(known))}）")


def _fill(cls: type, section: dict[str, Any], file: str, prefix: str) -> Any:
    """Build a dataclass of numbers from a TOML section, validating each key.

    Integer or decimal is decided by the field's declared type (a weight of 7.5 is fine, a count of 2.5 is not).
    """
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for name, f in cls.__dataclass_fields__.items():
        d = getattr(defaults, name)
        if isinstance(d, bool):
            if name in section:
                if not isinstance(section[name], bool):
                    raise ConfigError(f"{file}：{prefix}{name} 应为 true 或 false，实际为 {section[name]!r}")
                kwargs[name] = section[name]
            continue
        kwargs[name] = _number(section, name, d, file, prefix, integer=str(f.type) == "int")
    _unknown(section, set(cls.__dataclass_fields__), file, prefix)
    return cls(**kwargs)


def _ordered(obj: Any, names: tuple[str, ...], file: str, prefix: str, strict: bool = False) -> None:
    """Thresholds that must not decrease from the most severe level down (e.g. red >= orange >= yellow)."""
    for hi, lo in itertools.pairwise(names):
        a, b = getattr(obj, hi), getattr(obj, lo)
        if a < b or (strict and a == b):
            rel = "大于" if strict else "不小于"
            raise ConfigError(f"{file}：{prefix}{hi}（{a:g}）应{rel} {prefix}{lo}（{b:g}）")


_TOP = {"campaign", "deadline", "targets", "warning", "score", "repeat", "clearing", "roster"}


def parse_rules(text: str, file: str = "rules.toml") -> Rules:
    """Parse and validate a rules TOML text. Raises ConfigError with a Chinese message naming the key."""
    from huxin.vocab import CLUE_SOURCES

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}：TOML 格式错误（{e}）") from None
    _unknown(data, _TOP, file, "")
    camp = _section(data, "campaign", file)
    _unknown(camp, {"name", "start", "deadline", "year_end_deadline", "year_end_investment_types"}, file,
             "campaign.")
    dl = _section(data, "deadline", file)
    _unknown(dl, {"days", "by_source"}, file, "deadline.")
    tg = _section(data, "targets", file)
    _unknown(tg, {"closure_rate", "large_workers", "large_amount"}, file, "targets.")
    warn = _section(data, "warning", file)
    _unknown(warn, {"clue", "project", "county"}, file, "warning.")
    name = camp.get("name", "根治欠薪冬季专项行动")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{file}：campaign.name 应为非空文本，实际为 {name!r}")
    deadline = str(camp.get("deadline", "eve"))  # an unquoted TOML date arrives as dt.date; str() gives ISO
    if deadline not in ("eve", "festival"):
        try:
            dt.date.fromisoformat(deadline)
        except ValueError:
            raise ConfigError(f"{file}：campaign.deadline 应为 eve、festival 或日期 YYYY-MM-DD，实际为 {deadline!r}") \
                from None
    by_source = dl.get("by_source", {})
    if not isinstance(by_source, dict):
        raise ConfigError(f"{file}：[deadline.by_source] 应为一个配置节")
    for k in by_source:
        if k not in CLUE_SOURCES:
            raise ConfigError(f"{file}：deadline.by_source.{k} 不是线索来源渠道（可用：{'、'.join(CLUE_SOURCES)}）")
    by_source_days = tuple(
        (str(k), _number(by_source, k, 10, file, "deadline.by_source.", integer=True, lo=1, hi=365))
        for k in by_source)
    inv = camp.get("year_end_investment_types", ["government", "soe", "ppp"])
    if not isinstance(inv, list) or not all(x in ("government", "soe", "ppp", "private") for x in inv):
        raise ConfigError(f"{file}：campaign.year_end_investment_types 只能包含 government、soe、ppp、private")
    rep = _section(data, "repeat", file)
    _unknown(rep, {"window_days"}, file, "repeat.")
    clr = _section(data, "clearing", file)
    _unknown(clr, {"pace_window_workdays", "risk_days"}, file, "clearing.")
    ros = _section(data, "roster", file)
    _unknown(ros, {"fresh_days"}, file, "roster.")
    rules = Rules(
        campaign_name=name.strip(),
        campaign_start=_month_day(camp.get("start", "11-15"), "campaign.start", file),
        deadline=deadline,
        year_end_deadline=_month_day(camp.get("year_end_deadline", "12-31"), "campaign.year_end_deadline", file),
        year_end_investment_types=tuple(inv),
        deadline_days=_number(dl, "days", 10, file, "deadline.", integer=True, lo=1, hi=365),
        deadline_by_source=by_source_days,
        target_closure_rate=_number(tg, "closure_rate", 0.98, file, "targets.", lo=0, hi=1),
        large_workers=_number(tg, "large_workers", 30, file, "targets.", integer=True, lo=1),
        large_amount=_number(tg, "large_amount", 1_000_000, file, "targets.", lo=0),
        clue_warning=_fill(ClueWarningRules, _section(warn, "clue", file), file, "warning.clue."),
        project_warning=_fill(ProjectWarningRules, _section(warn, "project", file), file, "warning.project."),
        county_warning=_fill(CountyWarningRules, _section(warn, "county", file), file, "warning.county."),
        score=_fill(ScoreWeights, _section(data, "score", file), file, "score."),
        repeat_window_days=_number(rep, "window_days", 90, file, "repeat.", integer=True, lo=1),
        pace_window_workdays=_number(clr, "pace_window_workdays", 10, file, "clearing.", integer=True, lo=1),
        risk_days=_number(clr, "risk_days", 15, file, "clearing.", integer=True, lo=0),
        roster_fresh_days=_number(ros, "fresh_days", 7, file, "roster.", integer=True, lo=1),
    )
    # Level thresholds out of order would make a level unreachable (a 黄 that can never show): refuse them.
    _ordered(rules.clue_warning, ("blue_within_workdays", "yellow_within_workdays"), file, "warning.clue.")
    _ordered(rules.project_warning, ("red", "orange", "yellow", "blue"), file, "warning.project.", strict=True)
    _ordered(rules.county_warning, ("red_overdue", "orange_overdue", "yellow_overdue"), file, "warning.county.")
    _ordered(rules.score, ("grade_a", "grade_b", "grade_c"), file, "score.", strict=True)
    if rules.county_warning.yellow_overdue < 1:
        raise ConfigError(f"{file}：warning.county.yellow_overdue 应不小于 1，实际为 {rules.county_warning.yellow_overdue}")
    return rules


@lru_cache(maxsize=8)
def _load_rules_cached(path: str, mtime_ns: int) -> Rules:
    return parse_rules(Path(path).read_text(encoding="utf-8"), file=Path(path).name)


def load_rules(path: Path | None = None) -> Rules:
    """The office's rules; reloaded when the file changes (keyed on its mtime)."""
    p = Path(os.environ.get("ARREARS_RULES", path or RULES_FILE))
    if not p.exists():
        return Rules()
    return _load_rules_cached(str(p), p.stat().st_mtime_ns)
