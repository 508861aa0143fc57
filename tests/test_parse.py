"""Tests of etl.parse: one case per accepted cell variant, fuzzing, round trips, column = rows."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import parse
from etl.parse import (
    CREDIT_CHARSET,
    CellError,
    CountyResolver,
    clean_text,
    make_credit_code,
    normalize_header,
    parse_amount,
    parse_amount_column,
    parse_bool,
    parse_choice,
    parse_column,
    parse_coordinate,
    parse_count,
    parse_count_column,
    parse_credit_code,
    parse_date,
    parse_date_column,
    to_halfwidth,
    validate_credit_code,
)
from huxin import vocab

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Each column example runs ten parsers over up to three dtypes: fewer examples keep the file fast.
COLUMN_FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXCEL_EPOCH = dt.date(1899, 12, 30)

BLANKS = [None, np.nan, float("nan"), pd.NA, pd.NaT, np.datetime64("NaT"), "", "   ", "\u3000\u3000", "\t\n",
          "\u00a0", "-", "—", "/", " - ", "\u200b"]


def expect_error(fn: Any, *args: Any, contains: str = "") -> str:
    with pytest.raises(CellError) as info:
        fn(*args)
    assert contains in info.value.reason
    assert info.value.reason == str(info.value)
    return info.value.reason


# ------------------------------------------------------------------------------------------
# blanks
# ------------------------------------------------------------------------------------------
KAIFENG = {"410202": "龙亭区", "410203": "顺河回族区", "410204": "鼓楼区", "410205": "禹王台区", "410212": "祥符区",
           "410221": "杞县", "410222": "通许县", "410223": "尉氏县", "410225": "兰考县"}
SCALAR_PARSERS = [clean_text, parse_date, parse_amount, parse_count, parse_bool, parse_credit_code,
                  lambda v: parse_choice(v, vocab.CLUE_STATUS, "办理状态"), CountyResolver(KAIFENG).resolve]


@pytest.mark.parametrize("parser", SCALAR_PARSERS)
@pytest.mark.parametrize("blank", BLANKS, ids=repr)
def test_blank_is_none(parser: Any, blank: Any) -> None:
    assert parser(blank) is None


@pytest.mark.parametrize("parser", [clean_text, parse_date, parse_amount, parse_count, parse_credit_code,
                                    CountyResolver(KAIFENG).resolve])
def test_wu_is_blank_except_for_bools(parser: Any) -> None:
    assert parser("无") is None
    assert parse_bool("无") is False


def test_blank_coordinates() -> None:
    assert parse_coordinate(None, "") is None
    assert parse_coordinate(np.nan, "—") is None


# ------------------------------------------------------------------------------------------
# text
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("  开封市\u3000建筑公司 ", "开封市 建筑公司"),
    ("a\u00a0\u00a0b", "a b"),
    ("line1\r\nline2\tx", "line1 line2 x"),
    ("零\u200b宽\ufeff字符", "零宽字符"),
    ("nul\x00byte", "nulbyte"),
    (12345.0, "12345"),
    (np.float64(410202.0), "410202"),
    (12.5, "12.5"),
    (7, "7"),
    (np.int64(7), "7"),
    (True, "True"),
    ("无 ", None),
])
def test_clean_text(raw: Any, expected: str | None) -> None:
    assert clean_text(raw) == expected


def test_clean_text_excel_error_value() -> None:
    expect_error(clean_text, "#REF!", contains="#REF!")
    expect_error(clean_text, "#N/A", contains="Excel")


@pytest.mark.parametrize(("raw", "expected"), [
    ("涉及金额 (元)", "涉及金额（元）"),
    ("合同金额(万元)*", "合同金额（万元）"),
    ("合同金额（万元）＊", "合同金额（万元）"),
    ("*项目编号", "项目编号"),
    ("涉及金额[元]", "涉及金额（元）"),
    ("涉及金额【元】", "涉及金额（元）"),
    (" 线索\u3000编号\n", "线索编号"),
    ("ＰＰＰ项目１", "PPP项目1"),
    (None, ""),
])
def test_normalize_header(raw: Any, expected: str) -> None:
    assert normalize_header(raw) == expected


def test_canonical_headers_are_fixed_points() -> None:
    for headers in vocab.LEDGER_HEADERS.values():
        for header in headers:
            assert normalize_header(header) == header


def test_to_halfwidth() -> None:
    assert to_halfwidth("０１２３４５６７８９ＡＺａｚ！～（）：，\u3000") == "0123456789AZaz!~():, "
    assert to_halfwidth("中文不变") == "中文不变"


# ------------------------------------------------------------------------------------------
# dates
# ------------------------------------------------------------------------------------------
D = dt.date(2026, 11, 20)


@pytest.mark.parametrize("raw", [
    "2026-11-20", "2026/11/20", "2026.11.20", "2026年11月20日", "20261120", "2026年11月20号",
    "2026-11-20 14:30", "2026/11/20 14:30:00", "2026.11.20 14:30", "2026年11月20日 14:30",
    "2026年11月20日14时30分", "2026年11月20日14时30分15秒", "20261120 14:30:00", "2026-11-20T14:30:00",
    "2026-11-20 9:05", "2026-11-20 14:30:00.123", "2026-11-20T14:30:00Z", "2026-11-20T14:30:00+08:00",
    "２０２６－１１－２０", "２０２６年１１月２０日", " 2026-11-20\u3000", "2026 年 11 月 20 日",
])
def test_parse_date_formats(raw: str) -> None:
    assert parse_date(raw) == D


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-1-5", dt.date(2026, 1, 5)),
    ("2026/1/5", dt.date(2026, 1, 5)),
    ("2026.1.5", dt.date(2026, 1, 5)),
    ("2026年1月5日", dt.date(2026, 1, 5)),
    ("2026年1月5日 8:00", dt.date(2026, 1, 5)),
])
def test_parse_date_single_digit_month_day(raw: str, expected: dt.date) -> None:
    assert parse_date(raw) == expected


def test_parse_date_excel_serial() -> None:
    # 1899-12-30 + 46346 days = 2026-11-20 (1900 date system as Excel stores it).
    assert EXCEL_EPOCH + dt.timedelta(days=46346) == D
    assert parse_date(46346) == D
    assert parse_date(46346.0) == D
    assert parse_date(46346.99) == D  # fractional part is the time of day
    assert parse_date(np.int64(46346)) == D
    assert parse_date("46346") == D
    assert parse_date("46346.5") == D
    assert parse_date(20261120) == D  # yyyymmdd typed into a number cell
    assert parse_date(20261120.0) == D
    assert parse_date("20261120.0") == D


@pytest.mark.parametrize("raw", [
    D, dt.datetime(2026, 11, 20, 23, 59), pd.Timestamp("2026-11-20 14:30"), np.datetime64("2026-11-20T14:30"),
    np.datetime64("2026-11-20"), pd.Timestamp("2026-11-20 23:00", tz="Asia/Shanghai"),
])
def test_parse_date_objects(raw: Any) -> None:
    assert parse_date(raw) == D


@pytest.mark.parametrize(("raw", "message"), [
    ("2026-02-30", "日期不存在：2026-02-30"),
    ("2025-02-29", "日期不存在"),
    ("2026-13-45", "无法识别的日期：2026-13-45"),
    ("2026-11-00", "无法识别的日期"),
    ("1989-12-31", "日期年份不合理：1989-12-31"),
    ("2101-01-01", "日期年份不合理"),
    ("0206-11-20", "日期年份不合理"),
    (dt.date(1900, 1, 1), "日期年份不合理"),
    (pd.Timestamp("2200-01-01"), "日期年份不合理"),
    (20000, "日期年份不合理"),  # serial 20000 is 1954
    (19999, "无法识别的日期：19999"),
    (80000, "无法识别的日期"),
    (-1, "无法识别的日期"),
    (float("inf"), "无法识别的日期"),
    (True, "无法识别的日期"),
    ("2026-11-20 25:00", "无法识别的时间"),
    ("2026-11-20 14:61", "无法识别的时间"),
    ("2026-11/20", "无法识别的日期"),
    ("2026-11-2014:30", "无法识别的日期"),
    ("20/11/2026", "无法识别的日期"),
    ("2026年11月", "无法识别的日期"),
    ("明天", "无法识别的日期：明天"),
])
def test_parse_date_invalid(raw: Any, message: str) -> None:
    expect_error(parse_date, raw, contains=message)


# ------------------------------------------------------------------------------------------
# amounts and counts
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    (1234, 1234.0), (1234.567, 1234.57), (np.float64(0.1), 0.1), (Decimal("12.345"), 12.35), (-50, -50.0),
    ("1234", 1234.0), ("1,234,567.50", 1234567.5), ("1，234，567.50", 1234567.5), ("１２３４.５", 1234.5),
    ("1234元", 1234.0), ("￥1234", 1234.0), ("¥1,234.00元", 1234.0), ("1.2万", 12000.0), ("1.2万元", 12000.0),
    ("3亿", 300000000.0), ("3亿元", 300000000.0), ("  88.8  ", 88.8), ("-1,000", -1000.0), ("-￥5", -5.0),
    ("￥-5", -5.0), ("−5", -5.0), ("+5", 5.0), (".5", 0.5), ("5.", 5.0), ("1.5e4", 15000.0),
    # half up (四舍五入) on the decimal the clerk sees, not on the binary float
    ("0.125", 0.13), ("12.345", 12.35), ("-12.345", -12.35), ("0.005", 0.01), (2.675, 2.68), (1.005, 1.01),
    (np.float32(0.1), 0.1), ("1.2345678万", 12345.68),
    ("1.23456万", 12345.6), ("12 万元", 120000.0), ("人民币100元", 100.0),
])
def test_parse_amount(raw: Any, expected: float) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "nan", "NaN", "inf", "-inf", "Infinity", "12,34", "1,2345",
                                 "--5", "-￥-5", "5 5", "1万万", "万", "元", "1e999", float("inf"), True, "12%"])
def test_parse_amount_invalid(raw: Any) -> None:
    reason = expect_error(parse_amount, raw)
    assert "金额" in reason


@pytest.mark.parametrize(("raw", "expected"), [
    (12, 12), (12.0, 12), (np.int64(12), 12), ("12", 12), ("12.0", 12), ("12人", 12), ("１２人", 12),
    ("1,200", 1200), ("1.2万", 12000), ("-3", -3), ("0", 0), (Decimal(7), 7), ("12 人", 12),
])
def test_parse_count(raw: Any, expected: int) -> None:
    got = parse_count(raw)
    assert got == expected and type(got) is int


@pytest.mark.parametrize(("raw", "message"), [
    ("12.5", "数量必须是整数：12.5"), (12.5, "数量必须是整数"), ("abc", "无法识别的数量：abc"),
    ("1.2.3", "无法识别的数量"), (True, "无法识别的数量"), (float("inf"), "无法识别的数量"),
    ("1e30", "数量过大"), ("1e999999999", "数量过大"), ("12元", "无法识别的数量"),
])
def test_parse_count_invalid(raw: Any, message: str) -> None:
    expect_error(parse_count, raw, contains=message)


# ------------------------------------------------------------------------------------------
# yes / no
# ------------------------------------------------------------------------------------------
TRUE_FORMS = ["是", "有", "√", "✓", "✔", "Y", "y", "YES", "yes", "TRUE", "True", "1", "1.0", "已", "已落实",
              "已设立", "已开设", "已缴纳", "已实行", "落实", "已代发", "已公示", "已办理", "已建立", "已开设专户",
              " 是 ", "Ｙ", True, np.True_, 1, 1.0, np.int64(1)]
FALSE_FORMS = ["否", "无", "×", "✗", "✘", "N", "n", "NO", "no", "FALSE", "0", "0.0", "未", "未落实", "未设立",
               "未开设", "未缴", "未缴纳", "未实行", "未代发", "未公示", "未办理", "未建立", "缺失", "未缴纳保证金",
               False, np.False_, 0, 0.0]


@pytest.mark.parametrize("raw", TRUE_FORMS, ids=repr)
def test_parse_bool_true(raw: Any) -> None:
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", FALSE_FORMS, ids=repr)
def test_parse_bool_false(raw: Any) -> None:
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["也许", "2", 2, -1, 0.5, "x", "正在办"])
def test_parse_bool_invalid(raw: Any) -> None:
    expect_error(parse_bool, raw, contains="是/否")


# ------------------------------------------------------------------------------------------
# controlled vocabularies
# ------------------------------------------------------------------------------------------
INVESTMENT = {**vocab.INVESTMENT_TYPES, **vocab.INVESTMENT_ALIASES}
VERDICT_MAP = {v: v for v in vocab.VERDICTS}


@pytest.mark.parametrize(("raw", "mapping", "expected"), [
    ("办理中", vocab.CLUE_STATUS, "in_progress"),
    (" 已办结 ", vocab.CLUE_STATUS, "closed"),
    ("PPP", INVESTMENT, "ppp"),
    ("ppp", vocab.INVESTMENT_TYPES, "ppp"),
    ("ＰＰＰ", vocab.INVESTMENT_TYPES, "ppp"),
    ("国企", INVESTMENT, "soe"),
    ("劳动争议(引导仲裁诉讼)", VERDICT_MAP, "劳动争议（引导仲裁诉讼）"),
    ("劳动争议 【引导仲裁诉讼】", VERDICT_MAP, "劳动争议（引导仲裁诉讼）"),
    ("in_progress", vocab.CLUE_STATUS, "in_progress"),
    ("wgs-84", vocab.COORD_SYSTEMS, "wgs84"),
])
def test_parse_choice(raw: str, mapping: dict[str, str], expected: str) -> None:
    assert parse_choice(raw, mapping, "字段") == expected


def test_parse_choice_unknown_names_field_and_allowed_values() -> None:
    reason = expect_error(parse_choice, "处理中", vocab.CLUE_STATUS, "办理状态")
    assert reason.startswith("办理状态无法识别：处理中")
    for label in vocab.CLUE_STATUS:
        assert label in reason
    # aliases are not listed, one label per code
    reason = expect_error(parse_choice, "外资", INVESTMENT, "投资类型")
    assert "政府投资" in reason and "国有企业投资" not in reason


def test_parse_choice_wu_key_wins_over_blank() -> None:
    assert parse_choice("无", {"无": "none", "挂牌督办": "flagged"}, "督办级别") == "none"
    assert parse_choice("无", vocab.SUPERVISION_LEVELS, "督办级别") is None


# ------------------------------------------------------------------------------------------
# credit codes
# ------------------------------------------------------------------------------------------
# Hand check of a constructed code, body 91410200MA44XY07A:
#   char   9  1  4  1  0  2  0  0  M   A   4  4  X   Y   0  7  A
#   value  9  1  4  1  0  2  0  0  21  10  4  4  29  30  0  7  10
#   weight 1  3  9  27 19 26 16 17 20  29  25 13 8   24  10 30 28
#   sum = 9+3+36+27+0+52+0+0+420+290+100+52+232+720+0+210+280 = 2431; 2431 % 31 = 13
#   check = 31 - 13 = 18 -> CREDIT_CHARSET[18] = "J"  => 91410200MA44XY07AJ
HAND_MADE = "91410200MA44XY07AJ"
KNOWN_VALID = "91350100M000100Y43"


def test_credit_code_valid() -> None:
    assert validate_credit_code(HAND_MADE)
    assert validate_credit_code(KNOWN_VALID)
    assert make_credit_code("91410200MA44XY07A") == HAND_MADE
    assert make_credit_code("91350100m000100y4") == KNOWN_VALID
    assert parse_credit_code(" 91350100m000100y43 ") == KNOWN_VALID
    assert parse_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == KNOWN_VALID


@pytest.mark.parametrize("code", [
    "91350100M000100Y44", "91410200MA44XY07AK", "91350100M000100Y4", "91350100M000100Y433",
    "91350100I000100Y43", "91350100O000100Y43", "", "9135010OM000100Y43",
])
def test_credit_code_invalid(code: str) -> None:
    assert not validate_credit_code(code)


def test_validate_credit_code_non_str() -> None:
    assert not validate_credit_code(None)
    assert not validate_credit_code(913501001)


@pytest.mark.parametrize(("raw", "message"), [
    ("91350100M000100Y44", "校验位错误"),
    ("91350100M000100Y4", "应为18位（现为17位）"),
    ("91350100S000100Y43", "无效字符S"),
    ("123456789012345", "应为18位"),
])
def test_parse_credit_code_invalid(raw: str, message: str) -> None:
    expect_error(parse_credit_code, raw, contains=message)


def test_make_credit_code_rejects_bad_body() -> None:
    with pytest.raises(ValueError):
        make_credit_code("91350100M000100Y")
    with pytest.raises(ValueError):
        make_credit_code("91350100M000100YI")


# ------------------------------------------------------------------------------------------
# coordinates
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("lon", "lat", "expected"), [
    (114.3, 34.8, (114.3, 34.8)),
    ("114.3", "34.8", (114.3, 34.8)),
    ("114.3°", "34.8°", (114.3, 34.8)),
    ("114.3°E", "34.8°N", (114.3, 34.8)),
    ("东经114.3", "北纬34.8", (114.3, 34.8)),
    ("１１４.３", "３４.８", (114.3, 34.8)),
    ("114°18′", "34°48′", (114.3, 34.8)),
    ("114°18′0″", "34°48'0\"", (114.3, 34.8)),
    (np.float64(73.3), np.int64(4), (73.3, 4.0)),
])
def test_parse_coordinate(lon: Any, lat: Any, expected: tuple[float, float]) -> None:
    got = parse_coordinate(lon, lat)
    assert got is not None
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(("lon", "lat", "message"), [
    (34.8, 114.3, "疑似填反"),
    ("34.8", "114.3", "疑似填反"),
    (0, 0, "坐标不在中国境内"),
    (-114.3, 34.8, "坐标不在中国境内"),
    (114.3, 60, "坐标不在中国境内"),
    (114.3, None, "同时填写"),
    ("", 34.8, "同时填写"),
    ("abc", 34.8, "无法识别的经度：abc"),
    (114.3, "北纬", "无法识别的纬度"),
    (float("inf"), 34.8, "无法识别的经度"),
    (True, 34.8, "无法识别的经度"),
    ("114°61′", 34.8, "无法识别的经度"),
])
def test_parse_coordinate_invalid(lon: Any, lat: Any, message: str) -> None:
    expect_error(parse_coordinate, lon, lat, contains=message)


# ------------------------------------------------------------------------------------------
# counties
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kaifeng() -> CountyResolver:
    return CountyResolver(KAIFENG)


@pytest.mark.parametrize(("raw", "expected"), [
    ("410202", "410202"), (410202, "410202"), (410202.0, "410202"), (np.int64(410221), "410221"),
    ("410202.0", "410202"), ("４１０２０２", "410202"), (" 410202 ", "410202"),
    ("龙亭区", "410202"), ("杞县", "410221"), ("顺河回族区", "410203"),
    ("开封市龙亭区", "410202"), ("河南省开封市杞县", "410221"), ("河南省杞县", "410221"), ("开封市 兰考县", "410225"),
    ("龙亭", "410202"), ("顺河", "410203"), ("顺河回族", "410203"), ("兰考", "410225"), ("禹王台", "410205"),
    ("开封市龙亭", "410202"),
])
def test_county_resolve(kaifeng: CountyResolver, raw: Any, expected: str) -> None:
    assert kaifeng.resolve(raw) == expected
    assert kaifeng(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("410101", "未知区县代码：410101"), (410101, "未知区县代码：410101"), (410202.5, "未知区县代码"),
    ("金水区", "未知区县：金水区"), ("开封", "未知区县"), ("杞", "未知区县"), (True, "未知区县"),
    ("开封龙亭区", "未知区县"),  # a prefix must end in 省/市/… when no region names are given
])
def test_county_resolve_unknown(kaifeng: CountyResolver, raw: Any, message: str) -> None:
    expect_error(kaifeng.resolve, raw, contains=message)


def test_county_ambiguous_names() -> None:
    counties = {**KAIFENG, "320106": "鼓楼区", "361003": "东乡区", "622926": "东乡族自治县",
                "420528": "长阳土家族自治县", "150723": "鄂伦春自治旗"}
    r = CountyResolver(counties)
    reason = expect_error(r.resolve, "鼓楼区", contains="区县名称不唯一：鼓楼区")
    assert "410204" in reason and "320106" in reason
    expect_error(r.resolve, "东乡", contains="区县名称不唯一")
    expect_error(r.resolve, "开封市鼓楼区", contains="区县名称不唯一")  # no region names: prefix unchecked
    assert r.resolve("东乡区") == "361003"
    assert r.resolve("东乡族自治县") == "622926"
    assert r.resolve("长阳") == "420528"
    assert r.resolve("鄂伦春") == "150723"
    regions = {"410000": "河南省", "410200": "开封市", "32": "江苏省", "3201": "南京市"}
    r = CountyResolver(counties, regions)
    assert r.resolve("开封市鼓楼区") == "410204"
    assert r.resolve("南京市鼓楼区") == "320106"
    assert r.resolve("河南开封鼓楼区") == "410204"
    assert r.resolve("江苏省南京市鼓楼区") == "320106"
    expect_error(r.resolve, "南京市龙亭区", contains="未知区县")
    expect_error(r.resolve, "鼓楼区", contains="不唯一")


def test_county_resolver_rejects_bad_codes() -> None:
    with pytest.raises(ValueError):
        CountyResolver({"4102": "开封市"})


def test_county_resolver_national() -> None:
    geo = pytest.importorskip("huxin.geo")
    districts = geo.region_names("district")
    r = CountyResolver(districts, {**geo.region_names("province"), **geo.region_names("city")})
    assert all(r.resolve(code) == code for code in districts)
    assert r.resolve("河南省开封市龙亭区") == "410202"
    assert r.resolve("北京市朝阳区") == "110105"
    assert r.resolve("长春市朝阳区") == "220104"
    expect_error(r.resolve, "朝阳区", contains="不唯一")


# ------------------------------------------------------------------------------------------
# fuzzing: nothing but CellError escapes
# ------------------------------------------------------------------------------------------
LEDGER_CHARS = "0123456789０１２-/.年月日号时分秒:T ,，万亿元￥¥+-eE人是否已未无√×YyNn°′″\u3000\u00a0\t*#"
ledger_text = st.text(alphabet=LEDGER_CHARS, max_size=24)
number_text = st.from_regex(r"[+-]?[0-9]{1,18}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
date_text = st.from_regex(r"[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?",
                          fullmatch=True)
any_cell = st.one_of(
    st.none(), st.just(np.nan), st.just(pd.NA), st.just(pd.NaT), st.text(max_size=30), ledger_text, number_text,
    date_text, st.integers(min_value=-(10**20), max_value=10**20), st.floats(), st.booleans(),
    st.dates(), st.datetimes(), st.datetimes().map(np.datetime64), st.decimals(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(np.int64), st.floats().map(np.float64),
)


def never_raises_but_cellerror(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except CellError as e:
        assert isinstance(e.reason, str) and e.reason
        return None


@FUZZ
@given(any_cell)
def test_fuzz_scalar_parsers(v: Any) -> None:
    text = never_raises_but_cellerror(clean_text, v)
    assert text is None or (text == text.strip() and "  " not in text and "\n" not in text)
    assert isinstance(normalize_header(v), str)
    d = never_raises_but_cellerror(parse_date, v)
    assert d is None or (isinstance(d, dt.date) and not isinstance(d, dt.datetime) and 1990 <= d.year <= 2100)
    x = never_raises_but_cellerror(parse_amount, v)
    assert x is None or (type(x) is float and math.isfinite(x))
    n = never_raises_but_cellerror(parse_count, v)
    assert n is None or type(n) is int
    b = never_raises_but_cellerror(parse_bool, v)
    assert b is None or type(b) is bool
    c = never_raises_but_cellerror(parse_credit_code, v)
    assert c is None or validate_credit_code(c)
    assert never_raises_but_cellerror(parse_choice, v, vocab.CLUE_STATUS, "办理状态") in (
        None, *vocab.CLUE_STATUS.values())
    assert never_raises_but_cellerror(KAIFENG_RESOLVER.resolve, v) in (None, *KAIFENG)
    assert isinstance(validate_credit_code(v), bool)


KAIFENG_RESOLVER = CountyResolver(KAIFENG)


@FUZZ
@given(st.text(max_size=20))
def test_fuzz_to_halfwidth(s: str) -> None:
    out = to_halfwidth(s)
    assert len(out) == len(s)
    assert not any("\uff01" <= ch <= "\uff5e" or ch == "\u3000" for ch in out)


@FUZZ
@given(any_cell, any_cell)
def test_fuzz_parse_coordinate(lon: Any, lat: Any) -> None:
    got = never_raises_but_cellerror(parse_coordinate, lon, lat)
    if got is not None:
        assert 73.3 <= got[0] <= 135.1 and 3.8 <= got[1] <= 53.6


# ------------------------------------------------------------------------------------------
# round trips
# ------------------------------------------------------------------------------------------
ledger_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@FUZZ
@given(ledger_dates)
def test_date_round_trips(d: dt.date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d
    assert parse_date(d.strftime("%Y%m%d")) == d
    assert parse_date(d.strftime("%Y/%m/%d %H:%M")) == d
    assert parse_date(f"{d.year}.{d.month}.{d.day}") == d
    serial = (d - EXCEL_EPOCH).days
    assert parse_date(serial) == d
    assert parse_date(serial + 0.75) == d
    assert parse_date(str(serial)) == d


@FUZZ
@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_amount_round_trips(cents: int) -> None:
    x = cents / 100
    assert parse_amount(f"{x:,.2f}") == x
    assert parse_amount(f"{x:.2f}元") == x
    assert parse_amount(f"￥{x:,.2f}") == x
    assert parse_amount(f"{x / 10000}万") == pytest.approx(x, abs=0.01)
    assert parse_amount(f"{x / 10000}万元") == pytest.approx(x, abs=0.01)
    assert parse_amount(x) == x


@FUZZ
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_count_round_trips(n: int) -> None:
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}") == n
    assert parse_count(f"{n}人") == n
    assert parse_count(n) == n


@FUZZ
@given(st.text(alphabet=CREDIT_CHARSET, min_size=17, max_size=17), st.integers(0, 17), st.integers(1, 30))
def test_credit_code_round_trip_and_single_substitution(body: str, pos: int, shift: int) -> None:
    code = make_credit_code(body)
    assert validate_credit_code(code)
    assert parse_credit_code(code.lower()) == code
    # Replace one character by a different one. The check can never be fooled by this: the
    # weighted sum changes by delta * weight with 0 < |delta| < 31 and every weight non-zero
    # mod 31, and 31 is prime, so the sum mod 31 (hence the check char) changes; changing the
    # check char itself obviously breaks the match. No collision is possible.
    idx = CREDIT_CHARSET.index(code[pos])
    mutated = code[:pos] + CREDIT_CHARSET[(idx + shift) % 31] + code[pos + 1:]
    assert mutated != code
    assert not validate_credit_code(mutated)


# ------------------------------------------------------------------------------------------
# columns = rows
# ------------------------------------------------------------------------------------------
def rowwise(parser: Any, s: pd.Series) -> tuple[list[Any], list[str | None]]:
    vals: list[Any] = []
    errs: list[str | None] = []
    for v in s:
        try:
            vals.append(parser(v))
            errs.append(None)
        except CellError as e:
            vals.append(None)
            errs.append(e.reason)
    return vals, errs


def same(a: Any, b: Any) -> bool:
    """Equal, and for floats equal including the sign of zero."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return type(a) is type(b) and a == b


