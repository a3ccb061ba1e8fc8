"""The report's sentences, generated from the study's numbers: units at risk and near the
cut-off with the levels they would move to, what the Sobol indices support, whether N was
enough. Every number in them is a cell of the study's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cqdt import sensitivity as sens
from cqdt.numbers import format_number
from cqdt.publishing.html import esc
from cqdt.sensitivity.settings import sobol_base

AT_RISK_NAMED = 10
"""Units at risk named one by one in a sentence; the rest are counted."""
NEGLIGIBLE = 0.05
"""A total Sobol index whose 95 % interval stays below this is called negligible."""
SIMPLEX_WARNING = (
    "Cách lấy mẫu simplex coi mọi cách chia điểm trong phần là có thể như nhau, xoay quanh tỷ "
    "trọng bằng nhau giữa các nhân tố chứ không quanh tỷ trọng chính thức: nó trả lời câu hỏi "
    "«nếu trọng số có thể là bất kỳ», không phải «nếu trọng số chính thức khác đi một chút». "
    "Mức «có nguy cơ» theo cách này không nói gì về độ vững của trọng số chính thức."
)
"""What ``simplex`` answers, said wherever it is used."""


def percent(value: float, n: int) -> str:
    """A probability in % to what N supports: ``97%``."""
    shown = sens.as_percent(np.array([value]), n)[0]
    return f"{format_number(shown, sens.percent_decimals(n))}%"


def level_names(study: sens.SensitivityResult) -> list[str]:
    return [c.removeprefix("p_level_") for c in study.units.columns if c.startswith("p_level_")]


def named(rows: pd.DataFrame, study: sens.SensitivityResult) -> str:
    """``Huyện Phú Vang (giữ mức I: 74%; xuống mức II: 26%), …``; beyond ten, counted."""
    names, n = level_names(study), study.settings.n
    named = [
        f"{esc(r['unit'])} ({esc(sens.level_chances(r, names, n))})"
        for _, r in rows.head(AT_RISK_NAMED).iterrows()
    ]
    if len(rows) > AT_RISK_NAMED:
        named.append(f"và {len(rows) - AT_RISK_NAMED} đơn vị khác")
    return "; ".join(named)


def _index(value: float, conf: float) -> str:
    """``0,70 ± 0,05``; an interval narrower than the last printed digit is said so, not
    «± 0,00»."""
    width = format_number(conf, 2, fixed=True) if conf >= 0.005 else "dưới 0,01"
    return f"{format_number(value, 2, fixed=True)} ± {width}"


def sobol_sentence(rows: pd.DataFrame, subject: str, base: int) -> str:
    """What the total indices of one output say about its groups, only as far as their 95 %
    intervals allow: the leading group if its interval is clear of the next one's, the
    groups whose interval stays under :data:`NEGLIGIBLE`; otherwise that it cannot be told."""
    if (rows[["ST", "ST_conf"]] == 0).all().all():
        return f"{subject} không đổi ở mọi mẫu: không có ảnh hưởng nào để chia."
    ordered = rows.sort_values("ST", ascending=False)
    top, second = ordered.iloc[0], ordered.iloc[1]
    if top["ST"] - top["ST_conf"] > second["ST"] + second["ST_conf"]:
        text = (
            f"{subject} phụ thuộc nhiều nhất vào {esc(top['group'])} ({esc(top['name'])}): "
            f"chỉ số Sobol toàn phần {_index(top['ST'], top['ST_conf'])}, khoảng tin cậy 95% "
            f"tách khỏi {esc(second['group'])} ({_index(second['ST'], second['ST_conf'])})"
        )
    else:
        text = (
            f"{subject}: chưa đủ chính xác để chỉ ra nhóm ảnh hưởng nhiều nhất, vì khoảng tin "
            f"cậy 95% của {esc(top['group'])} ({_index(top['ST'], top['ST_conf'])}) và "
            f"{esc(second['group'])} ({_index(second['ST'], second['ST_conf'])}) chồng lên nhau "
            f"với cỡ mẫu Sobol {format_number(base, 0)}"
        )
    small = rows[rows["ST"] + rows["ST_conf"] < NEGLIGIBLE]
    if len(small):
        listed = ", ".join(esc(g) for g in small["group"])
        # a share of variance, not a verdict: a factor with a small share can still carry a
        # unit sitting on a threshold across it (section V lists those)
        text += (
            f"; {listed} gây dưới {format_number(NEGLIGIBLE * 100, 0)}% phương sai của đầu ra "
            f"này (ST dưới {format_number(NEGLIGIBLE)}), nhưng vẫn có thể làm một đơn vị sát "
            "ngưỡng đổi mức (xem mục V)"
        )
    return text + "."


def sobol_sentences(study: sens.SensitivityResult, part: str, units: int) -> list[str]:
    """The Sobol sentences of one part: level changes, then each unit at risk's points."""
    rows = study.sobol[study.sobol["part"] == part]
    base = sobol_base(study.settings.sobol_n, units)
    sentences = []
    changes = rows[rows["output"] == "level_changes"]
    if len(changes):
        sentences.append(sobol_sentence(changes, "Số đơn vị đổi mức", base))
    own = rows[rows["output"] == "converted"]
    for unit, unit_rows in own.groupby("unit", sort=False):
        subject = f"Điểm quy đổi của {esc(unit)} (điểm quyết định mức của đơn vị)"
        sentences.append(sobol_sentence(unit_rows, subject, base))
    return sentences


