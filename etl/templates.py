"""Writes the ledger templates (data/templates/*.xlsx and *.csv) with exactly the canonical headers.

Run `python -m etl.templates` after changing huxin/vocab.py; tests check the committed files match.
"""
from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

from huxin.config import DATA_DIR
from huxin.vocab import LEDGER_HEADERS, LEDGER_LABEL

TEMPLATE_DIR = DATA_DIR / "templates"


def write_templates(out: Path = TEMPLATE_DIR) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, headers in LEDGER_HEADERS.items():
        name = LEDGER_LABEL[kind]
        x = out / f"{name}模板.xlsx"
        wb = xlsxwriter.Workbook(str(x))
        ws = wb.add_worksheet(name)
        req = wb.add_format({"bold": True, "bg_color": "#fde9d9", "border": 1})
        opt = wb.add_format({"bold": True, "bg_color": "#f2f2f2", "border": 1})
        for j, (h, (_col, required)) in enumerate(headers.items()):
            ws.write(0, j, h, req if required else opt)
            ws.set_column(j, j, max(10, len(h) * 2.2))
        ws.freeze_panes(1, 0)
        # The note goes on its own sheet: a note row under the header would be read as a (rejected) data row.
        help_ws = wb.add_worksheet("填表说明")
        help_ws.write(0, 0, "红底为必填列；日期写 2026-11-20；金额单位见表头；是/否 列填“是”或“否”。")
        wb.close()
        c = out / f"{name}模板.csv"
        with c.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(list(headers))
        paths += [x, c]
    return paths


if __name__ == "__main__":
    for p in write_templates():
        print(p)