def assert_generic_matches(s: pd.Series, parser: Any) -> None:
    vals, errs = parse_column(s, parser)
    exp_vals, exp_errs = rowwise(parser, s)
    assert vals.index.equals(s.index) and errs.index.equals(s.index)
    assert vals.dtype == object and errs.dtype == object
    assert list(errs) == exp_errs
    assert all(same(a, b) for a, b in zip(vals, exp_vals, strict=True))


def assert_amounts_match(s: pd.Series) -> None:
    vals, errs = parse_amount_column(s)
    exp_vals, exp_errs = rowwise(parse_amount, s)
    assert vals.dtype == np.float64 and vals.index.equals(s.index)
    assert list(errs) == exp_errs
    for got, exp in zip(vals, exp_vals, strict=True):
        assert (math.isnan(got) and exp is None) or same(float(got), exp), (got, exp)


def assert_counts_match(s: pd.Series) -> None:
    vals, errs = parse_count_column(s)
    exp_vals, exp_errs = rowwise(parse_count, s)
    assert str(vals.dtype) == "Int64" and vals.index.equals(s.index)
    assert list(errs) == exp_errs
    for got, exp in zip(vals, exp_vals, strict=True):
        assert (got is pd.NA and exp is None) or got == exp, (got, exp)


def assert_dates_match(s: pd.Series) -> None:
    vals, errs = parse_date_column(s)
    exp_vals, exp_errs = rowwise(parse_date, s)
    assert vals.dtype == object and vals.index.equals(s.index)
    assert list(errs) == exp_errs
    assert all(same(a, b) for a, b in zip(vals, exp_vals, strict=True))