def conclusion_sentences(study: sens.SensitivityResult, titles: dict[str, str]) -> list[str]:
    """The conclusion, one sentence per part, those Sobol indices support, and convergence."""
    sentences = []
    overall = study.overall.set_index("part")
    n, units = study.settings.n, study.units["unit"].nunique()
    if study.settings.scheme == "simplex":
        sentences.append(f"<strong>Lưu ý:</strong> {esc(SIMPLEX_WARNING)}")
    for part, title in titles.items():
        rows = sens.part_rows(study.units, part).dropna(subset=["p_keep"])
        risky, near = sens.at_risk(study, part), sens.near_cutoff(study, part)
        keep = int((rows["p_keep"] >= sens.KEEP_LEVEL_SHARE).sum())
        text = (
            f"Phần {esc(title)}: {keep}/{len(rows)} đơn vị giữ mức trong ít nhất "
            f"{percent(sens.KEEP_LEVEL_SHARE, n)} số mẫu"
        )
        if len(risky):
            text += f"; có nguy cơ đổi mức: {named(risky, study)}"
        if len(near):
            text += f"; sát ngưỡng (bên nào tùy hạt giống): {named(near, study)}"
        text += (
            f". Tương quan Spearman trung vị với xếp hạng chính thức "
            f"{format_number(overall['spearman_median'].loc[part], 3)}; trung bình mỗi đơn vị "
            f"dịch chuyển {format_number(overall['mean_abs_shift'].loc[part], 2)} bậc."
        )
        sentences.append(text)
        sentences += sobol_sentences(study, part, units)
    sentences.append(convergence_sentence(study))
    return sentences


def convergence_sentence(study: sens.SensitivityResult) -> str:
    """Whether N was enough: no claim below the minimum N; otherwise from the largest 95 %
    half-width of a probability (2 standard errors, binomial or batch means)."""
    n = study.settings.n
    if n < sens.MIN_STABLE_N:
        return (
            f"Với N = {format_number(n, 0)} mẫu (ít hơn {format_number(sens.MIN_STABLE_N, 0)}) "
            "không thể nói kết quả đã ổn định: hãy chạy lại với N lớn hơn."
        )
    rows = study.convergence[study.convergence["probability"]]
    widest = 2 * float(rows[["se", "batch_se"]].max(axis=1).max())
    width = format_number(widest * 100, 2)
    tolerance = format_number(sens.CONVERGENCE_TOLERANCE * 100)
    if study.converged:
        return (
            f"Với N = {format_number(n, 0)} mẫu, mọi xác suất có khoảng tin cậy 95% không rộng "
            f"quá ± {width} điểm % (giới hạn ± {tolerance} điểm %): kết quả đủ ổn định; chỉ các "
            "đơn vị «sát ngưỡng» có thể ở bên này hay bên kia ngưỡng tùy hạt giống."
        )
    return (
        f"Với N = {format_number(n, 0)} mẫu, có xác suất còn sai số ± {width} điểm % (quá giới "
        f"hạn ± {tolerance} điểm %): nên chạy lại với N lớn hơn."
    )
