"""Weight sensitivity: would the ranking and the levels hold with reasonably different weights?

This step comes after scoring and re-aggregates the points matrix (:attr:`ScoreResult.points`)
for many weight samples, exactly as :func:`cqdt.scoring.aggregate` would for each of them, but
a whole chunk of samples at a time (matrix products over samples and units, bounded memory).

- :class:`Settings`: how weights are sampled (scheme, factor level, N, δ, concentration, seed).
- :func:`sample_multipliers`: seeded weight multipliers per criterion, one row per sample.
- :func:`evaluate`: ranks and levels of every unit and part for every sample.
- :func:`analyse`: the whole study (statistics per unit and part, overall figures, convergence,
  Sobol indices per group with SALib, one-at-a-time ±δ per group) as one
  :class:`SensitivityResult`, which carries its settings so the run can be explained and redone.
- :func:`tables`, :func:`write_tables`: the result as Vietnamese tables (CSV, one XLSX).

Weights act as ``aggregate`` multipliers: a multiplier scales a criterion's points and maximum
together and every part keeps its declared maximum, so each sample is a full set of weights on
the official scale. Schemes: ``uniform`` draws independent multipliers u ~ U(1 − δ, 1 + δ) per
factor; ``dirichlet`` draws the factor shares of each part from a Dirichlet centred on the
official shares (concentration × official shares); ``simplex`` draws them uniformly over the
simplex (Dirichlet with all ones). A factor is a criterion or a group (``by``).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from threadpoolctl import threadpool_limits

from cqdt import __version__
from cqdt.criteria import LEVELS, CriteriaSet
from cqdt.files import write_csv, write_workbook
from cqdt.numbers import round_half_up
from cqdt.scoring import ScoreResult

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

KEEP_LEVEL_SHARE = 0.95
"""A unit whose level changes in more than 1 − this share of samples is "at risk"."""
CONVERGENCE_TOLERANCE = 0.02
"""Largest change of a probability between N/2 and N for N to count as enough."""
QUANTILES = (5, 50, 95)
"""Rank percentiles reported per unit."""
UNIT_BLOCK = 512
"""Units whose ranks are sorted together when computing percentiles."""

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


# --- factors and sampling ----------------------------------------------------------------


def factors(criteria: CriteriaSet, by: str) -> pd.DataFrame:
    """One row per factor: code, name, part, official share of its part, and whether it varies.

    A factor "carries" a weight only if its part has another factor: alone in its part, its
    share is always 1, because the part keeps its declared maximum.
    """
    table = criteria.criteria_table()
    names = {g.code: g.name for p in criteria.parts for g in p.groups}
    key = "group" if by == "group" else "criterion"
    rows = table.groupby(key, sort=False).agg(part=("part", "first"), max=("max", "sum"))
    rows["name"] = rows.index.map(names) if by == "group" else table.set_index(key)["name"]
    rows["share"] = rows["max"] / rows.groupby("part")["max"].transform("sum")
    rows["carries"] = rows.groupby("part")["max"].transform("size") > 1
    return rows.reset_index(names="factor")[["factor", "name", "part", "max", "share", "carries"]]


def check_fits(settings: Settings, criteria: CriteriaSet, unit_count: int) -> None:
    """Raise ``ValueError`` (Vietnamese) if the settings cannot apply to these criteria, units."""
    problems = []
    if not factors(criteria, settings.by)["carries"].any():
        what = "nhóm" if settings.by == "group" else "tiêu chí"
        problems.append(
            f"--by {settings.by}: không {what} nào mang được trọng số riêng, vì mỗi phần của bộ "
            f"tiêu chí {criteria.version} ({LEVELS[criteria.level]}) chỉ có một {what} "
            "(phần giữ nguyên điểm tối đa nên đổi trọng số không thay đổi gì)"
        )
    if settings.top_k > unit_count:
        problems.append(
            f"--top-k = {settings.top_k} lớn hơn số đơn vị được đánh giá ({unit_count})"
        )
    if problems:
        raise ValueError("; ".join(problems))


def _factor_draws(table: pd.DataFrame, settings: Settings, rng: np.random.Generator) -> np.ndarray:
    """Multipliers per factor (samples x factors) under the settings' scheme."""
    n = settings.n
    if settings.scheme == "uniform":
        return rng.uniform(1 - settings.delta, 1 + settings.delta, size=(n, len(table)))
    draws = np.ones((n, len(table)))
    for _, rows in table.groupby("part", sort=False):
        share = rows["share"].to_numpy()
        alpha = settings.concentration * share if settings.scheme == "dirichlet" else share * 0 + 1
        draws[:, rows.index] = rng.dirichlet(alpha, size=n) / share
    return draws


