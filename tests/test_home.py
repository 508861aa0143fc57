"""AppTest of the home page on the city demo."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from huxin import data
from tests.conftest import AS_OF


def metric(at: Any, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_home_shows_city_kpis_equal_to_the_data_layer(city_db: Path, app_test: Any) -> None:
    at = app_test(city_db)
    assert not at.exception
    year = data.totals(data.ALL, AS_OF, dt.date(AS_OF.year, 1, 1))
    assert metric(at, "本年受理线索") == f"{year['received']:,}"
    assert metric(at, "超期未办结") == f"{year['overdue_open']:,}"
    assert metric(at, "存量（线索+案件）") == f"{year['open_stock']:,}"
    assert metric(at, "本年办结率") == f"{year['closure_rate']:.1%}"
    camp = data.context(AS_OF).campaign
    assert metric(at, "距春节清零期限") == f"{(camp.deadline - AS_OF).days} 天"
    text = " ".join(str(c.value) for c in at.caption)
    assert "数据截至 2026年11月20日" in text and "最近导入" in text


def test_home_marks_demo_data(city_db: Path, app_test: Any) -> None:
    at = app_test(city_db)
    assert any("演示数据" in str(getattr(el, "proto", "")) for el in at.main)
