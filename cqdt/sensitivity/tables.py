"""The study as Vietnamese tables, and those tables written as CSV, XLSX.

Also what the reports present: the units at risk of changing level and those near the
cut-off, the levels a unit would move to in words, and the official report's robustness
table. Every number a report shows is a cell of one of these tables.

Precision: a probability is printed in whole percent while the largest Monte Carlo standard
error (0.5 / √N, at p = 50 %) exceeds 0.1 point, that is for N < 250,000, and to 0.1 % from
there (:func:`percent_decimals`); a P(keep) that would round onto the at-risk cut-off from the
other side keeps one more decimal, so a printed value never contradicts its unit's list.
P(keep) is printed with its standard error. Sobol indices, whose intervals are about ±0.03 at
best, are printed with 2 decimals.
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
from cqdt.numbers import format_number, round_half_up
from cqdt.sensitivity.settings import (
    FACTOR_LEVELS,
    KEEP_LEVEL_SHARE,
    NEAR_CUTOFF_SE,
    SCHEMES,
    SOBOL_CELLS,
    Settings,
    sobol_base,
)


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
    def concentrations(self) -> pd.DataFrame: ...
    @property
    def units(self) -> pd.DataFrame: ...
    @property
    def overall(self) -> pd.DataFrame: ...
    @property
    def convergence(self) -> pd.DataFrame: ...
    @property
    def running(self) -> pd.DataFrame: ...
    @property
    def sobol(self) -> pd.DataFrame: ...
    @property
    def one_at_a_time(self) -> pd.DataFrame: ...
    @property
    def leave_one_out(self) -> pd.DataFrame: ...
    @property
    def tables(self) -> dict[str, pd.DataFrame]: ...


OUTPUTS = {
    "mean_abs_shift": "Dịch chuyển hạng trung bình",
    "level_changes": "Số đơn vị đổi mức",
    "converted": "Điểm quy đổi",
}
"""The outputs of the Sobol analysis (per part; the converted points per unit at risk)."""

STATISTICS = {
    "spearman_median": "Tương quan Spearman với xếp hạng chính thức (trung vị)",
    "spearman_p05": "Tương quan Spearman với xếp hạng chính thức (mức 5%)",
    "mean_abs_shift": "Dịch chuyển hạng trung bình (bậc)",
    "share_moved": "Tỷ lệ đơn vị dịch chuyển quá k bậc (%)",
    "p_keep": "Xác suất giữ mức (%; lớn nhất giữa các đơn vị)",
    "p_top_k": "Xác suất trong k hạng đầu (%; lớn nhất giữa các đơn vị)",
}
"""Vietnamese names of the convergence statistics (probabilities in %, their errors in
percentage points)."""

UNITS_SHEET, OVERALL_SHEET = "Theo đơn vị", "Tổng thể"
CONVERGENCE_SHEET, RUNNING_SHEET = "Hội tụ", "Ước lượng dần"
SOBOL_SHEET, OAT_SHEET = "Chỉ số Sobol", "Một nhân tố"
LEAVE_OUT_SHEET, EQUIVALENCE_SHEET = "Bỏ từng nhóm", "Tương đương δ"
SETTINGS_SHEET = "Thông số"
YES = "có"


def percent_decimals(n: int) -> int:
    """Decimals of a probability in % that N samples support: 0 while the largest standard
    error, 50 / √N points, exceeds 0.1 point (N < 250,000), else 1."""
    return 0 if 50 / np.sqrt(n) > 0.1 else 1


def as_percent(values: pd.Series | np.ndarray, n: int) -> np.ndarray:
    """Probabilities in % rounded half up to what N supports (:func:`percent_decimals`)."""
    rounded = round_half_up(np.asarray(values, dtype=float) * 100, percent_decimals(n))
    return np.asarray(rounded) + 0.0


def keep_percent(values: pd.Series | np.ndarray, n: int) -> np.ndarray:
    """P(keep) in % as :func:`as_percent`, with one more decimal where rounding would carry it
    onto the at-risk cut-off from the other side (94.6 % is not printed 95 %)."""
    values = np.asarray(values, dtype=float)
    shown = as_percent(values, n)
    cutoff = KEEP_LEVEL_SHARE * 100
    crossed = (values * 100 < cutoff) != (shown < cutoff)
    finer = round_half_up(values * 100, percent_decimals(n) + 1)
    return np.where(crossed, finer, shown) + 0.0


def percent_texts(values: pd.Series | np.ndarray, n: int, keep: bool = False) -> list[str]:
    """Probabilities in % as printed: Vietnamese, to what N supports (``keep``: with the one
    more decimal :func:`keep_percent` gives near the cut-off); «–» for none."""
    base = percent_decimals(n)
    plain = as_percent(values, n)
    shown = keep_percent(values, n) if keep else plain
    return [
        "–" if np.isnan(value) else format_number(value, base + int(value != normal), fixed=True)
        for value, normal in zip(shown, plain, strict=True)
    ]


def standard_error_points(values: pd.Series | np.ndarray) -> np.ndarray:
    """A standard error of a probability in percentage points, to 0.1 (0.05 → 0.1)."""
    return np.asarray(round_half_up(np.asarray(values, dtype=float) * 100, 1)) + 0.0


def _rounded(values: pd.Series, decimals: int) -> np.ndarray:
    """Rounded half up, without a negative zero («-0,00»)."""
    return np.asarray(round_half_up(values.astype(float), decimals)) + 0.0


def _number(value: float) -> str:
    return format_number(value, 4)


def settings_table(result: Study) -> pd.DataFrame:
    """What the run did and from what: enough to explain and repeat it."""
    s, source = result.settings, result.source
    unused = "không dùng với cách lấy mẫu này"
    concentration = (
        unused
        if s.scheme != "dirichlet"
        else _number(s.concentration)
        if s.concentration
        else "theo δ (mỗi phần một độ tập trung, xem bảng «Tương đương δ»)"
    )
    rows = [
        ("Cấp đánh giá", LEVELS[result.level].capitalize()),
        ("Năm đánh giá", str(result.year)),
        ("Cách lấy mẫu trọng số", f"{SCHEMES[s.scheme]} (--scheme {s.scheme})"),
        ("Mức nhân tố", f"{FACTOR_LEVELS[s.by]} (--by {s.by})"),
        ("Số mẫu N", format_number(s.n, 0)),
        ("δ (biên độ hệ số nhân)", _number(s.delta) if s.scheme != "simplex" else unused),
        ("Độ tập trung Dirichlet", concentration),
        (
            "Biên độ điểm thẩm định (± phần của điểm tối đa)",
            _number(s.point_range) if s.point_range else "không dùng",
        ),
        (
            "Biên độ ngưỡng mức (± điểm phần trăm)",
            _number(s.threshold_range) if s.threshold_range else "không dùng",
        ),
        ("Bỏ lần lượt từng nhóm", YES if s.leave_one_out else "không"),
        ("Hạt giống ngẫu nhiên", str(s.seed)),
        ("k (k hạng đầu; dịch chuyển quá k bậc)", str(s.top_k)),
        ("Cỡ mẫu gốc Sobol (SALib)", sobol_text(s.sobol_n, result.units["unit"].nunique())),
        ("Ngưỡng «có nguy cơ đổi mức»", f"giữ mức dưới {format_number(KEEP_LEVEL_SHARE * 100)}%"),
        (
            "«Sát ngưỡng»",
            f"xác suất giữ mức cách {format_number(KEEP_LEVEL_SHARE * 100)}% không quá "
            f"{NEAR_CUTOFF_SE} sai số chuẩn Monte Carlo",
        ),
        ("Làm tròn xác suất", precision_rule(s.n)),
        ("Bộ tiêu chí", f"{source['criteria_file']}, phiên bản {source['criteria_version']}"),
        ("SHA-256 bộ tiêu chí", source["criteria_sha256"]),
        ("Tệp khảo sát", source["survey_file"]),
        ("SHA-256 tệp khảo sát", source["survey_sha256"]),
        ("Phiên bản cqdt", __version__),
    ]
    return pd.DataFrame(rows, columns=["Mục", "Nội dung"])


def sobol_text(sobol_n: int, units: int) -> str:
    """The Sobol base sample asked for and, if fewer, the one used (:func:`sobol_base`)."""
    if not sobol_n:
        return "không tính"
    used = sobol_base(sobol_n, units)
    text = format_number(sobol_n, 0)
    if used < sobol_n:
        text += (
            f", dùng {format_number(used, 0)} vì {format_number(units, 0)} đơn vị (cỡ mẫu × số "
            f"đơn vị không quá {format_number(SOBOL_CELLS, 0)})"
        )
    return text


def precision_rule(n: int, errors_shown: bool = True) -> str:
    """The rounding rule of probabilities, in words, with this N's largest standard error;
    ``errors_shown``: the tables print each P(keep)'s own standard error beside it, and say so."""
    largest = format_number(50 / np.sqrt(n), 2)
    unit = "1%" if percent_decimals(n) == 0 else "0,1%"
    rule = (
        f"đến {unit}: với N = {format_number(n, 0)} mẫu, sai số chuẩn Monte Carlo của một xác "
        f"suất p là √(p(1 − p)/N), lớn nhất {largest} điểm % (ở p = 50%)"
    )
    return rule + "; xác suất giữ mức ghi kèm sai số chuẩn của nó" * errors_shown


