"""Table exports (Excel, CSV) with the stamp: 数据截至, filters, scope and 「内部资料 注意保密」.

Personal data is masked before it gets here (huxin.data masks per scope); ledger text is written as text, never as a
formula (a cell starting with = + - @ is prefixed with an apostrophe so Excel does not execute it).
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import pandas as pd

CONFIDENTIAL = "内部资料 注意保密"


def stamp_lines(as_of: dt.date, filters: str = "无", scope: str = "", title: str = "") -> list[str]:
    lines = []
    if title:
        lines.append(title)
    lines.append(f"数据截至：{as_of:%Y年%m月%d日}　　导出时间：{dt.datetime.now():%Y-%m-%d %H:%M}")
    lines.append(f"筛选条件：{filters or '无'}" + (f"　　范围：{scope}" if scope else ""))
    lines.append(CONFIDENTIAL)
    return lines


def _safe_cell(v: object) -> object:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith("string"):
            out[c] = out[c].map(_safe_cell)
    return out


# Number formats by column-name hints (Chinese headers as exported)
def _format_for(col: str) -> str | None:
    if "率" in col:
        return "0.0%"
    if "万元" in col:
        return "#,##0.00"
    if "元" in col or "金额" in col:
        return "#,##0"
    if "日期" in col or "时间" in col or "期限" in col or col in ("应办结日",):
        return "yyyy-mm-dd"
    return None


def to_excel(sheets: Mapping[str, pd.DataFrame], stamp: list[str]) -> bytes:
    """One sheet per table; the stamp in the first rows; number formats set; header row frozen."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd") as xw:
        book = xw.book
        bold = book.add_format({"bold": True, "font_size": 12})
        red = book.add_format({"bold": True, "font_color": "#c00000"})
        head = book.add_format({"bold": True, "bg_color": "#f2f2f2", "border": 1, "text_wrap": True,
                                "valign": "vcenter"})
        used: set[str] = set()
        for name, df in sheets.items():
            sheet_name = "".join(ch for ch in name if ch not in '[]:*?/\\')[:31] or "Sheet"
            while sheet_name in used:
                sheet_name = sheet_name[:28] + f"_{len(used)}"
            used.add(sheet_name)
            start = len(stamp) + 1
            data = _excel_ready(df)
            data.to_excel(xw, sheet_name=sheet_name, index=False, startrow=start)
            ws = xw.sheets[sheet_name]
            for i, line in enumerate(stamp):
                ws.write(i, 0, line, red if line == CONFIDENTIAL else bold)
            for j, col in enumerate(data.columns):
                ws.write(start, j, str(col), head)
                fmt = _format_for(str(col))
                width = max(8, min(40, int(max([len(str(col))] + [len(str(x)) for x in data[col].head(200)]) * 1.6)))
                ws.set_column(j, j, width, book.add_format({"num_format": fmt}) if fmt else None)
            ws.freeze_panes(start + 1, 0)
    return buf.getvalue()


def to_csv(df: pd.DataFrame, stamp: list[str]) -> bytes:
    """UTF-8 with BOM (Excel on Windows opens it correctly), stamp lines first."""
    body = _excel_ready(df).to_csv(index=False)
    head = "".join(f"# {line}\n" for line in stamp)
    return ("\ufeff" + head + body).encode("utf-8")