def with_index(values: list[Any], **kw: Any) -> pd.Series:
    """Series with a non-default index, to catch positional/label mix-ups."""
    return pd.Series(values, index=[f"r{i * 3}" for i in range(len(values))], **kw)


cell_lists = st.lists(any_cell, max_size=30)
# Few distinct values repeated, like a real ledger column.
pooled = st.lists(any_cell, min_size=1, max_size=6).flatmap(lambda pool: st.lists(st.sampled_from(pool), max_size=40))
text_or_missing = st.one_of(st.none(), ledger_text, number_text, date_text, st.text(max_size=12))
text_lists = st.one_of(st.lists(text_or_missing, max_size=30),
                       st.lists(text_or_missing, min_size=1, max_size=5).flatmap(
                           lambda pool: st.lists(st.sampled_from(pool), max_size=40)))
SCALARS_FOR_COLUMNS = [clean_text, parse_date, parse_amount, parse_count, parse_bool, parse_credit_code,
                       KAIFENG_RESOLVER.resolve]


@COLUMN_FUZZ
@given(st.one_of(cell_lists, pooled))
def test_parse_column_equals_rowwise_objects(values: list[Any]) -> None:
    s = with_index(values, dtype=object)
    for parser in SCALARS_FOR_COLUMNS:
        assert_generic_matches(s, parser)
    assert_amounts_match(s)
    assert_counts_match(s)
    assert_dates_match(s)