def sample_multipliers(criteria: CriteriaSet, settings: Settings) -> np.ndarray:
    """Seeded weight multipliers, one row per sample and one column per criterion (file order).

    Criteria of one factor share its multiplier. Under ``dirichlet`` and ``simplex`` the
    multipliers are sampled shares divided by the official shares, so a factor's weight in its
    part is exactly the sampled share.
    """
    table = factors(criteria, settings.by)
    draws = _factor_draws(table, settings, np.random.default_rng(settings.seed))
    key = "group" if settings.by == "group" else "criterion"
    column = {code: i for i, code in enumerate(table["factor"])}
    return draws[:, criteria.criteria_table()[key].map(column).to_numpy()]


# --- batched evaluation ------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """What one part's evaluation needs, prepared once from the points matrix."""

    code: str
    max: float
    levels: list[str]
    min_rates: np.ndarray
    columns: np.ndarray  # criterion positions of the part in criteria order
    criterion_max: np.ndarray
    achieved: np.ndarray  # criteria x units, points as aggregated (rounded if published), 0 if n/a
    partial: np.ndarray  # positions of the units with a criterion of the part not applicable
    excluded: np.ndarray  # criteria x those units, 1 where not applicable


def _prepare(points: pd.DataFrame, criteria: CriteriaSet) -> list[_Part]:
    """The parts' matrices, with criterion points rounded as published once for all samples:
    a weight multiplies the rounded points, exactly as ``aggregate`` does per sample."""
    table = criteria.criteria_table()
    values = points[table["criterion"]]
    rounding = criteria.rounding
    if rounding.rank_and_classify_on == "published":
        values = values.apply(lambda column: round_half_up(column, rounding.points_decimals))
    matrix = values.to_numpy(dtype=float).T
    prepared = []
    for part in criteria.parts:
        columns = np.flatnonzero(table["part"] == part.code)
        own = matrix[columns]
        partial = np.flatnonzero(np.isnan(own).any(axis=0))
        prepared.append(
            _Part(
                part.code,
                part.max,
                [t.level for t in part.levels],
                np.array([t.min_rate for t in part.levels]),
                columns,
                table["max"].to_numpy(dtype=float)[columns],
                np.nan_to_num(own, nan=0.0),
                partial,
                np.isnan(own[:, partial]).astype(float),
            )
        )
    return prepared


class _Buffers:
    """Work arrays of one thread, reused chunk after chunk: a fresh array of a chunk's size
    costs page faults and cache misses, about 3 times the operation done in place."""

    def __init__(self) -> None:
        self._flat: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, int], dtype: type[np.generic]) -> np.ndarray:
        """An uninitialised array of this shape, the same memory each time."""
        size = shape[0] * shape[1]
        flat = self._flat.get(name)
        if flat is None or flat.size < size:
            flat = self._flat[name] = np.empty(size, dtype)
        return flat[:size].reshape(shape)


