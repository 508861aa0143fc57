"""Who sees what: county scoping, masking of personal data, ledger text shown literally, hostile search input and
the audit trail of exports — for every page (parametrised over the files in pages/, so a new page is covered
without touching this file), every data function that takes a scope, and the exports.

The fixture database holds distinctive records in two counties: county A (杞县 410221) and county B (通许县
410222). Everything of B carries 乙县独有 or an id/phone/ID number that occurs nowhere else.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from huxin import auth, data, exports
from huxin.privacy import escape_markdown, mask_frame, mask_text
from tests.conftest import AS_OF, ROOT

A, B = "410221", "410222"
XSS = "<img src=x onerror=alert(1)>"
BOLD = "**粗体**"
PHONE_A, ID_A = "13812345678", "410202199001011234"
PHONE_B, ID_B = "13987654321", "410222198505051237"
# Strings of county B's records that must never reach a county-A user (names of counties are published ranking
# figures and may appear; records may not).
B_NEEDLES = ("乙县独有", "XB-001", "XB-002", "AJ-B01", "PB-001", PHONE_B, ID_B, PHONE_B[-4:] + "X",
             "李四")
# (not after a decimal point: 0.09090909090909091 is a rate, not a card number)
PHONE_RE = re.compile(r"(?<![\d.])1[3-9]\d{9}(?!\d)")
ID_RE = re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dXx](?![0-9A-Za-z])")
CARD_RE = re.compile(r"(?<![\d.])\d{16,19}(?!\d)")
INJECTIONS = ("' OR 1=1 --", "'; DROP TABLE clues; --", "\" OR \"\"=\"", "%", "_", "\\", "$counties", "NULL",
              "XA-001' OR '1'='1")

PROJECTS = [
    {"项目编号": "PA-001", "项目名称": "甲县独有项目ABC", "所属区县": A, "投资类型": "政府投资", "项目状态": "在建",
     "建设单位": "甲县建设局", "施工总承包单位": "甲县总包公司", "开工日期": "2026-03-01", "在场人数": 120,
     "经度": 114.78, "纬度": 34.55, "坐标系": "WGS84", "实名制管理": "否", "工资专用账户": "否"},
    {"项目编号": "PA-002", "项目名称": BOLD, "所属区县": A, "投资类型": "社会投资", "项目状态": "停工",
     "施工总承包单位": XSS, "开工日期": "2026-05-01", "在场人数": 30, "经度": 114.80, "纬度": 34.56,
     "坐标系": "WGS84"},
    {"项目编号": "PB-001", "项目名称": "乙县独有项目DEF", "所属区县": B, "投资类型": "社会投资", "项目状态": "停工",
     "施工总承包单位": "乙县独有总包QRS", "开工日期": "2026-02-01", "在场人数": 80, "经度": 114.46,
     "纬度": 34.42, "坐标系": "WGS84", "实名制管理": "否"},
]
CLUES = [
    {"线索编号": "XA-001", "来源渠道": "12345热线", "反映时间": "2026-11-02", "所属区县": A, "所属乡镇": "城关镇",
     "行业领域": "工程建设", "被反映单位": "甲县独有公司XYZ", "项目编号": "PA-001", "涉及人数": 40,
     "涉及金额（元）": 1_200_000, "办理状态": "办理中", "反映人": "王小明", "联系电话": PHONE_A, "身份证号": ID_A},
    {"线索编号": "XA-002", "来源渠道": "来电", "反映时间": "2026-11-16", "所属区县": A, "所属乡镇": "城关镇",
     "行业领域": "工程建设", "被反映单位": XSS, "项目编号": "PA-002", "涉及人数": 35, "涉及金额（元）": 300_000,
     "办理状态": "办理中", "反映人": XSS, "联系电话": "13700001111", "身份证号": "41020219850505123X"},
    {"线索编号": "XA-003", "来源渠道": "信访", "反映时间": "2026-11-17", "所属区县": A, "所属乡镇": BOLD,
     "行业领域": "制造业", "被反映单位": BOLD, "涉及人数": 50, "涉及金额（元）": 80_000, "办理状态": "签收",
     "反映人": "赵六", "联系电话": "15900002222"},
    {"线索编号": "XA-004", "来源渠道": "来电", "反映时间": "2026-10-01", "所属区县": A, "被反映单位": BOLD,
     "涉及人数": 3, "涉及金额（元）": 9_000, "办理状态": "已办结", "核处结论": "欠薪属实已解决",
     "办结时间": "2026-10-10", "解决人数": 3, "解决金额（元）": 9_000, "反映人": "钱七", "联系电话": "18600003333"},
    {"线索编号": "XB-001", "来源渠道": "全国根治欠薪线索反映平台", "反映时间": "2026-11-03", "所属区县": B,
     "所属乡镇": "乙县独有镇", "行业领域": "工程建设", "被反映单位": "乙县独有公司QRS", "项目编号": "PB-001",
     "涉及人数": 60, "涉及金额（元）": 1_500_000, "办理状态": "办理中", "反映人": "李四", "联系电话": PHONE_B,
     "身份证号": ID_B},
    {"线索编号": "XB-002", "来源渠道": "来电", "反映时间": "2026-11-18", "所属区县": B, "所属乡镇": "乙县独有镇",
     "被反映单位": "乙县独有公司QRS", "项目编号": "PB-001", "涉及人数": 45, "涉及金额（元）": 600_000,
     "办理状态": "办理中", "反映人": "李四", "联系电话": PHONE_B},
]
CASES = [
    {"案件编号": "AJ-A01", "线索编号": "XA-001", "项目编号": "PA-001", "所属区县": A, "用人单位": "甲县独有公司XYZ",
     "立案日期": "2026-11-05", "欠薪人数": 40, "欠薪金额（元）": 1_200_000, "案件状态": "调解", "督办级别": "挂牌督办",
     "包案领导": "甲县领导", "责任单位": "甲县人社局", "办结时限": "2026-12-20"},
    {"案件编号": "AJ-A02", "线索编号": "XA-002", "项目编号": "PA-002", "所属区县": A, "用人单位": XSS,
     "立案日期": "2026-11-18", "欠薪人数": 35, "欠薪金额（元）": 2_000_000, "案件状态": "立案", "包案领导": BOLD,
     "责任单位": XSS},
    {"案件编号": "AJ-B01", "线索编号": "XB-001", "项目编号": "PB-001", "所属区县": B, "用人单位": "乙县独有公司QRS",
     "立案日期": "2026-11-06", "欠薪人数": 60, "欠薪金额（元）": 1_500_000, "案件状态": "责令整改",
     "督办级别": "领导包案", "包案领导": "乙县独有领导", "责任单位": "乙县独有单位", "办结时限": "2026-12-31",
     "列入黑名单": "是"},
]


@pytest.fixture(scope="module")
def two_county_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module (the make_db fixture is function-scoped); same loader path as make_db."""
    from etl.load import init_database, load_files
    from huxin.vocab import CASE_HEADERS, CLUE_HEADERS, PROJECT_HEADERS
    from tests.conftest import CITY, write_csv

    d = tmp_path_factory.mktemp("twocounty")
    path = d / "two.duckdb"
    init_database(path, CITY)
    files = [write_csv(d / "projects.csv", PROJECTS, list(PROJECT_HEADERS)),
             write_csv(d / "clues.csv", CLUES, list(CLUE_HEADERS)),
             write_csv(d / "cases.csv", CASES, list(CASE_HEADERS))]
    load_files(path, files, today=AS_OF)
    return path


