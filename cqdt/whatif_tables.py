"""What-if tables with Vietnamese headers, rounded and formatted as the official tables.

One scenario or several applied to the same year's official result (:class:`WhatIf` records
sharing their ``before``): the comparison of each unit and part before and after (with the
required maximum, so the rate can be redone by hand), official and every scenario side by side,
units per level, level transitions, the changes in words and how achieved points are brought
back to the part's scale. :func:`write_whatif_tables` writes them as CSV and one workbook whose
number formats are the official ones (:data:`cqdt.tables.NUMBER_FORMATS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cqdt.files import write_csv, write_workbook
from cqdt.numbers import round_half_up
from cqdt.scenarios import WhatIf
from cqdt.tables import CONVERTED_COLUMN, INFO_SHEET, NUMBER_FORMATS, RATE_COLUMN, info_table

OFFICIAL = "chính thức"
"""How the official result is named beside the scenarios (column headers, counts)."""
REQUIRED, ACHIEVED = "Số điểm tối đa cần thực hiện", "Số điểm thực hiện"
RANK, LEVEL = "Hạng", "Mức"
RANK_CHANGE, POINTS_CHANGE = "Thay đổi hạng (+ là tăng)", "Chênh lệch điểm quy đổi"
SCENARIO_COLUMN = "Kịch bản"

COMPARED = {
    "required": REQUIRED,
    "achieved": ACHIEVED,
    "rate": RATE_COLUMN,
    "converted_published": CONVERTED_COLUMN,
    "rank": RANK,
    "level": LEVEL,
}
"""Columns compared before and after, and their headers (the official ones where there are)."""


def scenario_labels(count: int) -> list[str]:
    """``Kịch bản`` for one scenario, ``Kịch bản 1``, ``Kịch bản 2``… for several."""
    return (
        [SCENARIO_COLUMN] if count == 1 else [f"{SCENARIO_COLUMN} {n}" for n in range(1, count + 1)]
    )


def _shared_before(what_ifs: Sequence[WhatIf]) -> None:
    if len({id(w.before) for w in what_ifs}) != 1:
        raise ValueError("Các kịch bản phải được áp dụng cho cùng một kết quả chính thức")


def _rate_percent(rate: pd.Series, decimals: int) -> pd.Series:
    """A published rate (0..1) as the percent printed (``60.92``, never 60.919999999999995)."""
    return round_half_up(rate * 100, decimals)


def comparison_table(what_if: WhatIf) -> pd.DataFrame:
    """Per part and unit (by rank after), before and after, Vietnamese headers, rounded.

    ``Số điểm tối đa cần thực hiện`` and ``Số điểm thực hiện`` are on the part's scale, as in
    the official tables: rate = achieved ÷ required, converted = rate × the part's maximum.
    """
    c = what_if.comparison
    table = pd.DataFrame({"Phần": c["part"], "Đơn vị": c["unit"]})
    decimals = {
        "_before": what_if.before.criteria.rounding.rate_percent_decimals,
        "": what_if.after.criteria.rounding.rate_percent_decimals,
    }
    for column, header in COMPARED.items():
        for suffix, word in (("_before", "trước"), ("", "sau")):
            values = (
                _rate_percent(c[f"rate_published{suffix}"], decimals[suffix])
                if column == "rate"
                else c[f"{column}{suffix}"]
            )
            table[f"{header} ({word})"] = values
        if column == "converted_published":
            table[POINTS_CHANGE] = c["points_change"]
        if column == "rank":
            table[RANK_CHANGE] = c["rank_change"]
    table["Thay đổi mức"] = c["level_change"]
    return table


def transition_table(what_if: WhatIf) -> pd.DataFrame:
    """Units from each level to each level, per part, with their names."""
    return what_if.transitions.rename(
        columns={
            "part": "Phần",
            "level_before": "Mức trước",
            "level": "Mức sau",
            "count": "Số đơn vị",
            "units": "Đơn vị",
        }
    )


def side_by_side(what_ifs: Sequence[WhatIf], labels: Sequence[str]) -> pd.DataFrame:
    """Per part and unit (by official rank): official, then each scenario's converted points,
    rank and level (``Điểm quy đổi (Kịch bản 1)``…), as COINr compares coins."""
    _shared_before(what_ifs)
    first = what_ifs[0].comparison.sort_values(["part", "rank_before", "unit"])
    table = pd.DataFrame({"Phần": first["part"], "Đơn vị": first["unit"]})
    shown = {"converted_published": CONVERTED_COLUMN, "rank": RANK, "level": LEVEL}
    for column, header in shown.items():
        table[f"{header} ({OFFICIAL})"] = first[f"{column}_before"]
    keys = ["part", "unit"]
    for what_if, label in zip(what_ifs, labels, strict=True):
        after = what_if.comparison.set_index(keys).reindex(pd.MultiIndex.from_frame(first[keys]))
        for column, header in shown.items():
            table[f"{header} ({label})"] = after[column].to_numpy()
    return table.reset_index(drop=True)


def level_count_table(what_ifs: Sequence[WhatIf], labels: Sequence[str]) -> pd.DataFrame:
    """Units per part and level: official, then each scenario."""
    _shared_before(what_ifs)
    rows = []
    for part in what_ifs[0].after.criteria.parts:
        for threshold in part.levels:
            row: dict[str, str | int] = {"Phần": part.code, "Mức": threshold.level}
            first = what_ifs[0].comparison
            row[OFFICIAL.capitalize()] = int(
                ((first["part"] == part.code) & (first["level_before"] == threshold.level)).sum()
            )
            for what_if, label in zip(what_ifs, labels, strict=True):
                c = what_if.comparison
                row[label] = int(((c["part"] == part.code) & (c["level"] == threshold.level)).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def rescaling_table(what_if: WhatIf) -> pd.DataFrame:
    """Per part: its maximum, the criteria's maxima under the scenario, and the factor that
    brings achieved and excluded points back to the part's scale (1 when the total is kept)."""
    criteria = what_if.scenario.base.criteria_table().set_index("criterion")
    totals = what_if.scenario.weights.groupby(criteria["part"]).sum()
    parts = [p for p in what_if.after.criteria.parts]
    return pd.DataFrame(
        {
            "Phần": [p.code for p in parts],
            "Điểm tối đa của phần": [float(p.max) for p in parts],
            "Tổng điểm tối đa các tiêu chí theo kịch bản": [float(totals[p.code]) for p in parts],
            "Hệ số quy về thang của phần": [round(p.max / totals[p.code], 6) for p in parts],
        }
    )


