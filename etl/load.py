"""`load`: ledgers into DuckDB. Every data row either loads or lands in load_issues with its reason.

One call is all or nothing: files are opened and their headers checked before anything is written, and the writes go
to a private copy of the database that replaces the live file only when every file has gone through (huxin.db.writer).
Loading the same content again changes nothing: rows are compared by a hash of their business columns, and a call in
which nothing changed does not publish a new file at all.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from etl import parse as P
from etl.read import SUMMARY_WORDS, LoadError, RawTable, open_ledger
from huxin import db
from huxin.vocab import (
    CASE_STAGES,
    CLUE_SOURCES,
    CLUE_STATUS,
    COORD_SYSTEMS,
    INVESTMENT_ALIASES,
    INVESTMENT_TYPES,
    LEDGER_HEADERS,
    LEDGER_KEY,
    LEDGER_LABEL,
    PROJECT_STATUS,
    SUPERVISION_LEVELS,
    VERDICTS,
    WAGE_DEPOSIT,
)

REPEAT_GAPS_SQL = Path(db.__file__).parent / "sql" / "clue_repeat_gaps.sql"
KIND_ORDER = ("projects", "clues", "cases")  # references point backwards: clues -> projects, cases -> clues


@dataclass
class FileReport:
    file: str
    sheet: str
    kind: str
    sha256: str = ""
    rows_in: int = 0            # data rows (blank rows excluded): = loaded + rejected + skipped_summary
    loaded: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped_summary: int = 0
    blank_rows: int = 0
    warnings: int = 0
    newest_date: dt.date | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    batch_id: int | None
    files: list[FileReport]
    changed: bool
    messages: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        out = []
        for f in self.files:
            sheet = f"[{f.sheet}]" if f.sheet else ""
            out.append(f"{f.file}{sheet}（{LEDGER_LABEL[f.kind]}）：数据行 {f.rows_in} = 导入 {f.loaded}"
                       f"（新增 {f.inserted}，更新 {f.updated}，无变化 {f.unchanged}）+ 拒收 {f.rejected}"
                       f" + 合计行 {f.skipped_summary}；警告 {f.warnings}；空行 {f.blank_rows}")
            out.extend(f"  注：{n}" for n in f.notes)
        out.extend(self.messages)
        return out


# ---------------------------------------------------------------------------------------------
# Cell-level parsers per column. Each returns (values, errors) for a whole column.
Parser = Callable[[pd.Series], tuple[pd.Series, pd.Series]]


def _scalar(fn: Callable[[Any], Any]) -> Parser:
    return lambda s: P.parse_column(s, fn)


# A superset of every character clean_text changes (Python's whitespace and parse's invisible characters), in RE2
# syntax for Arrow. A text cell with none of them, not a placeholder (-, 无 …) and not starting with # (Excel error
# values) is returned by clean_text unchanged.
_NOT_PLAIN_RE2 = r"[\x00-\x20\x7f-\xa0\p{Z}\p{C}]"


def _unchanged_where(s: pd.Series, plain: Callable[[Any], np.ndarray], parser: Callable[[Any], Any]
                     ) -> tuple[pd.Series, pd.Series]:
    """parse_column(s, parser), except that the text cells ``plain`` (given the column as an Arrow string array)
    marks — cells the parser would return unchanged — are not passed to it. A column that is not all text (an Excel
    sheet's numbers and dates) takes the general path."""
    import pyarrow as pa

    obj = s.to_numpy(dtype=object)
    try:
        arr = pa.array(obj, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return P.parse_column(s, parser)
    keep = plain(arr)
    vals = obj.copy()
    errs = np.full(len(obj), None, dtype=object)
    rest = ~keep
    if rest.any():
        v, e = P.parse_column(s[rest], parser)
        vals[rest], errs[rest] = v.to_numpy(dtype=object), e.to_numpy(dtype=object)
    return pd.Series(vals, index=s.index, dtype=object), pd.Series(errs, index=s.index, dtype=object)


def _plain_text(arr: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = pc.and_kleene(pc.invert(pc.match_substring_regex(arr, _NOT_PLAIN_RE2)),
                       pc.and_kleene(pc.greater(pc.utf8_length(arr), 0),
                                     pc.invert(pc.or_kleene(pc.starts_with(arr, "#"),
                                                            pc.is_in(arr, pa.array(sorted(P._BLANK_TOKENS)))))))
    return ok.fill_null(False).to_numpy(zero_copy_only=False)


def _text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """clean_text on every cell — but only called on the cells that need it. Profiling a province load (300,000
    clues) showed clean_text on hundreds of thousands of distinct names, phones and ids as a fifth of the load;
    in a real export nearly all of them are already clean, which Arrow tells in one vectorised pass."""
    return _unchanged_where(s, _plain_text, P.clean_text)


_CREDIT_LOOKUP = np.full(256, -1, dtype=np.int64)
_CREDIT_LOOKUP[np.frombuffer(P.CREDIT_CHARSET.encode(), dtype=np.uint8)] = np.arange(len(P.CREDIT_CHARSET))


def _valid_credit_codes(arr: Any) -> np.ndarray:
    """Cells that are already an upper-case 18-character code with a correct GB 32100 check character (what
    parse_credit_code returns unchanged), checked with numpy instead of once per distinct code in Python."""
    import pyarrow.compute as pc

    shape_ok = pc.match_substring_regex(arr, r"^[0-9A-HJ-NPQRTUWXY]{18}$").fill_null(False)
    ok = shape_ok.to_numpy(zero_copy_only=False).copy()
    idx = np.flatnonzero(ok)
    if len(idx):
        codes = np.array(arr.take(idx).to_pylist(), dtype="S18").view(np.uint8).reshape(-1, 18)
        v = _CREDIT_LOOKUP[codes]
        total = (v[:, :17] * np.array(P._CREDIT_WEIGHTS, dtype=np.int64)).sum(axis=1)
        check = (31 - total % 31) % 31
        ok[idx] = check == v[:, 17]
    return ok


def _credit_code(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    return _unchanged_where(s, _valid_credit_codes, P.parse_credit_code)


def _choice(mapping: dict[str, str], label: str, aliases: dict[str, str] | None = None) -> Parser:
    full = dict(mapping)
    full.update(aliases or {})
    return _scalar(lambda v: P.parse_choice(v, full, label))


def _source(v: Any) -> str | None:
    """Source channel: exact labels, else the usual shorthand ('12345', '国家平台', '来访' ...)."""
    t = P.clean_text(v)
    if t is None:
        return None
    if t in CLUE_SOURCES:
        return t
    for needle, label in (("12345", "12345热线"), ("平台", "全国根治欠薪线索反映平台"), ("信访", "信访"),
                          ("来访", "信访"), ("舆情", "网络舆情"), ("网络", "网络舆情"), ("网上", "网络舆情"),
                          ("电话", "来电"), ("来电", "来电"), ("现场", "现场")):
        if needle in t:
            return label
    return "其他"


def _verdict(v: Any) -> str | None:
    t = P.clean_text(v)
    if t is None:
        return None
    norm = t.replace("(", "（").replace(")", "）")
    return norm if norm in VERDICTS else t


def _clue_status(v: Any) -> str | None:
    t = P.clean_text(v)
    if t is None:
        return None
    aliases = {"已签收": "received", "待签收": "received", "正在办理": "in_progress", "处理中": "in_progress",
               "办结": "closed", "已结": "closed", "已处理": "closed", "已退回": "returned"}
    return P.parse_choice(t, {**CLUE_STATUS, **aliases}, "办理状态")


def _deposit(v: Any) -> str | None:
    t = P.clean_text(v)
    if t is None:
        return None
    for label, code in WAGE_DEPOSIT.items():
        if label in t:
            return code
    try:
        b = P.parse_bool(t)
    except P.CellError:
        raise P.CellError(f"工资保证金应为 现金/保函/减免/未缴 之一，实际为“{t}”") from None
    return "paid" if b else "missing"


def _coord_system(v: Any) -> str | None:
    t = P.clean_text(v)
    if t is None:
        return None
    key = t.upper().replace(" ", "")
    for label, code in COORD_SYSTEMS.items():
        if key == label.upper() or label in t:
            return code
    raise P.CellError(f"坐标系应为 WGS84、GCJ02（高德/腾讯）或 BD09（百度），实际为“{t}”")


def _case_stage(v: Any) -> str | None:
    aliases = {"已结案": "closed", "办结": "closed", "已办结": "closed", "移送": "police", "法院执行": "court",
               "强制执行": "court", "整改": "rectification", "调解中": "mediation", "在办": "opened"}
    return P.parse_choice(v, {**CASE_STAGES, **aliases}, "案件状态")


def column_parsers(kind: str, county: P.CountyResolver) -> dict[str, Parser]:
    common: dict[str, Parser] = {"county_code": _scalar(county.resolve), "township": _text}
    if kind == "clues":
        return {**common, "clue_id": _text, "source": _scalar(_source), "received_date": P.parse_date_column,
                "industry": _text, "employer": _text, "credit_code": _credit_code,
                "project_id": _text, "workers": P.parse_count_column, "amount": P.parse_amount_column,
                "status": _scalar(_clue_status), "verdict": _scalar(_verdict), "closed_date": P.parse_date_column,
                "resolved_workers": P.parse_count_column, "resolved_amount": P.parse_amount_column,
                "complainant": _text, "phone": _text, "id_number": _text}
    if kind == "projects":
        b = _scalar(P.parse_bool)
        return {**common, "project_id": _text, "name": _text, "sector": _text,
                "investment_type": _choice(INVESTMENT_TYPES, "投资类型", INVESTMENT_ALIASES), "builder": _text,
                "contractor": _text, "contract_amount": P.parse_amount_column, "start_date": P.parse_date_column,
                "status": _choice(PROJECT_STATUS, "项目状态", {"施工中": "active", "停建": "suspended",
                                                          "完工": "completed", "已竣工": "completed"}),
                "workers_on_site": P.parse_count_column, "lon": _text, "lat": _text,
                "coord_system": _scalar(_coord_system), "real_name": b, "wage_account": b, "contractor_pays": b,
                "wage_deposit": _scalar(_deposit), "notice_board": b, "payment_guarantee": b,
                "monthly_full_pay": b, "roster_updated_date": P.parse_date_column}
    b = _scalar(P.parse_bool)
    return {**common, "case_id": _text, "clue_id": _text, "project_id": _text, "employer": _text,
            "opened_date": P.parse_date_column, "workers": P.parse_count_column,
            "amount_owed": P.parse_amount_column, "amount_paid": P.parse_amount_column,
            "status": _scalar(_case_stage),
            "supervision_level": _choice(SUPERVISION_LEVELS, "督办级别", {"挂牌": "flagged", "包案": "leader"}),
            "leader": _text, "responsible_unit": _text, "due_date": P.parse_date_column,
            "closed_date": P.parse_date_column, "police_referral": b, "blacklisted": b}


# Database columns per kind, in table order (bookkeeping columns appended by the merge).
TABLE_COLUMNS: dict[str, list[str]] = {
    "clues": ["clue_id", "source", "received_date", "county_code", "township", "industry", "employer", "credit_code",
              "project_id", "workers", "amount", "status", "verdict", "closed_date", "resolved_workers",
              "resolved_amount", "complainant", "phone", "id_number"],
    "projects": ["project_id", "name", "county_code", "township", "sector", "investment_type", "builder",
                 "contractor", "contract_amount", "start_date", "status", "workers_on_site", "lon", "lat",
                 "coord_system", "lon_wgs84", "lat_wgs84", "real_name", "wage_account", "contractor_pays",
                 "wage_deposit", "wage_deposit_ok", "notice_board", "payment_guarantee", "monthly_full_pay",
                 "roster_updated_date"],
    "cases": ["case_id", "clue_id", "project_id", "county_code", "employer", "opened_date", "workers", "amount_owed",
              "amount_paid", "status", "supervision_level", "leader", "responsible_unit", "due_date", "closed_date",
              "police_referral", "blacklisted"],
}
DATE_COLUMNS = {"received_date", "closed_date", "start_date", "roster_updated_date", "opened_date", "due_date"}
INT_COLUMNS = {"workers", "resolved_workers", "workers_on_site"}
FLOAT_COLUMNS = {"amount", "resolved_amount", "contract_amount", "lon", "lat", "lon_wgs84", "lat_wgs84",
                 "amount_owed", "amount_paid"}
BOOL_COLUMNS = {"real_name", "wage_account", "contractor_pays", "wage_deposit_ok", "notice_board",
                "payment_guarantee", "monthly_full_pay", "police_referral", "blacklisted"}
NEWEST_DATE_COLUMN = {"clues": "received_date", "projects": "start_date", "cases": "opened_date"}


# ---------------------------------------------------------------------------------------------
class _Issues:
    """Collects issues as column lists (cheap at 3M rows)."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []

    def add(self, file: str, sheet: str, row: int, column: str, value: Any, severity: str, reason: str,
            raw: str | None) -> None:
        self.rows.append((file, sheet, int(row), column, None if value is None else str(value)[:500], severity,
                          reason, raw))

    def frame(self, batch_id: int) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=["file", "sheet", "row_number", "column_name", "value", "severity",
                                              "reason", "raw"])
        df.insert(0, "batch_id", batch_id)
        return df


def _raw_json(chunk: pd.DataFrame, idx: Any, raw_headers: dict[int, str]) -> str:
    row = chunk.loc[idx]
    def raw(v: Any) -> str | None:  # the cell exactly as read (no parsing: it may be what failed to parse)
        return None if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" else str(v)
    return json.dumps({h: raw(row[i]) for i, h in raw_headers.items()}, ensure_ascii=False, default=str)


_BLANK_CELL_RE = re.compile(r"[\s\u3000\u00a0\u200b]*")


def _is_blank_frame(chunk: pd.DataFrame, cols: list[int]) -> pd.Series:
    """Rows whose every cell is empty or only whitespace. Column by column over the rows still in question: the
    first filled column settles almost every row (a regex over every cell of every column was a third of a
    province load in the profile)."""
    cand = np.ones(len(chunk), dtype=bool)
    for c in cols:
        idx = np.flatnonzero(cand)
        if not len(idx):
            break
        vals = chunk[c].to_numpy(dtype=object)[idx]
        cand[idx] = [(_BLANK_CELL_RE.fullmatch(v) is not None) if isinstance(v, str)
                     else bool(pd.isna(v)) or _BLANK_CELL_RE.fullmatch(str(v)) is not None for v in vals]
    return pd.Series(cand, index=chunk.index)


def _is_summary(chunk: pd.DataFrame, cols: list[int]) -> pd.Series:
    """A 合计/小计/总计 row: one of its first three filled cells says so (after removing spaces)."""
    # every summary word contains 计: only rows with it in one of those cells need the full test
    import pyarrow as pa
    import pyarrow.compute as pc

    maybe = np.zeros(len(chunk), dtype=bool)
    for c in cols[:4]:
        obj = chunk[c].to_numpy(dtype=object)
        try:  # a text column (CSV): one vectorised pass
            hit = pc.match_substring(pa.array(obj, type=pa.large_string(), from_pandas=True), "计")
            maybe |= hit.fill_null(False).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            maybe |= np.fromiter(("计" in v if isinstance(v, str) else "计" in str(v) if not pd.isna(v) else False
                                  for v in obj), dtype=bool, count=len(chunk))
    if not maybe.any():
        return pd.Series(False, index=chunk.index)
    out = pd.Series(False, index=chunk.index)
    out[maybe] = _is_summary_rows(chunk[maybe], cols)
    return out


def _is_summary_rows(chunk: pd.DataFrame, cols: list[int]) -> pd.Series:
    first = chunk[cols[:4]].astype("string").fillna("")
    first = first.apply(lambda s: s.str.replace(r"[\s\u3000]+", "", regex=True))
    hit = pd.Series(False, index=chunk.index)
    for c in first.columns:
        hit |= first[c].str.startswith(SUMMARY_WORDS) | first[c].isin(["合计：", "总计："])
    return hit


def process_table(t: RawTable, county: P.CountyResolver, today: dt.date, issues: _Issues,
                  seen_keys: dict[str, int], sink: Callable[[pd.DataFrame], None] | None = None
                  ) -> tuple[list[pd.DataFrame], FileReport]:
    """Parse and validate one sheet; returns typed frames of rows that load, and the file's accounting.

    With ``sink``, each chunk's frame is handed to it as soon as it is ready instead of being returned (the national
    ledger's 3,000,000 clues held as Python objects until the end were a 4.5 GB peak)."""
    rep = FileReport(t.file, t.sheet, t.kind, t.sha256, notes=list(t.notes))
    if t.ignored_headers:
        rep.notes.append(f"未识别的列（未导入）：{'、'.join(t.ignored_headers[:12])}"
                         + ("等" if len(t.ignored_headers) > 12 else ""))
    parsers = column_parsers(t.kind, county)
    headers = LEDGER_HEADERS[t.kind]
    required = {col for (col, req) in headers.values() if req}
    label_of = {cm.column: cm.header for cm in t.columns}
    raw_headers = {cm.index: cm.header for cm in t.columns}
    key = LEDGER_KEY[t.kind]
    out: list[pd.DataFrame] = []
    for chunk in t.chunks:
        if chunk.empty:
            continue
        for cm in t.columns:  # a short row in a ragged sheet
            if cm.index not in chunk.columns:
                chunk[cm.index] = None
        all_cols = [c for c in chunk.columns if c != "_row"]
        blank = _is_blank_frame(chunk, all_cols)
        rep.blank_rows += int(blank.sum())
        chunk = chunk[~blank]
        summary = _is_summary(chunk, all_cols)
        rep.skipped_summary += int(summary.sum())
        chunk = chunk[~summary]
        rep.rows_in += len(chunk) + int(summary.sum())
        if chunk.empty:
            continue
        rows = chunk["_row"].to_numpy()
        typed: dict[str, pd.Series] = {}
        reject = pd.Series(False, index=chunk.index)
        reasons: dict[Any, tuple[str, str, Any]] = {}  # first error per rejected row: (column, reason, value)

        # fail / warn close over this chunk's variables on purpose: they are only called within this iteration
        def fail(mask: pd.Series, column: str, reason: str | pd.Series, values: pd.Series | None = None) -> None:
            nonlocal reject
            mask = mask.astype("boolean").fillna(False).astype(bool)
            new = mask & ~reject
            for idx in chunk.index[new.to_numpy()]:  # noqa: B023
                r = reason if isinstance(reason, str) else reason.loc[idx]
                v = None if values is None else values.loc[idx]
                reasons[idx] = (column, r, v)  # noqa: B023
            reject = reject | mask

        def warn(mask: pd.Series, column: str, reason: str | pd.Series, values: pd.Series) -> None:
            mask = mask.astype("boolean").fillna(False).astype(bool).reindex(chunk.index, fill_value=False)  # noqa: B023
            for idx in chunk.index[(mask & ~reject).to_numpy()]:  # noqa: B023
                r = reason if isinstance(reason, str) else reason.loc[idx]
                issues.add(t.file, t.sheet, chunk.at[idx, "_row"], label_of.get(column, column), values.loc[idx],  # noqa: B023
                           "warning", r, None)
                rep.warnings += 1

        for cm in t.columns:
            raw = chunk[cm.index]
            vals, errs = parsers[cm.column](raw)
            if cm.multiplier != 1.0:
                vals = vals.map(lambda x, m=cm.multiplier: None if x is None or pd.isna(x) else round(x * m, 2))
            has_err = errs.notna()
            if cm.column in required:
                if has_err.any():  # messages only for the cells in error (not 300,000 empty ones)
                    fail(has_err, cm.column, errs[has_err].map(lambda e, h=cm.header: f"“{h}”{e}"), raw)
            elif has_err.any():
                warn(has_err, cm.column, errs.fillna("").map(lambda e, h=cm.header: f"“{h}”{e}，该项按空值导入"), raw)
                vals = vals.where(~has_err, None)
            typed[cm.column] = vals
        for col in required:
            v = typed[col]
            blank_req = v.isna() & ~reject
            if blank_req.any():
                fail(blank_req, col, f"必填项“{label_of[col]}”为空", None)
        _validate_rows(t.kind, typed, chunk, today, fail, warn, label_of)

        # duplicate keys inside one file: the later row is rejected, naming the earlier row
        ok = ~reject
        kv = typed[key][ok]
        row_no = pd.Series(rows, index=chunk.index)[ok]
        # seen in an earlier chunk: a plain dict lookup per key (Series.map(dict) turned the whole growing dict into
        # a Series for every chunk — a fifth of a national load, profiled)
        # (over plain lists: iterating a Series and int() per row were a third of this step's time)
        get = seen_keys.get
        seen_before = pd.Series([get(k, np.nan) for k in kv.tolist()], index=kv.index, dtype="float64")
        again_in_chunk = kv.duplicated(keep="first")
        earlier = seen_before
        if again_in_chunk.any():
            first_in_chunk = row_no.groupby(kv).transform("first")
            earlier = earlier.fillna(first_in_chunk.where(again_in_chunk))
        dup = earlier.notna().reindex(chunk.index, fill_value=False)
        if dup.any():
            msg = pd.Series([f"“{label_of[key]}”{k} 与第 {int(e)} 行重复，后出现的行未导入" if pd.notna(e) else ""
                             for k, e in zip(kv, earlier, strict=True)], index=kv.index).reindex(chunk.index)
            fail(dup, key, msg, typed[key])
        fresh = ~again_in_chunk & seen_before.isna()
        seen_keys.update(zip(kv[fresh].tolist(), row_no[fresh].astype("int64").tolist(), strict=True))

        if reasons and t.path is not None:
            errcells = None
            col_index = {cm.column: cm.index for cm in t.columns}
            for idx, (col, reason, value) in list(reasons.items()):
                if value is None and col in col_index and reason.startswith("必填项"):
                    if errcells is None:
                        from etl.read import excel_error_cells
                        errcells = excel_error_cells(t.path, t.sheet)
                    err = errcells.get((int(chunk.at[idx, "_row"]), col_index[col]))
                    if err:
                        reasons[idx] = (col, f"“{label_of[col]}”单元格是错误值 {err}（公式出错），请修正后重新导入", err)
        for idx, (col, reason, value) in reasons.items():
            issues.add(t.file, t.sheet, chunk.at[idx, "_row"], label_of.get(col, col),
                       None if value is None else value, "error", reason, _raw_json(chunk, idx, raw_headers))
        rep.rejected += int(reject.sum())
        keep = ~reject
        frame = pd.DataFrame({c: typed[c][keep] if c in typed else None for c in TABLE_COLUMNS[t.kind]
                              if c in typed or c not in ("lon_wgs84", "lat_wgs84", "wage_deposit_ok")},
                             index=chunk.index[keep.to_numpy()])
        if t.kind == "projects":
            frame = _project_derived(frame, chunk.loc[frame.index], warn, typed)
        frame["source_file"] = t.file
        frame["source_row"] = rows[keep.to_numpy()]
        rep.loaded += len(frame)
        nd = NEWEST_DATE_COLUMN[t.kind]
        if nd in frame and frame[nd].notna().any():
            newest = frame[nd].dropna().max()
            rep.newest_date = max(rep.newest_date or newest, newest)
        if sink is None:
            out.append(frame)
        else:
            sink(frame)
    return out, rep


def _validate_rows(kind: str, typed: dict[str, pd.Series], chunk: pd.DataFrame, today: dt.date,
                   fail: Callable[..., None], warn: Callable[..., None], label_of: dict[str, str]) -> None:
    def col(name: str) -> pd.Series:
        return typed.get(name, pd.Series(None, index=chunk.index, dtype=object))

    def dates(name: str) -> pd.Series:
        return pd.to_datetime(col(name), errors="coerce")

    now = pd.Timestamp(today)
    # Implausible magnitudes are typing errors (an amount pasted into the wrong unit, an ID in a count column).
    for name, limit, what in (("workers", 1_000_000, "人数"), ("resolved_workers", 1_000_000, "人数"),
                              ("workers_on_site", 1_000_000, "人数"), ("amount", 1e11, "金额"),
                              ("resolved_amount", 1e11, "金额"), ("amount_owed", 1e11, "金额"),
                              ("amount_paid", 1e11, "金额"), ("contract_amount", 1e13, "金额")):
        if name in typed:
            v = pd.to_numeric(col(name), errors="coerce")
            fail(v > limit, name, f"“{label_of.get(name, name)}”{what}过大（超过 {limit:,.0f}），请核实单位和数值", col(name))
    for name in ("workers", "amount", "resolved_workers", "resolved_amount", "amount_owed", "amount_paid",
                 "contract_amount", "workers_on_site"):
        if name in typed:
            v = pd.to_numeric(col(name), errors="coerce")
            fail(v < 0, name, f"“{label_of.get(name, name)}”不能为负数", col(name))
    for name in ("received_date", "closed_date", "opened_date"):
        if name in typed:
            d = dates(name)
            fail(d > now, name, f"“{label_of.get(name, name)}”晚于今天（{today}），日期有误", col(name))
    if kind == "clues":
        st, rec, clo = col("status"), dates("received_date"), dates("closed_date")
        fail((st == "closed") & clo.isna(), "closed_date", "办理状态为“已办结”但没有办结时间", None)
        fail(clo < rec, "closed_date", "办结时间早于反映时间", col("closed_date"))
        open_with_date = st.isin(["received", "in_progress"]) & clo.notna()
        warn(open_with_date, "closed_date", "办理状态未办结却填写了办结时间，办结时间未导入（以办理状态为准）",
             col("closed_date"))
        if open_with_date.any():
            typed["closed_date"] = col("closed_date").where(~open_with_date, None)
        rw, w = pd.to_numeric(col("resolved_workers"), errors="coerce"), pd.to_numeric(col("workers"), errors="coerce")
        warn(rw > w, "resolved_workers", "解决人数大于涉及人数，请核实", col("resolved_workers"))
    elif kind == "cases":
        st, op, clo = col("status"), dates("opened_date"), dates("closed_date")
        fail((st == "closed") & clo.isna(), "closed_date", "案件状态为“结案”但没有结案日期", None)
        fail(clo < op, "closed_date", "结案日期早于立案日期", col("closed_date"))
        open_with_date = (st != "closed") & st.notna() & clo.notna()
        warn(open_with_date, "closed_date", "案件未结案却填写了结案日期，结案日期未导入（以案件状态为准）", col("closed_date"))
        if open_with_date.any():
            typed["closed_date"] = col("closed_date").where(~open_with_date, None)
        paid, owed = pd.to_numeric(col("amount_paid"), errors="coerce"), pd.to_numeric(col("amount_owed"),
                                                                                       errors="coerce")
        warn(paid > owed, "amount_paid", "已支付金额大于欠薪金额，请核实", col("amount_paid"))


_PLAIN_DEGREE_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _plain_coordinate(lon: Any, lat: Any) -> tuple[float, float] | None:
    """(lon, lat) for two plain decimal texts inside the ranges parse_coordinate accepts — the result it would give
    (profiled: parsing every project's coordinates the general way was half of the projects ledger); None for
    anything else, which then goes through parse_coordinate (and its messages)."""
    if not (isinstance(lon, str) and isinstance(lat, str) and _PLAIN_DEGREE_RE.fullmatch(lon)
            and _PLAIN_DEGREE_RE.fullmatch(lat)):
        return None
    x, y = float(lon), float(lat)
    if P.LON_RANGE[0] <= x <= P.LON_RANGE[1] and P.LAT_RANGE[0] <= y <= P.LAT_RANGE[1]:
        return (x, y)
    return None


def _project_derived(frame: pd.DataFrame, chunk: pd.DataFrame, warn: Callable[..., None],
                     typed: dict[str, pd.Series]) -> pd.DataFrame:
    """Coordinates to WGS-84 for display, and wage_deposit_ok."""
    from fast_geocn import gcj02_to_wgs84

    from huxin.geoserve import (
        to_wgs84,  # fast-geocn 1.1.3's BD-09 constant is wrong (~25 m off): ours is right
    )

    lon_w, lat_w, lon_o, lat_o, systems = [], [], [], [], []
    bad_idx, bad_reason, bad_val = [], [], []
    for idx, lo, la, cs in zip(frame.index, frame.get("lon", [None] * len(frame)),
                               frame.get("lat", [None] * len(frame)),
                               frame.get("coord_system", [None] * len(frame)), strict=True):
        try:
            pt = _plain_coordinate(lo, la) or P.parse_coordinate(lo, la)
        except P.CellError as e:
            bad_idx.append(idx)
            bad_reason.append(f"{e}，坐标按空值导入")
            bad_val.append(f"{lo},{la}")
            pt = None
        if pt is None:
            lon_o.append(None), lat_o.append(None), lon_w.append(None), lat_w.append(None), systems.append(cs)
            continue
        system = cs or "gcj02"  # most Chinese map tools export GCJ-02
        if cs is None:
            bad_idx.append(idx)
            bad_reason.append("未填写坐标系，按 GCJ-02（高德/腾讯）处理")
            bad_val.append(f"{lo},{la}")
        x, y = pt
        if system == "gcj02":
            wx, wy = gcj02_to_wgs84(x, y)
        elif system == "bd09":
            wx, wy = to_wgs84(x, y, "bd09")
        else:
            wx, wy = x, y
        lon_o.append(x), lat_o.append(y), lon_w.append(round(wx, 6)), lat_w.append(round(wy, 6))
        systems.append(system)
    if bad_idx:
        m = pd.Series(frame.index.isin(bad_idx), index=frame.index)
        warn(m, "lon", pd.Series(bad_reason, index=bad_idx).reindex(frame.index),
             pd.Series(bad_val, index=bad_idx).reindex(frame.index))
    frame = frame.copy()
    frame["lon"], frame["lat"] = lon_o, lat_o
    frame["lon_wgs84"], frame["lat_wgs84"] = lon_w, lat_w
    frame["coord_system"] = systems
    dep = frame["wage_deposit"] if "wage_deposit" in frame else pd.Series(None, index=frame.index)
    frame["wage_deposit_ok"] = dep.map(lambda d: None if d is None or pd.isna(d) else d != "missing")
    return frame


def _typed_frame(kind: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    cols = TABLE_COLUMNS[kind] + ["source_file", "source_row"]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    for c in cols:
        if c not in df:
            df[c] = None
    df = df[cols]
    out = {}
    for c in cols:
        s = df[c]
        if c in DATE_COLUMNS:
            out[c] = pd.to_datetime(s, errors="coerce").astype("datetime64[us]")
        elif c in INT_COLUMNS or c == "source_row":
            out[c] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif c in FLOAT_COLUMNS:
            out[c] = pd.to_numeric(s, errors="coerce").astype("Float64")
        elif c in BOOL_COLUMNS:
            out[c] = s.astype("boolean")
        else:
            out[c] = s.astype("string")
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------------
def _hash_expr(cols: list[str]) -> str:
    # Column names come from TABLE_COLUMNS (code), never from user input.
    return "md5(concat_ws('\x1f', " + ", ".join(f"coalesce(CAST({c} AS VARCHAR), '\x00')" for c in cols) + "))"


def _merge(con: duckdb.DuckDBPyConnection, kind: str, batch_id: int, reps: list[FileReport],
           several_tables: bool = True) -> None:
    """Upsert staged rows: unchanged rows untouched; changed rows' old versions move to <kind>_history.
    ``several_tables``: more than one file or sheet of this kind was staged, so a key can occur more than once."""
    key = LEDGER_KEY[kind]
    cols = TABLE_COLUMNS[kind]
    stage = f"stage_{kind}"
    con.execute(f"ALTER TABLE {stage} ADD COLUMN row_hash VARCHAR")
    con.execute(f"UPDATE {stage} SET row_hash = {_hash_expr(cols)}")
    # Within one call a later file's row wins (files are processed in the order given). Within one file or sheet a
    # repeated key was already rejected (process_table), so with one table staged every key is there once and the
    # window is skipped: it was 5.8 s of a national load of 3,000,000 clues (bench/RESULTS.md, thirteenth round).
    src = f"s_{kind}" if several_tables else stage
    if several_tables:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE s_{kind} AS SELECT * FROM {stage}
                        QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _seq DESC) = 1""")
    per_file = con.execute(f"""
        SELECT s.source_file,
               count(*) FILTER (WHERE t.{key} IS NULL) AS inserted,
               count(*) FILTER (WHERE t.{key} IS NOT NULL AND t.row_hash <> s.row_hash) AS updated,
               count(*) FILTER (WHERE t.row_hash = s.row_hash) AS unchanged
        FROM {stage} s LEFT JOIN {kind} t USING ({key}) GROUP BY 1""").fetchall()
    by_file = {r[0]: r[1:] for r in per_file}
    for rep in reps:
        if rep.kind == kind and rep.file in by_file:
            rep.inserted, rep.updated, rep.unchanged = (int(x) for x in by_file[rep.file])
    col_list = ", ".join(cols)
    con.execute(f"""INSERT INTO {kind}_history
                    SELECT t.*, {int(batch_id)} FROM {kind} t JOIN {src} s USING ({key})
                    WHERE t.row_hash <> s.row_hash""")
    con.execute(f"""DELETE FROM {kind} WHERE {key} IN
                    (SELECT s.{key} FROM {src} s JOIN {kind} t USING ({key}) WHERE t.row_hash <> s.row_hash)""")
    # NOT EXISTS, not NOT IN: a plain anti join (NOT IN must also look for a NULL key), 3 s less of 10 s at national
    # scale; a stored key is never NULL (the key is required), so both insert the same rows.
    con.execute(f"""INSERT INTO {kind} ({col_list}, batch_id, source_file, source_row, row_hash)
                    SELECT {col_list}, {int(batch_id)}, source_file, source_row, row_hash FROM {src} s
                    WHERE NOT EXISTS (SELECT 1 FROM {kind} t WHERE t.{key} = s.{key})""")


def _reference_warnings(con: duckdb.DuckDBPyConnection, kind: str, issues: _Issues) -> int:
    """Clues naming an unknown project, cases naming an unknown clue or project: loaded, with a warning."""
    checks = {"clues": [("project_id", "projects", "项目编号")],
              "cases": [("clue_id", "clues", "线索编号"), ("project_id", "projects", "项目编号")]}.get(kind, [])
    n = 0
    for col, target, label in checks:
        rows = con.execute(f"""SELECT s.source_file, s.source_row, s.{col} FROM stage_{kind} s
                               WHERE s.{col} IS NOT NULL AND s.{col} NOT IN (SELECT {LEDGER_KEY[target]} FROM {target})
                               """).fetchall()
        for f, r, v in rows:
            issues.add(f, "", r, label, v, "warning",
                       f"“{label}”{v} 在{LEDGER_LABEL[target]}中不存在（已导入，请补充导入对应台账）", None)
            n += 1
    return n


class _NoChange(Exception):
    pass


def load_files(db_path: Path, paths: list[Path], kind: str | None = None, today: dt.date | None = None,
               command: str = "load", is_demo: bool = False) -> LoadResult:
    """Load ledgers into the database at db_path. Raises LoadError (nothing written) when a file is unreadable."""
    today = today or dt.date.today()
    if kind is not None and kind not in KIND_ORDER:
        raise LoadError(f"--kind 应为 clues、projects 或 cases，实际为 {kind!r}")
    if not db_path.exists():
        raise LoadError(f"数据库 {db_path} 不存在，请先运行 python -m etl init --city 地市代码（或 python -m etl demo）。")
    # 1. Open every file and check its header before writing anything (all or nothing).
    tables: list[RawTable] = []
    for p in paths:
        tables.extend(open_ledger(Path(p), kind))
    tables.sort(key=lambda t: KIND_ORDER.index(t.kind))  # stable: keeps the given order within a kind
    issues = _Issues()
    reports: list[FileReport] = []
    result = LoadResult(None, reports, changed=False)
    try:
        with db.writer(db_path) as con:
            # DuckDB's share of memory is bounded (past it, it spills to a temporary file next to the database), so
            # a national load stays within a few GB: staging, the merge and the repeat windows peaked at 4 GB.
            con.execute("SET memory_limit = '1500MB'")
            counties = dict(con.execute("SELECT code, name FROM regions WHERE level = 'county'").fetchall())
            if not counties:
                raise LoadError("数据库中没有区县信息，请先运行 python -m etl init --city 地市代码。")
            # City and province names let "开封市鼓楼区" be told apart from "南京市鼓楼区" in a province or national DB.
            higher = dict(con.execute("SELECT code, name FROM regions WHERE level IN ('city', 'province')").fetchall())
            resolver = P.CountyResolver(counties, higher)
            batch_id = int(con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM load_batches").fetchall()[0][0])
            started = db.now()
            seq = 0
            staged: set[str] = set()
            def to_stage(kind: str, frames: list[pd.DataFrame]) -> None:
                # staged chunk by chunk (see process_table's sink): memory stays at about one chunk
                nonlocal seq
                typed = _typed_frame(kind, frames)
                typed["_seq"] = np.arange(seq, seq + len(typed), dtype="int64")
                seq += len(typed)
                stage = f"stage_{kind}"
                # as an Arrow table: DuckDB reads it as it is, where a DataFrame's columns are converted value by
                # value (half the time of staging at national scale, bench/RESULTS.md, thirteenth round)
                con.register("_typed", pa.Table.from_pandas(typed, preserve_index=False))
                if kind in staged:
                    con.execute(f"INSERT INTO {stage} SELECT * FROM _typed")
                else:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT * FROM _typed")
                    staged.add(kind)
                con.unregister("_typed")

            for t in tables:
                seen: dict[str, int] = {}
                n_before = seq
                _, rep = process_table(t, resolver, today, issues, seen,
                                       sink=lambda f, k=t.kind: to_stage(k, [f]))
                reports.append(rep)
                if seq == n_before and t.kind not in staged:  # nothing loaded: the kind is still staged (empty)
                    to_stage(t.kind, [])
            if all(r.rows_in - r.skipped_summary == 0 for r in reports):
                names = "、".join(r.file for r in reports)
                raise LoadError(f"{names}：没有数据行（只有表头、空行或合计行），未导入任何内容。")
            for k in KIND_ORDER:
                if k in staged:
                    _merge(con, k, batch_id, reports, sum(t.kind == k for t in tables) > 1)
            for k in KIND_ORDER:
                if k in staged:
                    _reference_warnings(con, k, issues)
            changed = any(r.inserted or r.updated for r in reports)
            # Same content, same verdicts as an earlier load of the same file: nothing to record. (A file loaded
            # before under other rules gets a new batch so its new rejections are recorded.)
            known = {tuple(r) for r in con.execute(
                "SELECT DISTINCT sha256, sheet, rejected, warnings FROM load_files").fetchall()}
            if not changed and all((r.sha256, r.sheet, r.rejected, r.warnings) in known for r in reports):
                raise _NoChange()
            result.changed = True
            result.batch_id = batch_id
            con.execute("INSERT INTO load_batches VALUES (?, ?, ?, ?, ?)",
                        [batch_id, started, db.now(), command, is_demo])
            lf = pd.DataFrame([{k: v for k, v in asdict(r).items() if k != "notes"} for r in reports])
            lf.insert(0, "batch_id", batch_id)
            con.register("_lf", lf)
            con.execute("INSERT INTO load_files BY NAME SELECT * FROM _lf")
            con.unregister("_lf")
            if issues.rows:
                idf = issues.frame(batch_id)
                con.register("_issues", idf)
                con.execute("INSERT INTO load_issues BY NAME SELECT * FROM _issues")
                con.unregister("_issues")
            if is_demo:  # a later real load into a demo database keeps the badge: the demo records are still there
                db.meta_set(con, "is_demo", "1")
            db.meta_set(con, "last_load", db.now().isoformat(sep=" "))
            # Repeat-complaint gaps for the app (huxin.data.repeat_daily), once per load instead of once per page
            # view: their window functions over every clue took ~9 s of CPU per data version at national scale.
            con.execute(REPEAT_GAPS_SQL.read_text(encoding="utf-8"))
            n_clues = con.execute("SELECT count(*) FROM clues").fetchall()[0][0]
            db.meta_set(con, "repeat_gaps", f"{batch_id}:{n_clues}")
    except _NoChange:
        result.messages.append("与已导入的数据完全相同，数据库未作任何改动。")
    return result


def init_database(db_path: Path, scope_code: str, replace: bool = False) -> int:
    """A new, empty database for a city, a province or 'all' (the whole country). Returns the county count."""
    from etl.regions import scope_name, write_regions

    if db_path.exists() and not replace:
        raise LoadError(f"数据库 {db_path} 已存在；如需重建请加 --force（原有数据会被清空）。")
    tmp_target = db_path
    with db.writer(tmp_target) as con:
        for t in ("clues", "projects", "cases", "clues_history", "projects_history", "cases_history",
                  "load_batches", "load_files", "load_issues", "meta"):
            con.execute(f"DELETE FROM {t}")
        n = write_regions(con, scope_code)
        db.meta_set(con, "scope_code", scope_code)
        db.meta_set(con, "scope_name", scope_name(scope_code))
        db.meta_set(con, "created_at", db.now().isoformat(sep=" "))
        db.meta_set(con, "is_demo", "0")
    return n
