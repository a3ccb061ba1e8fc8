"""How a sensitivity study samples weights: schemes, factor levels, bounds and defaults.

:class:`Settings` holds one study's choices, each checked with a Vietnamese error;
:func:`robustness_settings` is the documented run behind the official report's section
"Độ vững của kết quả".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

SCHEMES = {
    "uniform": "hệ số nhân độc lập u ~ U(1 − δ, 1 + δ) cho mỗi nhân tố",
    "dirichlet": "tỷ trọng theo phân phối Dirichlet quanh tỷ trọng chính thức",
    "simplex": "tỷ trọng đều trên đơn hình (Dirichlet toàn số 1)",
}
"""Weight sampling schemes and what they mean, in Vietnamese."""

FACTOR_LEVELS = {"criterion": "từng tiêu chí", "group": "từng nhóm tiêu chí"}
"""What one factor is: a criterion or a group."""

# The default run behind the official report's section "Độ vững của kết quả". N stays modest
# so the commune report stays fast; the `cqdt sensitivity` command defaults to a larger N.
ROBUSTNESS_SCHEME = "uniform"
ROBUSTNESS_BY = "criterion"
ROBUSTNESS_DELTA = 0.2
ROBUSTNESS_N = 1000
ROBUSTNESS_SEED = 1784

MAX_SAMPLES = 1_000_000
"""Largest N: the multipliers of every sample are drawn at once (N x criteria floats)."""

DELTA_RULE = "--delta (δ) phải lớn hơn 0 và nhỏ hơn 1"


@dataclass(frozen=True)
class Settings:
    """How a sensitivity run samples weights; every value is checked (Vietnamese errors).

    ``top_k`` is both the "top k" of P(top k) and the "more than k places" of the rank moves.
    ``sobol_n`` is SALib's base sample size (a power of 2; 0 skips the Sobol analysis).
    """

    scheme: Literal["uniform", "dirichlet", "simplex"] = "uniform"
    by: Literal["criterion", "group"] = "criterion"
    n: int = 10_000
    delta: float = 0.2
    concentration: float = 100.0
    seed: int = 1784
    top_k: int = 3
    sobol_n: int = 512

    def __post_init__(self) -> None:
        problems = []
        if self.scheme not in SCHEMES:
            problems.append(
                f"cách lấy mẫu «{self.scheme}» không có; chọn một trong: "
                + "; ".join(f"{k} ({v})" for k, v in SCHEMES.items())
            )
        if self.by not in FACTOR_LEVELS:
            problems.append(f"--by phải là criterion hoặc group, không phải «{self.by}»")
        if not _is_int(self.n) or not 1 <= self.n <= MAX_SAMPLES:
            problems.append(
                f"số mẫu N (--n) phải là số nguyên từ 1 đến {MAX_SAMPLES:,}".replace(",", ".")
                + f", không phải «{self.n}»"
            )
        if not (_is_number(self.delta) and 0 <= self.delta < 1):
            problems.append(f"{DELTA_RULE}, không phải «{self.delta}»")
        if not (_is_number(self.concentration) and self.concentration > 0):
            problems.append(
                "độ tập trung (--concentration) phải là số dương, "
                f"không phải «{self.concentration}»"
            )
        if not _is_int(self.seed) or self.seed < 0:
            problems.append(
                "hạt giống ngẫu nhiên (--seed) phải là số nguyên không âm, "
                f"không phải «{self.seed}»"
            )
        if not _is_int(self.top_k) or self.top_k < 1:
            problems.append(f"--top-k phải là số nguyên dương, không phải «{self.top_k}»")
        if not _is_int(self.sobol_n) or self.sobol_n < 0:
            problems.append(f"cỡ mẫu Sobol phải là số nguyên không âm, không phải «{self.sobol_n}»")
        if problems:
            raise ValueError("; ".join(problems))


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return _is_int(value) or (isinstance(value, float) and np.isfinite(value))


def robustness_settings() -> Settings:
    """The documented default run of the official report's robustness section."""
    return Settings(
        scheme=ROBUSTNESS_SCHEME,
        by=ROBUSTNESS_BY,
        n=ROBUSTNESS_N,
        delta=ROBUSTNESS_DELTA,
        seed=ROBUSTNESS_SEED,
        sobol_n=0,
    )