@pytest.fixture
def db(two_county_db: Path, use_db: Callable[[Path], Path], tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARREARS_APP_DIR", str(tmp_path / "app"))   # own audit log, no accounts: demo roles
    return use_db(two_county_db)


class _Scopes:
    """The scopes of the roles, built through auth.User.scope (after the database is chosen: labels name the
    county). A county user and an analyst asking to unmask still get masked data."""

    @property
    def a(self) -> data.Scope:
        return auth.User("杞县用户", "county_user", A).scope(unmask_requested=True)

    @property
    def analyst(self) -> data.Scope:
        return auth.User("分析员", "city_analyst").scope(unmask_requested=True)

    @property
    def admin_masked(self) -> data.Scope:
        return auth.User("管理员", "city_admin").scope(unmask_requested=False)


S = _Scopes()


# ---------------------------------------------------------------------------------------------
# Helpers: flatten anything to text, and the checks
def as_text(obj: Any) -> str:
    """Everything a value could show, as text (DataFrames with their column names, dicts, dataclasses …)."""
    if obj is None:
        return ""
    if isinstance(obj, pd.DataFrame):
        return obj.to_csv(index=False)
    if isinstance(obj, pd.Series):
        return obj.to_csv()
    if isinstance(obj, dict):
        return "\n".join(f"{k}\t{as_text(v)}" for k, v in obj.items())
    if isinstance(obj, list | tuple | set):
        return "\n".join(as_text(v) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return as_text(dataclasses.asdict(obj))
    if hasattr(obj, "to_json"):                       # plotly figures, pydeck decks
        return str(obj.to_json())
    return str(obj)


def assert_no_b(text: str, where: str) -> None:
    hits = [n for n in B_NEEDLES if n in text]
    assert not hits, f"{where}: county B's records visible to a county-A user: {hits}"


def assert_masked(text: str, where: str) -> None:
    for rx, what in ((PHONE_RE, "phone"), (ID_RE, "ID number"), (CARD_RE, "card number")):
        m = rx.search(text)
        assert m is None, f"{where}: unmasked {what} {m.group(0) if m else ''!r}"


# ---------------------------------------------------------------------------------------------
# Masking helpers themselves
def test_mask_formats() -> None:
    df = mask_frame(pd.DataFrame({"complainant": ["张三", "欧阳娜娜", None], "phone": [PHONE_A, "0371-2345678", ""],
                                  "id_number": [ID_A, "41020219850505123X", None],
                                  "bank_card": ["6222021234567891234", None, None]}))
    assert df["complainant"].tolist()[:2] == ["张*", "欧***"]
    assert df["phone"].tolist()[:2] == ["138****5678", "********5678"]
    assert df["id_number"].tolist()[:2] == ["4102**********1234", "4102**********123X"]
    assert df["bank_card"][0] == "6222***********1234"
    assert mask_text(f"电话{PHONE_A}，身份证{ID_A}") == "电话138****5678，身份证4102**********1234"
    assert_masked(as_text(df), "mask_frame")


def test_escape_markdown_keeps_text_literal() -> None:
    # CommonMark: a backslash before any ASCII punctuation makes it a literal character
    assert escape_markdown(XSS) == r"\<img src\=x onerror\=alert\(1\)\>"
    assert escape_markdown(BOLD) == r"\*\*粗体\*\*"
    assert escape_markdown("[链](javascript:x) :red[红] $x$") == r"\[链\]\(javascript\:x\) \:red\[红\] \$x\$"
    assert escape_markdown(None) == ""


# ---------------------------------------------------------------------------------------------
# Every data function that takes a scope, called as a county-A user with county B's keys where it asks for one
_KNOWN_ARGS: dict[str, Any] = {
    "as_of": AS_OF, "start": dt.date(2026, 1, 1), "end": AS_OF, "week_start": dt.date(2026, 11, 16),
    "week_end": dt.date(2026, 11, 22), "filters": data.NO_FILTERS, "clue_id": "XB-001", "case_id": "AJ-B01",
    "project_id": "PB-001", "project": "PB-001", "employer_key": "乙县独有公司QRS", "key": "乙县独有公司QRS", "employer": "乙县独有公司QRS", "county": B,
    "county_code": B, "township": "乙县独有镇", "level": "county", "limit": 5000, "top": 50, "open_only": False,
    "active_only": False, "d": AS_OF, "day": AS_OF, "date": AS_OF, "prev": dt.date(2026, 11, 13),
    "ends": (dt.date(2026, 11, 15), AS_OF),
}


def scoped_functions() -> list[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """(name, function, kwargs) for every public function of huxin.data whose first parameter is the scope —
    functions added later by others are picked up; one with an argument we cannot fill is reported."""
    out = []
    for name, fn in vars(data).items():
        if name.startswith("_") or not callable(fn) or getattr(fn, "__module__", "") != data.__name__:
            continue
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            continue
        if not params or params[0].name != "scope":
            continue
        kwargs, ok = {}, True
        for p in params[1:]:
            if p.name in _KNOWN_ARGS:
                kwargs[p.name] = _KNOWN_ARGS[p.name]
            elif p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                ok = False
        out.append((name, fn if ok else None, kwargs))
    return out


SCOPED = scoped_functions()


@pytest.mark.parametrize("name", [n for n, _, _ in SCOPED])
def test_data_function_scope_and_masking(name: str, db: Path) -> None:
    _, fn, kwargs = next(x for x in SCOPED if x[0] == name)
    if fn is None:
        pytest.fail(f"data.{name}: add its arguments to _KNOWN_ARGS in tests/test_security.py")
    for scope, who in ((S.a, "county A"), (S.analyst, "analyst")):
        text = as_text(fn(scope, **kwargs))
        assert_masked(text, f"data.{name} as {who}")
        if who == "county A":
            assert_no_b(text, f"data.{name}")


def test_positive_controls(db: Path) -> None:
    """The checks above can fail: unmasked, the phone is there; city-wide, county B's records are there."""
    unmasked = as_text(data.clues(auth.User("管理员", "city_admin").scope(True), AS_OF))
    assert PHONE_A in unmasked and ID_A in unmasked and PHONE_RE.search(unmasked)
    assert_masked(as_text(data.clues(S.admin_masked, AS_OF)), "admin who did not ask to unmask")
    city = as_text(data.clues(S.analyst, AS_OF)) + as_text(data.cases(S.analyst, AS_OF))
    assert "乙县独有公司QRS" in city and "AJ-B01" in city and "138****5678" in city
    mine = data.clues(S.a, AS_OF)
    assert set(mine["clue_id"]) == {"XA-001", "XA-002", "XA-003", "XA-004"}
    assert set(data.cases(S.a, AS_OF)["case_id"]) == {"AJ-A01", "AJ-A02"}
    assert set(data.projects(S.a, AS_OF, active_only=False)["project_id"]) == {"PA-001", "PA-002"}
    assert data.clue_detail(S.a, "XB-001", AS_OF) is None
    assert data.clue_detail(S.a, "XA-001", AS_OF)["clue"]["phone"] == "138****5678"
    view = data.employer_view(S.a, "乙县独有公司QRS", AS_OF)
    assert view["clues"].empty and view["cases"].empty
    # the published ranking lists every county, as aggregates only
    table = data.county_table(S.a, AS_OF, dt.date(2026, 1, 1))
    assert {A, B} <= set(table["code"])
    assert_no_b(as_text(table), "county_table")
    assert data.totals(S.a, AS_OF, dt.date(2026, 1, 1))["received"] == 4


def test_drill_down_never_widens_the_scope() -> None:
    assert S.a.narrowed(B).counties == ()
    assert S.a.narrowed(A).counties == (A,)
    assert S.a.narrowed(None).counties == (A,)


# Which Filters fields each record function honours (the others are not about that kind of record).
_CLUE_FIELDS = ("search", "sources", "townships", "industries", "verdicts", "statuses", "levels", "investment_types",
                "sectors")
_PROJECT_FIELDS = ("search", "townships", "levels", "investment_types", "sectors")
_CASE_FIELDS = ("search", "investment_types", "sectors")


@pytest.mark.parametrize("text", INJECTIONS)
def test_hostile_search_input(text: str, db: Path) -> None:
    all_clues = set(data.clues(S.analyst, AS_OF)["clue_id"])
    f = data.Filters(search=text)
    for scope in (S.a, S.analyst):
        # no value of the fixture contains any of these strings: the search selects nothing, and raises nothing
        assert data.clues(scope, AS_OF, f).empty and data.projects(scope, AS_OF, f, active_only=False).empty
        assert data.cases(scope, AS_OF, f).empty and data.drill_counts(scope, AS_OF, dt.date(2026, 1, 1), f, by="township").empty
    assert data.clue_detail(S.a, text, AS_OF) is None
    assert data.employer_view(S.analyst, text, AS_OF)["clues"].empty
    assert set(data.clues(S.analyst, AS_OF)["clue_id"]) == all_clues      # the database is intact afterwards


@pytest.mark.parametrize("field", _CLUE_FIELDS[1:])
def test_hostile_filter_values(field: str, db: Path) -> None:
    all_projects = set(data.projects(S.analyst, AS_OF, active_only=False)["project_id"])
    f = data.Filters(**{field: (INJECTIONS[0], INJECTIONS[-1])})
    c = data.clues(S.analyst, AS_OF, f)
    p = data.projects(S.analyst, AS_OF, f, active_only=False)
    k = data.cases(S.analyst, AS_OF, f)
    assert c.empty and data.drill_counts(S.analyst, AS_OF, dt.date(2026, 1, 1), f, by="township").empty
    assert p.empty if field in _PROJECT_FIELDS else set(p["project_id"]) == all_projects   # ignored, not widened
    assert k.empty or field not in _CASE_FIELDS


def test_search_finds_literal_text_only(db: Path) -> None:
    assert set(data.clues(S.analyst, AS_OF, data.Filters(search="xa-001"))["clue_id"]) == {"XA-001"}
    assert set(data.clues(S.a, AS_OF, data.Filters(search="乙县独有"))["clue_id"]) == set()
    assert set(data.clues(S.a, AS_OF, data.Filters(search="<img"))["clue_id"]) == {"XA-002"}


# ---------------------------------------------------------------------------------------------
# Exports
def export_texts(payload: bytes, filename: str) -> str:
    """The text a user sees when opening an exported file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(payload), read_only=True)
        cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
                 if v is not None]
        return "\n".join(cells)
    if name.endswith(".docx"):
        with zipfile.ZipFile(io.BytesIO(payload)) as z:
            return "\n".join(re.sub(r"<[^>]+>", "", z.read(n).decode("utf-8")) for n in z.namelist()
                             if n.endswith(".xml"))
    if name.endswith((".png", ".jpg", ".jpeg", ".pdf")):
        return ""
    return payload.decode("utf-8-sig", errors="replace")


def record_tables(scope: data.Scope) -> dict[str, pd.DataFrame]:
    return {"线索": data.clues(scope, AS_OF), "项目": data.projects(scope, AS_OF, active_only=False),
            "案件": data.cases(scope, AS_OF),
            "重点督办": data.key_matters(scope, dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
            "乡镇": data.drill_counts(scope, AS_OF, dt.date(2026, 1, 1), by="township"),
            "重复反映": data.repeat_employers(scope, AS_OF, dt.date(2026, 1, 1)),
            "排名": data.county_table(scope, AS_OF, dt.date(2026, 1, 1))}


def test_exports_obey_scope_and_masking(db: Path) -> None:
    stamp = exports.stamp_lines(AS_OF, "无", S.a.label, "测试导出")
    tables = record_tables(S.a)
    xlsx = exports.to_excel(tables, stamp)
    text = export_texts(xlsx, "x.xlsx")
    assert "甲县独有公司XYZ" in text and "138****5678" in text and "杞县 410221" in text   # it did export A
    assert XSS in text and "'" + XSS not in text                    # text stays text
    assert_no_b(text, "Excel export")
    assert_masked(text, "Excel export")
    for name, df in tables.items():
        csv_text = export_texts(exports.to_csv(df, stamp), "x.csv")
        assert_no_b(csv_text, f"CSV export {name}")
        assert_masked(csv_text, f"CSV export {name}")
    # the analyst exports everything, masked
    text = export_texts(exports.to_excel(record_tables(S.analyst), stamp), "x.xlsx")
    assert "乙县独有公司QRS" in text
    assert_masked(text, "analyst Excel export")


def test_export_callback_is_audited(db: Path) -> None:
    from huxin import audit, ui

    ui.log_export("杞县用户", role="county_user", page="drill", table="线索", as_of=str(AS_OF),
                  filters="搜索：' OR 1=1 --", scope=S.a.label, rows=4, unmasked=False, format="xlsx")
    (rec,) = audit.read_audit()
    assert rec["event"] == "export" and rec["user"] == "杞县用户" and rec["scope"] == "县区用户（杞县 410221）"
    assert rec["filters"] == "搜索：' OR 1=1 --" and rec["format"] == "xlsx" and rec["time"]


# ---------------------------------------------------------------------------------------------
# Every page, rendered by AppTest as a county-A user and as an analyst
def page_keys() -> list[str]:
    keys = ["home"] + sorted(p.stem for p in (ROOT / "pages").glob("*.py") if not p.stem.startswith("_"))
    return keys


def walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


# Identifiers, not text anyone sees. deferred_file_id is a random UUID per download button: now and then one
# held eleven decimal digits in a row starting 13–19, which the phone check took for a phone number (the flaky
# failures on 县区排名 and 区域钻取).
_SKIP_FIELDS = {"id", "form_id", "element_id", "fragment_id", "key", "page_script_hash", "script_hash",
                "widget_id", "component_name", "custom_theme", "deferred_file_id"}
# Element types whose text Streamlit renders as Markdown (labels, bodies, help tooltips).
_MARKDOWN_TYPES = {"markdown", "caption", "title", "header", "subheader", "heading", "error", "warning", "info",
                   "success", "alert", "metric", "toast", "expandable", "tab", "badge", "exception"}
_PLAIN_TYPES = {"dataframe", "arrow_data_frame", "table", "text", "code", "json", "plotly_chart",
                "deck_gl_json_chart", "vega_lite_chart", "arrow_vega_lite_chart", "image", "imgs",
                "bidi_component"}   # huxin.webchart (a plotly figure) and huxin.mapwarm (a file name): not Markdown


def unescaped(v: str) -> str:
    """A JSON payload as readable text: json.dumps writes 顺河 as \\u987a\\u6cb3, which no needle would match.
    A string inside it that is JSON again (the chart's figure) is opened too."""
    try:
        obj = json.loads(v)
    except (ValueError, TypeError):
        return v

    def open_all(o: Any) -> Any:
        if isinstance(o, str) and o[:1] in "{[":
            try:
                return open_all(json.loads(o))
            except ValueError:
                return o
        if isinstance(o, dict):
            return {k: open_all(x) for k, x in o.items()}
        if isinstance(o, list):
            return [open_all(x) for x in o]
        return o
    return json.dumps(open_all(obj), ensure_ascii=False)


def proto_strings(msg: Any, field_path: str = "") -> Iterator[tuple[str, str | bytes]]:
    """(field name, value) of every string/bytes field of a protobuf message, recursively."""
    from google.protobuf.message import Message

    if not isinstance(msg, Message):
        return
    for fd, value in msg.ListFields():
        if fd.name in _SKIP_FIELDS:
            continue
        repeated = not isinstance(value, str | bytes | Message) and hasattr(value, "__iter__") \
            and not isinstance(value, dict)
        values = list(value.values()) if hasattr(value, "values") and not isinstance(value, Message) \
            else (value if repeated else [value])
        for v in values:
            if isinstance(v, Message):
                yield from proto_strings(v, fd.name)
            elif isinstance(v, str | bytes):
                yield fd.name, v


def rendered(at: Any) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(all visible text, [(element type, markdown text)], [deck.gl JSON and huxin.webchart payloads]) of an AppTest
    run."""
    visible, markdown, decks = [], [], []
    for node in walk(at._tree):
        ty = getattr(node, "type", "")
        if ty in ("dataframe", "arrow_data_frame", "table"):
            visible.append(as_text(node.value))
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for fname, v in proto_strings(proto):
            if isinstance(v, bytes):
                # Arrow tables: raw UTF-8 strings inside; good enough to search for needles (not for regexes)
                visible.append(v.decode("utf-8", errors="ignore").replace("\x00", " "))
                if ty == "bidi_component" and fname == "bytes":   # huxin.webchart's charts: UTF-8 JSON
                    decks.append(v.decode("utf-8"))
                continue
            visible.append(unescaped(v) if fname == "json" else v)
            if ty in ("deck_gl_json_chart", "bidi_component") and fname == "json":
                decks.append(v)
            elif ty in _MARKDOWN_TYPES or (ty not in _PLAIN_TYPES and fname in ("label", "help", "body",
                                                                              "placeholder")):
                markdown.append((ty, v))
    return "\n".join(visible), markdown, decks


def visible_values(at: Any) -> str:
    """User-visible values only (no element ids or binary), for the phone/ID regexes."""
    parts = []
    for node in walk(at._tree):
        ty = getattr(node, "type", "")
        if ty in ("dataframe", "arrow_data_frame", "table"):
            parts.append(as_text(node.value))
            continue
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts += [unescaped(v) if f == "json" else v for f, v in proto_strings(proto) if isinstance(v, str)]
    return "\n".join(parts)


# the tags the chart and map builders themselves put in plotly text (plotly.js would read <a href>, <span style> too)
PLOTLY_TAGS = {"b", "/b", "br", "i", "/i", "sup", "/sup", "sub", "/sub", "extra", "/extra"}  # extra: hovertemplate


def assert_literal(markdown: list[tuple[str, str]], decks: list[str], where: str) -> None:
    for ty, body in markdown:
        assert not re.search(r"(?<!\\)<img", body), f"{where}: ledger HTML inside a Markdown {ty}: {body[:200]!r}"
        assert BOLD not in body, f"{where}: ledger Markdown inside a Markdown {ty}: {body[:200]!r}"
    for spec in decks:
        doc = json.loads(spec)
        if isinstance(doc, dict) and isinstance(doc.get("figure"), dict):
            # huxin.webchart (charts, a city's map): plotly.js reads tags in its text, so ledger text must arrive
            # with its < > made full width (maps.plain) or escaped (html.escape)
            texts = json.dumps(doc["figure"], ensure_ascii=False)
            assert "<img" not in texts, f"{where}: ledger HTML reaches a plotly chart's text"
            tags = {t.lower() for t in re.findall(r"<(/?[A-Za-z]+)", texts)}
            assert tags <= PLOTLY_TAGS, f"{where}: markup in a plotly chart's text: {sorted(tags - PLOTLY_TAGS)}"
            continue
        tooltip = doc.get("tooltip") if isinstance(doc, dict) else None
        if isinstance(tooltip, dict) and tooltip.get("html"):
            assert "<img src=x" not in spec, f"{where}: ledger HTML reaches an HTML map tooltip"


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes]]:
    """Every file a page offers for download during the run (what the browser would receive). Files generated on
    click (a callable passed to st.download_button) are generated here too, except images (nothing to read)."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    got: list[tuple[str, bytes]] = []
    real = MemoryMediaFileStorage.load_and_get_id
    real_deferred = MediaFileManager.add_deferred

    def spy(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        payload = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        got.append((filename or f"file.{mimetype.split('/')[-1]}", payload))
        return real(self, path_or_data, mimetype, kind, filename)

    def spy_deferred(self: Any, data_callable: Callable[[], Any], mimetype: str | None, coordinates: str,
                     file_name: str | None = None, **kw: Any) -> str:
        name = file_name or "deferred.bin"
        if not name.lower().endswith((".png", ".jpg", ".jpeg", ".pdf")):
            payload = data_callable()
            got.append((name, payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)))
        return real_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return got


def run_page(app_test: Callable[..., Any], db: Path, key: str, role: str, county: str | None = None) -> Any:
    at = app_test(db, page=None if key == "home" else key, role=role, county=county)
    assert not at.exception, f"{key} as {role}: {[e.value for e in at.exception]}"
    return at


@pytest.mark.parametrize("key", page_keys())
def test_page_as_county_user(key: str, db: Path, app_test: Callable[..., Any],
                             downloads: list[tuple[str, bytes]], tmp_path: Path) -> None:
    if key not in auth.pages_for("county_user"):
        pytest.skip(f"{key} is not offered to county users")
    at = run_page(app_test, db, key, "county_user", A)
    text, markdown, decks = rendered(at)
    assert_no_b(text, f"page {key}")
    assert_masked(visible_values(at), f"page {key}")
    assert_literal(markdown, decks, f"page {key}")
    for filename, payload in downloads:
        content = export_texts(payload, filename)
        assert_no_b(content, f"page {key} download {filename}")
        assert_masked(content, f"page {key} download {filename}")
    # clicking an export writes who/what/scope to the audit log
    buttons = at.get("download_button")
    if buttons:
        from huxin import audit

        buttons[0].click().run()
        ev = [e for e in audit.read_audit() if e["event"] == "export"]
        assert ev and ev[-1]["user"] == "演示用户" and "杞县" in ev[-1]["scope"] and ev[-1]["page"] == key


@pytest.mark.parametrize("key", page_keys())
def test_page_as_analyst(key: str, db: Path, app_test: Callable[..., Any],
                         downloads: list[tuple[str, bytes]]) -> None:
    at = run_page(app_test, db, key, "city_analyst")
    _, markdown, decks = rendered(at)
    assert_masked(visible_values(at), f"page {key}")
    assert_literal(markdown, decks, f"page {key}")
    for filename, payload in downloads:
        assert_masked(export_texts(payload, filename), f"page {key} download {filename}")


def test_page_checks_have_teeth(db: Path, app_test: Callable[..., Any], downloads: list[tuple[str, bytes]]) -> None:
    """The same collection finds county B's records and the literal ledger text when the role may see them."""
    if not (ROOT / "pages" / "weekly.py").exists():
        pytest.skip("pages/weekly.py not written yet")
    at = run_page(app_test, db, "weekly", "city_analyst")
    text, _, _ = rendered(at)
    assert "乙县独有公司QRS" in text and XSS in text and BOLD in text
    assert any("乙县独有" in export_texts(b, f) for f, b in downloads)
    # the map's plotly figure (a city: huxin.mapkind) carries the ledger's text, with its markup made full width
    at = run_page(app_test, db, "map", "city_analyst")
    from huxin import webchart

    (fig,) = [f for f in webchart.figures_in(at) if any((t.get("meta") or {}).get("layer") == "projects"
                                                        for t in f["data"])]
    texts = json.dumps(fig, ensure_ascii=False)
    assert "＜img src=x" in texts and "<img" not in texts           # (long tooltip lines are wrapped at spaces)


def page_title(key: str) -> str:
    pattern = r'ui\.page\(\s*"' + re.escape(key) + r'"\s*,\s*"([^"]+)"'
    m = re.search(pattern, (ROOT / "pages" / f"{key}.py").read_text("utf-8"))
    assert m, f"pages/{key}.py does not call ui.page({key!r}, title)"
    return m.group(1)


@pytest.mark.parametrize("key", sorted(auth.ALL_PAGES - {"home"}))
def test_page_not_offered_to_a_role_is_not_rendered(key: str, db: Path, app_test: Callable[..., Any]) -> None:
    """The screen role asking for a page outside its set (and a county user asking for 导入情况) does not get it:
    the app either refuses or shows the role's own start page instead."""
    if not (ROOT / "pages" / f"{key}.py").exists():
        pytest.skip(f"pages/{key}.py not written yet")
    title = page_title(key)
    for role, county in (("screen", None), ("county_user", A)):
        if key in auth.pages_for(role):
            continue
        at = app_test(db, page=key, role=role, county=county)
        assert not at.exception
        shown = [t.value for t in at.title]
        assert title not in shown, f"{key} rendered for {role}"
        refused = any("无权" in e.value for e in at.error)
        fallback = bool(shown) and all(t in {page_title(k) for k in auth.pages_for(role) if k != "home"}
                                       | {"护薪调度台"} for t in shown)
        assert refused or fallback, (key, role, shown)
        if role == "county_user":
            text, _, _ = rendered(at)
            assert_no_b(text, f"{key} requested by a county user")
