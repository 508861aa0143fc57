"""Domain rules as pure functions: rates, warning levels with reasons, county scores and ranks, the Spring Festival
projection. No database and no Streamlit here: inputs are numbers, dates or small DataFrames of per-county counts
(the data layer aggregates millions of rows in DuckDB first), outputs are what pages, exports and the CLI show.

Every function follows shared/domain.md; defaults come from config/rules.toml (huxin.config.Rules).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from huxin.config import Rules
from huxin.vocab import CORE_SAFEGUARDS, SAFEGUARDS
from huxin.workdays import WorkCalendar

RED, ORANGE, YELLOW, BLUE = "红", "橙", "黄", "蓝"
CLEARED, ON_PACE, AT_RISK, BEHIND = "已清零", "按期", "有风险", "滞后"


def rate(numerator: float, denominator: float) -> float | None:
    """A rate with a zero denominator is None (shown as 「—」), never 0 or 100 %."""
    return None if not denominator else numerator / denominator


# ---------------------------------------------------------------------------------------------
# Clue warnings
@dataclass(frozen=True)
class Warning:
    level: str | None
    reasons: tuple[str, ...] = ()


def clue_warning(workdays_to_due: int, overdue: bool, workers: int | None, amount: float | None,
                 government_project: bool, rules: Rules) -> Warning:
    """Warning level of one open clue.

    workdays_to_due: ordinal(due) - ordinal(as_of) — working days from D until the due date (negative once late);
    overdue: D is later than the due date (a clue can be overdue with 0 working days late, e.g. due Friday, D Saturday).
    """
    r = rules.clue_warning
    reasons: list[str] = []
    level: str | None = None
    late_wd = -workdays_to_due if overdue else 0
    red = False
    if overdue and late_wd > r.red_overdue_workdays:
        reasons.append(f"超期 {late_wd} 个工作日（超过 {r.red_overdue_workdays} 个工作日）")
        red = True
    if workers is not None and workers >= r.red_workers:
        reasons.append(f"涉及 {workers} 人（≥{r.red_workers} 人）")
        red = True
    if amount is not None and amount >= r.red_amount:
        reasons.append(f"涉及金额 {amount / 10000:,.1f} 万元（≥{r.red_amount / 10000:,.0f} 万元）")
        red = True
    if government_project and r.red_government_project:
        reasons.append("政府投资项目")
        red = True
    if red:
        level = RED
    elif overdue:
        level = ORANGE
        reasons.append(f"已超期（超期 {late_wd} 个工作日）" if late_wd else "已超过办结时限")
    elif workdays_to_due <= r.yellow_within_workdays:
        level = YELLOW
        reasons.append("今天到期" if workdays_to_due <= 0 else f"{workdays_to_due} 个工作日内到期")
    elif workdays_to_due <= r.blue_within_workdays:
        level = BLUE
        reasons.append(f"{workdays_to_due} 个工作日内到期")
    if red and overdue and late_wd <= r.red_overdue_workdays:
        reasons.append("已超期")
    return Warning(level, tuple(reasons))


_LEVEL_TABLE: list[str | None] = [None, RED, ORANGE, YELLOW, BLUE]       # level codes 0–4


def _label_column(table: list[str | None], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """table[codes] as a column of the dtype pandas infers for strings (str in pandas 3, NaN for None), taken from
    the few distinct labels rather than converting one Python string per row."""
    return pd.array(table, dtype=pd.Series([""]).dtype).take(codes)


def clue_warning_frame(df: pd.DataFrame, rules: Rules, *, reasons: bool = True) -> pd.DataFrame:
    """Vectorised clue_warning over columns workdays_to_due, overdue, workers, amount, government_project.

    Returns the frame with columns warning_level and warning_reasons (same results as the scalar function; the tests
    check this). Levels are vectorised; reasons are only built for rows that have a level, each distinct text once.
    reasons=False skips the reasons (warning_reasons is then "" everywhere), for callers that only count levels.
    """
    r = rules.clue_warning
    wtd = df["workdays_to_due"].to_numpy(dtype="int64")
    overdue = df["overdue"].to_numpy(dtype=bool)
    workers = pd.to_numeric(df["workers"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    amount = pd.to_numeric(df["amount"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    gov = df["government_project"].fillna(False).to_numpy(dtype=bool) & r.red_government_project
    late = np.where(overdue, -wtd, 0)
    red = (overdue & (late > r.red_overdue_workdays)) | (np.nan_to_num(workers, nan=-1) >= r.red_workers) | \
        (np.nan_to_num(amount, nan=-1) >= r.red_amount) | gov
    code = np.select([red, overdue, wtd <= r.yellow_within_workdays, wtd <= r.blue_within_workdays], [1, 2, 3, 4],
                     default=0)
    out = df.copy()
    out["warning_level"] = _label_column(_LEVEL_TABLE, code)
    has = np.flatnonzero(code)
    if reasons and len(has):
        texts = np.full(len(df), "", dtype=object)
        texts[has] = _clue_reasons(wtd[has], overdue[has], workers[has], amount[has], gov[has], rules)
        out["warning_reasons"] = texts.tolist()
    elif len(df):
        out["warning_reasons"] = ""
    else:
        out["warning_reasons"] = pd.Series(dtype=object, index=df.index)
    return out


def _clue_reasons(wtd: np.ndarray, overdue: np.ndarray, workers: np.ndarray, amount: np.ndarray, gov: np.ndarray,
                  rules: Rules) -> list[str]:
    """clue_warning(...).reasons joined with 「；」 for each row, as the scalar function builds them from
    int(workers) and float(amount) (NaN = None) — each distinct text formatted once."""
    r = rules.clue_warning
    n = len(wtd)
    late = np.where(overdue, -wtd, 0)
    k = np.trunc(workers)                                              # clue_warning gets int(workers)
    is_late = overdue & (late > r.red_overdue_workdays)
    many = k >= r.red_workers                                          # NaN (None) is never red
    large = amount >= r.red_amount
    red = is_late | many | large | gov

    def part(mask: np.ndarray, values: np.ndarray, fmt: Callable[[Any], str]) -> np.ndarray:
        t = np.full(n, "", dtype=object)
        idx = np.flatnonzero(mask)
        if len(idx):
            t[idx] = _by_unique(values[idx], fmt)
        return t

    amount_thr = f"{r.red_amount / 10000:,.0f}"
    tail = np.full(n, "", dtype=object)
    tail[red & overdue & (late <= r.red_overdue_workdays)] = "已超期"
    orange = ~red & overdue
    yellow = ~red & ~overdue & (wtd <= r.yellow_within_workdays)
    blue = ~red & ~overdue & ~yellow & (wtd <= r.blue_within_workdays)
    for mask, values, fmt in (
            (orange, late, lambda v: f"已超期（超期 {v} 个工作日）" if v else "已超过办结时限"),
            (yellow, wtd, lambda v: "今天到期" if v <= 0 else f"{v} 个工作日内到期"),
            (blue, wtd, lambda v: f"{v} 个工作日内到期")):
        idx = np.flatnonzero(mask)
        if len(idx):
            tail[idx] = _by_unique(values[idx], fmt)
    texts = (part(is_late, late, lambda v: f"超期 {v} 个工作日（超过 {r.red_overdue_workdays} 个工作日）"),
             part(many, k, lambda v: f"涉及 {int(v)} 人（≥{r.red_workers} 人）"),
             part(large, amount, lambda v: f"涉及金额 {v / 10000:,.1f} 万元（≥{amount_thr} 万元）"),
             np.where(gov, "政府投资项目", "").astype(object), tail)
    return ["；".join(filter(None, row)) for row in zip(*(t.tolist() for t in texts))]


# ---------------------------------------------------------------------------------------------
# Project warnings
def project_risk(missing_core: list[str], open_clues: int, clues_90d: int, repeat_clues: int, suspended: bool,
                 amount_owed: float, rules: Rules) -> tuple[float, Warning]:
    """Risk score and level of one project; missing_core are UI labels of missing core safeguards."""
    p = rules.project_warning
    parts: list[tuple[float, str]] = []
    if missing_core:
        parts.append((p.points_per_missing_core_safeguard * len(missing_core), f"未落实：{'、'.join(missing_core)}"))
    if open_clues:
        parts.append((p.points_per_open_clue * open_clues, f"未办结线索 {open_clues} 条"))
    if clues_90d:
        parts.append((p.points_per_clue_90d * clues_90d, f"近 90 天线索 {clues_90d} 条"))
    if repeat_clues:
        parts.append((p.points_per_repeat_clue * repeat_clues, f"重复反映 {repeat_clues} 条"))
    if suspended:
        parts.append((p.points_suspended, "项目停工"))
    if amount_owed and amount_owed > 0:
        pts = min(p.points_per_100k_owed * amount_owed / 100_000, p.max_owed_points)
        parts.append((pts, f"欠薪金额 {amount_owed / 10000:,.1f} 万元"))
    score = round(sum(x for x, _ in parts), 1)
    level = None
    for lv, threshold in ((RED, p.red), (ORANGE, p.orange), (YELLOW, p.yellow), (BLUE, p.blue)):
        if score >= threshold:
            level = lv
            break
    return score, Warning(level, tuple(f"{txt}（{pts:g} 分）" for pts, txt in parts) if level else ())


def _is_true(col: pd.Series) -> np.ndarray:
    """Per value `v is True` (after the boxing to_dict applies: numpy True counts), as a bool array.

    None, NaN, pd.NA, False — and also 1 or 1.0 — are not True, so a safeguard with such a value counts as missing.
    """
    dtype = col.dtype
    if dtype == bool:
        return col.to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        # nullable boolean / bool[pyarrow]: NA is missing
        return col.fillna(False).to_numpy(dtype=bool)
    if dtype == object and pd.api.types.infer_dtype(col, skipna=True) in ("boolean", "empty"):
        return col.where(col.notna(), False).to_numpy(dtype=bool)   # only bools besides the missing values
    return np.fromiter((isinstance(v, (bool, np.bool_)) and bool(v) for v in col.tolist()), dtype=bool,
                       count=len(col))


def _counts(col: pd.Series) -> np.ndarray:
    """Clue counts as whole numbers in float64 (int() truncation); None, NaN and NA count 0."""
    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.trunc(np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0))


def _by_unique(values: np.ndarray, fmt: Callable[[Any], Any]) -> np.ndarray:
    """fmt applied once per distinct value, as an object array aligned with values."""
    if not len(values):
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(values, return_inverse=True)
    return np.array([fmt(u) for u in uniq.tolist()], dtype=object)[inv]


def project_warning_frame(df: pd.DataFrame, rules: Rules, *, reasons: bool = True) -> pd.DataFrame:
    """Adds missing_safeguards, risk_score, warning_level, warning_reasons to a projects frame with columns
    of SAFEGUARDS plus open_clues, clues_90d, repeat_clues, status, amount_owed. reasons=False leaves
    warning_reasons "" (except for the rare rows the scalar definition decides), for callers that only need levels.

    Vectorised project_risk (the definition; the tests check row for row that this gives the same results): a
    safeguard is in place only when its value is True; missing counts (None/NaN) count 0, a missing amount owed
    none. The score is summed in project_risk's order; rows whose points before the amount owed are not exact
    binary fractions (a rules file with e.g. 0.1 points per clue, where Python's sum() and a numpy sum could round
    differently) are handed to project_risk itself, so the results stay identical on any config.
    """
    out = df.copy()
    n = len(df)
    if not n:
        for c in ("missing_safeguards", "risk_score", "warning_level", "warning_reasons"):
            out[c] = []
        return out
    p = rules.project_warning
    keys = list(SAFEGUARDS)
    in_place = {c: _is_true(df[c]) for c in keys}
    # bit k set = the k-th safeguard of SAFEGUARDS is missing; labels per bit pattern from small lookup tables
    miss_bits = np.zeros(n, dtype=np.int64)
    for k, c in enumerate(keys):
        miss_bits |= (~in_place[c]).astype(np.int64) << k
    labels = [[SAFEGUARDS[c] for k, c in enumerate(keys) if code >> k & 1] for code in range(1 << len(keys))]
    core_bits = sum(1 << keys.index(c) for c in CORE_SAFEGUARDS)
    core_labels = [[SAFEGUARDS[c] for c in CORE_SAFEGUARDS if code >> keys.index(c) & 1]
                   for code in range(1 << len(keys))]
    core_code = miss_bits & core_bits
    n_core = np.array([len(x) for x in core_labels], dtype=np.float64)[core_code]

    open_clues, clues_90d, repeat = (_counts(df[c]) for c in ("open_clues", "clues_90d", "repeat_clues"))
    suspended = (df["status"] == "suspended").fillna(False).to_numpy(dtype=bool)
    owed = pd.to_numeric(df["amount_owed"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    owed_present = owed > 0                                         # NaN and None: no part
    owed_raw = p.points_per_100k_owed * np.where(owed_present, owed, 0.0) / 100_000
    owed_pts = np.minimum(owed_raw, p.max_owed_points)

    # the parts of project_risk, in its order: (points, present, points of this part are a Python float)
    counted = [(p.points_per_missing_core_safeguard, n_core), (p.points_per_open_clue, open_clues),
               (p.points_per_clue_90d, clues_90d), (p.points_per_repeat_clue, repeat)]
    parts = [(pts * cnt, cnt != 0, isinstance(pts, float)) for pts, cnt in counted]
    parts.append((np.full(n, float(p.points_suspended)), suspended, isinstance(p.points_suspended, float)))
    # min() returns the cap itself (maybe an int) only when the points exceed it
    owed_float = ~(owed_raw > p.max_owed_points) if not isinstance(p.max_owed_points, float) else owed_present
    parts.append((owed_pts, owed_present, owed_float))

    total = np.zeros(n)
    exact = np.ones(n, dtype=bool)
    is_float = np.zeros(n, dtype=bool)
    for i, (pts, present, flt) in enumerate(parts):
        total = total + np.where(present, pts, 0.0)                # left to right, like sum() over the parts
        is_float |= present & flt
        if i < len(parts) - 1:
            # every partial sum before the amount owed is exact when the parts are multiples of 1/1024 below 2**40:
            # then any summation order gives the same single rounding at the end
            scaled = pts * 1024
            exact &= ~present | ((scaled == np.floor(scaled)) & (np.abs(pts) < 2.0 ** 40))
    score = total.copy()
    frac = np.flatnonzero(exact & (total != np.floor(total)))
    if len(frac):
        score[frac] = _by_unique(total[frac], lambda x: round(x, 1)).astype(np.float64)
    level_code = np.select([score >= p.red, score >= p.orange, score >= p.yellow, score >= p.blue], [1, 2, 3, 4],
                           default=0)
    scores: list[float] = score.tolist() if is_float.any() else score.astype(np.int64).tolist()

    texts_out = np.full(n, "", dtype=object)
    rows = np.flatnonzero(exact & (level_code != 0)) if reasons else np.empty(0, dtype=np.int64)
    if len(rows):
        # each part's text, built once per distinct count / bit pattern / amount, with project_risk's expressions
        core_txt = np.array([f"未落实：{'、'.join(x)}（{p.points_per_missing_core_safeguard * len(x):g} 分）"
                             if x else "" for x in core_labels], dtype=object)
        texts = [core_txt[core_code[rows]]]
        for pts, cnt, what in ((p.points_per_open_clue, open_clues, "未办结线索 {} 条"),
                               (p.points_per_clue_90d, clues_90d, "近 90 天线索 {} 条"),
                               (p.points_per_repeat_clue, repeat, "重复反映 {} 条")):
            texts.append(_by_unique(cnt[rows], lambda c, pts=pts, what=what: "" if not c else
                                    f"{what.format(int(c))}（{pts * int(c):g} 分）"))
        texts.append(np.where(suspended[rows], f"项目停工（{p.points_suspended:g} 分）", "").astype(object))

        def owed_txt(o: float) -> str:
            if not o > 0:
                return ""
            pts = min(p.points_per_100k_owed * o / 100_000, p.max_owed_points)
            return f"欠薪金额 {o / 10000:,.1f} 万元（{pts:g} 分）"
        texts.append(_by_unique(np.where(owed_present[rows], owed[rows], 0.0), owed_txt))
        texts_out[rows] = ["；".join(filter(None, row)) for row in zip(*(t.tolist() for t in texts))]

    for i in np.flatnonzero(~exact).tolist():                      # inexact points: the scalar definition decides
        s, w = project_risk(core_labels[core_code[i]], int(open_clues[i]), int(clues_90d[i]), int(repeat[i]),
                            bool(suspended[i]), float(owed[i]) if owed_present[i] else 0.0, rules)
        scores[i] = s
        level_code[i] = _LEVEL_TABLE.index(w.level)
        texts_out[i] = "；".join(w.reasons)
    out["missing_safeguards"] = _label_column(["、".join(x) for x in labels], miss_bits)
    out["risk_score"] = scores
    # a list of None and labels: all None stays an object column, as it always was
    out["warning_level"] = _label_column(_LEVEL_TABLE, level_code) if level_code.any() else [None] * n
    out["warning_reasons"] = texts_out.tolist()
    return out


# ---------------------------------------------------------------------------------------------
# Spring Festival clearing
@dataclass(frozen=True)
class Projection:
    open_stock: int
    working_days_left: int
    required_pace: float | None      # per working day; None when no working day is left
    actual_pace: float | None        # net decrease per working day over the window; None without a window
    projected_date: dt.date | None   # None when cleared or when the pace is <= 0
    status: str
    late_days: int | None            # projected_date - deadline in calendar days (None when no projection)


def projection(open_stock: int, stock_window_start: int | None, window_workdays: int, as_of: dt.date,
               deadline: dt.date, cal: WorkCalendar, rules: Rules) -> Projection:
    """Projected clearing date at the actual pace and the status 已清零 / 按期 / 有风险 / 滞后.

    actual pace = (stock window_workdays working days ago - stock now) / window_workdays;
    projected date = the ceil(stock / pace)-th working day after as_of; never when pace <= 0.
    """
    wd_left = max(cal.workdays_between(as_of, deadline), 0)
    required = rate(open_stock, wd_left) if open_stock else 0.0
    actual = None if stock_window_start is None else (stock_window_start - open_stock) / window_workdays
    if open_stock <= 0:
        return Projection(0, wd_left, 0.0, actual, None, CLEARED, None)
    projected = None
    if actual is not None and actual > 0:
        n = max(1, math.ceil(open_stock / actual - 1e-9))
        try:
            projected = cal.add_workdays(as_of, n)
        except IndexError:  # beyond the materialised calendar (years away): approximate 5 working days a week
            projected = as_of + dt.timedelta(days=math.ceil(n * 7 / 5))
    if projected is None:
        return Projection(open_stock, wd_left, required, actual, None, BEHIND, None)
    late = (projected - deadline).days
    status = ON_PACE if late <= 0 else AT_RISK if late <= rules.risk_days else BEHIND
    return Projection(open_stock, wd_left, required, actual, projected, status, late)


def ideal_line(start: dt.date, stock_at_start: int, deadline: dt.date, days: list[dt.date]) -> list[float]:
    """Open stock at the campaign start falling linearly (calendar days) to 0 on the deadline."""
    total = max((deadline - start).days, 1)
    return [max(stock_at_start * (1 - (d - start).days / total), 0.0) for d in days]


# ---------------------------------------------------------------------------------------------
# County warning, score, rank
def county_warning(overdue_open: int, open_stock: int, proj: Projection | None, rules: Rules) -> Warning:
    """Warning level of a county (domain.md: from overdue open clues and from a projected clearing date later than
    the Spring Festival deadline), with every reason that applies, most severe first.

    红: overdue open ≥ red_overdue, or projected clearing more than red_late_days after the deadline, or no projection
        at all while stock remains (no net closures over the pace window: 滞后);
    橙: overdue open ≥ orange_overdue, or projected clearing after the deadline (有风险);
    黄: overdue open ≥ yellow_overdue;
    蓝: open stock remains, on pace; none when the stock is cleared.
    """
    r = rules.county_warning
    level_overdue = (RED if overdue_open >= r.red_overdue else ORANGE if overdue_open >= r.orange_overdue
                     else YELLOW if overdue_open >= r.yellow_overdue else None)
    level_late: str | None = None
    late_reason = ""
    if proj is not None and open_stock > 0:
        if proj.projected_date is None:
            level_late = RED
            late_reason = ("无近期存量数据，无法预计清零日期" if proj.actual_pace is None else
                           f"近 {rules.pace_window_workdays} 个工作日存量未净减少，按当前进度无法清零")
        elif proj.late_days is not None and proj.late_days > 0:
            level_late = RED if proj.late_days > r.red_late_days else ORANGE
            late_reason = (f"按当前进度预计 {proj.projected_date:%Y-%m-%d} 清零，晚于期限 {proj.late_days} 天"
                           + (f"（超过 {r.red_late_days} 天）" if level_late == RED else ""))
    order = {RED: 0, ORANGE: 1, YELLOW: 2, BLUE: 3}
    levels = [lv for lv in (level_overdue, level_late) if lv]
    if not levels:
        if open_stock > 0:
            return Warning(BLUE, (f"存量 {open_stock} 件，按当前进度可在期限前清零" if proj is not None and
                                  proj.projected_date is not None else f"存量 {open_stock} 件",))
        return Warning(None, ())
    level = min(levels, key=order.__getitem__)
    reasons: list[tuple[int, str]] = []
    if level_overdue:
        thr = {RED: r.red_overdue, ORANGE: r.orange_overdue, YELLOW: r.yellow_overdue}[level_overdue]
        reasons.append((order[level_overdue], f"超期未办结线索 {overdue_open} 条（≥{thr} 条为{level_overdue}色）"))
    if level_late:
        reasons.append((order[level_late], late_reason))
    return Warning(level, tuple(t for _, t in sorted(reasons, key=lambda x: x[0])))


@dataclass(frozen=True)
class ScoreItem:
    key: str
    label: str
    points: float
    max_points: float
    figure: str        # the underlying numbers, for the hover ("办结 95 / 受理 100")
    formula: str


@dataclass(frozen=True)
class Score:
    total: float
    grade: str
    items: tuple[ScoreItem, ...] = field(default_factory=tuple)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def county_score(received: int, closed: int, closed_on_time: int, overdue_open: int, open_clues: int,
                 open_stock: int, open_stock_at_start: int, active_projects: int, projects_all_core: int,
                 repeat_clues: int, rules: Rules) -> Score:
    """考核-style 100-point score (domain.md). An item whose denominator is zero earns its full points."""
    w = rules.score

    def part(weight: float, ratio: float | None) -> float:
        return weight if ratio is None else weight * ratio

    cr = rate(closed, received)
    otr = rate(closed_on_time, closed)
    ovr = rate(overdue_open, open_clues)
    prog = None if not open_stock_at_start else min(max(1 - open_stock / open_stock_at_start, 0.0), 1.0)
    sg = rate(projects_all_core, active_projects)
    rr = rate(repeat_clues, received)
    items = (
        ScoreItem("closure_rate", "办结率", part(w.closure_rate, cr), w.closure_rate,
                  f"办结 {closed} / 受理 {received} = {_pct(cr)}", f"{w.closure_rate:g} × 办结率"),
        ScoreItem("on_time_rate", "按期办结率", part(w.on_time_rate, otr), w.on_time_rate,
                  f"按期办结 {closed_on_time} / 办结 {closed} = {_pct(otr)}", f"{w.on_time_rate:g} × 按期办结率"),
        ScoreItem("overdue", "超期未办结", part(w.overdue, None if ovr is None else 1 - ovr), w.overdue,
                  f"超期未办结 {overdue_open} / 未办结线索 {open_clues}", f"{w.overdue:g} × (1 − 超期未办结 ÷ 未办结线索)"),
        ScoreItem("clearing_progress", "存量清零进度", part(w.clearing_progress, prog), w.clearing_progress,
                  f"存量 {open_stock} / 行动开始时存量 {open_stock_at_start}",
                  f"{w.clearing_progress:g} × clamp(1 − 存量 ÷ 行动开始时存量, 0, 1)"),
        ScoreItem("safeguards", "制度落实率", part(w.safeguards, sg), w.safeguards,
                  f"五项制度全落实项目 {projects_all_core} / 在建项目 {active_projects} = {_pct(sg)}",
                  f"{w.safeguards:g} × 五项制度全部落实的在建项目占比"),
        ScoreItem("repeat", "重复反映率", part(w.repeat, None if rr is None else 1 - rr), w.repeat,
                  f"重复反映 {repeat_clues} / 受理 {received} = {_pct(rr)}", f"{w.repeat:g} × (1 − 重复反映率)"),
    )
    total = round(sum(i.points for i in items) + 1e-9, 1)
    return Score(total, grade(total, rules), items)


def grade(total: float, rules: Rules) -> str:
    w = rules.score
    return "A" if total >= w.grade_a else "B" if total >= w.grade_b else "C" if total >= w.grade_c else "D"


def competition_rank(scores: list[float]) -> list[int]:
    """Rank 1 is best; ties share a rank and the next rank skips (1, 1, 3): 1 + the number of higher scores.

    O(n log n), so a national table of ~2,800 counties ranks instantly. Scores are compared as given (they are
    rounded to 0.1 by county_score, so equal displayed scores tie).
    """
    desc = sorted(scores, reverse=True)
    first: dict[float, int] = {}
    for i, s in enumerate(desc):
        first.setdefault(s, i + 1)
    return [first[s] for s in scores]


# Columns of the per-county aggregate frame (huxin.data.county_aggregates) this module consumes.
AGG_COLUMNS = ("received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_cases", "open_stock",
               "open_stock_at_start", "active_projects", "projects_all_core", "repeat_clues", "cases_opened",
               "amount_owed", "amount_recovered", "workers_involved", "stock_window_start")


SCORE_INPUTS = ("received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_stock",
                 "open_stock_at_start", "active_projects", "projects_all_core", "repeat_clues")


def league_scores(agg: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """code, name, score, grade and rank of every county of a per-county aggregate frame: what county_table gives
    them (the same county_score and competition_rank), without the projections, warnings and texts. The rank
    trend needs only these, for every week of the campaign."""
    if agg.empty:
        return pd.DataFrame(columns=["code", "name", "score", "grade", "rank"])
    scores = [county_score(*(int(v) for v in row), rules) for row in
              agg[list(SCORE_INPUTS)].itertuples(index=False, name=None)]
    out = pd.DataFrame({"code": agg["code"].to_numpy(), "name": agg["name"].to_numpy(),
                        "score": [s.total for s in scores], "grade": [s.grade for s in scores]})
    out["rank"] = competition_rank(out["score"].tolist())
    return out.sort_values(["rank", "code"]).reset_index(drop=True)


def county_table(agg: pd.DataFrame, prev_agg: pd.DataFrame | None, as_of: dt.date, deadline: dt.date,
                 cal: WorkCalendar, rules: Rules) -> pd.DataFrame:
    """The league table: one row per county with rates, score, grade, rank, rank change, warning and projection.

    agg / prev_agg: per-county counts as of D and as of D-7 (columns code, name and AGG_COLUMNS).
    """
    rows = []
    for r in agg.to_dict("records"):
        proj = projection(int(r["open_stock"]), None if pd.isna(r["stock_window_start"]) else
                          int(r["stock_window_start"]), rules.pace_window_workdays, as_of, deadline, cal, rules)
        sc = county_score(int(r["received"]), int(r["closed"]), int(r["closed_on_time"]), int(r["overdue_open"]),
                          int(r["open_clues"]), int(r["open_stock"]), int(r["open_stock_at_start"]),
                          int(r["active_projects"]), int(r["projects_all_core"]), int(r["repeat_clues"]), rules)
        wn = county_warning(int(r["overdue_open"]), int(r["open_stock"]), proj, rules)
        rows.append({
            **r,
            "closure_rate": rate(r["closed"], r["received"]),
            "on_time_rate": rate(r["closed_on_time"], r["closed"]),
            "repeat_rate": rate(r["repeat_clues"], r["received"]),
            "safeguard_rate": rate(r["projects_all_core"], r["active_projects"]),
            "score": sc.total, "grade": sc.grade,
            **{f"pts_{i.key}": i.points for i in sc.items},
            "score_detail": "\n".join(f"{i.label} {i.points:.1f}/{i.max_points:g}：{i.figure}（{i.formula}）"
                                      for i in sc.items),
            "warning_level": wn.level, "warning_reasons": "；".join(wn.reasons),
            "required_pace": proj.required_pace, "actual_pace": proj.actual_pace,
            "projected_clear_date": proj.projected_date, "clear_status": proj.status,
            "working_days_left": proj.working_days_left,
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["rank"] = competition_rank(out["score"].tolist())
    out["rank_change"] = None
    if prev_agg is not None and not prev_agg.empty:
        prev_scores = [county_score(int(r["received"]), int(r["closed"]), int(r["closed_on_time"]),
                                    int(r["overdue_open"]), int(r["open_clues"]), int(r["open_stock"]),
                                    int(r["open_stock_at_start"]), int(r["active_projects"]),
                                    int(r["projects_all_core"]), int(r["repeat_clues"]), rules).total
                       for r in prev_agg.to_dict("records")]
        prev_rank = dict(zip(prev_agg["code"], competition_rank(prev_scores), strict=True))
        # positive = moved up (e.g. from 5th to 3rd is +2)
        out["rank_change"] = [prev_rank.get(c) - rk if c in prev_rank else None
                              for c, rk in zip(out["code"], out["rank"], strict=True)]
    # 末位: the worst rank (all of them when tied) — but nobody when every county shares one rank (or there is
    # only one county): a tie for first is no last place.
    out["is_last"] = (out["rank"] == out["rank"].max()) & (out["rank"].max() > out["rank"].min())
    return out.sort_values(["rank", "code"]).reset_index(drop=True)
