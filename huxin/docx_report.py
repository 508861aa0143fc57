"""The weekly 通报 as a Word file (and the matching Excel workbook), laid out as an office would send it.

Layout follows the usual government-document conventions (GB/T 9704 style): A4, margins 37/35/28/26 mm, title in a
宋体-family bold 二号, body 仿宋 三号 with a two-character first-line indent and fixed 28-point line spacing, headings
黑体, page numbers 「— n —」 centred in the footer, 「内部资料 注意保密」 on every page. Font names are the standard
Windows ones (宋体, 仿宋, 黑体, 楷体); Word substitutes where they are missing.

Everything here is written as plain runs: ledger text (employer and project names) never goes through any markup.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from huxin import briefing as B
from huxin import data
from huxin.exports import CONFIDENTIAL, to_excel
from huxin.exports import stamp_lines as make_stamp
from huxin.vocab import LEVEL_COLORS

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
DATE_FONT = "楷体"
TABLE_FONT = "宋体"
TEXT_WIDTH_MM = 210 - 28 - 26
MATTERS_IN_DOC = 20
DOC_CHART_WIDTH = 1000
DOC_CHART_HEIGHT = 520


# ---------------------------------------------------------------------------------------------
# python-docx helpers
def _set_font(run: Any, name: str, size: float | None = None, bold: bool | None = None,
              color: str | None = None) -> None:
    """Latin and East-Asian font both (python-docx's font.name only sets the Latin one)."""
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color.lstrip("#").upper())


def _para(doc_or_cell: Any, text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False,
          align: Any = None, indent: bool = False, exact: float | None = 28, color: str | None = None,
          space_after: float = 0) -> Any:
    p = doc_or_cell.add_paragraph()
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(exact)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    run = p.add_run(text)
    _set_font(run, font, size, bold, color)
    return p


def _heading(doc: Any, text: str) -> Any:
    p = _para(doc, text, HEADING_FONT, 16)
    p.paragraph_format.keep_with_next = True  # never a heading alone at the foot of a page
    return p


def _shade(cell: Any, hex_color: str) -> None:
    tc_pr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_color.lstrip("#").upper())
    tc_pr.append(shd)


def _cell_text(cell: Any, text: str, size: float = 10, bold: bool = False, align: Any = WD_ALIGN_PARAGRAPH.CENTER,
               color: str | None = None) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    run = p.add_run(text)
    _set_font(run, TABLE_FONT, size, bold, color)


def _row_flags(row: Any, header: bool = False) -> None:
    """A row never breaks across pages; the header row repeats on every page (schema order: cantSplit first)."""
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader") if header else ("w:cantSplit",):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        tr_pr.append(el)


def _page_number(paragraph: Any) -> None:
    """「— n —」 with a PAGE field, so Word numbers the pages itself."""
    def field_run(kind: str, text: str | None = None) -> None:
        run = paragraph.add_run()
        _set_font(run, TITLE_FONT, 14)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    lead = paragraph.add_run("— ")
    _set_font(lead, TITLE_FONT, 14)
    field_run("begin")
    field_run("instr", " PAGE ")
    field_run("separate")
    num = paragraph.add_run("1")
    _set_font(num, TITLE_FONT, 14)
    field_run("end")
    tail = paragraph.add_run(" —")
    _set_font(tail, TITLE_FONT, 14)


def _table(doc: Any, df: pd.DataFrame, widths_mm: Sequence[float], size: float = 10,
           fills: dict[tuple[int, int], str] | None = None, bold_rows: set[int] | None = None,
           left_cols: set[int] | None = None) -> Any:
    """A bordered table; fills[(row, col)] colours a body cell; header repeats on each page."""
    fills = fills or {}
    bold_rows = bold_rows or set()
    left_cols = left_cols or set()
    table = doc.add_table(rows=1, cols=len(df.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    hdr = table.rows[0]
    _row_flags(hdr, header=True)
    for j, col in enumerate(df.columns):
        _cell_text(hdr.cells[j], str(col), size, bold=True)
        _shade(hdr.cells[j], "#D9D9D9")
    for i, rec in enumerate(df.itertuples(index=False)):
        row = table.add_row()
        _row_flags(row)
        cells = row.cells
        for j, v in enumerate(rec):
            _cell_text(cells[j], "" if v is None else str(v), size, bold=i in bold_rows,
                       align=WD_ALIGN_PARAGRAPH.LEFT if j in left_cols else WD_ALIGN_PARAGRAPH.CENTER,
                       color="#C00000" if i in bold_rows else None)
            if (i, j) in fills:
                _shade(cells[j], fills[(i, j)])
                # white on the dark warning colours, black on yellow
                dark = fills[(i, j)].upper() != LEVEL_COLORS["黄"].upper()
                _cell_text(cells[j], "" if v is None else str(v), size, bold=True,
                           color="#FFFFFF" if dark else "#000000")
    # Widths three ways: the grid (LibreOffice/WPS read it), each cell (Word reads it) and a fixed layout so
    # neither re-flows the columns by content.
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(w * 56.7)))
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    # narrow cell margins (1 mm) so "100.0%" fits a 14 mm column
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "57")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))  # schema order: … tblLayout, tblCellMar, tblLook
    for el in (layout, margins):
        if look is not None:
            look.addprevious(el)
        else:
            tbl_pr.append(el)
    for row in table.rows:
        for j, w in enumerate(widths_mm):
            row.cells[j].width = Mm(w)
    return table


