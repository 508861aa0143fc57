"""The bad-input corpus: expectations per file (tests/README.md shows the same table for people)."""
from __future__ import annotations

# file -> (outcome, loaded, rejected, words the message must contain, extra CLI args)
# outcome "refused": the load raises LoadError (exit code 1), nothing written.
# outcome "partial": loads `loaded` rows and rejects `rejected`, each reason naming the column.
# outcome "none":    every row rejected: exit code 3, reasons recorded.
CORPUS: dict[str, tuple[str, int, int, tuple[str, ...], tuple[str, ...]]] = {
    "01_empty.csv": ("refused", 0, 0, ("文件为空",), ()),
    "02_header_only.csv": ("refused", 0, 0, ("没有数据行",), ()),
    "03_wrong_kind_clues_as_projects.csv": ("refused", 0, 0, ("缺少必填列", "项目名称"), ("--kind", "projects")),
    "04_unrelated_spreadsheet.xlsx": ("refused", 0, 0, ("没有找到可识别的台账表头",), ()),
    "05_missing_required_column.csv": ("refused", 0, 0, ("缺少必填列", "被反映单位"), ()),
    "06_duplicate_headers.csv": ("refused", 0, 0, ("出现了两次", "涉及人数"), ()),
    "07_merged_header_cells.xlsx": ("partial", 2, 0, (), ()),
    "08_formula_cell.xlsx": ("partial", 2, 0, (), ()),
    "09_error_cells.xlsx": ("partial", 1, 2, ("#N/A", "#REF!"), ()),
    "10_future_date.csv": ("partial", 1, 1, ("晚于今天",), ()),
    "11_date_in_1900.csv": ("partial", 1, 1, ("年份",), ()),
    "12_text_in_number_column.csv": ("partial", 1, 1, ("涉及人数", "五个人"), ()),
    "13_huge_number.csv": ("partial", 1, 1, ("过大",), ()),
    "14_negative_amounts.csv": ("partial", 1, 1, ("负数",), ()),
    "15_unknown_county.csv": ("partial", 1, 1, ("火星区",), ()),
    "16_county_of_another_city.csv": ("partial", 1, 1, ("金水区",), ()),
    "17_duplicated_key.csv": ("partial", 1, 1, ("重复", "第 2 行"), ()),
    "18_gbk_without_bom.csv": ("partial", 2, 0, (), ()),
    "19_utf16_tab.csv": ("partial", 2, 0, (), ()),
    "20_mixed_line_endings.csv": ("partial", 3, 0, (), ()),
    "21_truncated.xlsx": ("refused", 0, 0, ("损坏",), ()),
    "22_password_protected.xlsx": ("refused", 0, 0, ("密码",), ()),
    "23_xls_renamed_to.xlsx": ("partial", 2, 0, (), ()),
    "25_200_columns.csv": ("partial", 2, 0, (), ()),
    "26_sheet_named_differently.xlsx": ("partial", 2, 0, (), ()),
    "27_hidden_sheets.xlsx": ("partial", 2, 0, (), ()),
    "28_semicolon_delimiter.csv": ("partial", 2, 0, (), ()),
    "29_nul_bytes.csv": ("partial", 2, 0, (), ()),
    "30_emoji_and_rare_chars.csv": ("partial", 2, 0, (), ()),
    "31_binary_garbage.csv": ("refused", 0, 0, ("编码",), ()),
    "32_png_renamed.xlsx": ("refused", 0, 0, ("不是有效的 Excel 文件",), ()),
    "33_only_summary_rows.csv": ("refused", 0, 0, ("没有数据行",), ()),
    "34_closed_without_date.csv": ("partial", 1, 1, ("没有办结时间",), ()),
    "35_unsupported_extension.txt.pdf": ("refused", 0, 0, ("不支持的文件类型",), ()),
    "36_all_rows_bad.csv": ("none", 0, 2, ("火星区",), ()),
}
