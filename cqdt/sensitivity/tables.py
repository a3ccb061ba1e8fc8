"""The study as Vietnamese tables (probabilities in %), and those tables written as CSV, XLSX.

Also the tables the reports present: the units at risk of changing level, and the official
report's robustness table. Every number a report shows is a cell of one of these tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from cqdt import __version__
from cqdt.criteria import LEVELS
from cqdt.files import write_csv, write_workbook
from cqdt.numbers import round_half_up
from cqdt.sensitivity.settings import FACTOR_LEVELS, KEEP_LEVEL_SHARE, SCHEMES, Settings


class Study(Protocol):
    """What the tables are made from: a :class:`~cqdt.sensitivity.analyse.SensitivityResult`
    (which builds its tables with this module, so this module does not import it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def level(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def source(self) -> dict[str, str]: ...
    @property
    def units(self) -> pd.DataFrame: ...
    @property
    def overall(self) -> pd.DataFrame: ...
    @property
    def convergence(self) -> pd.DataFrame: ...
    @property
    def sobol(self) -> pd.DataFrame: ...
    @property
    def one_at_a_time(self) -> pd.DataFrame: ...
    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables of :func:`tables`, built once per result."""
        ...


OUTPUTS = {
    "mean_abs_shift": "Dịch chuyển hạng trung bình",
    "share_level_changed": "Tỷ lệ đơn vị đổi mức",
}
"""The two outputs of the Sobol analysis."""

STATISTICS = {
    "spearman_median": "Tương quan Spearman với xếp hạng chính thức (trung vị)",
    "spearman_p05": "Tương quan Spearman với xếp hạng chính thức (mức 5%)",
    "mean_abs_shift": "Dịch chuyển hạng trung bình (bậc)",
    "share_moved": "Tỷ lệ đơn vị dịch chuyển quá k bậc",
    "p_keep": "Xác suất giữ mức (chênh lớn nhất giữa các đơn vị)",
    "p_top_k": "Xác suất trong k hạng đầu (chênh lớn nhất giữa các đơn vị)",
    "rank_p05": "Hạng mức 5% (chênh lớn nhất giữa các đơn vị)",
    "rank_p50": "Hạng trung vị (chênh lớn nhất giữa các đơn vị)",
    "rank_p95": "Hạng mức 95% (chênh lớn nhất giữa các đơn vị)",
}
"""Vietnamese names of the convergence statistics."""

UNITS_SHEET, OVERALL_SHEET = "Theo đơn vị", "Tổng thể"
CONVERGENCE_SHEET, SOBOL_SHEET, OAT_SHEET = "Hội tụ", "Chỉ số Sobol", "Một nhân tố"
SETTINGS_SHEET = "Thông số"


def as_percent(values: pd.Series | np.ndarray) -> np.ndarray:
    """Probabilities as percentages with two decimals, rounded half up (97.25)."""
    return round_half_up(np.asarray(values, dtype=float) * 100, 2)


def settings_table(result: Study) -> pd.DataFrame:
    """What the run did and from what: enough to explain and repeat it."""
    s, source = result.settings, result.source
    rows = [
        ("Cấp đánh giá", LEVELS[result.level].capitalize()),
        ("Năm đánh giá", str(result.year)),
        ("Cách lấy mẫu trọng số", f"{s.scheme}: {SCHEMES[s.scheme]}"),
        ("Mức nhân tố", f"{s.by}: {FACTOR_LEVELS[s.by]}"),
        ("Số mẫu N", str(s.n)),
        ("δ (biên độ hệ số nhân, Sobol, một nhân tố)", str(s.delta)),
        ("Độ tập trung Dirichlet", str(s.concentration)),
        ("Hạt giống ngẫu nhiên", str(s.seed)),
        ("k (k hạng đầu; dịch chuyển quá k bậc)", str(s.top_k)),
        ("Cỡ mẫu gốc Sobol (SALib)", str(s.sobol_n)),
        ("Bộ tiêu chí", f"{source['criteria_file']}, phiên bản {source['criteria_version']}"),
        ("SHA-256 bộ tiêu chí", source["criteria_sha256"]),
        ("Tệp khảo sát", source["survey_file"]),
        ("SHA-256 tệp khảo sát", source["survey_sha256"]),
        ("Phiên bản cqdt", __version__),
    ]
    return pd.DataFrame(rows, columns=["Mục", "Nội dung"])


def tables(result: Study) -> dict[str, pd.DataFrame]:
    """Every table of a run with Vietnamese headers (probabilities in %), by sheet title.

    Built anew at each call: use ``result.tables``, built once per result.
    """
    k = result.settings.top_k
    units = result.units
    level_columns = [c for c in units.columns if c.startswith("p_level_")]
    unit_table = pd.DataFrame(
        {
            "Đơn vị": units["unit"],
            "Phần": units["part"],
            "Hạng chính thức": units["nominal_rank"],
            "Mức chính thức": units["nominal_level"],
            "Hạng trung vị": units["median_rank"].astype("Int64"),
            "Hạng mức 5%": units["rank_p05"].astype("Int64"),
            "Hạng mức 95%": units["rank_p95"].astype("Int64"),
            f"Xác suất trong {k} hạng đầu (%)": as_percent(units["p_top_k"]),
            "Xác suất giữ mức (%)": as_percent(units["p_keep"]),
            **{
                f"Xác suất mức {c.removeprefix('p_level_')} (%)": as_percent(units[c])
                for c in level_columns
            },
        }
    ).dropna(axis=1, how="all")
    overall = result.overall
    overall_table = pd.DataFrame(
        {
            "Phần": overall["part"],
            "Số đơn vị được xếp hạng": overall["units"],
            "Spearman trung vị": round_half_up(overall["spearman_median"], 4),
            "Spearman mức 5%": round_half_up(overall["spearman_p05"], 4),
            "Dịch chuyển hạng trung bình (bậc)": round_half_up(overall["mean_abs_shift"], 4),
            f"Tỷ lệ đơn vị dịch chuyển quá {k} bậc (%)": as_percent(overall["share_moved"]),
            "Số đơn vị đổi mức trong hơn 5% mẫu": overall["units_level_unstable"],
        }
    )
    conv = result.convergence
    convergence_table = pd.DataFrame(
        {
            "Phần": conv["part"],
            "Chỉ số": conv["statistic"].map(STATISTICS).str.replace("k", str(k)),
            "Giá trị với N/2": round_half_up(conv["half"], 4),
            "Giá trị với N": round_half_up(conv["full"], 4),
            "Chênh lệch lớn nhất": round_half_up(conv["max_difference"], 4),
        }
    )
    sobol = result.sobol
    sobol_table = pd.DataFrame(
        {
            "Nhóm": sobol["group"],
            "Tên nhóm": sobol["name"],
            "Đầu ra": sobol["output"].map(OUTPUTS),
            "Chỉ số bậc một S1": round_half_up(sobol["S1"].astype(float), 4),
            "Khoảng tin cậy 95% của S1 (±)": round_half_up(sobol["S1_conf"].astype(float), 4),
            "Chỉ số toàn phần ST": round_half_up(sobol["ST"].astype(float), 4),
            "Khoảng tin cậy 95% của ST (±)": round_half_up(sobol["ST_conf"].astype(float), 4),
        }
    )
    oat = result.one_at_a_time
    oat_table = pd.DataFrame(
        {
            "Nhóm": oat["group"],
            "Tên nhóm": oat["name"],
            "Hệ số nhân": round_half_up(oat["multiplier"].astype(float), 4),
            "Dịch chuyển hạng trung bình (bậc)": round_half_up(
                oat["mean_abs_shift"].astype(float), 4
            ),
            "Dịch chuyển hạng lớn nhất (bậc)": oat["max_abs_shift"].astype("Int64"),
            "Số lượt đơn vị đổi mức": oat["level_changes"].astype("Int64"),
        }
    )
    return {
        SETTINGS_SHEET: settings_table(result),
        UNITS_SHEET: unit_table,
        OVERALL_SHEET: overall_table,
        CONVERGENCE_SHEET: convergence_table,
        SOBOL_SHEET: sobol_table,
        OAT_SHEET: oat_table,
    }


CSV_NAMES = {
    UNITS_SHEET: "theo-don-vi",
    OVERALL_SHEET: "tong-the",
    CONVERGENCE_SHEET: "hoi-tu",
    SOBOL_SHEET: "sobol",
    OAT_SHEET: "mot-nhan-to",
}
"""File-name part of each table's CSV."""


def write_tables(result: Study, folder: Path, warnings: Sequence[str] = ()) -> list[Path]:
    """Write the tables into ``folder``: one CSV each (UTF-8 with BOM), one XLSX with all.

    ``warnings`` (see :func:`cqdt.caveats.output_warnings`) go into every file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"do-nhay-{result.level}-{result.year}"
    sheets = result.tables
    written = [
        write_csv(sheets[title], folder / f"{stem}-{name}.csv", warnings)
        for title, name in CSV_NAMES.items()
    ]
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx", warnings))
    return written


def part_rows(table: pd.DataFrame, part: str) -> pd.DataFrame:
    """The rows of one part of a table with a ``part`` column."""
    return table[table["part"] == part]


def at_risk(study: Study, part: str) -> pd.DataFrame:
    """Units of a part that change level in more than 5 % of samples, most at risk first."""
    rows = part_rows(study.units, part)
    return rows[rows["p_keep"] < KEEP_LEVEL_SHARE].sort_values("p_keep")


def robustness_table(study: Study, titles: dict[str, str]) -> pd.DataFrame:
    """Per unit, for each part: the official level and the probability of keeping it (%)."""
    columns: dict[str, pd.Series | np.ndarray] = {}
    for part in titles:
        rows = part_rows(study.units, part).set_index("unit")
        columns[f"Phần {part}: mức"] = rows["nominal_level"]
        columns[f"Phần {part}: xác suất giữ mức (%)"] = as_percent(rows["p_keep"])
    table = pd.DataFrame(columns)
    return table.rename_axis("Đơn vị").reset_index()