def level_chances(row: pd.Series, levels: list[str], n: int) -> str:
    """Where a unit would be, in words: «giữ mức II: 62%; lên mức I: 38%» (levels printed at
    0 % left out; «không xếp được mức» for samples without a level)."""
    nominal = row["nominal_level"]
    order = levels.index(nominal) if nominal in levels else len(levels)
    parts = []
    chances = {name: row[f"p_level_{name}"] for name in levels}
    chances[""] = max(1 - sum(chances.values()), 0.0)
    for name, chance in sorted(chances.items(), key=lambda item: -item[1]):
        if float(as_percent(np.array([chance]), n)[0]) <= 0:
            continue
        # keeping the level: as the tables print it (94,6, never 95 across the cut-off)
        (shown,) = percent_texts(np.array([chance]), n, keep=name == nominal)
        if name == nominal:
            words = f"giữ mức {name}"
        elif not name:
            words = "không xếp được mức"
        else:
            words = f"{'lên' if levels.index(name) < order else 'xuống'} mức {name}"
        parts.append(f"{words}: {shown}%")
    return "; ".join(parts)


def _level_names(units: pd.DataFrame) -> list[str]:
    return [c.removeprefix("p_level_") for c in units.columns if c.startswith("p_level_")]


def tables(result: Study) -> dict[str, pd.DataFrame]:
    """Every table of a run with Vietnamese headers (probabilities in %), by sheet title.

    Built anew at each call: use ``result.tables``, built once per result.
    """
    s = result.settings
    k, n = s.top_k, s.n
    units = result.units
    names = _level_names(units)
    unit_table = pd.DataFrame(
        {
            "Đơn vị": units["unit"],
            "Phần": units["part"],
            "Mức chính thức": units["nominal_level"],
            "Ngưỡng gần nhất": ("mức " + units["nearest_threshold"]).fillna(""),
            "Sát ngưỡng": np.where(units["near_cutoff"], YES, ""),
            "Hạng chính thức": units["nominal_rank"],
            "Điểm quy đổi": units["converted"],
            "Cách ngưỡng (điểm; + là trên ngưỡng)": _rounded(units["threshold_distance"], 2),
            "Hạng trung vị": units["median_rank"].astype("Int64"),
            "Hạng mức 5%": units["rank_p05"].astype("Int64"),
            "Hạng mức 95%": units["rank_p95"].astype("Int64"),
            f"Xác suất trong {k} hạng đầu (%)": as_percent(units["p_top_k"], n),
            "Xác suất giữ mức (%)": keep_percent(units["p_keep"], n),
            "Sai số chuẩn (điểm %)": standard_error_points(units["p_keep_se"]),
            **{f"Xác suất mức {x} (%)": as_percent(units[f"p_level_{x}"], n) for x in names},
        }
    )
    unit_table = unit_table.dropna(axis=1, how="all")
    overall = result.overall
    overall_table = pd.DataFrame(
        {
            "Phần": overall["part"],
            "Số đơn vị được xếp hạng": overall["units"],
            "Spearman trung vị": _rounded(overall["spearman_median"], 3),
            "Spearman mức 5%": _rounded(overall["spearman_p05"], 3),
            "Dịch chuyển hạng trung bình (bậc)": _rounded(overall["mean_abs_shift"], 2),
            f"Tỷ lệ đơn vị dịch chuyển quá {k} bậc (%)": as_percent(overall["share_moved"], n),
            "Số đơn vị có nguy cơ đổi mức": overall["units_at_risk"],
            "Số đơn vị sát ngưỡng": overall["units_near_cutoff"],
        }
    )
    conv = result.convergence
    scale = np.where(conv["probability"], 100.0, 1.0)
    convergence_table = pd.DataFrame(
        {
            "Phần": conv["part"],
            "Chỉ số": conv["statistic"].map(STATISTICS).str.replace("k", str(k)),
            **{
                title: _rounded(conv[column] * scale, 2)
                for title, column in {
                    "Giá trị với N": "value",
                    "Nửa đầu": "first_half",
                    "Nửa sau": "second_half",
                    "Chênh lệch giữa hai nửa": "half_difference",
                    "Sai số chuẩn (nhị thức)": "se",
                    "Sai số chuẩn (trung bình theo lô)": "batch_se",
                }.items()
            },
        }
    )
    running = result.running
    running_table = pd.DataFrame(
        {
            "Phần": running["part"],
            "Đơn vị": running["unit"],
            "Số mẫu": running["samples"],
            "Xác suất giữ mức (%)": _rounded(running["p_keep"] * 100, 2),
            "Sai số chuẩn (điểm %)": _rounded(running["se"] * 100, 2),
        }
    )
    sobol = result.sobol
    output = sobol["output"].map(OUTPUTS)
    output = output.where(sobol["unit"].isna(), output + " của " + sobol["unit"].fillna(""))
    sobol_table = pd.DataFrame(
        {
            "Phần": sobol["part"],
            "Đầu ra": output,
            "Nhóm": sobol["group"],
            "Tên nhóm": sobol["name"],
            "Chỉ số bậc một S1": _rounded(sobol["S1"], 2),
            "Khoảng tin cậy 95% của S1 (±)": _rounded(sobol["S1_conf"], 2),
            "Chỉ số toàn phần ST": _rounded(sobol["ST"], 2),
            "Khoảng tin cậy 95% của ST (±)": _rounded(sobol["ST_conf"], 2),
        }
    )
    oat = result.one_at_a_time
    weight = oat["kind"] == "weight"
    oat_table = pd.DataFrame(
        {
            "Phần": oat["part"],
            "Nhân tố": oat["factor"],
            "Tên": oat["name"],
            "Đầu": oat["end"].map({"low": "thấp", "high": "cao"}),
            "Tỷ trọng trong phần hoặc ngưỡng (%)": _rounded(oat["value"] * 100, 2),
            "Dịch chuyển hạng trung bình (bậc)": _rounded(oat["mean_abs_shift"], 2),
            "Dịch chuyển hạng lớn nhất (bậc)": oat["max_abs_shift"].astype("Int64"),
            "Số đơn vị đổi mức": oat["level_changes"].astype("Int64"),
            "Đơn vị đổi mức": oat["units_changed"].map("; ".join),
        }
    )
    oat_table["Nhân tố"] = oat_table["Nhân tố"].where(weight, "ngưỡng " + oat["factor"])
    leave = result.leave_one_out
    changed = leave["level"].fillna("") != leave["nominal_level"].fillna("")
    leave_table = pd.DataFrame(
        {
            "Đơn vị": leave["unit"],
            "Phần": leave["part"],
            "Nhóm bỏ ra": leave["group"],
            "Tên nhóm": leave["name"],
            "Mức chính thức": leave["nominal_level"],
            "Mức khi bỏ nhóm": leave["level"],
            "Đổi mức": np.where(changed, YES, ""),
            "Hạng chính thức": leave["nominal_rank"],
            "Hạng khi bỏ nhóm": leave["rank"],
        }
    )
    equivalence = result.concentrations
    equivalence_table = pd.DataFrame(
        {
            "Phần": equivalence["part"],
            "Số nhân tố": equivalence["factors"],
            "δ": _rounded(equivalence["delta"], 3),
            "Độ tập trung Dirichlet": _rounded(equivalence["concentration"], 0),
            "Hệ số biến thiên của trọng số (%)": _rounded(equivalence["variation"] * 100, 1),
        }
    )
    sheets = {
        SETTINGS_SHEET: settings_table(result),
        UNITS_SHEET: unit_table,
        OVERALL_SHEET: overall_table,
        CONVERGENCE_SHEET: convergence_table,
        RUNNING_SHEET: running_table,
        SOBOL_SHEET: sobol_table,
        OAT_SHEET: oat_table,
        EQUIVALENCE_SHEET: equivalence_table,
    }
    if s.leave_one_out:
        sheets[LEAVE_OUT_SHEET] = leave_table
    return sheets


