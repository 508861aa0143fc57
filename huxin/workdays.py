"""Working days (工作日) and the Spring Festival deadline.

Statutory holidays and make-up working days come from chinese-calendar, which only knows the years whose schedule the
State Council had published when it was released (2026 at the latest). The office enters later years in
config/holidays.toml. A year covered by neither is computed as Monday–Friday and reported by ``warnings_for`` — the
pages, exports and CLI show that warning, because a silently wrong due date is worse than a loud one.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
from lunardate import LunarDate

from huxin.config import HOLIDAYS_FILE, ConfigError, Rules

# The calendar is materialised for this range once per process; SQL joins against it.
CAL_START = dt.date(2010, 1, 1)
CAL_END = dt.date(2035, 12, 31)


def _package_years() -> frozenset[int]:
    years = set()
    for y in range(CAL_START.year, CAL_END.year + 1):
        try:
            chinese_calendar.is_workday(dt.date(y, 6, 1))
            years.add(y)
        except NotImplementedError:
            pass
    return frozenset(years)


def parse_holiday_file(text: str, file: str = "holidays.toml") -> dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]]:
    """{year: (holidays, make-up workdays)} from the local holiday file; Chinese errors name the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}：TOML 格式错误（{e}）") from None
    out: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = {}
    for key, section in data.items():
        if not key.isdigit() or not isinstance(section, dict):
            raise ConfigError(f"{file}：[{key}] 应为年份配置节，如 [2027]")
        year = int(key)
        unknown = set(section) - {"holidays", "workdays"}
        if unknown:
            raise ConfigError(f"{file}：{key}.{min(unknown)} 不是可识别的配置项（只能是 holidays 或 workdays）")
        sets: list[frozenset[dt.date]] = []
        for name in ("holidays", "workdays"):
            vals = section.get(name, [])
            if not isinstance(vals, list):
                raise ConfigError(f"{file}：{key}.{name} 应为日期列表")
            days = set()
            for v in vals:
                try:
                    d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
                except ValueError:
                    raise ConfigError(f"{file}：{key}.{name} 中的 {v!r} 不是日期（应为 YYYY-MM-DD）") from None
                if d.year != year:
                    raise ConfigError(f"{file}：{key}.{name} 中的 {d} 不属于 {year} 年")
                days.add(d)
            sets.append(frozenset(days))
        both = sets[0] & sets[1]
        if both:
            raise ConfigError(f"{file}：{min(both)} 同时出现在 {key}.holidays 和 {key}.workdays 中")
        out[year] = (sets[0], sets[1])
    return out


