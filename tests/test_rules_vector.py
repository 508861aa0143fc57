"""The vectorised warning frames (huxin.rules.project_warning_frame, clue_warning_frame) against the scalar rules.

project_risk and clue_warning are the definitions; the frames must give the same scores, levels and reason texts
row for row — and the same columns, with the same dtypes, as building them row by row with the scalar functions
(what the frames did before they were vectorised). Rules: config/rules.toml (floats from the file), the dataclass
defaults (ints: sum() then returns ints) and a rules set with fractional points (0.1 points per clue in 90 days is
not an exact binary fraction, so those rows go through project_risk itself).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from huxin import rules as R
from huxin.config import ClueWarningRules, ProjectWarningRules, Rules, load_rules
from huxin.vocab import CORE_SAFEGUARDS, SAFEGUARDS

TOML = load_rules()
FRACTIONAL = Rules(project_warning=ProjectWarningRules(points_per_clue_90d=0.1, points_per_repeat_clue=2.5,
                                                       points_per_100k_owed=0.7, max_owed_points=12.5))
RULE_SETS = {"toml": TOML, "defaults": Rules(), "fractional": FRACTIONAL}
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COUNT_COLS = ("open_clues", "clues_90d", "repeat_clues")


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _in_place(v: Any) -> bool:
    """`v is True`, on the value as a row of the frame gives it (numpy's True is boxed to True)."""
    return v is True or v is np.True_


def _expected_projects(df: pd.DataFrame, raw: list[dict[str, Any]], rules: Rules) -> pd.DataFrame:
    """project_risk row by row, assembled as the frame always was (lists assigned to a copy). Safeguards: in place
    only when the value is True (None, NaN, NA, False, 1, 1.0 are missing); missing counts are 0, a missing amount
    owed is none."""
    out = df.copy()
    scores, levels, reasons, missing = [], [], [], []
    for row in raw:
        core = [SAFEGUARDS[c] for c in CORE_SAFEGUARDS if not _in_place(row[c])]
        counts = [0 if _missing(row[c]) else int(row[c]) for c in COUNT_COLS]
        owed = 0.0 if _missing(row["amount_owed"]) else float(row["amount_owed"])
        s, w = R.project_risk(core, *counts, row["status"] == "suspended", owed, rules)
        scores.append(s)
        levels.append(w.level)
        reasons.append("；".join(w.reasons))
        missing.append("、".join(SAFEGUARDS[c] for c in SAFEGUARDS if not _in_place(row[c])))
    out["missing_safeguards"] = missing
    out["risk_score"] = scores
    out["warning_level"] = levels
    out["warning_reasons"] = reasons
    return out


OFFSETS = (0.0, -0.05, -0.04, -0.06, 0.04, 0.05, -1e-9)   # on, and a rounding step either side of, a threshold


def _threshold_amounts(rules: Rules) -> list[float]:
    """Amounts owed whose points alone land on, just under and just over each level threshold (and the cap)."""
    p = rules.project_warning
    out = []
    for t in (p.red, p.orange, p.yellow, p.blue, p.max_owed_points):
        for d in OFFSETS:
            pts = t + d
            if 0 < pts <= p.max_owed_points:
                out.append(pts * 100_000 / p.points_per_100k_owed)
    return out


def _threshold_rows(rules: Rules) -> list[dict[str, Any]]:
    """Projects scoring on, and a rounding step either side of, every level threshold: missing core safeguards,
    open clues and a suspension make up the base, an amount owed the rest."""
    p = rules.project_warning
    rows = []
    for t in (p.red, p.orange, p.yellow, p.blue):
        for d in OFFSETS:
            for missing in range(len(CORE_SAFEGUARDS) + 1):
                for open_clues in range(4):
                    for suspended in (False, True):
                        base = (p.points_per_missing_core_safeguard * missing + p.points_per_open_clue * open_clues
                                + (p.points_suspended if suspended else 0))
                        pts = t + d - base
                        if not 0 < pts <= p.max_owed_points:
                            continue
                        rows.append({**{c: c not in CORE_SAFEGUARDS[:missing] for c in SAFEGUARDS},
                                     "open_clues": open_clues, "clues_90d": 0, "repeat_clues": 0,
                                     "status": "suspended" if suspended else "active",
                                     "amount_owed": pts * 100_000 / p.points_per_100k_owed})
    return rows


safeguard_value = st.sampled_from([True, True, True, False, None, math.nan, pd.NA, 1, 1.0, np.True_])
count_value = st.one_of(st.integers(0, 6), st.just(None), st.just(math.nan), st.sampled_from([0, 1, 12, 200]))
amount_value = st.one_of(st.just(None), st.just(math.nan), st.just(0.0), st.just(-5_000.0),
                         st.floats(0, 3_000_000, allow_nan=False), st.sampled_from([1e9, 123_456.0, 999_999.99]),
                         st.sampled_from(_threshold_amounts(TOML)))


@st.composite
def project_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {c: draw(safeguard_value) for c in SAFEGUARDS}
    # bias towards few missing safeguards and small counts, so that scores fall around the thresholds
    if draw(st.booleans()):
        for c in SAFEGUARDS:
            if draw(st.integers(0, 3)):
                row[c] = True
    for c in COUNT_COLS:
        row[c] = draw(count_value)
    row["status"] = draw(st.sampled_from(["active", "active", "suspended", None, "completed"]))
    row["amount_owed"] = draw(amount_value)
    return row


def _frame(raw: list[dict[str, Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    """A projects frame as the data layer or a test might build it; safeguard and count columns in one of several
    dtypes (as inferred, object, nullable boolean / Int64 where the values allow it)."""
    df = pd.DataFrame(raw, columns=[*SAFEGUARDS, *COUNT_COLS, "status", "amount_owed"])
    for c in SAFEGUARDS:
        vals = [r[c] for r in raw]
        kind = dtypes.get(c, "inferred")
        if kind == "object":
            df[c] = pd.Series(vals, dtype=object)
        elif kind == "boolean" and all(v is True or v is False or _missing(v) for v in vals):
            df[c] = pd.array([None if _missing(v) else v for v in vals], dtype="boolean")
        elif kind == "bool" and all(v is True or v is False for v in vals):
            df[c] = np.array(vals, dtype=bool)
    for c in COUNT_COLS:
        vals = [r[c] for r in raw]
        kind = dtypes.get(c, "inferred")
        if kind == "Int64":
            df[c] = pd.array([None if _missing(v) else v for v in vals], dtype="Int64")
        elif kind == "object":
            df[c] = pd.Series(vals, dtype=object)
    return df


@FEW
@given(st.lists(project_rows(), min_size=1, max_size=25),
       st.fixed_dictionaries({c: st.sampled_from(["inferred", "object", "boolean", "bool"]) for c in SAFEGUARDS}
                             | {c: st.sampled_from(["inferred", "Int64", "object"]) for c in COUNT_COLS}),
       st.sampled_from(sorted(RULE_SETS)))
@example([{**{c: True for c in SAFEGUARDS}, "open_clues": 0, "clues_90d": 0, "repeat_clues": 0, "status": "active",
           "amount_owed": 0.0}], {}, "defaults")
def test_project_warning_frame_equals_project_risk_row_for_row(raw: list[dict[str, Any]], dtypes: dict[str, str],
                                                               rules_name: str) -> None:
    rules = RULE_SETS[rules_name]
    df = _frame(raw, dtypes)
    out = R.project_warning_frame(df, rules)
    pd.testing.assert_frame_equal(out, _expected_projects(df, raw, rules), check_exact=True)
    pd.testing.assert_frame_equal(df, _frame(raw, dtypes))                 # the input is left as it was
    # without reasons: the same levels and scores (the reasons only where the scalar definition decided)
    light = R.project_warning_frame(df, rules, reasons=False)
    cols = ["missing_safeguards", "risk_score", "warning_level"]
    pd.testing.assert_frame_equal(light[cols], out[cols], check_exact=True)
    assert set(light["warning_reasons"]) <= {""} | set(out["warning_reasons"])


@pytest.mark.parametrize("rules_name", sorted(RULE_SETS))
def test_project_scores_at_every_threshold(rules_name: str) -> None:
    """Amounts owed whose points land exactly on, and a rounding step either side of, each threshold."""
    rules = RULE_SETS[rules_name]
    raw = _threshold_rows(rules)
    df = _frame(raw, {})
    out = R.project_warning_frame(df, rules)
    pd.testing.assert_frame_equal(out, _expected_projects(df, raw, rules), check_exact=True)
    p = rules.project_warning
    assert set(out["risk_score"]) >= {p.red, p.orange, p.yellow, p.blue}


def test_project_warning_frame_hand_computed() -> None:
    # config/rules.toml: 10 per missing core safeguard, 8 per open clue, 3 per clue in 90 days, 5 per repeat,
    # 15 suspended, 2 per 100,000 元 owed (at most 30); 红 ≥ 60, 橙 ≥ 40, 黄 ≥ 20, 蓝 ≥ 10
    ok = {c: True for c in SAFEGUARDS}
    df = pd.DataFrame([
        # 实名制 unknown, 专用账户 no (20) + 1 open (8) + 3 in 90 days (9) + 2 repeats (10) + suspended (15)
        # + 123,456 元 owed (2.46912) = 64.46912 → 64.5 → 红
        {**ok, "real_name": None, "wage_account": False, "payment_guarantee": None, "open_clues": 1,
         "clues_90d": 3, "repeat_clues": 2, "status": "suspended", "amount_owed": 123_456.0},
        # 5,000,000 元 owed: 100 points capped at 30 → 黄
        {**ok, "open_clues": 0, "clues_90d": 0, "repeat_clues": 0, "status": "active", "amount_owed": 5e6},
        # one missing core safeguard: exactly 10 → 蓝
        {**ok, "notice_board": False, "open_clues": 0, "clues_90d": 0, "repeat_clues": 0, "status": "active",
         "amount_owed": 0.0},
        # 498,000 元: 9.96 rounds to 10.0 → 蓝;  497,000 元: 9.94 rounds to 9.9 → none
        {**ok, "open_clues": 0, "clues_90d": 0, "repeat_clues": 0, "status": "active", "amount_owed": 498_000.0},
        {**ok, "open_clues": 0, "clues_90d": 0, "repeat_clues": 0, "status": "active", "amount_owed": 497_000.0},
        # missing counts (NaN) count 0, a missing amount owed none; 按月足额支付 is not a core safeguard
        {**ok, "monthly_full_pay": False, "open_clues": math.nan, "clues_90d": None, "repeat_clues": 0,
         "status": None, "amount_owed": math.nan},
    ])
    out = R.project_warning_frame(df, TOML)
    assert out["risk_score"].tolist() == [64.5, 30.0, 10.0, 10.0, 9.9, 0.0]
    assert [lv if isinstance(lv, str) else None for lv in out["warning_level"]] == ["红", "黄", "蓝", "蓝", None, None]
    assert out["warning_reasons"].tolist() == [
        ("未落实：实名制管理、工资专用账户（20 分）；未办结线索 1 条（8 分）；近 90 天线索 3 条（9 分）；"
         "重复反映 2 条（10 分）；项目停工（15 分）；欠薪金额 12.3 万元（2.46912 分）"),
        "欠薪金额 500.0 万元（30 分）",
        "未落实：维权信息公示牌（10 分）",
        "欠薪金额 49.8 万元（9.96 分）",
        "", ""]
    assert out["missing_safeguards"].tolist() == ["实名制管理、工资专用账户、工程款支付担保", "", "维权信息公示牌", "", "",
                                                  "按月足额支付"]


def test_project_warning_frame_empty_and_index_kept() -> None:
    cols = [*SAFEGUARDS, *COUNT_COLS, "status", "amount_owed"]
    empty = pd.DataFrame(columns=cols)
    pd.testing.assert_frame_equal(R.project_warning_frame(empty, TOML), _expected_projects(empty, [], TOML))
    raw = [{**{c: True for c in SAFEGUARDS}, **{c: 2 for c in COUNT_COLS}, "status": "active", "amount_owed": 0.0}] * 3
    df = _frame(raw, {}).set_axis([7, 7, 3])                 # an index that is neither 0..n-1 nor unique
    pd.testing.assert_frame_equal(R.project_warning_frame(df, TOML), _expected_projects(df, raw, TOML))


# ---------------------------------------------------------------------------------------------
# Clue warnings: reasons=False gives the same levels, and reasons=True the scalar reasons
clue_rows = st.lists(st.tuples(st.integers(-12, 12), st.booleans(), st.none() | st.integers(0, 60),
                               st.none() | st.floats(0, 3e6) | st.sampled_from([1e6, 999_999.95, 1e6 - 1e-7]),
                               st.none() | st.booleans()), min_size=0, max_size=30)


@FEW
@given(clue_rows, st.booleans(), st.sampled_from(["toml", "defaults"]))
def test_clue_warning_frame_without_reasons_gives_the_same_levels(rows: list[tuple[Any, ...]], gov_rule: bool,
                                                                 base: str) -> None:
    rules = RULE_SETS[base]
    rules = Rules(**{**rules.__dict__, "clue_warning": ClueWarningRules(
        **{**rules.clue_warning.__dict__, "red_government_project": gov_rule})})
    rows = [(w, o and w <= 0, k, a, g) for w, o, k, a, g in rows]        # overdue only once the due date is past
    df = pd.DataFrame(rows, columns=["workdays_to_due", "overdue", "workers", "amount", "government_project"])
    df["workdays_to_due"] = df["workdays_to_due"].astype("int64")
    df["overdue"] = df["overdue"].astype(bool)
    df["workers"] = df["workers"].astype("Int64")
    df["amount"] = df["amount"].astype("float64")
    full = R.clue_warning_frame(df, rules)
    bare = R.clue_warning_frame(df, rules, reasons=False)
    pd.testing.assert_series_equal(bare["warning_level"], full["warning_level"])
    assert (bare["warning_reasons"] == "").all()
    pd.testing.assert_frame_equal(bare.drop(columns="warning_reasons"), full.drop(columns="warning_reasons"))
    # with reasons: the scalar rule's texts, joined with 「；」, for every row
    expected = [R.clue_warning(w, o, k, a, bool(g), rules) for w, o, k, a, g in rows]
    assert [lv if isinstance(lv, str) else None for lv in full["warning_level"]] == [e.level for e in expected]
    assert full["warning_reasons"].tolist() == ["；".join(e.reasons) for e in expected]
