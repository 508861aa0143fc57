"""The pandas way, as an analyst would do it without the dashboard: read the ledger files into DataFrames and compute
the county league table and the Spring Festival burn-down with groupby. Run on the same ledgers as the benchmark
database, its numbers must equal ours (huxin.data.county_table and huxin.data.clearing) — and we must be far faster.

    python bench/pandas_peer.py                       # province and national (whatever has been generated)
    python bench/pandas_peer.py --scales province --runs 5

The peer is deliberately competent, not a straw man: it reads only the columns it needs, computes due dates
vectorised on the same working-day calendar (huxin.workdays.work_calendar, so holidays are the same), flags repeat
complaints with a sorted groupby-diff and builds the daily stock series from cumulative event counts. It knows the
same definitions (shared/domain.md) and the same rules file (config/rules.toml) as the dashboard.

What is timed: ours = ``county_table(ALL, D, 1 Jan) + clearing(ALL, D)`` straight from the database in a fresh
process (no result cache; module imports done beforehand on both sides); the peer = reading the ledgers + computing
the same outputs ("peer total"), and the computation alone on DataFrames already in memory ("peer compute").
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from huxin.config import Rules, load_rules
from huxin.workdays import WorkCalendar, campaign_for, work_calendar

AGG_COLUMNS = ("received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_cases", "open_stock",
               "open_stock_at_start", "active_projects", "projects_all_core", "repeat_clues", "cases_opened",
               "amount_owed", "amount_recovered", "workers_involved", "stock_window_start")
TABLE_COLUMNS = (*AGG_COLUMNS, "closure_rate", "on_time_rate", "repeat_rate", "safeguard_rate", "score", "grade",
                 "rank", "rank_change", "is_last", "warning_level", "required_pace", "actual_pace",
                 "projected_clear_date", "clear_status", "working_days_left")

# The ledger labels an analyst reads (the same as the templates in data/templates).
CLUE_COLS = {"线索编号": "clue_id", "来源渠道": "source", "反映时间": "received_date", "所属区县": "county",
             "被反映单位": "employer", "统一社会信用代码": "credit_code", "项目编号": "project_id",
             "涉及人数": "workers", "涉及金额（元）": "amount", "办理状态": "status", "办结时间": "closed_date",
             "解决金额（元）": "resolved_amount"}
PROJECT_COLS = {"项目编号": "project_id", "所属区县": "county", "投资类型": "investment_type", "开工日期": "start_date",
                "项目状态": "status", "实名制管理": "real_name", "工资专用账户": "wage_account",
                "总包代发": "contractor_pays", "工资保证金": "wage_deposit", "维权信息公示牌": "notice_board"}
CASE_COLS = {"案件编号": "case_id", "线索编号": "clue_id", "项目编号": "project_id", "所属区县": "county",
             "立案日期": "opened_date", "欠薪金额（元）": "amount_owed", "已支付金额（元）": "amount_paid",
             "案件状态": "status", "结案日期": "closed_date"}
INVESTMENT = {"政府投资": "government", "国企投资": "soe", "PPP": "ppp", "社会投资": "private"}
YES = {"是", "√", "有", "Y", "y", "yes", "1", "TRUE", "True", "true"}
NO = {"否", "×", "无", "N", "n", "no", "0", "FALSE", "False", "false"}


# ---------------------------------------------------------------------------------------------
# Reading the ledgers
def county_lookup(scope: str) -> dict[str, str]:
    """所属区县 as written -> 6-digit code: the full name where unique, else city (or province) + name."""
    from huxin import geo

    counties = geo.counties_in(scope)
    cities, provinces = geo.region_names("city"), geo.region_names("province")
    seen = pd.Series(list(counties.values())).value_counts()
    out: dict[str, str] = {}
    for code, name in counties.items():
        out[code] = code
        if seen[name] == 1:
            out[name] = code
        for parent in (cities.get(code[:4] + "00"), provinces.get(code[:2] + "0000")):
            if parent:
                out[parent + name] = code
    return out


def _read(path: Path, cols: dict[str, str]) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, usecols=list(cols), dtype=str, keep_default_na=False, na_values=[""])
    else:
        df = pd.read_excel(path, usecols=list(cols), dtype=str, engine="calamine")
    return df.rename(columns=cols)


def _codes(s: pd.Series, lookup: dict[str, str]) -> pd.Series:
    out = s.str.strip().map(lookup)
    bad = s[out.isna()].unique()
    if len(bad):
        raise ValueError(f"unknown counties in the ledger: {list(bad[:5])}")
    return out


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def _bool(s: pd.Series) -> pd.Series:
    s = s.str.strip()
    return s.map(lambda v: True if v in YES else False if v in NO else None)


def read_ledgers(files: list[Path], scope: str) -> dict[str, pd.DataFrame]:
    """The three ledgers as typed DataFrames (the kind told from the file name, as an analyst would)."""
    lookup = county_lookup(scope)
    parts: dict[str, list[pd.DataFrame]] = {"clues": [], "projects": [], "cases": []}
    for p in files:
        kind = "clues" if "线索" in p.name else "projects" if "项目" in p.name else "cases"
        cols = {"clues": CLUE_COLS, "projects": PROJECT_COLS, "cases": CASE_COLS}[kind]
        parts[kind].append(_read(p, cols))
    cl = pd.concat(parts["clues"], ignore_index=True)
    pj = pd.concat(parts["projects"], ignore_index=True)
    ks = pd.concat(parts["cases"], ignore_index=True)

    cl["county_code"] = _codes(cl["county"], lookup)
    cl["received_date"] = _dates(cl["received_date"])
    # a closing date counts only on a closed clue (an open clue's stray date is not a closing)
    cl["closed_date"] = _dates(cl["closed_date"]).where(cl["status"].eq("已办结"))
    cl["returned"] = cl["status"].eq("退回")
    for c in ("workers", "amount", "resolved_amount"):
        cl[c] = pd.to_numeric(cl[c])
    pj["county_code"] = _codes(pj["county"], lookup)
    pj["start_date"] = _dates(pj["start_date"])
    pj["investment_type"] = pj["investment_type"].map(INVESTMENT)
    for c in ("real_name", "wage_account", "contractor_pays", "notice_board"):
        pj[c] = _bool(pj[c])
    pj["wage_deposit_ok"] = pj["wage_deposit"].map(lambda v: None if pd.isna(v) else v != "未缴")
    pj["active_status"] = pj["status"].isin(["在建", "停工"])
    ks["county_code"] = _codes(ks["county"], lookup)
    ks["opened_date"] = _dates(ks["opened_date"])
    ks["closed_date"] = _dates(ks["closed_date"]).where(ks["status"].eq("结案"))
    for c in ("amount_owed", "amount_paid"):
        ks[c] = pd.to_numeric(ks[c])
    ks = ks.merge(pj[["project_id", "investment_type"]], on="project_id", how="left")
    return {"clues": cl, "projects": pj, "cases": ks, "counties": pd.Index(sorted(set(lookup.values())))}


# ---------------------------------------------------------------------------------------------
# Calendar helpers (vectorised on the same working-day calendar)
@dataclass(frozen=True)
class Cal:
    work: np.ndarray          # sorted working days, datetime64[D]

    @staticmethod
    def of(cal: WorkCalendar) -> Cal:
        return Cal(np.array(cal.workday_list, dtype="datetime64[D]"))

    def ordinal(self, d: Any) -> np.ndarray:
        return np.searchsorted(self.work, np.asarray(d, dtype="datetime64[D]"), side="right")

    def due(self, received: pd.Series, n: np.ndarray) -> pd.Series:
        idx = self.ordinal(received.to_numpy(dtype="datetime64[D]")) + n - 1
        return pd.Series(self.work[idx], index=received.index).astype("datetime64[s]")

    def add(self, d: dt.date, n: int) -> dt.date:
        i = int(self.ordinal(np.datetime64(d))) + n - 1
        if i >= len(self.work):
            return d + dt.timedelta(days=math.ceil(n * 7 / 5))
        return self.work[i].astype(dt.date)

    def back(self, d: dt.date, n: int) -> dt.date:
        k = int(self.ordinal(np.datetime64(d))) - n
        return self.work[k - 1].astype(dt.date) if k >= 1 else dt.date(2010, 1, 1)


# ---------------------------------------------------------------------------------------------
# The county table
def county_aggregates(L: dict[str, pd.DataFrame], as_of: dt.date, start: dt.date, rules: Rules,
                      cal: Cal) -> pd.DataFrame:
    D, F = pd.Timestamp(as_of), pd.Timestamp(start)
    camp = campaign_for(as_of, rules)
    S = pd.Timestamp(min(camp.start, as_of))
    W = pd.Timestamp(cal.back(as_of, rules.pace_window_workdays))
    cl_all = L["clues"]
    cl = cl_all[~cl_all["returned"] & (cl_all["received_date"] <= D)].copy()
    n = cl["source"].map(dict(rules.deadline_by_source)).fillna(rules.deadline_days).astype(int).to_numpy()
    cl["due_date"] = cal.due(cl["received_date"], n)
    closed_by_d = cl["closed_date"] <= D
    is_open = ~closed_by_d
    rec = cl["received_date"] >= F
    # 重复反映: the previous clue on the same employer / credit code / project came at most N days earlier
    srt = cl.sort_values(["received_date", "clue_id"])
    rep = pd.Series(False, index=srt.index)
    for key in ("credit_code", "employer", "project_id"):
        gap = srt.groupby(key, dropna=True)["received_date"].diff().dt.days
        rep |= (gap <= rules.repeat_window_days) & srt[key].notna()
    cl["is_repeat"] = rep
    on_case = set(L["cases"].loc[L["cases"]["clue_id"].notna() & (L["cases"]["opened_date"] <= D), "clue_id"])
    g = pd.DataFrame({
        "county_code": cl["county_code"],
        "received": rec,
        "closed": rec & closed_by_d,
        "closed_on_time": rec & closed_by_d & (cl["closed_date"] <= cl["due_date"]),
        "overdue_open": is_open & (cl["due_date"] < D),
        "open_clues": is_open,
        "open_at_start": (cl["received_date"] <= S) & ~(cl["closed_date"] <= S),
        "open_at_window": (cl["received_date"] <= W) & ~(cl["closed_date"] <= W),
        "workers_involved": cl["workers"].where(rec, 0).fillna(0),
        "clue_recovered": cl["resolved_amount"].where((cl["closed_date"] >= F) & closed_by_d, 0).fillna(0),
        "clue_owed": cl["amount"].where(is_open & ~cl["clue_id"].isin(on_case), 0).fillna(0),
        "repeat_clues": rec & cl["is_repeat"],
    }).groupby("county_code").sum()

    ks = L["cases"]
    ks = ks[ks["opened_date"] <= D]
    k_open = ~(ks["closed_date"] <= D)
    k = pd.DataFrame({
        "county_code": ks["county_code"],
        "open_cases": k_open,
        "cases_opened": ks["opened_date"] >= F,
        "cases_at_start": (ks["opened_date"] <= S) & ~(ks["closed_date"] <= S),
        "cases_at_window": (ks["opened_date"] <= W) & ~(ks["closed_date"] <= W),
        "case_owed": (ks["amount_owed"] - ks["amount_paid"].fillna(0)).where(k_open, 0),
        "case_recovered": ks["amount_paid"].where((ks["closed_date"] >= F) & (ks["closed_date"] <= D)
                                                  & ks["clue_id"].isna(), 0).fillna(0),
    }).groupby("county_code").sum()

    pj = L["projects"]
    act = pj[pj["active_status"] & (pj["start_date"].isna() | (pj["start_date"] <= D))]
    core = act[["real_name", "wage_account", "contractor_pays", "wage_deposit_ok", "notice_board"]].eq(True).all(axis=1)
    p = pd.DataFrame({"county_code": act["county_code"], "active_projects": 1, "projects_all_core": core}) \
        .groupby("county_code").sum()

    t = pd.DataFrame(index=L["counties"]).join(g).join(k).join(p).fillna(0)
    out = pd.DataFrame(index=t.index)
    for c in ("received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_cases"):
        out[c] = t[c].astype("int64")
    out["open_stock"] = out["open_clues"] + out["open_cases"]
    out["open_stock_at_start"] = (t["open_at_start"] + t["cases_at_start"]).astype("int64")
    out["active_projects"] = t["active_projects"].astype("int64")
    out["projects_all_core"] = t["projects_all_core"].astype("int64")
    out["repeat_clues"] = t["repeat_clues"].astype("int64")
    out["cases_opened"] = t["cases_opened"].astype("int64")
    out["amount_owed"] = (t["clue_owed"] + t["case_owed"]).astype(float)
    out["amount_recovered"] = (t["clue_recovered"] + t["case_recovered"]).astype(float)
    out["workers_involved"] = t["workers_involved"].astype("int64")
    out["stock_window_start"] = (t["open_at_window"] + t["cases_at_window"]).astype("int64")
    return out.rename_axis("code").reset_index()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den != 0)).astype(object).where(den != 0, None)


def _scores(a: pd.DataFrame, rules: Rules) -> pd.Series:
    w = rules.score
    def part(weight: float, ratio: pd.Series) -> pd.Series:
        return pd.to_numeric(ratio, errors="coerce").mul(weight).fillna(weight)
    prog = (1 - a["open_stock"] / a["open_stock_at_start"].where(a["open_stock_at_start"] != 0)).clip(0, 1)
    raw = (part(w.closure_rate, a["received"].pipe(lambda r: a["closed"] / r.where(r != 0)))
           + part(w.on_time_rate, a["closed_on_time"] / a["closed"].where(a["closed"] != 0))
           + part(w.overdue, 1 - a["overdue_open"] / a["open_clues"].where(a["open_clues"] != 0))
           + part(w.clearing_progress, prog)
           + part(w.safeguards, a["projects_all_core"] / a["active_projects"].where(a["active_projects"] != 0))
           + part(w.repeat, 1 - a["repeat_clues"] / a["received"].where(a["received"] != 0)))
    return pd.Series([round(x + 1e-9, 1) for x in raw], index=a.index)


def county_table(L: dict[str, pd.DataFrame], as_of: dt.date, start: dt.date, rules: Rules, cal: Cal) -> pd.DataFrame:
    a = county_aggregates(L, as_of, start, rules, cal)
    prev_day = as_of - dt.timedelta(days=7)
    prev = county_aggregates(L, prev_day, start if start <= prev_day else start - dt.timedelta(days=7), rules, cal)
    w = rules.score
    a["closure_rate"] = _ratio(a["closed"], a["received"])
    a["on_time_rate"] = _ratio(a["closed_on_time"], a["closed"])
    a["repeat_rate"] = _ratio(a["repeat_clues"], a["received"])
    a["safeguard_rate"] = _ratio(a["projects_all_core"], a["active_projects"])
    a["score"] = _scores(a, rules)
    a["grade"] = np.select([a["score"] >= w.grade_a, a["score"] >= w.grade_b, a["score"] >= w.grade_c],
                           ["A", "B", "C"], "D")
    a["rank"] = a["score"].rank(method="min", ascending=False).astype("int64")
    prev_rank = _scores(prev, rules).rank(method="min", ascending=False).astype("int64")
    a["rank_change"] = (prev_rank.to_numpy() - a["rank"]).astype(object)
    a["is_last"] = (a["rank"] == a["rank"].max()) & (a["rank"].max() > a["rank"].min())
    # Spring Festival projection per county
    camp = campaign_for(as_of, rules)
    wd_left = max(int(cal.ordinal(np.datetime64(camp.deadline)) - cal.ordinal(np.datetime64(as_of))), 0)
    stock, win = a["open_stock"], a["stock_window_start"]
    a["working_days_left"] = wd_left
    a["required_pace"] = [0.0 if not s else (None if not wd_left else s / wd_left) for s in stock]
    a["actual_pace"] = (win - stock) / rules.pace_window_workdays
    proj, status = [], []
    for s, pace in zip(stock, a["actual_pace"], strict=True):
        pd_, st = _project(int(s), pace, as_of, camp.deadline, rules, cal)
        proj.append(pd_)
        status.append(st)
    a["projected_clear_date"], a["clear_status"] = proj, status
    # county warning: from overdue open clues and from the projected clearing date
    r = rules.county_warning
    lv_over = np.select([a["overdue_open"] >= r.red_overdue, a["overdue_open"] >= r.orange_overdue,
                         a["overdue_open"] >= r.yellow_overdue], [0, 1, 2], 9)
    late = pd.Series([None if d is None else (d - camp.deadline).days for d in proj], index=a.index, dtype=float)
    no_proj = pd.Series([d is None for d in proj], index=a.index)
    lv_late = np.select([(stock > 0) & no_proj, (stock > 0) & (late > r.red_late_days), (stock > 0) & (late > 0)],
                        [0, 0, 1], 9)
    lv = np.minimum(lv_over, lv_late)
    a["warning_level"] = np.select([lv == 0, lv == 1, lv == 2, stock > 0], ["红", "橙", "黄", "蓝"], "")
    a["warning_level"] = a["warning_level"].replace("", None)
    return a.sort_values(["rank", "code"]).reset_index(drop=True)


def _project(stock: int, pace: float, as_of: dt.date, deadline: dt.date, rules: Rules,
             cal: Cal) -> tuple[dt.date | None, str]:
    if stock <= 0:
        return None, "已清零"
    if not pace > 0:
        return None, "滞后"
    d = cal.add(as_of, max(1, math.ceil(stock / pace - 1e-9)))
    late = (d - deadline).days
    return d, "按期" if late <= 0 else "有风险" if late <= rules.risk_days else "滞后"


# ---------------------------------------------------------------------------------------------
# The burn-down
def stock_series(L: dict[str, pd.DataFrame], start: dt.date, end: dt.date, rules: Rules) -> pd.DataFrame:
    """Daily open stock (clues + cases) and year-end stock (cases on government/SOE/PPP projects) per county and
    for the total ('' county) over [start, end]."""
    E = pd.Timestamp(end)
    cl = L["clues"][~L["clues"]["returned"]]
    ks = L["cases"]
    ye = ks["investment_type"].isin(rules.year_end_investment_types)
    ev = pd.concat([
        pd.DataFrame({"c": cl["county_code"], "d": cl["received_date"], "x": 1, "y": 0}),
        pd.DataFrame({"c": cl["county_code"], "d": cl["closed_date"], "x": -1, "y": 0}),
        pd.DataFrame({"c": ks["county_code"], "d": ks["opened_date"], "x": 1, "y": ye.astype(int)}),
        pd.DataFrame({"c": ks["county_code"], "d": ks["closed_date"], "x": -1, "y": -ye.astype(int)}),
    ], ignore_index=True)
    ev = ev[ev["d"].notna() & (ev["d"] <= E)]
    days = pd.date_range(start, end, freq="D")
    cols = {}
    for what in ("x", "y"):
        wide = ev.pivot_table(index="d", columns="c", values=what, aggfunc="sum", fill_value=0)
        wide = wide.reindex(wide.index.union(days), fill_value=0).cumsum().loc[days]
        cols[what] = wide.reindex(columns=L["counties"], fill_value=0)
    out = pd.DataFrame({"open_stock": cols["x"].stack(), "year_end_stock": cols["y"].stack()})
    out.index.names = ["d", "county_code"]
    out = out.reset_index()
    total = out.groupby("d", as_index=False)[["open_stock", "year_end_stock"]].sum().assign(county_code="")
    out = pd.concat([total, out], ignore_index=True)[["county_code", "d", "open_stock", "year_end_stock"]]
    out["d"] = out["d"].dt.date
    return out.sort_values(["county_code", "d"]).reset_index(drop=True)


def clearing(L: dict[str, pd.DataFrame], as_of: dt.date, rules: Rules, cal: Cal) -> dict[str, Any]:
    camp = campaign_for(as_of, rules)
    win = cal.back(as_of, rules.pace_window_workdays)
    series = stock_series(L, min(camp.start, as_of, win), as_of, rules)
    tot = series[series["county_code"] == ""].set_index("d")
    now, ye_now = int(tot.at[as_of, "open_stock"]), int(tot.at[as_of, "year_end_stock"])
    w_all, w_ye = int(tot.at[win, "open_stock"]), int(tot.at[win, "year_end_stock"])
    k = rules.pace_window_workdays
    out = {"series": series[series["d"] >= min(camp.start, as_of)].reset_index(drop=True),
           "stock_at_start": int(tot.at[camp.start, "open_stock"]) if camp.start <= as_of else now}
    for name, s, w_, deadline in (("projection", now, w_all, camp.deadline),
                                  ("year_end_projection", ye_now, w_ye, camp.year_end_deadline),
                                  ("other_projection", now - ye_now, w_all - w_ye, camp.deadline)):
        d, st = _project(s, (w_ - s) / k, as_of, deadline, rules, cal)
        out[name] = {"open_stock": s, "actual_pace": (w_ - s) / k, "projected_date": d, "status": st}
    return out


def peer(L: dict[str, pd.DataFrame], as_of: dt.date, start: dt.date) -> tuple[pd.DataFrame, dict[str, Any]]:
    rules = load_rules()
    cal = Cal.of(work_calendar())
    return county_table(L, as_of, start, rules, cal), clearing(L, as_of, rules, cal)


# ---------------------------------------------------------------------------------------------
# Ours, and the comparison
def ours(as_of: dt.date, start: dt.date) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The dashboard's own functions on the database in $ARREARS_DB (uncached outside Streamlit)."""
    from huxin import data
    return data.county_table(data.ALL, as_of, start), data.clearing(data.ALL, as_of)