@COLUMN_FUZZ
@given(text_lists)
def test_parse_column_equals_rowwise_strings(values: list[str | None]) -> None:
    for s in (with_index(values, dtype="str"), with_index(values, dtype=object),
              with_index(values, dtype=pd.StringDtype("python"))):
        for parser in SCALARS_FOR_COLUMNS:
            assert_generic_matches(s, parser)
        assert_amounts_match(s)
        assert_counts_match(s)
        assert_dates_match(s)


@COLUMN_FUZZ
@given(text_lists, st.booleans())
def test_date_column_both_string_strategies(values: list[str | None], dedupe: bool) -> None:
    with patch.object(parse, "_few_distinct", lambda *_a, **_k: dedupe):
        assert_dates_match(with_index(values, dtype="str"))


@COLUMN_FUZZ
@given(st.lists(st.one_of(st.floats(), st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 3)),
                          st.sampled_from([0.0, -0.0, 46346.0, 20261120.0, 12.0, 1e16, 410202.0])), max_size=30))
def test_parse_column_equals_rowwise_floats(values: list[float]) -> None:
    with np.errstate(over="ignore"):  # floats beyond float32 become inf, which is fine here
        as_float32 = with_index(values, dtype=np.float32)
    for s in (with_index(values, dtype=np.float64), with_index(values, dtype="Float64"), as_float32):
        for parser in SCALARS_FOR_COLUMNS:
            assert_generic_matches(s, parser)
        assert_amounts_match(s)
        assert_counts_match(s)
        assert_dates_match(s)


