"""导入情况: per-file accounting, the rejected/warned rows with personal data masked, and who may see them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from huxin import data, db

AS_OF = dt.date(2026, 11, 20)
PHONE = "13812345678"


def clue(cid: str, county: str, received: str) -> dict[str, Any]:
    return {"线索编号": cid, "来源渠道": "12345热线", "反映时间": received, "所属区县": county, "被反映单位": "开封市某建筑公司",
            "涉及人数": 3, "涉及金额（元）": 20000, "办理状态": "办理中", "反映人": "张三", "联系电话": "13912341234"}


@pytest.fixture
def quality_db(make_db: Callable[..., Path]) -> Path:
    """One file with 4 data rows: 1 loaded, 2 rejected (a county typed with a phone number in it, a date in the
    future), 1 合计 row — so 4 = 1 + 2 + 1. Marked as demo data so the app runs without accounts."""
    rows = [clue("Q001", "410202", "2026-11-02"), clue("Q002", f"火星区 {PHONE}", "2026-11-03"),
            clue("Q003", "410203", "2027-01-03"), {"线索编号": "合计", "涉及人数": 9}]
    path = make_db(clues=rows, today=AS_OF)
    with db.writer(path) as con:
        db.meta_set(con, "is_demo", "1")
    return path


def frame_with(at: Any, *cols: str) -> Any:
    found = [d.value for d in at.dataframe if set(cols) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_accounting_and_masked_issues(quality_db: Path, app_test: Callable[..., Any]) -> None:
    at = app_test(quality_db, page="quality", as_of=AS_OF)
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["本批数据行"], metrics["本批导入"], metrics["本批拒收"]) == ("4", "1", "2")

    files = frame_with(at, "rows_in", "loaded", "rejected", "skipped_summary", "check")
    f = files.iloc[0]
    assert (f["rows_in"], f["loaded"], f["rejected"], f["skipped_summary"]) == (4, 1, 2, 1)
    assert f["check"] == "相符" and f["kind"] == "线索台账"

    fresh = frame_with(at, "ledger", "field", "newest")
    clues_row = fresh[(fresh["ledger"] == "线索台账") & (fresh["field"] == "反映时间")].iloc[0]
    assert clues_row["records"] == 1 and str(clues_row["newest"])[:10] == "2026-11-02"

    issues = frame_with(at, "row_number", "column_name", "value", "reason")
    assert sorted(issues["column_name"]) == ["反映时间", "所属区县"]
    assert set(issues["severity"]) == {"拒收"}
    county_issue = issues[issues["column_name"] == "所属区县"].iloc[0]
    assert county_issue["row_number"] == 3  # the header is row 1, Q002 the second data row
    assert county_issue["value"] == "火星区 138****5678"
    # the phone number appears nowhere: neither in the value nor in the reason that quotes it
    assert not issues.astype(str).apply(lambda c: c.str.contains(PHONE)).any().any()


def test_admin_may_unmask(quality_db: Path, app_test: Callable[..., Any]) -> None:
    at = app_test(quality_db, page="quality", as_of=AS_OF)
    at.toggle(key="unmask_toggle").set_value(True).run()
    assert not at.exception
    issues = frame_with(at, "row_number", "column_name", "value", "reason")
    assert f"火星区 {PHONE}" in issues["value"].tolist()


def test_analyst_sees_masked_and_county_user_no_rows(quality_db: Path, app_test: Callable[..., Any]) -> None:
    at = app_test(quality_db, page="quality", as_of=AS_OF, role="city_analyst")
    assert not at.exception
    assert not any(t.key == "unmask_toggle" for t in at.toggle)  # an analyst cannot unmask
    issues = frame_with(at, "row_number", "column_name", "value", "reason")
    assert "火星区 138****5678" in issues["value"].tolist()

    at = app_test(quality_db, page="quality", as_of=AS_OF, role="county_user", county="410202")
    assert not at.exception
    # issue rows span every county (load_issues has no county column): a county user gets none of them — the role
    # may not open the page at all (huxin.auth), and if it ever may, the page shows batch totals only
    refused = any("无权" in e.value for e in at.error)
    totals_only = any("县区用户只能查看导入批次的合计数" in i.value for i in at.info)
    not_offered = not any(t.value == "导入情况" for t in at.title)  # navigation does not offer the page to the role
    assert refused or totals_only or not_offered
    assert PHONE[-4:] not in " ".join(str(df.value.to_string()) for df in at.dataframe)
    assert not [d for d in at.dataframe if "reason" in d.value.columns]
    assert not any(PHONE[-4:] in str(d.value.to_dict()) for d in at.dataframe)


def test_load_issue_rows_masks_personal_columns(quality_db: Path, use_db: Callable[[Path], Path]) -> None:
    with db.writer(quality_db) as con:
        con.execute("""INSERT INTO load_issues VALUES
            (1, 'x.csv', '', 7, '联系电话', '13912345678', 'warning', '号码位数不对', NULL),
            (1, 'x.csv', '', 8, '反映人', '欧阳娜娜', 'warning', '姓名含数字', NULL),
            (1, 'x.csv', '', 9, '身份证号', '410202199001011234', 'warning', '校验位错误 410202199001011234', NULL)""")
    use_db(quality_db)
    masked = data.load_issue_rows.uncached(data.Scope())  # type: ignore[attr-defined]
    by_row = masked.set_index("row_number")
    assert by_row.loc[7, "value"] == "139****5678"
    assert by_row.loc[8, "value"] == "欧***"
    assert by_row.loc[9, "value"] == "4102**********1234"
    assert "410202199001011234" not in by_row.loc[9, "reason"]
    plain = data.load_issue_rows.uncached(data.Scope(unmask=True)).set_index("row_number")  # type: ignore[attr-defined]
    assert plain.loc[8, "value"] == "欧阳娜娜"
    assert data.load_issue_rows.uncached(data.Scope(counties=("410202",))).empty  # type: ignore[attr-defined]
