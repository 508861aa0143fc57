"""周调度 (weekly dispatch): every number of the week in one dict, and the 通报 text written from it.

``weekly_summary`` is the one place the week's figures are assembled; the page, the Word and Excel exports and the
``report`` CLI all use it, so the projector, the briefing and the scheduled job can never disagree.
``briefing_text`` is a pure function of that dict (tested on hand-made weeks), so it never touches the database.

Week W is Monday..Sunday. Its figures are computed as of its Sunday, or of the as-of date when the week is not over
yet (a Friday meeting sees Monday..Friday). W-1 is the full previous week. "This week" counts follow domain.md for
the period [Monday, D]: received = clues received in the week, closed = of those, closed by D; overdue open and
open stock are as of D.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from huxin import data
from huxin import rules as R
from huxin.config import load_rules

# key, label, unit, kind (count | rate | money), which direction is better (None: neither — more complaints
# received is not "worse work", it is more work).
KPI_SPECS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("received", "新增线索", "条", "count", None),
    ("closed", "办结", "条", "count", "up"),
    ("closure_rate", "办结率", "", "rate", "up"),
    ("overdue_open", "超期未办结", "条", "count", "down"),
    ("open_stock", "存量", "件", "count", "down"),
    ("cases_opened", "新立案件", "件", "count", None),
    ("amount_recovered", "追回金额", "元", "money", "up"),
    ("workers_involved", "涉及人数", "人", "count", None),
)
WEEKDAYS = "一二三四五六日"
SUPERVISED = ("挂牌督办", "领导包案", "专案组")


# ---------------------------------------------------------------------------------------------
# Weeks
def monday_of(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def week_end(monday: dt.date, as_of: dt.date) -> dt.date:
    """The date week figures are computed at: the week's Sunday, never later than as_of."""
    return min(monday + dt.timedelta(days=6), as_of)