@COLUMN_FUZZ
@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.sampled_from([0, 1, 46346, 410202]),
                max_size=30))
def test_parse_column_equals_rowwise_ints(values: list[int]) -> None:
    for s in (with_index(values, dtype=np.int64), with_index(values, dtype="Int64")):
        for parser in SCALARS_FOR_COLUMNS:
            assert_generic_matches(s, parser)
        assert_amounts_match(s)
        assert_counts_match(s)
        assert_dates_match(s)


@COLUMN_FUZZ
@given(st.lists(st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1700, 1, 1),
                                                    max_value=dt.datetime(2250, 1, 1))), max_size=30))
def test_parse_column_equals_rowwise_datetime64(values: list[dt.datetime | None]) -> None:
    s = with_index(values, dtype="datetime64[us]")
    assert_dates_match(s)
    assert_generic_matches(s, parse_date)
    assert_dates_match(s.dt.tz_localize("Asia/Shanghai"))


@COLUMN_FUZZ
@given(st.lists(st.booleans() | st.none(), max_size=20))
def test_parse_column_equals_rowwise_bools(values: list[bool | None]) -> None:
    for s in (with_index(values, dtype=object), with_index(values, dtype="boolean")):
        for parser in SCALARS_FOR_COLUMNS:
            assert_generic_matches(s, parser)
        assert_amounts_match(s)
        assert_counts_match(s)
        assert_dates_match(s)


