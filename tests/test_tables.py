"""Workbook safety: data never becomes a live Excel formula."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from cqdt.files import write_workbook


def test_text_starting_with_equals_is_stored_as_text(tmp_path: Path):
    hostile = '=HYPERLINK("http://vi-du.invalid","Đơn vị Một")'
    path = write_workbook(
        {"Bảng": pd.DataFrame({"Đơn vị": [hostile, "Đơn vị Hai"]})}, tmp_path / "b.xlsx"
    )
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet  # no formula element anywhere
    assert 't="inlineStr"><is><t>=HYPERLINK(' in sheet
