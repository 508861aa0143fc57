"""Working days, due dates and the Spring Festival deadline, checked against dates worked out by hand.

2026 (chinese-calendar, State Council schedule): Mid-Autumn Fri 25 – Sun 27 September off; National Day Thu 1 – Wed 7
October off; Sunday 20 September and Saturday 10 October are make-up working days. 2027 is not in chinese-calendar:
it comes from a local holiday file, or is computed Monday–Friday with a warning naming the year.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from huxin.config import ConfigError, Rules
from huxin.workdays import (
    WorkCalendar,
    campaign_for,
    parse_holiday_file,
    spring_festival,
    work_calendar,
)

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """chinese-calendar only (no local file): 2027 falls back to Monday–Friday."""
    return WorkCalendar.build({})


# A 2027 schedule written the way an office would enter it. The dates are made up for the test (the State Council
# had not published 2027 when this was written): Spring Festival break Fri 5 – Thu 11 February, make-up Sat 13 February.
HOLIDAYS_2027 = """
[2027]
holidays = ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10",
            "2027-02-11"]
workdays = ["2027-02-13"]
"""


def test_the_2026_schedule_is_the_published_one() -> None:
    # guards the hand computations below: if the package's data changed, they would be wrong, not the code
    assert not chinese_calendar.is_workday(D(2026, 9, 25))        # 中秋 Friday
    assert chinese_calendar.is_workday(D(2026, 9, 20))            # Sunday make-up day
    assert chinese_calendar.is_workday(D(2026, 10, 10))           # Saturday make-up day
    assert not any(chinese_calendar.is_workday(D(2026, 10, d)) for d in range(1, 8))


def test_is_workday_follows_holidays_and_make_up_days(cal: WorkCalendar) -> None:
    assert cal.is_workday(D(2026, 9, 20))        # Sunday, make-up
    assert cal.is_workday(D(2026, 10, 10))       # Saturday, make-up
    assert not cal.is_workday(D(2026, 9, 25))    # Friday, Mid-Autumn
    assert not cal.is_workday(D(2026, 10, 1))
    assert not cal.is_workday(D(2026, 10, 11))   # ordinary Sunday
    assert cal.is_workday(D(2026, 10, 8))


@pytest.mark.parametrize(("received", "n", "due", "why"), [
    # Thu 24 Sep: 28(1) 29(2) 30(3) | 1–7 Oct off | 8(4) 9(5) 10 Sat make-up(6) | 12(7) 13(8) 14(9) 15(10)
    (D(2026, 9, 24), 10, D(2026, 10, 15), "across Mid-Autumn and National Day"),
    # Fri 25 Sep is itself a holiday: the receiving day never counts, so the same count as from the 24th
    (D(2026, 9, 25), 10, D(2026, 10, 15), "received on a holiday"),
    # Sun 20 Sep (make-up day): 21(1) 22(2) 23(3) 24(4) | 25–27 off | 28(5) 29(6) 30(7) | 8(8) 9(9) 10(10)
    (D(2026, 9, 20), 10, D(2026, 10, 10), "received on a make-up Sunday, due on a make-up Saturday"),
    # Wed 30 Sep: 8(1) 9(2) 10(3) 12(4) 13(5) 14(6) 15(7) 16(8) 19(9) 20(10)
    (D(2026, 9, 30), 10, D(2026, 10, 20), "the day before National Day"),
    # Sat 3 Oct (inside the break): the first working day after it is Thu 8 Oct, as from 30 Sep
    (D(2026, 10, 3), 10, D(2026, 10, 20), "received inside the National Day break"),
    (D(2026, 9, 30), 1, D(2026, 10, 8), "one working day over the break"),
    (D(2026, 9, 30), 3, D(2026, 10, 10), "the third is the make-up Saturday"),
    (D(2026, 9, 24), 1, D(2026, 9, 28), "one working day over Mid-Autumn"),
    # Tue 1 Sep, no holiday: 2 3 4 7 8 9 10 11 14 15
    (D(2026, 9, 1), 10, D(2026, 9, 15), "ordinary fortnight"),
])
def test_due_date_is_the_nth_working_day_after_receipt(cal: WorkCalendar, received: dt.date, n: int,
                                                       due: dt.date, why: str) -> None:
    assert cal.add_workdays(received, n) == due, why


def test_workdays_between_and_back(cal: WorkCalendar) -> None:
    # (30 Sep, 10 Oct] holds 8, 9, 10 October
    assert cal.workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert cal.workdays_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert cal.workdays_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    # 10 working days back from Tue 20 Oct: 20 19 16 15 14 13 12 10 9 8 → the window is (30 Sep, 20 Oct]
    assert cal.workdays_back(D(2026, 10, 20), 10) == D(2026, 9, 30)
    assert cal.workdays_between(cal.workdays_back(D(2026, 10, 20), 10), D(2026, 10, 20)) == 10
    with pytest.raises(ValueError):
        cal.add_workdays(D(2026, 9, 30), 0)


def test_frame_matches_the_methods(cal: WorkCalendar) -> None:
    f = cal.frame().set_index("d")
    for day in (D(2026, 9, 20), D(2026, 9, 25), D(2026, 10, 10), D(2027, 1, 1)):
        row = f.loc[str(day)]
        assert bool(row["is_workday"]) == cal.is_workday(day)
        assert int(row["ordinal"]) == cal.ordinal(day)


def test_uncovered_year_is_monday_to_friday_and_warned(cal: WorkCalendar) -> None:
    assert not cal.covered(2027) and cal.covered(2026)
    # Mon–Fri fallback: Fri 1 Jan 2027 and Fri 5 Feb 2027 count as working days
    assert cal.is_workday(D(2027, 1, 1)) and cal.is_workday(D(2027, 2, 5))
    assert cal.add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 5)
    warns = cal.warnings_for(D(2026, 11, 15), D(2027, 2, 5))
    assert len(warns) == 1
    assert "2027 年" in warns[0] and "周一至周五" in warns[0] and "holidays.toml" in warns[0]
    assert "2026" not in warns[0]
    assert cal.warnings_for(D(2026, 1, 1), D(2026, 12, 31)) == []
    # two uncovered years: one warning each, naming each
    assert [w[:4] for w in cal.warnings_for(D(2027, 3, 1), D(2028, 2, 1))] == ["2027", "2028"]


def test_local_holiday_file_covers_a_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "holidays.toml"
    f.write_text(HOLIDAYS_2027, encoding="utf-8")
    monkeypatch.setenv("ARREARS_HOLIDAYS", str(f))
    cal = work_calendar()
    assert cal.covered(2027) and 2027 in cal.local_years
    assert cal.warnings_for(D(2026, 11, 15), D(2027, 2, 5)) == []
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.is_workday(D(2027, 2, 13))                       # Saturday make-up day
    # Thu 4 Feb: 5–11 off | Fri 12(1) | Sat 13 make-up(2) | Mon 15(3)
    assert cal.add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 12)
    assert cal.add_workdays(D(2027, 2, 4), 2) == D(2027, 2, 13)
    assert cal.add_workdays(D(2027, 2, 4), 3) == D(2027, 2, 15)
    # Thu 31 Dec 2026 + 1: Fri 1 Jan 2027 is now a holiday → Mon 4 Jan
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # 2026 still comes from chinese-calendar
    assert cal.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # 2028 is covered by neither
    assert "2028" in cal.warnings_for(D(2027, 11, 15), D(2028, 1, 25))[0]


def test_local_file_overrides_the_package_for_its_year() -> None:
    # an office that corrects a year (e.g. a late change by the State Council) wins over the package
    cal = WorkCalendar.build(parse_holiday_file('[2026]\nholidays = ["2026-10-08"]\nworkdays = []\n'))
    assert not cal.is_workday(D(2026, 10, 8))
    assert cal.is_workday(D(2026, 10, 1))     # the file lists the whole year: 1 Oct is an ordinary Thursday here


@pytest.mark.parametrize(("text", "key"), [
    ('[2027]\nholidays = ["2027-02-30"]', "2027.holidays"),
    ('[2027]\nholidays = ["2026-10-01"]', "2027.holidays"),
    ('[2027]\nholidays = "2027-01-01"', "2027.holidays"),
    ('[2027]\nholiday = ["2027-01-01"]', "2027.holiday"),
    ('[2027]\nholidays = ["2027-02-13"]\nworkdays = ["2027-02-13"]', "2027-02-13"),
    ("[next]\nholidays = []", "[next]"),
    ("[2027\n", "TOML"),
])
def test_malformed_holiday_file_is_a_chinese_error_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_holiday_file(text)
    assert key in str(e.value)
    assert "holidays.toml" in str(e.value)


def test_spring_festival_from_the_lunar_calendar() -> None:
    assert spring_festival(2027) == D(2027, 2, 6)
    assert spring_festival(2026) == D(2026, 2, 17)
    assert spring_festival(2028) == D(2028, 1, 26)


def test_campaign_deadline_defaults_to_the_eve() -> None:
    c = campaign_for(D(2026, 11, 20), Rules())
    assert (c.start, c.festival, c.deadline, c.year_end_deadline) == (
        D(2026, 11, 15), D(2027, 2, 6), D(2027, 2, 5), D(2026, 12, 31))


@pytest.mark.parametrize(("as_of", "start", "deadline"), [
    (D(2026, 10, 20), D(2026, 11, 15), D(2027, 2, 5)),    # before the campaign: the coming one (issue's example)
    (D(2026, 6, 1), D(2026, 11, 15), D(2027, 2, 5)),
    (D(2027, 1, 10), D(2026, 11, 15), D(2027, 2, 5)),     # inside it
    (D(2027, 2, 5), D(2026, 11, 15), D(2027, 2, 5)),      # on the deadline itself
    (D(2027, 2, 6), D(2027, 11, 15), D(2028, 1, 25)),     # the day after: the next winter (春节 2028-01-26)
    (D(2026, 2, 16), D(2025, 11, 15), D(2026, 2, 16)),    # last winter replayed on its eve
])
def test_campaign_for_is_the_one_whose_deadline_is_not_past(as_of: dt.date, start: dt.date,
                                                            deadline: dt.date) -> None:
    c = campaign_for(as_of, Rules())
    assert (c.start, c.deadline) == (start, deadline)
    assert c.year_end_deadline == D(start.year, 12, 31)


def test_campaign_deadline_is_configurable() -> None:
    assert campaign_for(D(2026, 11, 20), Rules(deadline="festival")).deadline == D(2027, 2, 6)
    fixed = campaign_for(D(2026, 11, 20), Rules(deadline="2027-01-31"))
    assert (fixed.start, fixed.deadline) == (D(2026, 11, 15), D(2027, 1, 31))
    early = campaign_for(D(2026, 11, 20), Rules(campaign_start=(11, 1), year_end_deadline=(12, 20)))
    assert (early.start, early.year_end_deadline) == (D(2026, 11, 1), D(2026, 12, 20))