def _norm(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _same(a: Any, b: Any) -> bool:
    a, b = _norm(a), _norm(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def compare(ours_: tuple[pd.DataFrame, dict[str, Any]], peer_: tuple[pd.DataFrame, dict[str, Any]],
            limit: int = 20) -> list[str]:
    """Differences between our results and the peer's (an empty list when they are equal)."""
    diffs: list[str] = []
    ot, oc = ours_
    pt, pc = peer_
    o = ot.set_index("code")
    p = pt.set_index("code")
    if set(o.index) != set(p.index):
        diffs.append(f"county sets differ: ours-only {sorted(set(o.index) - set(p.index))[:5]}, "
                     f"peer-only {sorted(set(p.index) - set(o.index))[:5]}")
    for code in sorted(set(o.index) & set(p.index)):
        for c in TABLE_COLUMNS:
            if not _same(o.at[code, c], p.at[code, c]):
                diffs.append(f"county {code} {c}: ours {o.at[code, c]!r} peer {p.at[code, c]!r}")
                if len(diffs) >= limit:
                    return diffs
    os_ = oc["series"].sort_values(["county_code", "d"]).reset_index(drop=True)
    ps = pc["series"].sort_values(["county_code", "d"]).reset_index(drop=True)
    if len(os_) != len(ps):
        diffs.append(f"series rows: ours {len(os_)} peer {len(ps)}")
    else:
        for c in ("county_code", "d", "open_stock", "year_end_stock"):
            bad = ~(os_[c].astype(object).to_numpy() == ps[c].astype(object).to_numpy())
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                diffs.append(f"series {c} differs in {int(bad.sum())} rows, first: ours {os_.iloc[i].to_dict()} "
                             f"peer {ps.iloc[i].to_dict()}")
    if oc["stock_at_start"] != pc["stock_at_start"]:
        diffs.append(f"stock_at_start: ours {oc['stock_at_start']} peer {pc['stock_at_start']}")
    for name in ("projection", "year_end_projection", "other_projection"):
        op, pp = oc[name], pc[name]
        for ours_v, key in ((op.open_stock, "open_stock"), (op.actual_pace, "actual_pace"),
                            (op.projected_date, "projected_date"), (op.status, "status")):
            if not _same(ours_v, pp[key]):
                diffs.append(f"{name}.{key}: ours {ours_v!r} peer {pp[key]!r}")
    return diffs[:limit]


# ---------------------------------------------------------------------------------------------
# The benchmark (one scale per fresh process, so nothing is warm from another scale)
def _bench_one(scale: str, runs: int, as_of: dt.date, start: dt.date) -> dict[str, Any]:
    import os

    from bench.common import db_file, ledger_files, scope_code
    from huxin import db

    os.environ["ARREARS_DB"] = str(db_file(scale))
    db.forget_readers()
    # Module imports are not part of either side's time (an app process has them loaded; the peer's pandas is
    # imported already): the data layer's first call imports streamlit.runtime to see whether it runs in a server.
    from huxin import data
    data._in_streamlit()
    res: dict[str, Any] = {"scale": scale, "ours": [], "peer_total": [], "peer_read": [], "peer_compute": []}
    # Ours: the first call in the process is the cold one (database attached, calendar built, nothing cached).
    res["ours_cpu"] = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        o = ours(as_of, start)
        res["ours"].append(time.perf_counter() - t0)
        res["ours_cpu"].append(time.process_time() - c0)
    files = [f for f in ledger_files(scale) if f.suffix == ".csv" and f.stem in ("线索台账", "在建项目台账", "案件台账")]
    for _ in range(runs):
        t0 = time.perf_counter()
        L = read_ledgers(files, scope_code(scale))
        t1 = time.perf_counter()
        p = peer(L, as_of, start)
        t2 = time.perf_counter()
        res["peer_read"].append(t1 - t0)
        res["peer_compute"].append(t2 - t1)
        res["peer_total"].append(t2 - t0)
        del L
    diffs = compare(o, p)
    res["equal"] = not diffs
    res["diffs"] = diffs
    res["counties"] = len(o[0])
    res["clues"] = int(o[0]["received"].sum())
    import resource
    res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def main(argv: list[str] | None = None) -> int:
    from bench.common import (
        AS_OF,
        SCALES,
        env_for,
        ledger_dir,
        machine_note,
        run_measured,
        save_json,
        venv_python,
    )

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=["province", "national"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    args = ap.parse_args(argv)
    start = dt.date(args.as_of.year, 1, 1)
    results: dict[str, Any] = {"when": machine_note(), "as_of": args.as_of, "start": start, "runs": args.runs,
                               "scales": {}}
    failed = False
    for scale in args.scales:
        if not (ledger_dir(scale) / "manifest.json").exists():
            print(f"[{scale}] no ledgers; run bench/etl_bench.py first", file=sys.stderr)
            continue
        m = run_measured([venv_python(), __file__, "_one", scale, str(args.runs), args.as_of.isoformat(),
                          start.isoformat()], env_for())
        if m.rc:
            print(m.stderr[-4000:], file=sys.stderr)
            failed = True
            continue
        r = json.loads(m.stdout.strip().splitlines()[-1])
        results["scales"][scale] = r
        print(f"[{scale}] equal={r['equal']} ours cold {r['ours'][0]:.2f} s; peer total "
              f"{statistics.median(r['peer_total']):.2f} s", file=sys.stderr, flush=True)
        for d in r["diffs"]:
            print("   DIFF", d, file=sys.stderr)
        failed |= not r["equal"]
    save_json("peer", results)
    print(report(results))
    return 1 if failed else 0


def report(res: dict[str, Any]) -> str:
    from bench.common import SCALES, TARGETS, fmt_s, mark, md_table

    rows = []
    for scale in SCALES:
        r = res["scales"].get(scale)
        if not r:
            continue
        ours_cold, ours_again = r["ours"][0], statistics.median(r["ours"][1:] or r["ours"])
        tot, comp = statistics.median(r["peer_total"]), statistics.median(r["peer_compute"])
        ratio = tot / ours_cold
        cpu = r.get("ours_cpu") or [float("nan")]
        rows.append([scale, f"{r['counties']:,}", f"{r['clues']:,}", "yes" if r["equal"] else "**NO**",
                     fmt_s(ours_cold), fmt_s(cpu[0]), fmt_s(ours_again), fmt_s(statistics.median(r["peer_read"])),
                     fmt_s(comp), fmt_s(tot), f"{ratio:.1f}×" + mark(ratio, TARGETS["peer_ratio"][scale], True),
                     f"{comp / ours_cold:.1f}×"])
    return "\n".join([
        (f"County table (as of {res['as_of']}, period from {res['start']}, with last week's ranks for the rank change) "
        f"+ Spring Festival burn-down (daily open stock per county and total, projections); ours = "
        f"`data.county_table` + `data.clearing` on the database in a fresh process without any result cache (module "
        f"imports excluded on both sides); peer = "
        f"bench/pandas_peer.py reading the CSV ledgers with pandas; {res['when']}; medians of {res['runs']} runs"), "",
        md_table(["scale", "counties", "clues received", "equal", "ours cold s", "ours cold CPU s", "ours again s",
                  "peer read s", "peer compute s", "peer total s", "peer total ÷ ours cold (target)",
                  "peer compute ÷ ours cold"], rows)])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_one":
        r = _bench_one(sys.argv[2], int(sys.argv[3]), dt.date.fromisoformat(sys.argv[4]),
                       dt.date.fromisoformat(sys.argv[5]))
        print(json.dumps(r, default=str))
    else:
        sys.exit(main())