def _rates(
    part: _Part, multipliers: np.ndarray, out: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rate of every unit for every sample (samples x units, in ``out``), NaN if nothing is
    required, and the mask of those NaN cells (``None`` when there is none, the usual case).

    The operations and their order are those of ``aggregate`` (in place, to spare memory
    bandwidth), so the published rounding sees the same numbers. A unit with every criterion
    applicable must reach the part maximum exactly (``max − 0``); the few others, whose
    required points depend on the weights, are worked out apart.
    """
    weight = multipliers[:, part.columns]
    weighted_max = part.criterion_max * weight
    total = weighted_max.sum(axis=1)[:, None]
    if not (total > 0).all():
        raise ValueError(f"Mọi hệ số trọng số của phần {part.code} bằng 0")
    rate = np.matmul(weight, part.achieved, out=out)
    rate *= part.max
    rate /= total
    if not part.partial.size:
        rate /= part.max
        return rate, None
    required = weighted_max @ part.excluded
    required *= part.max
    required /= total
    np.subtract(part.max, required, out=required)
    partial = rate[:, part.partial]
    rate /= part.max
    positive = required > 0
    np.divide(partial, required, out=partial, where=positive)
    partial[~positive] = np.nan
    rate[:, part.partial] = partial
    if positive.all():
        return rate, None
    unrated = np.zeros(rate.shape, dtype=bool)
    unrated[:, part.partial] = ~positive
    return rate, unrated


def _levels(rate: np.ndarray, part: _Part) -> np.ndarray:
    """Index of the level each rate reaches (0 = best), -1 for none; as ``scoring.classify``."""
    level = np.full(rate.shape, -1, dtype=np.int8)
    for i in range(len(part.min_rates) - 1, -1, -1):
        np.copyto(level, i, where=rate >= part.min_rates[i] - 1e-12)
    return level


def _published_keys(
    rate: np.ndarray, decimals: int, unrated: np.ndarray | None, out: np.ndarray
) -> np.ndarray:
    """The published rate in % as whole steps of 10^-decimals % (integers, in ``out``), -1
    where unrated.

    Equals ``half_up_steps(rate * 100, decimals)`` (rates are never negative) in 7 passes
    instead of 14, working in place on ``rate``: the same products and ``np.round(x, 6)``
    (which is x * 10^6, rint, / 10^6), then half up as ⌊(z + 5·10^5) / 10^6⌋ on the integer
    z = rint(x * 10^6): the same whole number, because both sides are exact at the half.
    """
    rate *= 100
    rate *= 10.0**decimals
    rate *= 1e6
    np.rint(rate, out=rate)
    rate += 5e5
    rate /= 1e6
    if unrated is not None:
        rate[unrated] = -1
    return np.floor(rate, out=out, casting="unsafe")


def _ranks_by_count(bins: np.ndarray, span: int, out: np.ndarray, work: _Buffers) -> np.ndarray:
    """Shared ranks (1, 2, 2, 4) per row, best = highest key, of keys given as bins: row r's
    keys in r·span + 1 … r·span + span − 1 (ascending), r·span for no key (its rank is
    meaningless, for the caller to blank). Written in ``out``.

    Counting keys replaces sorting: one bincount over the chunk (each row in its own range of
    bins) and one cumulative sum give, for every bin, the number of units of its row with a
    key up to its own; the rank is one more than the row's total minus that. Worked out per
    bin then looked up per unit when there are fewer bins than units (many units), else
    worked out per unit.
    """
    rows = bins.shape[0]
    below_or_equal = np.bincount(bins.ravel(), minlength=rows * span)
    below_or_equal.cumsum(out=below_or_equal)
    first_rank = below_or_equal[span - 1 :: span, None] + 1  # row total + 1
    if below_or_equal.size <= bins.size:
        per_bin = below_or_equal.reshape(rows, span)
        np.subtract(first_rank, per_bin, out=per_bin)
        return np.take(per_bin.astype(out.dtype), bins, out=out)
    counted = np.take(below_or_equal, bins, out=work.get("counted", bins.shape, np.intp))
    return np.subtract(first_rank, counted, out=out, casting="unsafe")


def _ranks_by_sort(values: np.ndarray) -> np.ndarray:
    """Shared ranks (best = highest) per row by sorting; 0 where the value is NaN."""
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    position = np.broadcast_to(np.arange(values.shape[1]), values.shape)
    starts = np.ones(values.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    rank = np.empty(values.shape, dtype=np.int64)
    np.put_along_axis(rank, order, first + 1, axis=1)
    return np.where(np.isnan(values), 0, rank)


def _evaluate_part(
    part: _Part,
    multipliers: np.ndarray,
    criteria: CriteriaSet,
    work: _Buffers,
    out: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """(rank, level) of every unit of one part for a chunk of samples, written in ``out``.

    On the published rate, levels are looked up per key in a table built by :func:`_levels` on
    the published rates of the chunk's key values themselves (keys / 10^decimals / 100, as
    ``aggregate``); ranks are counted per key (:func:`_ranks_by_count`).
    """
    rounding = criteria.rounding
    shape = (len(multipliers), part.achieved.shape[1])
    rate, unrated = _rates(part, multipliers, work.get("rate", shape, np.float64))
    rank, level = out
    if rounding.rank_and_classify_on != "published":
        rank[...], level[...] = _ranks_by_sort(np.round(rate, 10)), _levels(rate, part)
        return out
    decimals = rounding.rate_percent_decimals
    # keys of numpy's index type: bincount and take would convert any other (a copy each)
    keys = _published_keys(rate, decimals, unrated, work.get("keys", shape, np.intp))
    known = keys if unrated is None else keys[~unrated]
    low, high = (int(known.min()), int(known.max())) if known.size else (0, 0)
    span = high - low + 2
    starts = np.arange(shape[0], dtype=np.intp) * span
    keys -= low - 1  # from 1 up, 0 for no key
    if unrated is not None:
        keys[unrated] = 0
    published = np.arange(low - 1, high + 1) / 10.0**decimals
    published /= 100
    level_of_key = _levels(published, part)
    level_of_key[0] = -1  # no key: no level
    np.take(level_of_key, keys, out=level)
    bins = keys
    bins += starts[:, None]
    _ranks_by_count(bins, span, rank, work)
    if unrated is not None:
        rank[unrated] = 0
    return out


def chunk_size(unit_count: int) -> int:
    """Samples per chunk: work arrays of about 260,000 cells (2 MB), which stay in the CPU
    cache; larger chunks cost memory without being faster."""
    return int(np.clip(2**18 // max(unit_count, 10_001), 1, 1024))


WORKERS = min(2, os.cpu_count() or 1)
"""Threads evaluating chunks side by side (numpy releases the GIL in array operations)."""
PARALLEL_CELLS = 2**17
"""Fewer units x samples per chunk than this, and the caller's thread alone is faster: the
array operations are too short to make up for handing chunks over and taking turns at the
GIL (145 communes: 26 x 145 cells per chunk)."""


def _chunks(
    points: pd.DataFrame,
    criteria: CriteriaSet,
    multipliers: np.ndarray,
    store: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Iterator[tuple[slice, dict[str, tuple[np.ndarray, np.ndarray]]]]:
    """(samples, {part: (rank, level)}) chunk by chunk, in order.

    With ``store`` ({part: (rank, level)}, samples x units each), the threads write every
    chunk's ranks and levels straight into its rows, and the chunk's arrays are views of them;
    without, they are new arrays (ranks as int32).

    ``WORKERS`` threads evaluate the next chunks while the caller uses the current one, with
    at most ``WORKERS`` chunks ahead, so memory stays bounded; small chunks are evaluated in
    the caller's thread (``PARALLEL_CELLS``). BLAS is held to one thread meanwhile: its
    products here are small, and its threads waiting for work took whole cores from the
    array operations (3 to 10 times slower on a busy 2-core machine).
    """
    prepared = _prepare(points, criteria)
    size = chunk_size(len(points))

    buffers = threading.local()

    def evaluate_chunk(rows: slice) -> tuple[slice, dict[str, tuple[np.ndarray, np.ndarray]]]:
        work = buffers.__dict__.setdefault("work", _Buffers())
        shape = (rows.stop - rows.start, len(points))
        return rows, {
            p.code: _evaluate_part(
                p,
                multipliers[rows],
                criteria,
                work,
                (store[p.code][0][rows], store[p.code][1][rows])
                if store is not None
                else (np.empty(shape, np.int32), np.empty(shape, np.int8)),
            )
            for p in prepared
        }

    starts = range(0, len(multipliers), size)
    slices = (slice(start, min(start + size, len(multipliers))) for start in starts)
    if size * len(points) < PARALLEL_CELLS:
        with threadpool_limits(limits=1, user_api="blas"):
            yield from map(evaluate_chunk, slices)
        return
    with (
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(WORKERS) as pool,
    ):
        ahead = deque(pool.submit(evaluate_chunk, rows) for rows in islice(slices, WORKERS))
        for rows in slices:
            ahead.append(pool.submit(evaluate_chunk, rows))
            yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _rank_type(units: int) -> type[np.integer]:
    """The smallest integer type holding every rank: 2 bytes up to 65,534 units."""
    return np.uint16 if units < np.iinfo(np.uint16).max else np.int32


def _store(
    samples: int, units: int, criteria: CriteriaSet
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Room for the ranks and levels of every sample: {part: (rank, level)}, samples x units."""
    shape = (samples, units)
    return {
        p.code: (np.empty(shape, _rank_type(units)), np.empty(shape, np.int8))
        for p in criteria.parts
    }