def week_label(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    iso = monday.isocalendar()
    return f"{iso.year}年第{iso.week}周（{monday:%m月%d日}—{sunday:%m月%d日}）"


def week_options(as_of: dt.date, weeks: int = 30) -> list[dt.date]:
    """Mondays of the weeks that can be looked at on as_of: the current one first, then back."""
    m = monday_of(as_of)
    return [m - dt.timedelta(weeks=i) for i in range(weeks)]


def parse_week(text: str | None) -> dt.date | None:
    """A ``?week=`` URL value (any date of the week, normally its Monday) -> the Monday, or None if not a date."""
    if not text:
        return None
    try:
        return monday_of(dt.date.fromisoformat(str(text).strip()))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# The summary
def _area(scope: data.Scope, table: pd.DataFrame) -> tuple[str, str]:
    """(area word used in sentences, full name for titles): ("全市", "开封市") or ("兰考县", "兰考县")."""
    name = data.scope_name()
    if scope.counties is not None:
        names = table[table["code"].isin(scope.counties)]["name"].tolist() if not table.empty else []
        own = "、".join(names) or "本县区"
        return own, own
    code = data.meta().get("scope_code", "")
    word = "全国" if code == "all" else "全省" if code.endswith("0000") else "全市"
    return word, name or word.removeprefix("全") + "级"


def _deadline_label(rule: str) -> str:
    return {"eve": "除夕", "festival": "春节"}.get(rule, "清零期限")


def kpis(this: dict[str, Any], prev: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, label, unit, kind, better in KPI_SPECS:
        now, before = this.get(key), prev.get(key)
        delta = None if now is None or before is None else now - before
        out.append({"key": key, "label": label, "unit": unit, "kind": kind, "better": better,
                    "now": now, "before": before, "delta": delta})
    return out


@data.cached
def weekly_chart_json(scope: data.Scope, week_monday: dt.date, as_of: dt.date, present: bool = False
                      ) -> list[tuple[str, str]]:
    """The page's two charts (file-name stem, figure JSON), cached on the data version like every query. Building
    the two figures was 64 ms of a 210 ms warm run of the city page (pyinstrument), and text is cheap to cache."""
    from huxin.charts import figure_json
    from huxin.charts import weekly as WC

    return [(name, figure_json(f)) for name, f in WC.weekly_figures(weekly_summary(scope, week_monday, as_of),
                                                                    present)]


def weekly_summary(scope: data.Scope, week_monday: dt.date, as_of: dt.date) -> dict[str, Any]:
    """All numbers of the weekly dispatch for the week starting ``week_monday`` (any day of it is accepted), as of
    ``as_of``: this week, last week, the deltas, the county table, key matters and the Spring Festival clearing."""
    rules = load_rules()
    monday = monday_of(week_monday)
    sunday = monday + dt.timedelta(days=6)
    end = week_end(monday, as_of)
    if end < monday:
        raise ValueError(f"所选周（{monday:%Y年%m月%d日}起）晚于数据截至日期 {as_of:%Y年%m月%d日}，无法统计。")
    prev_monday = monday - dt.timedelta(days=7)
    prev_sunday = monday - dt.timedelta(days=1)
    # independent of each other: computed at the same time (a national roll-up's cold run: 6.6 s one after another)
    matters, table, this, prev, clear = data.together(
        lambda: data.key_matters(scope, monday, end), lambda: data.county_table(scope, end, monday),
        lambda: data.totals(scope, end, monday), lambda: data.totals(scope, prev_sunday, prev_monday),
        lambda: data.clearing(scope, end))
    proj, ye = clear["projection"], clear["year_end_projection"]
    camp = clear["campaign"]
    area, area_name = _area(scope, table)
    return {
        "week_monday": monday, "week_sunday": sunday, "as_of": end, "partial": end < sunday,
        "prev_monday": prev_monday, "prev_sunday": prev_sunday,
        "area": area, "area_name": area_name, "county_scope": scope.counties is not None,
        "own_codes": None if scope.counties is None else list(scope.counties),
        "scope_label": scope.label or "全部",
        "this": this, "prev": prev, "kpis": kpis(this, prev),
        "table": table, "key_matters": matters,
        "clearing": {
            "campaign_name": rules.campaign_name, "campaign_start": camp.start, "festival": camp.festival,
            "deadline": camp.deadline, "deadline_label": _deadline_label(rules.deadline),
            "days_left": clear["days_left"], "working_days_left": clear["working_days_left"],
            "open_stock": proj.open_stock, "stock_at_start": clear["stock_at_start"],
            "required_pace": proj.required_pace, "actual_pace": proj.actual_pace,
            "projected_date": proj.projected_date, "status": proj.status, "late_days": proj.late_days,
            "year_end_deadline": camp.year_end_deadline, "year_end_days_left": clear["year_end_days_left"],
            "year_end_open": ye.open_stock, "year_end_status": ye.status,
            "pace_window": rules.pace_window_workdays,
        },
        "large_workers": rules.large_workers, "large_amount": rules.large_amount,
        "target_closure_rate": rules.target_closure_rate,
    }


# ---------------------------------------------------------------------------------------------
# Tables as shown and exported (Chinese headers; one builder for page, Word and Excel)
def _is_null(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (not isinstance(x, str) and pd.isna(x))


def rank_change_text(x: Any) -> str:
    if _is_null(x):
        return "—"
    x = int(x)
    return f"↑{x}" if x > 0 else f"↓{-x}" if x < 0 else "持平"


COUNTY_COLUMNS = ["排名", "区县", "名次变化", "受理", "办结", "办结率", "按期办结率", "超期未办结", "存量",
                  "得分", "等级", "预警", "备注"]


def county_rows(summary: dict[str, Any]) -> pd.DataFrame:
    """The county table of the week, sorted by rank; 备注 marks 末位 (rates None when the denominator is 0)."""
    t = summary["table"]
    if t is None or t.empty:
        return pd.DataFrame(columns=COUNTY_COLUMNS + ["名次变化数"])
    t = t.sort_values(["rank", "code"])
    out = pd.DataFrame({
        "排名": t["rank"].astype(int).to_numpy(),
        "区县": t["name"].to_numpy(),
        "名次变化": [rank_change_text(x) for x in t["rank_change"]],
        "受理": t["received"].astype(int).to_numpy(),
        "办结": t["closed"].astype(int).to_numpy(),
        "办结率": [None if _is_null(x) else float(x) for x in t["closure_rate"]],
        "按期办结率": [None if _is_null(x) else float(x) for x in t["on_time_rate"]],
        "超期未办结": t["overdue_open"].astype(int).to_numpy(),
        "存量": t["open_stock"].astype(int).to_numpy(),
        "得分": t["score"].astype(float).to_numpy(),
        "等级": t["grade"].to_numpy(),
        "预警": [x if isinstance(x, str) and x else "无" for x in t["warning_level"]],
        "备注": ["末位" if bool(x) else "" for x in t["is_last"]],
        "名次变化数": [None if _is_null(x) else int(x) for x in t["rank_change"]],
    })
    return out.reset_index(drop=True)


# Page sizes at province / national scale (thousands of counties, tens of thousands of red clues): the weekly page
# shows the first MATTERS_SHOWN key matters and, on the projector, the first and last PRESENT_ENDS counties; above
# TABLE_MAX_COLOURED counties the county table is not coloured cell by cell. Exports always have every row.
MATTERS_SHOWN = 500
PRESENT_ENDS = 10
TABLE_MAX_COLOURED = 40

MATTER_COLUMNS = ["类别", "编号", "区县", "名称", "督办级别/预警", "包案领导", "责任单位", "金额（万元）", "涉及人数",
                  "办结时限", "剩余工作日", "阶段", "本周变化", "本周新增重大"]


def key_matter_rows(summary: dict[str, Any], briefing_only: bool = False, limit: int | None = None) -> pd.DataFrame:
    """重点督办事项 with Chinese headers. briefing_only keeps what a briefing lists: escalated cases (挂牌督办 /
    领导包案 / 专案组) and matters new and large this week — the hundreds of red clues stay on the page/Excel."""
    km = summary["key_matters"]
    if km is None or km.empty:
        return pd.DataFrame(columns=MATTER_COLUMNS)
    if briefing_only:
        km = km[km["new_large"].astype(bool) | km["level"].isin(SUPERVISED)]
    if limit is not None:
        km = km.head(limit)
    deadline = pd.to_datetime(km["deadline"], errors="coerce")
    out = pd.DataFrame({
        "类别": km["kind"].to_numpy(), "编号": km["id"].to_numpy(), "区县": km["county_name"].to_numpy(),
        "名称": km["name"].to_numpy(), "督办级别/预警": km["level"].to_numpy(),
        "包案领导": km["leader"].where(km["leader"].notna(), None).to_numpy(),
        "责任单位": km["unit"].where(km["unit"].notna(), None).to_numpy(),
        "金额（万元）": (pd.to_numeric(km["amount"], errors="coerce") / 10000).round(2).to_numpy(),
        "涉及人数": pd.to_numeric(km["workers"], errors="coerce").to_numpy(),
        "办结时限": [None if pd.isna(d) else d.date() for d in deadline],
        "剩余工作日": pd.to_numeric(km["workdays_left"], errors="coerce").to_numpy(),
        "阶段": km["stage"].to_numpy(), "本周变化": km["change"].to_numpy(),
        "本周新增重大": ["是" if bool(x) else "" for x in km["new_large"]],
    })
    return out.reset_index(drop=True)


def matter_counts(summary: dict[str, Any]) -> dict[str, int]:
    km = summary["key_matters"]
    if km is None or km.empty:
        return {"total": 0, "new_large": 0, "supervised": 0, "red_clues": 0, "red_projects": 0}
    return {"total": len(km), "new_large": int(km["new_large"].astype(bool).sum()),
            "supervised": int(km["level"].isin(SUPERVISED).sum()),
            "red_clues": int((km["kind"] == "线索").sum()), "red_projects": int((km["kind"] == "项目").sum())}


def export_sheets(summary: dict[str, Any], text: str) -> dict[str, pd.DataFrame]:
    """The Excel workbook: one sheet per table. Indicators are columns (so the column number formats apply:
    办结率 as 0.0 %, 追回金额 in 万元); rates with a zero denominator are 「—」."""
    periods = (("本周", "now", f"{summary['week_monday']:%Y-%m-%d} 至 {summary['as_of']:%Y-%m-%d}"),
               ("上周", "before", f"{summary['prev_monday']:%Y-%m-%d} 至 {summary['prev_sunday']:%Y-%m-%d}"),
               ("较上周变化", "delta", "本周 − 上周（办结率为百分点）"))
    rows = []
    for name, field, span in periods:
        row: dict[str, Any] = {"周期": name, "统计区间": span}
        for k in summary["kpis"]:
            v = k[field]
            if k["kind"] == "money":
                row[f"{k['label']}（万元）"] = None if _is_null(v) else round(float(v) / 10000, 2)
            elif k["kind"] == "rate":
                row[k["label"]] = "—" if _is_null(v) else float(v)
            else:
                row[f"{k['label']}（{k['unit']}）"] = None if _is_null(v) else int(v)
        rows.append(row)
    county = county_rows(summary).drop(columns=["名次变化数"]).astype(object)
    for c in ("办结率", "按期办结率"):
        county[c] = [("—" if _is_null(v) else v) for v in county[c]]
    matters = key_matter_rows(summary)
    paragraphs = [p for p in text.splitlines() if p.strip()]
    return {"主要指标": pd.DataFrame(rows), "县区情况": county, "重点督办事项": matters,
            "通报正文": pd.DataFrame({"通报正文": paragraphs})}


# ---------------------------------------------------------------------------------------------
# The 通报 text
def _n(x: Any) -> str:
    return "0" if _is_null(x) else f"{int(x)}"


def _pct(x: Any) -> str:
    return "—" if _is_null(x) else f"{x * 100:.1f}%"


def _wan(x: Any) -> str:
    return "0万元" if _is_null(x) else f"{float(x) / 10000:.2f}万元"


def _md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def _ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _count_change(now: Any, before: Any, unit: str) -> str:
    if _is_null(now) or _is_null(before):
        return ""
    d = int(now) - int(before)
    if d == 0:
        return "与上周持平"
    return f"较上周{'增加' if d > 0 else '减少'}{abs(d)}{unit}"


def _rate_change(now: Any, before: Any) -> str:
    if _is_null(now) or _is_null(before):
        return ""
    d = (float(now) - float(before)) * 100
    if abs(d) < 0.05:
        return "与上周持平"
    return f"较上周{'上升' if d > 0 else '下降'}{abs(d):.1f}个百分点"


def _join(parts: list[str]) -> str:
    return "、".join(parts)


def _sentence(*parts: str) -> str:
    return "，".join(p for p in parts if p)


def _period(s: dict[str, Any]) -> str:
    mon, sun, end = s["week_monday"], s["week_sunday"], s["as_of"]
    if s.get("partial") and end < sun:
        return f"本周（{_md(mon)}至{_md(sun)}，数据截至{_md(end)}周{WEEKDAYS[end.weekday()]}）"
    return f"本周（{_md(mon)}至{_md(sun)}）"


def _totals_paragraph(s: dict[str, Any]) -> str:
    t, p, area = s["this"], s["prev"], s["area"]
    lead = f"{_period(s)}，{area}"
    if not t.get("received") and not t.get("open_stock") and not t.get("cases_opened"):
        before = f"（上周受理{_n(p.get('received'))}条）" if p.get("received") else ""
        return (f"{lead}未受理欠薪线索{before}，无新立欠薪案件，线索和案件存量为零，保持动态清零。")
    parts = []
    if t.get("received"):
        parts.append(_sentence(f"{lead}共受理欠薪线索{_n(t['received'])}条",
                               _count_change(t["received"], p.get("received"), "条")))
        parts.append(_sentence(f"已办结{_n(t['closed'])}条", f"办结率{_pct(t['closure_rate'])}",
                               _rate_change(t["closure_rate"], p.get("closure_rate"))))
    else:
        before = f"（上周受理{_n(p.get('received'))}条）" if p.get("received") else ""
        parts.append(f"{lead}未受理新的欠薪线索{before}")
    if t.get("overdue_open"):
        parts.append(_sentence(f"超期未办结线索{_n(t['overdue_open'])}条",
                               _count_change(t["overdue_open"], p.get("overdue_open"), "条")))
    else:
        parts.append("无超期未办结线索" + (f"（上周{_n(p['overdue_open'])}条）" if p.get("overdue_open") else ""))
    if t.get("open_stock"):
        parts.append(_sentence(f"线索和案件存量{_n(t['open_stock'])}件",
                               _count_change(t["open_stock"], p.get("open_stock"), "件")))
    else:
        parts.append("线索和案件存量已全部清零")
    first = "；".join(parts) + "。"
    second = []
    second.append(f"本周新立欠薪案件{_n(t.get('cases_opened'))}件" if t.get("cases_opened") else "本周无新立欠薪案件")
    if t.get("amount_recovered"):
        second.append(f"追回欠薪{_wan(t['amount_recovered'])}")
    if t.get("workers_involved"):
        second.append(f"新受理线索涉及农民工{_n(t['workers_involved'])}人")
    return first + "，".join(second) + "。"


def _own_rows(s: dict[str, Any]) -> pd.DataFrame:
    t = s["table"]
    if t is None or t.empty:
        return pd.DataFrame(columns=["code", "name"])
    if s.get("own_codes") is not None:
        return t[t["code"].isin(s["own_codes"])]
    return t


def _county_phrase(r: dict[str, Any]) -> str:
    extra = []
    if not r.get("received"):
        extra.append("本周无新受理线索")
    else:
        extra.append(f"受理{_n(r['received'])}条、办结{_n(r['closed'])}条，办结率{_pct(r.get('closure_rate'))}")
    if r.get("overdue_open"):
        extra.append(f"超期未办结{_n(r['overdue_open'])}条")
    return "，".join(extra)


def overdue_focus(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Where the overdue items are concentrated: the counties with the most overdue open clues, taken in order until
    they hold 60 % of them (at most three) — the ones the briefing names and asks to act."""
    total = int(table["overdue_open"].sum()) if table is not None and not table.empty else 0
    if not total:
        return []
    top = table[table["overdue_open"] > 0].sort_values(["overdue_open", "code"], ascending=[False, True])
    picked, acc = [], 0
    for r in top.to_dict("records"):
        picked.append(r)
        acc += int(r["overdue_open"])
        if len(picked) >= 3 or acc >= 0.6 * total:
            break
    return picked


def _counties_paragraph(s: dict[str, Any]) -> str:
    t = s["table"]
    if t is None or t.empty:
        return ""
    t = t.sort_values(["rank", "code"])
    n = len(t)
    out = []
    if s.get("county_scope"):
        own = _own_rows(s)
        for r in own.to_dict("records"):
            rank = f"，在{n}个县区中排名第{int(r['rank'])}" if n > 1 else ""
            move = ""
            if n > 1 and not _is_null(r.get("rank_change")) and int(r["rank_change"]):
                rc = int(r["rank_change"])
                move = f"（较上周{'上升' if rc > 0 else '下降'}{abs(rc)}位）"
            last = "，处于末位" if bool(r.get("is_last")) else ""
            out.append(f"{r['name']}综合得分{float(r['score']):.1f}分（{r['grade']}级）{rank}{move}{last}；"
                       f"{_county_phrase(r)}。")
        return "".join(out)
    if n == 1:
        r = t.iloc[0].to_dict()
        return f"{r['name']}综合得分{float(r['score']):.1f}分（{r['grade']}级）；{_county_phrase(r)}。"
    best = t[t["rank"] == t["rank"].min()]
    worst = t[t["is_last"].astype(bool)]
    if len(best) == n:
        out.append(f"从各县区看，{n}个县区综合得分均为{float(best['score'].iloc[0]):.1f}分，并列第一。")
    else:
        b = best.iloc[0].to_dict()
        tie = f"{_join(best['name'].tolist())}并列" if len(best) > 1 else b["name"]
        out.append(f"从各县区看，{tie}综合得分{float(b['score']):.1f}分（{b['grade']}级），排名第一"
                   + ("" if len(best) > 1 else f"，{_county_phrase(b)}") + "；")
        if not worst.empty:
            w = worst.iloc[0].to_dict()
            wn = f"{_join(worst['name'].tolist())}并列" if len(worst) > 1 else w["name"]
            out.append(f"{wn}综合得分{float(w['score']):.1f}分（{w['grade']}级），排名末位"
                       + ("" if len(worst) > 1 else f"，{_county_phrase(w)}") + "。")
        else:
            out[-1] = out[-1].rstrip("；") + "。"
        up = t[t["rank_change"].notna() & (pd.to_numeric(t["rank_change"], errors="coerce") >= 3)]
        down = t[t["rank_change"].notna() & (pd.to_numeric(t["rank_change"], errors="coerce") <= -3)]
        moves = []
        if not up.empty:
            moves.append("名次上升较快的有" + _join([f"{r['name']}（↑{int(r['rank_change'])}）"
                                                for r in up.to_dict("records")]))
        if not down.empty:
            moves.append("名次下降较多的有" + _join([f"{r['name']}（↓{-int(r['rank_change'])}）"
                                                for r in down.to_dict("records")]))
        if moves:
            out.append("；".join(moves) + "。")
    total_over = int(t["overdue_open"].sum())
    if total_over:
        picked = overdue_focus(t)
        acc = sum(int(r["overdue_open"]) for r in picked)
        names = _join([f"{r['name']}（{int(r['overdue_open'])}条）" for r in picked])
        if int((t["overdue_open"] > 0).sum()) == 1:
            out.append(f"超期未办结线索全部集中在{names}。")
        else:
            out.append(f"超期未办结线索主要集中在{names}，合计占{s['area']}的{acc / total_over * 100:.1f}%。")
    elif not s.get("county_scope"):
        out.append("各县区均无超期未办结线索。")
    return "".join(out)


def _clearing_paragraph(s: dict[str, Any]) -> str:
    c, area = s["clearing"], s["area"]
    fest, dl = c["festival"], c["deadline"]
    head = (f"距春节（{_ymd(fest)}）还有{(fest - s['as_of']).days}天，距清零期限（{c['deadline_label']}，{_md(dl)}）"
            f"还有{max(c['days_left'], 0)}天、{c['working_days_left']}个工作日。")
    if c["days_left"] < 0:
        head = f"本年度春节清零期限（{c['deadline_label']}，{_ymd(dl)}）已过。"
    stock = c["open_stock"]
    if not stock:
        body = f"{area}线索和案件存量已清零，实现动态清零。"
    else:
        req = c.get("required_pace")
        act = c.get("actual_pace")
        pace = f"{area}当前存量{stock}件"
        if req is not None and c["working_days_left"] > 0:
            pace += f"，按期清零需日均净化解{req:.1f}件"
        if act is None:
            pace += "，近期化解速度暂无法计算"
        elif act <= 0:
            pace += (f"，近{c['pace_window']}个工作日存量不降反增（日均净增{-act:.1f}件）" if act < 0
                     else f"，近{c['pace_window']}个工作日存量没有下降")
        else:
            pace += f"，近{c['pace_window']}个工作日实际日均净化解{act:.1f}件"
        status, when, late = c["status"], c.get("projected_date"), c.get("late_days")
        expect = f"按此进度预计{_md(when)}清零，" if when else "按此进度"
        late_txt = f"晚于期限{late}天，" if when and late and late > 0 else ""
        if status == R.ON_PACE:
            verdict = expect + "可在期限前完成"
        elif status == R.AT_RISK:
            verdict = expect + late_txt + "存在风险"
        elif when:
            verdict = expect + late_txt + "进度滞后"
        else:
            verdict = "按当前进度无法在期限前清零，进度滞后"
        body = pace + "，" + verdict + "。"
    ye = ""
    if c.get("year_end_open") and c.get("year_end_days_left", -1) >= 0:
        ye = (f"政府投资、国企和PPP项目欠薪案件尚余{c['year_end_open']}件，须于{_md(c['year_end_deadline'])}前清零"
              f"（{c['year_end_status']}）。")
    mc = matter_counts(s)
    km = ""
    if mc["new_large"] or mc["supervised"]:
        parts = []
        if mc["new_large"]:
            parts.append(f"本周新增重大欠薪事项{mc['new_large']}件（涉及{s['large_workers']}人以上或金额"
                         f"{s['large_amount'] / 10000:g}万元以上）")
        if mc["supervised"]:
            parts.append(f"挂牌督办、领导包案、专案组案件{mc['supervised']}件仍在办理")
        km = "，".join(parts) + "。"
    return head + body + ye + km


def _requirements(s: dict[str, Any]) -> str:
    t = _own_rows(s)
    c = s["clearing"]
    items: list[str] = []
    if t is not None and not t.empty and int(t["overdue_open"].sum()):
        who = _join([r["name"] for r in overdue_focus(t)])
        items.append(f"{who}要对超期未办结线索逐条倒排时限、落实专人，于下周调度会前办结或书面说明原因")
    if not s.get("county_scope") and s["table"] is not None and len(s["table"]) > 1:
        worst = s["table"][s["table"]["is_last"].astype(bool)]
        if not worst.empty and len(worst) < len(s["table"]):
            items.append(f"排名末位的{_join(worst['name'].tolist())}要分析原因、制定整改措施，报{s['area'].removeprefix('全')}"
                         "治欠办")
    elif s.get("county_scope"):
        own = _own_rows(s)
        if not own.empty and own["is_last"].astype(bool).any():
            items.append("要分析排名末位原因、制定整改措施，报上级治欠办")
    mc = matter_counts(s)
    if mc["new_large"] or mc["supervised"]:
        items.append("各包案领导和责任单位要对重点督办事项逐案跟进、按时限办结，本周新增重大事项要尽快明确包案领导"
                     if mc["new_large"] else "各包案领导和责任单位要对重点督办事项逐案跟进、按时限办结")
    if c["open_stock"]:
        if c["status"] in (R.AT_RISK, R.BEHIND):
            items.append("各县区要加大存量化解力度，确保春节前动态清零" if not s.get("county_scope")
                         else "要加大存量化解力度，确保春节前动态清零")
        else:
            items.append("要保持当前化解进度，确保春节前动态清零")
    else:
        items.append("要巩固动态清零成果，对新受理线索做到随到随办、按期办结")
    nums = "一二三四五六七八九"
    return "下一步工作要求：" + "；".join(f"{nums[i]}是{x}" for i, x in enumerate(items)) + "。"


def briefing_text(summary: dict[str, Any]) -> str:
    """The 通报 paragraphs, in formal Chinese, from a weekly_summary dict (pure; no database)."""
    paras = [_totals_paragraph(summary), _counties_paragraph(summary), _clearing_paragraph(summary),
             _requirements(summary)]
    return "\n".join(p for p in paras if p)