def test_parse_column_keeps_equal_but_different_values_apart() -> None:
    s = pd.Series([1, 1.0, True, 0.0, -0.0, False, 0, Decimal(1)], dtype=object)
    assert_generic_matches(s, parse_amount)
    assert_generic_matches(s, parse_date)
    vals, errs = parse_column(s, parse_amount)
    assert errs[2] is not None and errs[5] is not None  # booleans are not amounts
    assert vals[0] == 1.0
    f = pd.Series([0.0, -0.0, np.nan])
    vals, _ = parse_column(f, parse_amount)
    assert math.copysign(1, vals[1]) == -1.0


def test_parse_column_on_a_list_and_categories() -> None:
    vals, errs = parse_column(["是", "否", None, "也许"], parse_bool)  # type: ignore[arg-type]
    assert list(vals) == [True, False, None, None]
    assert errs[3] is not None and "也许" in errs[3]
    cat = pd.Series(["办理中", "已办结", None, "办理中"], dtype="category")
    vals, errs = parse_column(cat, lambda v: parse_choice(v, vocab.CLUE_STATUS, "办理状态"))
    assert list(vals) == ["in_progress", "closed", None, "in_progress"]
    assert list(errs) == [None] * 4


def test_column_parsers_concrete() -> None:
    s = pd.Series(["1,234.50", "12", None, "1.2万", "abc", "", "3"], index=list("abcdefg"), dtype="str")
    vals, errs = parse_amount_column(s)
    assert vals.tolist()[:2] == [1234.5, 12.0] and math.isnan(vals["c"]) and vals["d"] == 12000.0
    assert errs["e"] == "无法识别的金额：abc" and errs.isna().sum() == 6
    counts, errs = parse_count_column(pd.Series(["12", "12.0", "12.5", None, "3人"]))
    assert counts.tolist() == [12, 12, pd.NA, pd.NA, 3] and errs[2] == "数量必须是整数：12.5"
    dates, errs = parse_date_column(pd.Series(["2026-11-20", "2026-02-30", None, "2026年1月5日", "46346",
                                               "2026-11-20 14:30:00", "2026-11-20 24:00:00"]))
    assert dates.tolist() == [D, None, None, dt.date(2026, 1, 5), D, D, None]
    assert errs[1] == "日期不存在：2026-02-30（2026年2月没有30日）" and errs[6] == "无法识别的时间：2026-11-20 24:00:00"
    empty_vals, empty_errs = parse_date_column(pd.Series([], dtype="str"))
    assert len(empty_vals) == 0 and len(empty_errs) == 0