@dataclass(frozen=True)
class Evaluation:
    """Ranks and levels of every sample: per part, arrays of samples x units.

    ``rank`` is the shared rank (0 where the unit has no rate: nothing required of it);
    ``level`` indexes ``levels[part]`` (0 = best), -1 where no level applies.
    """

    units: pd.Index
    levels: dict[str, list[str]]
    rank: dict[str, np.ndarray]
    level: dict[str, np.ndarray]


def evaluate(points: pd.DataFrame, criteria: CriteriaSet, multipliers: np.ndarray) -> Evaluation:
    """Ranks and levels for a batch of weight samples (rows of ``multipliers``, criteria order).

    For every sample the result is what ``aggregate(points, criteria, multipliers[s])`` gives.
    """
    multipliers = np.atleast_2d(np.asarray(multipliers, dtype=float))
    if (
        multipliers.shape[1] != len(criteria.criteria)
        or not (np.isfinite(multipliers) & (multipliers >= 0)).all()
    ):
        raise ValueError("Hệ số trọng số phải là số hữu hạn, không âm, mỗi tiêu chí một cột")
    store = _store(len(multipliers), len(points), criteria)
    for _ in _chunks(points, criteria, multipliers, store):
        pass
    levels = {p.code: [t.level for t in p.levels] for p in criteria.parts}
    rank = {code: ranks for code, (ranks, _) in store.items()}
    level = {code: levels_ for code, (_, levels_) in store.items()}
    return Evaluation(points.index, levels, rank, level)


