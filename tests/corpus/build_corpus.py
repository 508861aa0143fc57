"""Builds the bad-input corpus in tests/corpus/files/ (committed). Run once when the corpus changes:

    python -m venv /tmp/cvenv && /tmp/cvenv/bin/pip install xlsxwriter==3.3.1 xlwt==1.3.0 msoffcrypto-tool==6.1.0
    /tmp/cvenv/bin/python tests/corpus/build_corpus.py

xlwt (a real .xls) and msoffcrypto-tool (a really encrypted .xlsx) are needed only here, not by the project or the
tests. The 50 MB file is not committed: tests/test_corpus.py generates it at test time.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

OUT = Path(__file__).resolve().parent / "files"
H = ["线索编号", "来源渠道", "反映时间", "所属区县", "所属乡镇", "行业领域", "被反映单位", "统一社会信用代码", "项目编号",
     "涉及人数", "涉及金额（元）", "办理状态", "核处结论", "办结时间", "解决人数", "解决金额（元）", "反映人", "联系电话", "身份证号"]


def row(cid: str = "B1", **kw: str) -> list[str]:
    d = {"线索编号": cid, "来源渠道": "12345热线", "反映时间": "2026-11-02", "所属区县": "龙亭区",
         "被反映单位": "开封某建筑劳务有限公司", "涉及人数": "5", "涉及金额（元）": "50000", "办理状态": "办理中"}
    d.update(kw)
    return [d.get(h, "") for h in H]


def csv_text(rows: list[list[str]], headers: list[str] = H, delim: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue()


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (OUT / name).write_bytes(text.encode(encoding))


def xlsx(name: str, sheets: list[tuple[str, list[list[object]]]], hidden: set[str] = frozenset(),
         merge_first: bool = False, formulas: dict[tuple[int, int], tuple[str, object]] | None = None) -> Path:
    p = OUT / name
    wb = xlsxwriter.Workbook(str(p))
    for sname, rows in sheets:
        ws = wb.add_worksheet(sname)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if v not in (None, ""):
                    ws.write(i, j, v)
        if merge_first:
            ws.merge_range(0, 0, 0, 5, "开封市欠薪线索台账（合并单元格标题）")
            ws.merge_range(1, 9, 1, 10, "涉及情况")  # a merged group header above the real header
        for (i, j), (f, val) in (formulas or {}).items():
            ws.write_formula(i, j, f, None, val)
        if sname in hidden:
            ws.hide()
    wb.close()
    return p


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        p.unlink()
    good = [row("B1"), row("B2")]
    write("01_empty.csv", "")
    write("02_header_only.csv", csv_text([]))
    write("03_wrong_kind_clues_as_projects.csv", csv_text(good))
    xlsx("04_unrelated_spreadsheet.xlsx", [("销售", [["月份", "销量", "单价"], ["1月", 10, 5.5], ["2月", 12, 5.0]])])
    write("05_missing_required_column.csv", csv_text([r[:6] + r[7:] for r in good], H[:6] + H[7:]))
    write("06_duplicate_headers.csv", csv_text([r + ["3"] for r in good], H + ["涉及人数"]))
    xlsx("07_merged_header_cells.xlsx", [("线索", [[], [], H, row("B1"), row("B2")])], merge_first=True)
    xlsx("08_formula_cell.xlsx", [("线索", [H, row("B1"), row("B2")])],
         formulas={(1, 10): ("=20000+30000", 50000), (2, 9): ("=2+3", 5)})
    xlsx("09_error_cells.xlsx", [("线索", [H, row("B1"), row("B2"), row("B3")])],
         formulas={(1, 10): ("=NA()", "#N/A"), (2, 9): ("=#REF!", "#REF!")})
    write("10_future_date.csv", csv_text([row("B1"), row("B2", 反映时间="2031-05-01")]))
    write("11_date_in_1900.csv", csv_text([row("B1"), row("B2", 反映时间="1900-01-01")]))
    write("12_text_in_number_column.csv", csv_text([row("B1"), row("B2", 涉及人数="五个人")]))
    write("13_huge_number.csv", csv_text([row("B1"), row("B2", **{"涉及金额（元）": "1e25"})]))
    write("14_negative_amounts.csv", csv_text([row("B1"), row("B2", **{"涉及金额（元）": "-500"})]))
    write("15_unknown_county.csv", csv_text([row("B1"), row("B2", 所属区县="火星区")]))
    write("16_county_of_another_city.csv", csv_text([row("B1"), row("B2", 所属区县="金水区")]))
    write("17_duplicated_key.csv", csv_text([row("B1"), row("B1", 涉及人数="9")]))
    write("18_gbk_without_bom.csv", csv_text([row("B1", 被反映单位="开封市鼎盛建筑劳务有限公司"), row("B2")]), "gbk")
    write("19_utf16_tab.csv", "\ufeff" + csv_text(good, delim="\t"), "utf-16-le")
    text = csv_text(good + [row("B3")])
    lines = text.split("\r\n")
    write("20_mixed_line_endings.csv", lines[0] + "\n" + lines[1] + "\r\n" + lines[2] + "\r" + lines[3] + "\n")
    full = xlsx("21_truncated.xlsx", [("线索", [H] + [row(f"B{i}") for i in range(200)])])
    data = full.read_bytes()
    full.write_bytes(data[: len(data) // 2])
    try:
        import msoffcrypto
        from msoffcrypto.format.ooxml import OOXMLFile

        plain = xlsx("22_password_protected.xlsx", [("线索", [H, row("B1")])])
        src = io.BytesIO(plain.read_bytes())
        out = io.BytesIO()
        OOXMLFile(src).encrypt("secret123", out)
        plain.write_bytes(out.getvalue())
        del msoffcrypto
    except ImportError:
        print("msoffcrypto-tool missing: 22 not built")
    try:
        import xlwt

        wb = xlwt.Workbook()
        ws = wb.add_sheet("线索")
        for i, r in enumerate([H, row("B1"), row("B2")]):
            for j, v in enumerate(r):
                ws.write(i, j, v)
        wb.save(str(OUT / "23_xls_renamed_to.xlsx"))
    except ImportError:
        print("xlwt missing: 23 not built")
    write("25_200_columns.csv", csv_text([r + [f"x{k}" for k in range(181)] for r in good],
                                         H + [f"备用列{k}" for k in range(181)]))
    xlsx("26_sheet_named_differently.xlsx", [("2026年11月汇总", [H, row("B1"), row("B2")])])
    xlsx("27_hidden_sheets.xlsx", [("填表说明", [["本表为线索台账"]]), ("线索", [H, row("B1"), row("B2")]),
                                   ("旧数据", [H, row("OLD1")])], hidden={"旧数据"})
    write("28_semicolon_delimiter.csv", csv_text(good, delim=";"))
    write("29_nul_bytes.csv", csv_text(good).replace("开封某", "开封\x00某"))
    write("30_emoji_and_rare_chars.csv", csv_text([row("B1", 被反映单位="𠮷野家🏗️建筑劳务有限公司", 反映人="𠮷祥"), row("B2")]))
    (OUT / "31_binary_garbage.csv").write_bytes(bytes(range(256)) * 40)
    (OUT / "32_png_renamed.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    write("33_only_summary_rows.csv", csv_text([["合计"] + [""] * 8 + ["10", "100000"] + [""] * 8]))
    write("34_closed_without_date.csv", csv_text([row("B1"), row("B2", 办理状态="已办结")]))
    write("35_unsupported_extension.txt.pdf", "%PDF-1.4 not a ledger")
    write("36_all_rows_bad.csv", csv_text([row("B1", 所属区县="火星区"), row("B2", 所属区县="火星区")]))
    print(f"{len(list(OUT.iterdir()))} files in {OUT}")


if __name__ == "__main__":
    main()