CSV_NAMES = {
    UNITS_SHEET: "theo-don-vi",
    OVERALL_SHEET: "tong-the",
    CONVERGENCE_SHEET: "hoi-tu",
    RUNNING_SHEET: "uoc-luong-dan",
    SOBOL_SHEET: "sobol",
    OAT_SHEET: "mot-nhan-to",
    EQUIVALENCE_SHEET: "tuong-duong-delta",
    LEAVE_OUT_SHEET: "bo-tung-nhom",
}
"""File-name part of each table's CSV (the tables of options left off are not written)."""


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
        if title in sheets
    ]
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx", warnings))
    return written


def part_rows(table: pd.DataFrame, part: str) -> pd.DataFrame:
    """The rows of one part of a table with a ``part`` column."""
    return table[table["part"] == part]


def at_risk(study: Study, part: str) -> pd.DataFrame:
    """Units of a part that change level in more than 5 % of samples, beyond the Monte Carlo
    error (not near the cut-off), most at risk first."""
    rows = part_rows(study.units, part)
    return rows[(rows["p_keep"] < KEEP_LEVEL_SHARE) & ~rows["near_cutoff"]].sort_values("p_keep")


def near_cutoff(study: Study, part: str) -> pd.DataFrame:
    """Units of a part whose P(keep) is within two standard errors of the at-risk cut-off:
    on one side or the other depending on the seed; lowest first."""
    rows = part_rows(study.units, part)
    return rows[rows["near_cutoff"]].sort_values("p_keep")


def robustness_table(study: Study, titles: dict[str, str]) -> pd.DataFrame:
    """Per unit, for each part: the official level and the probability of keeping it (%),
    «sát ngưỡng» after it when it is within two standard errors of the cut-off."""
    n = study.settings.n
    columns: dict[str, pd.Series | list[str]] = {}
    for part in titles:
        rows = part_rows(study.units, part).set_index("unit")
        text = percent_texts(rows["p_keep"], n, keep=True)
        marks = np.where(rows["near_cutoff"], " (sát ngưỡng)", "")
        columns[f"Phần {part}: mức"] = rows["nominal_level"]
        columns[f"Phần {part}: xác suất giữ mức (%)"] = [
            t + m for t, m in zip(text, marks, strict=True)
        ]
    table = pd.DataFrame(columns)
    return table.rename_axis("Đơn vị").reset_index()