# --- statistics --------------------------------------------------------------------------


def _per_sample(
    rank: np.ndarray, level: np.ndarray, nominal_rank: np.ndarray, nominal_level: np.ndarray, k: int
) -> dict[str, np.ndarray]:
    """Figures of each sample of one part, over the units that have a nominal rank.

    The correlation uses sums of products (exact in floating point for whole ranks), so no
    centred copy of the chunk is made.
    """
    ranked = nominal_rank > 0
    if not ranked.all():
        rank, level = rank[:, ranked], level[:, ranked]
        nominal_rank, nominal_level = nominal_rank[ranked], nominal_level[ranked]
    count = len(nominal_rank)
    sample = rank.astype(float)
    nominal = nominal_rank.astype(float)
    sample_sum = sample.sum(axis=1)
    covariance = sample @ nominal - sample_sum * nominal.sum() / count
    spread = np.einsum("ij,ij->i", sample, sample) - sample_sum**2 / count
    nominal_spread = nominal @ nominal - nominal.sum() ** 2 / count
    sample -= nominal
    np.abs(sample, out=sample)
    with np.errstate(invalid="ignore", divide="ignore"):
        spearman = covariance / np.sqrt(spread * nominal_spread)
    return {
        "units": np.full(len(rank), count),
        "shift_sum": sample.sum(axis=1),
        "moved": (sample > k).sum(axis=1),
        "level_changed": (level != nominal_level).sum(axis=1),
        "spearman": spearman,
    }