def changes_table(what_ifs: Sequence[WhatIf], labels: Sequence[str]) -> pd.DataFrame:
    """Every scenario's changes in words, one row each."""
    tables = [
        w.scenario.describe().assign(**{SCENARIO_COLUMN: label})
        for w, label in zip(what_ifs, labels, strict=True)
    ]
    table = pd.concat(tables, ignore_index=True)
    return table[[SCENARIO_COLUMN, "STT", "Thay đổi"]]


def scenario_list(what_ifs: Sequence[WhatIf], labels: Sequence[str]) -> pd.DataFrame:
    """Each scenario's label, title, file and SHA-256."""
    return pd.DataFrame(
        {
            SCENARIO_COLUMN: list(labels),
            "Tên": [w.scenario.title for w in what_ifs],
            "Tệp": [Path(w.scenario.source).name for w in what_ifs],
            "SHA-256": [w.scenario.sha256 for w in what_ifs],
        }
    )


def number_formats(*tables: pd.DataFrame) -> dict[str, str]:
    """Excel number formats of the official workbook for these tables' columns: a header
    ``X (sau)`` or ``X (Kịch bản 1)`` takes the format of ``X``; ranks are whole numbers."""
    official = {**NUMBER_FORMATS, RANK: "0", POINTS_CHANGE: "0.00", RANK_CHANGE: "0"}
    official["Hệ số quy về thang của phần"] = "0.0000"
    official["Tổng điểm tối đa các tiêu chí theo kịch bản"] = "0.00"
    official["Điểm tối đa của phần"] = "0.00"
    formats = {}
    for table in tables:
        for column in table.columns:
            base = str(column).rsplit(" (", 1)[0] if column not in official else column
            if base in official:
                formats[str(column)] = official[base]
    return formats


def write_whatif_tables(
    what_ifs: Sequence[WhatIf], folder: Path, stem: str, warnings: Sequence[str] = ()
) -> list[Path]:
    """The comparison (``-so-sanh.csv``: one row per scenario, part and unit), the side by side
    table (``-doi-chieu.csv``), the transitions (``-chuyen-muc.csv``) and one workbook with
    them, the changes and the rescaling factors, opening on «Thông tin»."""
    labels = scenario_labels(len(what_ifs))
    compared = pd.concat(
        [
            comparison_table(w).assign(**{SCENARIO_COLUMN: label})
            for w, label in zip(what_ifs, labels, strict=True)
        ],
        ignore_index=True,
    )
    compared = compared[[SCENARIO_COLUMN, *compared.columns[:-1]]]
    moves = pd.concat(
        [
            transition_table(w).assign(**{SCENARIO_COLUMN: label})
            for w, label in zip(what_ifs, labels, strict=True)
        ],
        ignore_index=True,
    )
    moves = moves[[SCENARIO_COLUMN, *moves.columns[:-1]]]
    beside = side_by_side(what_ifs, labels)
    rescaled = pd.concat(
        [
            rescaling_table(w).assign(**{SCENARIO_COLUMN: label})
            for w, label in zip(what_ifs, labels, strict=True)
        ],
        ignore_index=True,
    )
    rescaled = rescaled[[SCENARIO_COLUMN, *rescaled.columns[:-1]]]
    info = pd.concat(
        [
            pd.DataFrame(
                [
                    (
                        f"{label}: tên, tệp, SHA-256",
                        f"{w.scenario.title}; {Path(w.scenario.source).name}; {w.scenario.sha256}",
                    )
                    for w, label in zip(what_ifs, labels, strict=True)
                ],
                columns=["Mục", "Nội dung"],
            ),
            info_table(what_ifs[0].before),
        ],
        ignore_index=True,
    )
    sheets = {
        INFO_SHEET: info,
        "Thay đổi": changes_table(what_ifs, labels),
        "Quy về thang của phần": rescaled,
        "Đối chiếu": beside,
        "So sánh": compared,
        "Chuyển mức": moves,
    }
    folder.mkdir(parents=True, exist_ok=True)
    formats = number_formats(*sheets.values())
    return [
        write_csv(compared, folder / f"{stem}-so-sanh.csv", warnings),
        write_csv(beside, folder / f"{stem}-doi-chieu.csv", warnings),
        write_csv(moves, folder / f"{stem}-chuyen-muc.csv", warnings),
        write_workbook(sheets, folder / f"{stem}.xlsx", warnings, formats),
    ]
