"""The CSV reader (etl/read.py) hands on every record after the header once, with its cells as written and the row
number a clerk sees, whatever the line endings: checked against Python's csv module on the same text."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

import etl.read as R
from huxin.vocab import CLUE_HEADERS as _CLUE_HEADERS

CLUE_HEADERS = list(_CLUE_HEADERS)
HEADER = ",".join(CLUE_HEADERS)
N = len(CLUE_HEADERS)


def row(i: int, **cells: str) -> str:
    values = [f"XS{i:05d}", "12345热线", "2026-11-02", "龙亭区"] + [""] * (N - 4)
    for k, v in cells.items():
        values[CLUE_HEADERS.index(k)] = v
    return ",".join(values)


REGULAR = [row(i) for i in range(40)]
CASES = {
    "plain": [HEADER, *REGULAR],
    "a title row and a blank line above the header": ["开封市欠薪线索台账" + "," * (N - 1), "", HEADER, *REGULAR],
    "two blank lines above the header": ["", "", HEADER, *REGULAR],
    "quotes, a line break and spaces in cells": [
        HEADER, row(1, 被反映单位='"开封""某""建筑, 有限公司"'), row(2, 被反映单位='"第一行\n第二行"'),
        row(3, 被反映单位="  前后空格  "), row(4, 被反映单位='中"间'), *REGULAR],
    "blank lines between and after the rows": [HEADER, row(1), "", row(2), "", "", row(3), ""],
    "a short row and one with stray trailing cells": [HEADER, *REGULAR[:3], "XS99999,12345热线",
                                                      row(98) + ",,备注", *REGULAR[3:6]],
}


def expected(lines: list[str], newline: str) -> list[list[str]]:
    """The records after the header, by the csv module, padded with "" to the header's width."""
    records = list(csv.reader(io.StringIO(newline.join(lines) + newline, newline="")))
    after = records[records.index(CLUE_HEADERS) + 1:]
    return [(r + [""] * N)[:N] for r in after]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_record_after_the_header_once_with_its_row_number(tmp_path: Path, case: str, newline: str,
                                                                encoding: str) -> None:
    lines = CASES[case]
    path = tmp_path / "c.csv"
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    (table,) = R.read_csv(path, None, "sha")
    got = pd.concat(list(table.chunks))
    want = expected(lines, newline)
    # nothing lost (pandas' own skiprows lost the first data row of an old Mac file with a blank line on top)
    assert got[list(range(N))].values.tolist() == want
    first = lines.index(HEADER) + 2   # the header's row number + 1: a row per record, as Excel numbers them
    assert got["_row"].tolist() == list(range(first, first + len(want)))
    assert table.header_row == first - 1
