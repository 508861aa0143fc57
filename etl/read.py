"""Reading ledger files as they really are: xlsx/xls/ods via python-calamine, CSV in any of the encodings offices
produce, title rows above the header, variant header spellings. Produces raw text-ish cells with the row number a
clerk sees in Excel, so every message can point at the cell to fix.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as calamine

from etl.parse import clean_text, normalize_header
from huxin.vocab import LEDGER_HEADERS, LEDGER_LABEL

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
HEADER_SEARCH_ROWS = 6        # up to three title rows plus blank rows above the header
CHUNK_ROWS = 250_000          # CSV rows per chunk: bounds memory at national scale
SUMMARY_WORDS = ("合计", "小计", "总计", "累计")

# Header spellings seen in real ledgers -> canonical header (before unit handling).
HEADER_ALIASES: dict[str, str] = {
    "所属地区": "所属区县", "区县": "所属区县", "县区": "所属区县", "所属县区": "所属区县", "属地": "所属区县",
    "受理时间": "反映时间", "反映日期": "反映时间", "受理日期": "反映时间", "投诉时间": "反映时间",
    "线索来源": "来源渠道", "来源": "来源渠道", "乡镇": "所属乡镇", "乡镇（街道）": "所属乡镇", "所属乡镇（街道）": "所属乡镇",
    "状态": "办理状态", "办结日期": "办结时间", "联系方式": "联系电话", "手机号": "联系电话", "身份证号码": "身份证号",
    "信用代码": "统一社会信用代码", "被投诉单位": "被反映单位", "欠薪单位": "被反映单位",
    "工资保证金缴纳": "工资保证金", "维权公示牌": "维权信息公示牌", "农民工工资专用账户": "工资专用账户",
    "实名制": "实名制管理", "开工时间": "开工日期", "施工单位": "施工总承包单位", "总承包单位": "施工总承包单位",
    "结案时间": "结案日期", "立案时间": "立案日期", "案件阶段": "案件状态",
}
_UNIT_RE = re.compile(r"^(.*?)（(万元|元)）$")


class LoadError(Exception):
    """The file cannot be loaded at all; message in Chinese naming the file and why."""


@dataclass(frozen=True)
class ColumnMap:
    index: int          # position in the raw row
    header: str         # canonical header
    column: str         # database column
    multiplier: float   # unit conversion to the canonical unit (万元 -> 元 etc.)


@dataclass
class RawTable:
    """One sheet (or CSV) with its header located and mapped."""
    file: str
    sheet: str
    kind: str
    header_row: int                 # 1-based row number of the header as seen in Excel
    columns: list[ColumnMap]
    ignored_headers: list[str]
    chunks: Iterator[pd.DataFrame]  # raw cells (object), column '_row' = row number as the user sees it
    sha256: str
    notes: list[str] = field(default_factory=list)
    path: Path | None = None        # for looking up Excel error cells when a row is rejected


def _canonical_lookup(kind: str) -> dict[str, tuple[str, str, float]]:
    """normalized base header -> (canonical header, column, canonical unit multiplier basis)."""
    out = {}
    for header, (col, _req) in LEDGER_HEADERS[kind].items():
        m = _UNIT_RE.match(header)
        base, unit = (m.group(1), m.group(2)) if m else (header, "")
        out[base] = (header, col, unit)
    return out


def map_header(cell: Any, kind: str) -> tuple[str, str, float] | None:
    """(canonical header, db column, multiplier) for one header cell of a ledger of ``kind``, or None."""
    h = normalize_header(cell) if cell is not None else ""
    if not h:
        return None
    m = _UNIT_RE.match(h)
    base, unit = (m.group(1), m.group(2)) if m else (h, "")
    base = HEADER_ALIASES.get(base, base)
    look = _canonical_lookup(kind)
    if base not in look:
        return None
    header, col, canon_unit = look[base]
    # Amounts are stored in 元 whatever the ledger says; a header without a unit means the template's unit.
    unit = unit or canon_unit
    mult = 10_000.0 if unit == "万元" else 1.0
    return header, col, mult


def _score_row(cells: list[Any]) -> dict[str, int]:
    return {k: sum(1 for c in cells if map_header(c, k)) for k in LEDGER_HEADERS}


def detect_kind(cells: list[Any]) -> str | None:
    """Which ledger a header row belongs to, decided by its key column (案件编号 > 线索编号 > 项目名称)."""
    keys = {HEADER_ALIASES.get(normalize_header(c), normalize_header(c)) for c in cells if c not in (None, "")}
    if "案件编号" in keys:
        return "cases"
    if "线索编号" in keys and ("反映时间" in keys or "被反映单位" in keys or "办理状态" in keys):
        return "clues"
    if "项目编号" in keys and "项目名称" in keys:
        return "projects"
    scores = _score_row(cells)
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 3 else None


def find_header(rows: list[list[Any]]) -> int | None:
    """Index of the header row among the first rows: the first with >= 3 recognised ledger headers."""
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if max(_score_row(cells).values()) >= 3:
            return i
    return None


def build_columns(cells: list[Any], kind: str, file: str, sheet: str, header_row: int
                  ) -> tuple[list[ColumnMap], list[str]]:
    cols: list[ColumnMap] = []
    ignored: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cells):
        m = map_header(c, kind)
        if m is None:
            if clean_text(c):
                ignored.append(clean_text(c) or "")
            continue
        header, col, mult = m
        if col in seen:
            raise LoadError(f"{file}{_sheet_label(sheet)}：第 {header_row} 行表头中“{header}”出现了两次"
                            f"（第 {seen[col] + 1} 列和第 {i + 1} 列），无法判断应使用哪一列，请删除重复列后重新导入。")
        seen[col] = i
        cols.append(ColumnMap(i, header, col, mult))
    missing = [h for h, (col, req) in LEDGER_HEADERS[kind].items() if req and col not in seen]
    if missing:
        raise LoadError(f"{file}{_sheet_label(sheet)}：{LEDGER_LABEL[kind]}缺少必填列：{'、'.join(missing)}"
                        f"（表头在第 {header_row} 行）。请对照 data/templates 中的模板补齐后重新导入。")
    return cols, ignored


def _sheet_label(sheet: str) -> str:
    return f"（工作表“{sheet}”）" if sheet else ""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Excel
def _sniff_format(path: Path) -> str:
    head = path.read_bytes()[:8] if path.stat().st_size < 8 else path.open("rb").read(8)
    if head.startswith(b"PK\x03\x04"):
        return "zip"          # xlsx / ods
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"          # xls, or an encrypted (password-protected) xlsx
    return "other"


_CELL_ERR_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>.*?</f>|<f[^>]*/>)?<v>([^<]*)</v>', re.DOTALL)


def excel_error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """{(excel row, 0-based column): '#N/A'} for error cells of an xlsx sheet.

    python-calamine reads error cells (#N/A, #REF!) as empty strings (python-calamine issue #105), which would make
    the message say "empty" where the clerk sees #N/A. Only called when a row was rejected for a blank cell.
    """
    import zipfile
    from xml.etree import ElementTree as ET

    try:
        with zipfile.ZipFile(path) as z:
            ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                  "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
            wb = ET.fromstring(z.read("xl/workbook.xml"))
            rid = next((el.get(f"{{{ns['r']}}}id") for el in wb.iterfind("m:sheets/m:sheet", ns)
                        if el.get("name") == sheet), None)
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next((el.get("Target") for el in rels if el.get("Id") == rid), None)
            if target is None:
                return {}
            target = target.lstrip("/")
            xml = z.read(target if target.startswith("xl/") else "xl/" + target)
    except (KeyError, OSError, zipfile.BadZipFile, ET.ParseError):
        return {}
    out = {}
    for col, row, val in _CELL_ERR_RE.findall(xml):
        n = 0
        for ch in col.decode():
            n = n * 26 + (ord(ch) - 64)
        out[(int(row), n - 1)] = val.decode("utf-8", "replace")
    return out


def _is_encrypted_ooxml(path: Path) -> bool:
    """An encrypted xlsx is an OLE container with an 'EncryptionInfo' stream (MS-OFFCRYPTO)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    return "EncryptionInfo".encode("utf-16-le") in head


def read_excel(path: Path, kind: str | None, sha: str) -> list[RawTable]:
    name = path.name
    fmt = _sniff_format(path)
    if path.stat().st_size == 0:
        raise LoadError(f"{name}：文件为空（0 字节）。")
    if fmt == "other":
        raise LoadError(f"{name}：不是有效的 Excel 文件（文件内容既不是 xlsx 也不是 xls 格式，可能已损坏或扩展名有误）。")
    try:
        with path.open("rb") as fh:
            wb = calamine.CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    except calamine.PasswordError:
        raise LoadError(f"{name}：文件受密码保护，无法读取。请在 Excel 中取消密码后另存为再导入。") from None
    except Exception as e:  # noqa: BLE001 — calamine raises several error types for broken files
        if fmt == "ole" and _is_encrypted_ooxml(path):
            raise LoadError(f"{name}：文件受密码保护，无法读取。请在 Excel 中取消密码后另存为再导入。") from None
        if fmt == "ole":
            raise LoadError(f"{name}：无法读取（可能是受密码保护的 xlsx 文件，或已损坏的 xls 文件）。"
                            f"请在 Excel 中打开后另存为 .xlsx 再导入。") from None
        raise LoadError(f"{name}：Excel 文件已损坏或不完整，无法读取（{type(e).__name__}）。请重新导出后再导入。") from None
    tables: list[RawTable] = []
    skipped: list[str] = []
    for meta in wb.sheets_metadata:
        hidden = "hidden" in str(meta.visible).lower()
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as e:  # noqa: BLE001 — any failure reading a sheet becomes the Chinese message below
            raise LoadError(f"{name}（工作表“{meta.name}”）：无法读取（{type(e).__name__}），文件可能已损坏。") from None
        hi = find_header(rows)
        if hi is None:
            skipped.append(meta.name)
            continue
        k = kind or detect_kind(rows[hi])
        if k is None:
            skipped.append(meta.name)
            continue
        if hidden:
            skipped.append(f"{meta.name}（隐藏）")
            continue
        cols, ignored = build_columns(rows[hi], k, name, meta.name, hi + 1)
        data = rows[hi + 1:]
        width = max((len(r) for r in data), default=0)
        frame = pd.DataFrame(data, columns=range(width), dtype=object) if data else pd.DataFrame(
            columns=range(len(rows[hi])), dtype=object)
        frame["_row"] = range(hi + 2, hi + 2 + len(data))
        tables.append(RawTable(name, meta.name, k, hi + 1, cols, ignored, iter([frame]), sha,
                               path=path if fmt == "zip" else None))
    if not tables:
        raise LoadError(f"{name}：没有找到可识别的台账表头（线索台账、在建项目台账或案件台账）。"
                        f"已检查的工作表：{'、'.join(str(m.name) for m in wb.sheets_metadata) or '无'}。"
                        f"表头须在前 {HEADER_SEARCH_ROWS} 行内，请对照 data/templates 中的模板。")
    if skipped:
        tables[0].notes.append(f"未导入的工作表（无台账表头或为隐藏工作表）：{'、'.join(skipped)}")
    return tables


# ---------------------------------------------------------------------------------------------
# CSV
def detect_encoding(path: Path) -> str:
    """utf-8-sig / utf-16 by BOM; else utf-8 if the whole file decodes; else gb18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    dec = __import__("codecs").getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                dec.decode(block)
        dec.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _sniff_delimiter(sample: str) -> str:
    lines = [ln for ln in sample.splitlines()[:HEADER_SEARCH_ROWS + 2] if ln.strip()]
    best, best_n = ",", -1
    for d in (",", "\t", ";", "|", "，"):
        n = max((ln.count(d) for ln in lines), default=0)
        if n > best_n:
            best, best_n = d, n
    return best


def read_csv(path: Path, kind: str | None, sha: str) -> list[RawTable]:
    name = path.name
    if path.stat().st_size == 0:
        raise LoadError(f"{name}：文件为空（0 字节）。")
    enc = detect_encoding(path)
    with path.open("r", encoding=enc, errors="replace", newline="") as fh:
        sample = fh.read(1 << 16)
    notes: list[str] = []
    if "\x00" in sample:
        notes.append("文件中含有空字符（NUL），已忽略这些字符")
    if "\ufffd" in sample and enc == "gb18030":
        raise LoadError(f"{name}：无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）。请在 Excel 中另存为“CSV UTF-8”后再导入。")
    delim = _sniff_delimiter(sample.replace("\x00", ""))
    # Header search on the first lines with the csv module (it handles quoted cells with line breaks).
    # Mixed line endings (\r\n, \n and a lone \r in one file) are normalised for the header search; pandas'
    # C parser accepts all three when reading the data.
    norm = sample.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    head_rows = list(csv.reader(io.StringIO(norm), delimiter=delim))[:HEADER_SEARCH_ROWS + 1]
    hi = find_header(head_rows)
    if hi is None:
        raise LoadError(f"{name}：没有找到可识别的台账表头（线索台账、在建项目台账或案件台账）。"
                        f"表头须在前 {HEADER_SEARCH_ROWS} 行内，分隔符识别为“{delim}”，请对照 data/templates 中的模板。")
    k = kind or detect_kind(head_rows[hi])
    if k is None:
        raise LoadError(f"{name}：无法判断台账类型，请用 --kind 指定（clues、projects 或 cases）。")
    cols, ignored = build_columns(head_rows[hi], k, name, "", hi + 1)
    # Slack columns: a row with a few stray trailing cells still parses; more than that is a clear error below.
    width = max(len(head_rows[hi]), max((c.index for c in cols), default=0) + 1) + 8

    lone_cr = re.search(r"\r(?!\n)", sample) is not None

    def chunks() -> Iterator[pd.DataFrame]:
        # Blank lines are kept (skip_blank_lines=False) so record numbers stay aligned with the file's rows.
        # pandas' skiprows counts two lone carriage returns (an old Mac file's blank line) as one line, and the first
        # data row was lost; such a file is read from its first row, and the rows down to the header are dropped below
        skipped = 0 if lone_cr else hi + 1
        reader = pd.read_csv(path, sep=delim, header=None, skiprows=skipped, dtype=object, keep_default_na=False,
                             na_filter=False, skip_blank_lines=False, encoding=enc, encoding_errors="replace",
                             chunksize=CHUNK_ROWS, engine="python" if len(delim) > 1 or delim == "，" else "c",
                             names=range(width), index_col=False, on_bad_lines="error", quotechar='"')
        start = skipped + 1
        it = iter(reader)
        while True:
            try:
                chunk = next(it)
            except StopIteration:
                return
            except (pd.errors.ParserError, ValueError) as e:
                raise LoadError(f"{name}：第 {start} 行附近的 CSV 格式有误，无法解析（{e}）。"
                                f"请检查引号和分隔符，或在 Excel 中打开后另存为 .xlsx。") from None
            chunk = chunk.copy()
            chunk["_row"] = range(start, start + len(chunk))
            start += len(chunk)
            if lone_cr:
                chunk = chunk[chunk["_row"] >= hi + 2]
                if chunk.empty:
                    continue
            if notes:
                chunk = chunk.apply(lambda s: s.str.replace("\x00", "", regex=False)
                                    if s.name != "_row" and s.dtype == object else s)
            yield chunk

    return [RawTable(name, "", k, hi + 1, cols, ignored, chunks(), sha, notes)]


def open_ledger(path: Path, kind: str | None = None) -> list[RawTable]:
    """Locate header(s) and kind for one file; raises LoadError when the file cannot be loaded at all."""
    if not path.exists():
        raise LoadError(f"{path}：文件不存在。")
    if path.is_dir():
        raise LoadError(f"{path}：这是一个文件夹，不是台账文件。")
    sha = file_sha256(path)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, kind, sha)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, kind, sha)
    raise LoadError(f"{path.name}：不支持的文件类型“{path.suffix or '无扩展名'}”，请使用 .xlsx、.xls 或 .csv 文件。")