@dataclass(frozen=True)
class WorkCalendar:
    """Immutable working-day calendar over [CAL_START, CAL_END]."""

    dates: tuple[dt.date, ...]
    workday_list: tuple[dt.date, ...]  # sorted working days
    local_years: frozenset[int]
    package_years: frozenset[int]

    # -- construction ---------------------------------------------------------------------------
    @staticmethod
    def build(local: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] | None = None) -> WorkCalendar:
        local = local or {}
        pkg = _package_years()
        # chinese_calendar.is_workday re-validates the year range on every call (slow over 26 years of days);
        # this is its exact rule on its own tables.
        pkg_hol, pkg_work = chinese_calendar.constants.holidays, chinese_calendar.constants.workdays
        dates: list[dt.date] = []
        work: list[dt.date] = []
        d = CAL_START
        one = dt.timedelta(days=1)
        while d <= CAL_END:
            if d.year in local:
                hol, mk = local[d.year]
                w = d in mk or (d.weekday() < 5 and d not in hol)
            elif d.year in pkg:
                w = d in pkg_work or (d.weekday() < 5 and d not in pkg_hol)
            else:
                w = d.weekday() < 5
            dates.append(d)
            if w:
                work.append(d)
            d += one
        return WorkCalendar(tuple(dates), tuple(work), frozenset(local), pkg)

    # -- queries --------------------------------------------------------------------------------
    def covered(self, year: int) -> bool:
        return year in self.local_years or year in self.package_years

    def warnings_for(self, start: dt.date, end: dt.date) -> list[str]:
        """Visible warnings for every year in [start, end] that no schedule covers."""
        return [
            f"{y} 年的法定节假日安排未配置（chinese-calendar 未收录，config/holidays.toml 中也没有），"
            f"{y} 年的工作日暂按周一至周五计算，办结时限和倒计时可能不准确。请在 config/holidays.toml 中录入国务院公布的 {y} 年节假日安排。"
            for y in range(start.year, end.year + 1) if not self.covered(y)
        ]

    def is_workday(self, d: dt.date) -> bool:
        i = bisect_left(self.workday_list, d)
        return i < len(self.workday_list) and self.workday_list[i] == d

    def ordinal(self, d: dt.date) -> int:
        """Number of working days on or before d (within the calendar range)."""
        return bisect_right(self.workday_list, d)

    def add_workdays(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after d; d itself never counts, whatever day it is."""
        if n < 1:
            raise ValueError("n must be >= 1")
        return self.workday_list[self.ordinal(d) + n - 1]

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative when b < a (then -(working days in (b, a]))."""
        return self.ordinal(b) - self.ordinal(a)

    def workdays_back(self, d: dt.date, n: int) -> dt.date:
        """The date n working days before d: (result, d] holds exactly n working days."""
        k = self.ordinal(d) - n
        return self.workday_list[k - 1] if k >= 1 else CAL_START

    def frame(self) -> pd.DataFrame:
        """date, is_workday, ordinal — registered in DuckDB so due dates are computed in SQL, not per row."""
        dates = np.array(self.dates, dtype="datetime64[D]")
        work = np.isin(dates, np.array(self.workday_list, dtype="datetime64[D]"))
        return pd.DataFrame({"d": dates, "is_workday": work, "ordinal": np.cumsum(work).astype("int32")})


@lru_cache(maxsize=4)
def _calendar_for(path: str, mtime_ns: int) -> WorkCalendar:
    p = Path(path)
    local = parse_holiday_file(p.read_text(encoding="utf-8"), p.name) if p.exists() else {}
    return WorkCalendar.build(local)


def holidays_key(path: Path | None = None) -> str:
    """Identity of the holiday file (path + mtime): part of every cache key, so editing it refreshes all pages."""
    import os

    p = Path(os.environ.get("ARREARS_HOLIDAYS", path or HOLIDAYS_FILE))
    return f"{p}:{p.stat().st_mtime_ns if p.exists() else 0}"


def work_calendar(path: Path | None = None) -> WorkCalendar:
    """The process-wide calendar, rebuilt when config/holidays.toml changes."""
    import os

    p = Path(os.environ.get("ARREARS_HOLIDAYS", path or HOLIDAYS_FILE))
    return _calendar_for(str(p), p.stat().st_mtime_ns if p.exists() else 0)


# ---------------------------------------------------------------------------------------------
# Spring Festival and the campaign
def spring_festival(year: int) -> dt.date:
    """Lunar new year's day of the given Gregorian year (lunardate; never hard-coded)."""
    return LunarDate(year, 1, 1).to_solar_date()


@dataclass(frozen=True)
class Campaign:
    start: dt.date             # 冬季专项行动开始 (baseline of the burn-down)
    festival: dt.date          # 春节
    deadline: dt.date          # 清零期限 (default 除夕)
    year_end_deadline: dt.date  # 政府投资/国企/PPP 项目案件 31 December


def _deadline_of(start_year: int, rules: Rules) -> tuple[dt.date, dt.date]:
    """(Spring Festival, clearing deadline) of the campaign that starts in start_year."""
    festival = spring_festival(start_year + 1)
    if rules.deadline == "eve":
        return festival, festival - dt.timedelta(days=1)  # 除夕: the last day of the lunar year
    if rules.deadline == "festival":
        return festival, festival
    return festival, dt.date.fromisoformat(rules.deadline)


def campaign_for(as_of: dt.date, rules: Rules) -> Campaign:
    """The winter campaign whose clearing deadline is on or after as_of: the running one, or after a Spring Festival
    the coming one (so in October the countdown and the 31 December deadline are those of this coming winter).

    Before the coming campaign has started, ``start`` lies after as_of; callers take the burn-down baseline at
    min(start, as_of). An explicit deadline date in the rules fixes the campaign to the one ending then.
    """
    m, d = rules.campaign_start
    if rules.deadline not in ("eve", "festival"):
        fixed = dt.date.fromisoformat(rules.deadline)
        start_year = fixed.year if dt.date(fixed.year, m, d) <= fixed else fixed.year - 1
    else:
        start_year = as_of.year - 1
        if as_of > _deadline_of(start_year, rules)[1]:
            start_year = as_of.year
    festival, deadline = _deadline_of(start_year, rules)
    ym, yd = rules.year_end_deadline
    return Campaign(dt.date(start_year, m, d), festival, deadline, dt.date(start_year, ym, yd))