def _quantile_index(count: int, percent: int) -> int:
    """Position in sorted order of the smallest value at least ``percent`` % of values reach."""
    return max(-(-count * percent // 100) - 1, 0)


def _unit_statistics(
    ranks: np.ndarray, levels: np.ndarray, top_k: int, level_names: list[str]
) -> dict[str, np.ndarray]:
    """Per-unit statistics from ranks and levels stored samples x units.

    Percentiles come from each unit's sorted ranks, sorted a block of units at a time so the
    extra memory stays small.
    """
    count, units = ranks.shape
    positions = [_quantile_index(count, q) for q in QUANTILES]
    quantiles = np.empty((len(QUANTILES), units))
    for start in range(0, units, UNIT_BLOCK):
        block = np.ascontiguousarray(ranks[:, start : start + UNIT_BLOCK].T)
        block.sort(axis=1)
        quantiles[:, start : start + UNIT_BLOCK] = block[:, positions].T
    stats = {f"rank_p{q:02d}": quantiles[i] for i, q in enumerate(QUANTILES)}
    stats["p_top_k"] = ((ranks >= 1) & (ranks <= top_k)).mean(axis=0)
    for i, name in enumerate(level_names):
        stats[f"p_level_{name}"] = (levels == i).mean(axis=0)
    return stats


def _summaries(figures: dict[str, np.ndarray]) -> dict[str, float]:
    units = figures["units"]
    with np.errstate(invalid="ignore", divide="ignore"):
        spearman = figures["spearman"]
        defined = spearman[~np.isnan(spearman)]
        return {
            "spearman_median": float(np.median(defined)) if len(defined) else np.nan,
            "spearman_p05": float(np.percentile(defined, 5, method="inverted_cdf"))
            if len(defined)
            else np.nan,
            "mean_abs_shift": float((figures["shift_sum"] / units).mean()),
            "share_moved": float((figures["moved"] / units).mean()),
        }


@dataclass(frozen=True)
class SensitivityResult:
    """One sensitivity run: its settings, what it was computed from, and every table.

    - ``factors``: factor, name, part, official share, whether it carries a weight;
    - ``units``: per unit and part: nominal rank and level, median and 5 %/95 % rank,
      P(top k), P(keep nominal level), P(each level);
    - ``overall``: per part: Spearman with the nominal ranking (median, 5 %), mean absolute
      rank shift, share of units moving more than k places, units whose level changes in
      more than 5 % of samples;
    - ``convergence``: the same figures from the first N/2 samples, and the largest difference;
    - ``sobol``: first-order and total Sobol indices per group with 95 % intervals, for the
      mean absolute rank shift and the share of units changing level;
    - ``one_at_a_time``: each group's weight moved by −δ and +δ alone (tornado data);
    - ``per_sample``: the figures of every sample, per part (what the overall table summarises).
    """

    settings: Settings
    level: str
    year: int
    source: dict[str, str]
    factors: pd.DataFrame
    units: pd.DataFrame
    overall: pd.DataFrame
    convergence: pd.DataFrame
    sobol: pd.DataFrame
    one_at_a_time: pd.DataFrame
    per_sample: pd.DataFrame = field(repr=False)

    @property
    def converged(self) -> bool:
        """Whether each probability moved by at most :data:`CONVERGENCE_TOLERANCE` from N/2 to N."""
        rows = self.convergence[self.convergence["probability"]]
        return bool((rows["max_difference"] <= CONVERGENCE_TOLERANCE).all())


def _group_multipliers(criteria: CriteriaSet, groups: list[str], values: np.ndarray) -> np.ndarray:
    """Criterion multipliers (samples x criteria) from one multiplier per listed group."""
    group_of = criteria.criteria_table()["group"]
    multipliers = np.ones((len(values), len(group_of)))
    for i, group in enumerate(groups):
        multipliers[:, (group_of == group).to_numpy()] = values[:, [i]]
    return multipliers


def _scenario_outputs(
    points: pd.DataFrame,
    criteria: CriteriaSet,
    multipliers: np.ndarray,
    nominal: Evaluation,
    top_k: int,
) -> pd.DataFrame:
    """Per sample, over every part: mean |rank shift|, largest shift, level changes."""
    total = np.zeros((len(multipliers), 4))
    for rows, parts in _chunks(points, criteria, multipliers):
        for code, (rank, level) in parts.items():
            nominal_rank, nominal_level = nominal.rank[code][0], nominal.level[code][0]
            figures = _per_sample(rank, level, nominal_rank, nominal_level, top_k)
            ranked = nominal_rank > 0
            largest = np.abs(rank[:, ranked] - nominal_rank[ranked]).max(axis=1, initial=0)
            total[rows, 0] += figures["shift_sum"]
            total[rows, 1] += figures["units"]
            total[rows, 2] = np.maximum(total[rows, 2], largest)
            total[rows, 3] += figures["level_changed"]
    units = np.maximum(total[:, 1], 1)
    return pd.DataFrame(
        {
            "mean_abs_shift": total[:, 0] / units,
            "max_abs_shift": total[:, 2],
            "level_changes": total[:, 3],
            "share_level_changed": total[:, 3] / units,
        }
    )


def _sobol(
    points: pd.DataFrame, criteria: CriteriaSet, settings: Settings, nominal: Evaluation
) -> pd.DataFrame:
    """Sobol first-order and total indices per group (one independent multiplier each)."""
    groups = factors(criteria, "group")
    groups = groups[groups["carries"]]
    columns = ["group", "name", "output", "S1", "S1_conf", "ST", "ST_conf"]
    if settings.sobol_n == 0 or settings.delta == 0 or len(groups) < 2:
        return pd.DataFrame(columns=columns)
    problem = {
        "num_vars": len(groups),
        "names": groups["factor"].tolist(),
        "bounds": [[1 - settings.delta, 1 + settings.delta]] * len(groups),
    }
    x = sobol_sample.sample(problem, settings.sobol_n, calc_second_order=False, seed=settings.seed)
    outputs = _scenario_outputs(
        points,
        criteria,
        _group_multipliers(criteria, problem["names"], x),
        nominal,
        settings.top_k,
    )
    rows = []
    for output in ("mean_abs_shift", "share_level_changed"):
        y = outputs[output].to_numpy()
        if np.ptp(y) == 0:  # the weights never change this output: no variance to share out
            indices = dict.fromkeys(("S1", "S1_conf", "ST", "ST_conf"), np.zeros(len(groups)))
        else:
            indices = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=settings.seed)
        rows.append(
            pd.DataFrame(
                {
                    "group": groups["factor"].to_numpy(),
                    "name": groups["name"].to_numpy(),
                    "output": output,
                    **{key: np.asarray(indices[key], dtype=float) for key in columns[3:]},
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _one_at_a_time(
    points: pd.DataFrame, criteria: CriteriaSet, settings: Settings, nominal: Evaluation
) -> pd.DataFrame:
    """Each group's weight moved by −δ and +δ, the others kept: the data of a tornado chart."""
    groups = factors(criteria, "group")
    groups = groups[groups["carries"]].reset_index(drop=True)
    if groups.empty:
        return pd.DataFrame(
            columns=[
                "group",
                "name",
                "multiplier",
                "mean_abs_shift",
                "max_abs_shift",
                "level_changes",
            ]
        )
    values = np.ones((2 * len(groups), len(groups)))
    steps = np.tile([1 - settings.delta, 1 + settings.delta], len(groups))
    values[np.arange(len(values)), np.repeat(np.arange(len(groups)), 2)] = steps
    outputs = _scenario_outputs(
        points,
        criteria,
        _group_multipliers(criteria, groups["factor"].tolist(), values),
        nominal,
        settings.top_k,
    )
    frame = pd.DataFrame(
        {
            "group": np.repeat(groups["factor"].to_numpy(), 2),
            "name": np.repeat(groups["name"].to_numpy(), 2),
            "multiplier": steps,
        }
    )
    return pd.concat([frame, outputs.drop(columns="share_level_changed")], axis=1)


def _keep(nominal_level: np.ndarray, stats: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """P(keep nominal level) per unit; NaN for a unit without a nominal level."""
    chosen = np.choose(np.maximum(nominal_level, 0), [stats[f"p_level_{x}"] for x in names])
    return np.where(nominal_level >= 0, chosen, np.nan)


def _part_tables(
    code: str,
    units: pd.Index,
    names: list[str],
    nominal: tuple[np.ndarray, np.ndarray],
    stored: tuple[np.ndarray, np.ndarray],
    samples: dict[str, np.ndarray],
    top_k: int,
) -> tuple[pd.DataFrame, dict, list[dict]]:
    """Unit table, overall row and convergence rows of one part."""
    (nominal_rank, nominal_level), (ranks, levels) = nominal, stored
    n = ranks.shape[0]
    half = max(n // 2, 1)
    first = _unit_statistics(ranks[:half], levels[:half], top_k, names)
    full = _unit_statistics(ranks, levels, top_k, names)
    keep, keep_half = _keep(nominal_level, full, names), _keep(nominal_level, first, names)
    ranked = nominal_rank > 0
    quantiles = {
        f"rank_p{q:02d}": np.where(ranked, full[f"rank_p{q:02d}"], np.nan) for q in QUANTILES
    }
    table = pd.DataFrame(
        {
            "unit": units,
            "part": code,
            "nominal_rank": pd.array(np.where(ranked, nominal_rank, 0), dtype="Int64"),
            "nominal_level": pd.array(
                [names[i] if i >= 0 else pd.NA for i in nominal_level], dtype="string"
            ),
            "median_rank": quantiles["rank_p50"],
            "rank_p05": quantiles["rank_p05"],
            "rank_p95": quantiles["rank_p95"],
            "p_top_k": full["p_top_k"],
            "p_keep": keep,
            **{f"p_level_{x}": full[f"p_level_{x}"] for x in names},
        }
    )
    table.loc[~ranked, "nominal_rank"] = pd.NA

    summary = _summaries(samples)
    halves = _summaries({key: value[:half] for key, value in samples.items()})
    overall = {
        "part": code,
        "units": int(ranked.sum()),
        **summary,
        "units_level_unstable": int((keep < KEEP_LEVEL_SHARE).sum()),
    }
    convergence = [
        {
            "part": code,
            "statistic": key,
            "probability": key == "share_moved",
            "half": halves[key],
            "full": summary[key],
            "max_difference": abs(summary[key] - halves[key]),
        }
        for key in summary
    ]
    per_unit = {"p_keep": (keep_half, keep), "p_top_k": (first["p_top_k"], full["p_top_k"])}
    for q in QUANTILES:
        key = f"rank_p{q:02d}"
        per_unit[key] = (first[key][ranked], full[key][ranked])
    for key, (at_half, at_full) in per_unit.items():
        convergence.append(
            {
                "part": code,
                "statistic": key,
                "probability": key.startswith("p_"),
                "half": np.nan,
                "full": np.nan,
                "max_difference": float(np.nanmax(np.abs(at_half - at_full), initial=0)),
            }
        )
    return table, overall, convergence


def analyse(
    result: ScoreResult,
    settings: Settings,
    progress: Callable[[int], object] | None = None,
    multipliers: np.ndarray | None = None,
) -> SensitivityResult:
    """The whole sensitivity study of one scoring result (see :class:`SensitivityResult`).

    ``progress`` is called with the number of samples done after each chunk (a tqdm
    ``update``, say). ``multipliers`` (samples x criteria) replaces the sampled weights by
    scenarios chosen by hand; N is then their number. Ranks and levels of all samples are kept
    compactly (2 and 1 bytes per unit, part and sample) for exact percentiles; the work arrays
    stay bounded by the chunk size.
    """
    criteria, points = result.criteria, result.points
    check_fits(settings, criteria, len(points))
    if multipliers is None:
        multipliers = sample_multipliers(criteria, settings)
    else:
        multipliers = np.asarray(multipliers, dtype=float)
        settings = replace(settings, n=len(multipliers))
    n, units = settings.n, len(points)
    nominal = evaluate(points, criteria, np.ones((1, len(criteria.criteria))))
    store = _store(n, units, criteria)
    figures: dict[str, list[dict[str, np.ndarray]]] = {p.code: [] for p in criteria.parts}
    for rows, parts in _chunks(points, criteria, multipliers, store):
        for code, (rank, level) in parts.items():
            figures[code].append(
                _per_sample(
                    rank, level, nominal.rank[code][0], nominal.level[code][0], settings.top_k
                )
            )
        if progress is not None:
            progress(rows.stop - rows.start)

    unit_tables, overall, convergence, per_sample = [], [], [], []
    for part in criteria.parts:
        samples = {
            key: np.concatenate([f[key] for f in figures[part.code]])
            for key in figures[part.code][0]
        }
        table, row, rows = _part_tables(
            part.code,
            points.index,
            nominal.levels[part.code],
            (nominal.rank[part.code][0], nominal.level[part.code][0]),
            store.pop(part.code),  # freed part by part
            samples,
            settings.top_k,
        )
        unit_tables.append(table)
        overall.append(row)
        convergence += rows
        per_sample.append(pd.DataFrame({"sample": np.arange(n), "part": part.code, **samples}))

    evidence = result.evidence
    return SensitivityResult(
        settings=settings,
        level=result.level,
        year=result.year,
        source={
            "criteria_version": criteria.version,
            "criteria_status": criteria.status,
            "criteria_file": Path(criteria.source).name,
            "criteria_sha256": criteria.sha256,
            "survey_file": Path(evidence.source).name,
            "survey_sha256": evidence.sha256,
        },
        factors=factors(criteria, settings.by),
        units=pd.concat(unit_tables, ignore_index=True),
        overall=pd.DataFrame(overall),
        convergence=pd.DataFrame(convergence),
        sobol=_sobol(points, criteria, settings, nominal),
        one_at_a_time=_one_at_a_time(points, criteria, settings, nominal),
        per_sample=pd.concat(per_sample, ignore_index=True),
    )


# --- tables ------------------------------------------------------------------------------

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


def settings_table(result: SensitivityResult) -> pd.DataFrame:
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


def tables(result: SensitivityResult) -> dict[str, pd.DataFrame]:
    """Every table of a run with Vietnamese headers (probabilities in %), by sheet title."""
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


def write_tables(
    result: SensitivityResult, folder: Path, warnings: Sequence[str] = ()
) -> list[Path]:
    """Write the tables into ``folder``: one CSV each (UTF-8 with BOM), one XLSX with all.

    ``warnings`` (see :func:`cqdt.tables.output_warnings`) go into every file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"do-nhay-{result.level}-{result.year}"
    sheets = tables(result)
    written = [
        write_csv(sheets[title], folder / f"{stem}-{name}.csv", warnings)
        for title, name in CSV_NAMES.items()
    ]
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx", warnings))
    return written