# ---------------------------------------------------------------------------------------------
# Text formatting for the Word tables
def _fmt_rate(x: Any) -> str:
    return "—" if x is None or pd.isna(x) else f"{x * 100:.1f}%"


def _fmt_num(x: Any, digits: int = 0) -> str:
    if x is None or pd.isna(x):
        return "—"
    return f"{x:,.{digits}f}"


def _fmt_delta(k: dict[str, Any]) -> str:
    d = k["delta"]
    if d is None or pd.isna(d):
        return "—"
    if k["kind"] == "rate":
        return f"{d * 100:+.1f}个百分点"
    if k["kind"] == "money":
        return f"{d / 10000:+,.2f}"
    return f"{d:+,.0f}"


def _fmt_value(k: dict[str, Any], v: Any) -> str:
    if k["kind"] == "rate":
        return _fmt_rate(v)
    if k["kind"] == "money":
        return "—" if v is None or pd.isna(v) else f"{v / 10000:,.2f}"
    return _fmt_num(v)


def kpi_doc_table(summary: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for k in summary["kpis"]:
        unit = "万元" if k["kind"] == "money" else k["unit"]
        rows.append({"指标": k["label"] + (f"（{unit}）" if unit else ""), "本周": _fmt_value(k, k["now"]),
                     "上周": _fmt_value(k, k["before"]), "较上周变化": _fmt_delta(k)})
    return pd.DataFrame(rows, columns=["指标", "本周", "上周", "较上周变化"])


def county_doc_table(summary: dict[str, Any]) -> pd.DataFrame:
    c = B.county_rows(summary)
    out = pd.DataFrame({
        "排名": c["排名"].astype(str), "区县": c["区县"] + [("（末位）" if m else "") for m in c["备注"]],
        "名次变化": c["名次变化"], "受理": c["受理"].map(_fmt_num), "办结": c["办结"].map(_fmt_num),
        "办结率": c["办结率"].map(_fmt_rate), "按期办结率": c["按期办结率"].map(_fmt_rate),
        "超期未办结": c["超期未办结"].map(_fmt_num), "存量": c["存量"].map(_fmt_num),
        "得分": c["得分"].map(lambda x: f"{x:.1f}"), "等级": c["等级"], "预警": c["预警"],
    })
    return out


def _left(workdays: Any) -> str:
    if workdays is None or pd.isna(workdays):
        return ""
    return f"剩{int(workdays)}个工作日" if workdays >= 0 else f"已超{-int(workdays)}个工作日"


def matters_doc_table(summary: dict[str, Any], limit: int = MATTERS_IN_DOC) -> tuple[pd.DataFrame, int]:
    """Escalated and new large matters for the briefing (at most ``limit``); returns (table, how many in all)."""
    m = B.key_matter_rows(summary, briefing_only=True)
    total = len(m)
    m = m.head(limit)

    def join(*vals: Any) -> str:
        return "\n".join(str(v) for v in vals if v is not None and not (isinstance(v, float) and pd.isna(v))
                         and str(v) != "")

    out = pd.DataFrame({
        "序号": [str(i + 1) for i in range(len(m))],
        "区县": m["区县"],
        "名称": [join(n, f"（{k}{i}）") for n, k, i in zip(m["名称"], m["类别"], m["编号"], strict=True)],
        # a red warning's reasons are long; the briefing says 红色预警 and the Excel sheet has the reasons
        "督办级别": [("★本周新增\n" if new else "") + ("红色预警" if str(lv).startswith("红色预警") else str(lv))
                 for lv, new in zip(m["督办级别/预警"], m["本周新增重大"], strict=True)],
        "包案领导/责任单位": [join(a, b) or "待明确" for a, b in zip(m["包案领导"], m["责任单位"], strict=True)],
        "金额（万元）": m["金额（万元）"].map(lambda x: _fmt_num(x, 2)),
        "人数": m["涉及人数"].map(_fmt_num),
        "时限/剩余工作日": [join(None if d is None or pd.isna(d) else f"{d.month}月{d.day}日", _left(w))
                      for d, w in zip(m["办结时限"], m["剩余工作日"], strict=True)],
        "阶段/本周变化": [join(a, b) for a, b in zip(m["阶段"], m["本周变化"], strict=True)],
    })
    return out, total


# ---------------------------------------------------------------------------------------------
# The document
def weekly_docx(summary: dict[str, Any], text: str, stamp_lines: Sequence[str],
                chart_pngs: Sequence[tuple[str, bytes]] | None = None, chart_note: str | None = None) -> bytes:
    """The Word 通报: title, date line, stamp, the (edited) paragraphs, the indicator, county and key-matter tables and
    the charts (PNG bytes, e.g. from huxin.static_images). chart_note replaces the charts when they could not be
    rendered (a Chinese explanation)."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    head_p = sec.header.paragraphs[0]
    head_p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_font(head_p.add_run(CONFIDENTIAL), HEADING_FONT, 10.5, color="#C00000")
    foot_p = sec.footer.paragraphs[0]
    foot_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(foot_p)

    _para(doc, CONFIDENTIAL, HEADING_FONT, 16, align=WD_ALIGN_PARAGRAPH.LEFT, color="#C00000", space_after=12)
    title = f"{summary['area_name']}根治欠薪工作周调度通报"
    _para(doc, title, TITLE_FONT, 22, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, exact=36, space_after=6)
    mon, sun = summary["week_monday"], summary["week_sunday"]
    _para(doc, f"（{mon.year}年{mon.month}月{mon.day}日—{sun.month}月{sun.day}日）", DATE_FONT, 16,
          align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    stamp_only = [line for line in stamp_lines if line not in (CONFIDENTIAL, title)]
    for line in stamp_only:
        _para(doc, line, BODY_FONT, 12, align=WD_ALIGN_PARAGRAPH.CENTER, exact=20)
    _para(doc, "", exact=14)

    _heading(doc, "一、本周总体情况")
    for p in (x.strip() for x in text.splitlines()):
        if p:
            _para(doc, p, BODY_FONT, 16, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    _heading(doc, "二、主要指标（本周与上周对比）")
    _para(doc, f"本周：{mon:%m月%d日}至{summary['as_of']:%m月%d日}；上周：{summary['prev_monday']:%m月%d日}至"
               f"{summary['prev_sunday']:%m月%d日}。追回金额单位为万元，办结率变化为百分点。",
          BODY_FONT, 12, exact=20)
    _table(doc, kpi_doc_table(summary), [60, 32, 32, 32], size=12, left_cols={0})

    _para(doc, "", exact=14)
    _heading(doc, "三、各县区情况")
    county = county_doc_table(summary)
    fills = {}
    bold_rows = set()
    col = list(county.columns).index("预警")
    for i, (lv, name) in enumerate(zip(county["预警"], county["区县"], strict=True)):
        if lv in LEVEL_COLORS:
            fills[(i, col)] = LEVEL_COLORS[lv]
        if name.endswith("（末位）"):
            bold_rows.add(i)
    if county.empty:
        _para(doc, "本周无县区数据。", BODY_FONT, 14)
    else:
        _table(doc, county, [10, 20, 13, 11, 11, 14, 16, 13, 12, 12, 10, 10], size=9.5, fills=fills,
               bold_rows=bold_rows)
        _para(doc, "注：得分按考核口径（满分100分）计算，名次变化与上周同日比较；预警颜色：红、橙、黄、蓝。",
              BODY_FONT, 10.5, exact=18)

    _para(doc, "", exact=14)
    _heading(doc, "四、重点督办事项")
    matters, total = matters_doc_table(summary)
    counts = B.matter_counts(summary)
    _para(doc, f"挂牌督办、领导包案、专案组事项及本周新增重大事项（涉及{summary['large_workers']}人以上或金额"
               f"{summary['large_amount'] / 10000:g}万元以上）共{total}项"
               + (f"，以下列出前{len(matters)}项" if total > len(matters) else "")
               + f"；另有红色预警线索{counts['red_clues']}条、红色预警项目{counts['red_projects']}个，详见 Excel 附表。",
          BODY_FONT, 12, exact=20)
    if not matters.empty:
        _table(doc, matters, [8, 13, 36, 17, 22, 13, 10, 19, 18], size=8.5, left_cols={2, 4})

    _para(doc, "", exact=14)
    _heading(doc, "五、图表")
    if chart_pngs:
        for name, png in chart_pngs:
            doc.add_picture(io.BytesIO(png), width=Mm(TEXT_WIDTH_MM))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _para(doc, f"图：{name}", BODY_FONT, 12, align=WD_ALIGN_PARAGRAPH.CENTER, exact=20, space_after=6)
    else:
        _para(doc, chart_note or "（本次未附图表。）", BODY_FONT, 12, exact=20)

    _para(doc, "", exact=14)
    for line in make_footer(stamp_only):
        _para(doc, line, BODY_FONT, 10.5, exact=18, color="#C00000" if line == CONFIDENTIAL else None)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_footer(stamp_lines: Sequence[str]) -> list[str]:
    lines = [line for line in stamp_lines if line != CONFIDENTIAL]
    return ["数据来源：护薪调度台（由各县区台账汇总）", *lines, CONFIDENTIAL]


# ---------------------------------------------------------------------------------------------
# Convenience: everything from scope + week (the CLI and the page share these)
def week_stamp(summary: dict[str, Any], scope_label: str | None = None, title: str = "") -> list[str]:
    return make_stamp(summary["as_of"], week_filters(summary), scope_label or summary.get("scope_label", ""),
                      title)


def week_filters(summary: dict[str, Any]) -> str:
    return (f"周次 {B.week_label(summary['week_monday'])}，对比上周 {summary['prev_monday']:%m月%d日}—"
            f"{summary['prev_sunday']:%m月%d日}")


MAP_NAME = "各县区预警等级分布"
DOC_MAP_HEIGHT = 820    # the map is as wide as the charts (DOC_CHART_WIDTH)


def warning_map_figure(summary: dict[str, Any]) -> Any | None:
    """The 预警地图 of the week's county table for the document: every county of the table coloured by its warning
    level as of the week's end, drawn server-side with the map page's own image builder (no basemap, no network).
    None when the database has no boundaries for those counties."""
    from huxin.charts import maps as M

    table = summary["table"]
    if table is None or table.empty:
        return None
    codes = set(table["code"].astype(str))
    # the whole table, like the ranking it accompanies (a county user's 通报 ranks every county too). Shapes are
    # geography, not records.
    shapes = data.region_shapes(data.ALL)
    feats = [f for f in shapes["features"] if str(f["properties"]["code"]) in codes]
    if not feats:
        return None
    levels = dict(zip(table["code"].astype(str), table["warning_level"], strict=True))
    return M.map_image_figure({"type": "FeatureCollection", "features": feats}, levels=levels,
                              title=f"{summary['area_name']}{MAP_NAME}（截至{summary['as_of']:%m月%d日}）",
                              width=DOC_CHART_WIDTH, height=DOC_MAP_HEIGHT)


def chart_images(summary: dict[str, Any]) -> tuple[list[tuple[str, bytes]], str | None]:
    """The page's two charts and the warning map as PNG for the document: (images, None) or ([], Chinese reason).
    They are rendered in one browser session."""
    from huxin import static_images
    from huxin.charts.weekly import weekly_figures

    figs = weekly_figures(summary)
    for _, f in figs:
        f.update_layout(font_size=18, title_font_size=22, height=DOC_CHART_HEIGHT)
    map_fig = warning_map_figure(summary)
    try:
        # height=None: each figure's own (the charts DOC_CHART_HEIGHT, the map DOC_MAP_HEIGHT); one width for all
        pngs = static_images.figures_to_png([f for _, f in figs] + ([map_fig] if map_fig is not None else []),
                                            width=DOC_CHART_WIDTH, height=None)
    except static_images.StaticImageError as e:
        return [], str(e)
    names = [name for name, _ in figs] + ([MAP_NAME] if map_fig is not None else [])
    return list(zip(names, pngs, strict=True)), None


def weekly_xlsx(summary: dict[str, Any], text: str, stamp_lines: Sequence[str]) -> bytes:
    return to_excel(B.export_sheets(summary, text), list(stamp_lines))


def weekly_docx_for(scope: Any, week_monday: dt.date, as_of: dt.date, text: str | None = None,
                    charts: bool = True) -> bytes:
    """The Word 通报 for a week without the browser (CLI ``report --format docx``, scheduled jobs)."""
    summary = B.weekly_summary(scope, week_monday, as_of)
    body = text if text is not None else B.briefing_text(summary)
    stamp = week_stamp(summary, scope.label or "全部", title=f"{summary['area_name']}根治欠薪工作周调度通报")
    pngs, note = chart_images(summary) if charts else ([], None)
    return weekly_docx(summary, body, stamp, pngs, note)
