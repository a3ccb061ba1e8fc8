"""The official ranking tables (Vietnamese headers) and their CSV and XLSX files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cqdt.output import replaced_atomically
from cqdt.scoring import ScoreResult, round_half_up

OFFICIAL_COLUMNS = [
    "STT",
    "Đơn vị",
    "Điểm tối đa",
    "Số điểm không đưa vào đánh giá",
    "Số điểm tối đa cần thực hiện",
    "Số điểm thực hiện",
    "Tỷ lệ thực hiện",
    "Số điểm thực hiện được quy đổi",
    "Xếp hạng mức độ",
]
"""Columns of the published table; ``STT`` is the rank (ties share it), rate is in %."""

RATE_COLUMN = "Tỷ lệ thực hiện"


def official_table(result: ScoreResult, part: str) -> pd.DataFrame:
    """The published table of one part: best first, values rounded as the criteria file says."""
    rounding = result.criteria.rounding
    rows = result.parts[result.parts["part"] == part].sort_values(["rank", "unit"])

    def points(column: str) -> pd.Series:
        return round_half_up(rows[column], rounding.points_decimals)

    table = pd.DataFrame(
        {
            "STT": rows["rank"],
            "Đơn vị": rows["unit"],
            "Điểm tối đa": points("max"),
            "Số điểm không đưa vào đánh giá": points("excluded"),
            "Số điểm tối đa cần thực hiện": points("required"),
            "Số điểm thực hiện": points("achieved"),
            RATE_COLUMN: round_half_up(rows["rate"] * 100, rounding.rate_percent_decimals),
            "Số điểm thực hiện được quy đổi": rows["converted_published"],
            "Xếp hạng mức độ": rows["level"],
        }
    )
    return table.reset_index(drop=True)


def part_titles(result: ScoreResult) -> dict[str, str]:
    """Part code -> "A. Điều kiện sẵn sàng ..." for headings and sheet names."""
    return {p.code: f"{p.code}. {p.name}" for p in result.criteria.parts}


def detail_table(result: ScoreResult) -> pd.DataFrame:
    """Points per unit and criterion with the explanation of each, Vietnamese headers."""
    e = result.explanations
    return pd.DataFrame(
        {
            "Đơn vị": e["unit"],
            "Phần": e["part"],
            "Nhóm": e["group"],
            "Mã tiêu chí": e["criterion"],
            "Tiêu chí": e["name"],
            "Điểm tối đa": e["max"],
            "Áp dụng": e["applicable"].map({True: "Có", False: "Không"}),
            "Điểm đạt": round_half_up(e["points"], result.criteria.rounding.points_decimals),
            "Cách tính": e["explanation"],
        }
    )


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    """CSV in UTF-8 with BOM, so Excel shows the diacritics."""
    with replaced_atomically(path) as temporary:
        table.to_csv(temporary, index=False, encoding="utf-8-sig")
    return path


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """An XLSX workbook, one sheet per table, readable widths, rates shown with a % sign."""
    with (
        replaced_atomically(path) as temporary,
        pd.ExcelWriter(temporary, engine="openpyxl") as writer,
    ):
        for title, table in sheets.items():
            name = title[:31].replace("/", "-")
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(table.columns, start=1):
                letter = sheet.cell(row=1, column=i).column_letter
                longest = max([len(str(column))] + [len(str(v)) for v in table[column].head(200)])
                sheet.column_dimensions[letter].width = min(max(8, longest + 2), 60)
                if column == RATE_COLUMN:
                    for cell in sheet[letter][1:]:
                        cell.number_format = '0.00"%"'
    return path


def write_result_tables(result: ScoreResult, folder: Path) -> list[Path]:
    """Write the official tables (CSV per part, one XLSX with every table) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{result.level}-{result.year}"
    titles = part_titles(result)
    sheets = {titles[code]: official_table(result, code) for code in titles}
    written = [
        write_csv(table, folder / f"{stem}-phan-{code}.csv")
        for code, table in zip(titles, sheets.values(), strict=True)
    ]
    sheets["Điểm chi tiết"] = detail_table(result)
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx"))
    return written
