"""What the Monte Carlo's samples say, and how precisely: per unit, per part, per sample.

:func:`summarise` reads each part of each evaluated chunk in the evaluating thread (counts
per unit and level, per block of samples, the figures of each sample, the ranks kept for
percentiles); :class:`Tally` adds the chunks up; :func:`part_statistics` turns a part's tally
into its unit table, overall row, convergence rows and running estimates.

Precision. The samples are independent, so a probability p estimated from N samples has the
Monte Carlo standard error √(p (1 − p) / N), at most 0.5 / √N. The samples are also cut into
:data:`BLOCKS` consecutive blocks: the running estimate after each block, the two independent
halves, and :data:`BATCHES` batches whose spread gives a second, model-free standard error
(batch means) of every figure, means and medians alike. No claim of stability is made below
:data:`~cqdt.sensitivity.settings.MIN_STABLE_N` samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from cqdt.sensitivity.evaluate import PartChunk
from cqdt.sensitivity.settings import (
    CONVERGENCE_TOLERANCE,
    KEEP_LEVEL_SHARE,
    MIN_STABLE_N,
    NEAR_CUTOFF_SE,
)

QUANTILES = (5, 50, 95)
"""Rank percentiles reported per unit."""
BLOCKS = 100
"""Consecutive blocks of samples counted apart (fewer if N is smaller)."""
BATCHES = 20
"""Batches of blocks for the batch-means standard error."""
RUNNING_UNITS = 3
"""Units per part whose running P(keep) is kept for the convergence chart: the nearest to the
at-risk cut-off in standard errors."""
UNIT_BLOCK = 512
"""Units whose ranks are sorted together for percentiles."""


def sample_figures(
    rank: np.ndarray,
    level: np.ndarray,
    nominal_rank: np.ndarray,
    nominal_level: np.ndarray,
    k: int,
    spearman: bool = True,
) -> dict[str, np.ndarray]:
    """Figures of each sample (row) of one part, over the units that have a nominal rank:
    units, sum and largest |rank shift|, units moving more than ``k`` places, units changing
    level and (if asked) the Spearman correlation with the nominal ranks.

    The correlation uses sums of products (exact in floating point for whole ranks), so no
    centred copy of the chunk is made.
    """
    ranked = nominal_rank > 0
    if not ranked.all():
        rank, level = rank[:, ranked], level[:, ranked]
        nominal_rank, nominal_level = nominal_rank[ranked], nominal_level[ranked]
    count = len(nominal_rank)
    shift = np.subtract(rank, nominal_rank, dtype=np.int32)
    np.abs(shift, out=shift)
    figures = {
        "units": np.full(len(rank), count),
        "shift_sum": shift.sum(axis=1, dtype=np.int64),
        "max_shift": shift.max(axis=1, initial=0),
        "moved": np.count_nonzero(shift > k, axis=1),
        "level_changed": np.count_nonzero(level != nominal_level, axis=1),
    }
    if spearman:
        sample = rank.astype(float)
        nominal = nominal_rank.astype(float)
        # sums of the sample's ranks and of their products with the nominal ones, one pass
        products = sample @ np.column_stack([nominal, np.ones(count)])
        covariance = products[:, 0] - products[:, 1] * nominal.sum() / count
        spread = np.einsum("ij,ij->i", sample, sample) - products[:, 1] ** 2 / count
        nominal_spread = nominal @ nominal - nominal.sum() ** 2 / count
        with np.errstate(invalid="ignore", divide="ignore"):
            figures["spearman"] = covariance / np.sqrt(spread * nominal_spread)
    return figures


def block_bounds(n: int) -> np.ndarray:
    """Where each block of samples starts, and N: min(:data:`BLOCKS`, N) blocks."""
    return np.linspace(0, n, min(BLOCKS, n) + 1).astype(int)


@dataclass
class Tally:
    """The counts of one part over the samples evaluated so far, and its kept ranks.

    ``ranks`` (units x samples, so each unit's ranks are contiguous for its percentiles) is
    written by the evaluating threads, each chunk its own columns.
    """

    nominal_rank: np.ndarray
    nominal_level: np.ndarray
    levels: list[str]
    top_k: int
    bounds: np.ndarray
    ranks: np.ndarray
    level_counts: np.ndarray
    top_counts: np.ndarray
    keep_blocks: np.ndarray
    samples: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def new(
        cls, nominal: tuple[np.ndarray, np.ndarray], levels: list[str], top_k: int, n: int
    ) -> Tally:
        nominal_rank, nominal_level = nominal
        units = len(nominal_rank)
        rank_type = np.uint16 if units < np.iinfo(np.uint16).max else np.int32
        bounds = block_bounds(n)
        return cls(
            nominal_rank.astype(np.int32),
            nominal_level,
            levels,
            top_k,
            bounds,
            np.empty((units, n), rank_type),
            np.zeros((len(levels), units), np.int64),
            np.zeros(units, np.int64),
            np.zeros((len(bounds) - 1, units), np.int64),
        )

    def add(self, rows: slice, summary: dict) -> None:
        """Add what :func:`summarise` made of a chunk."""
        self.level_counts += summary["level_counts"]
        self.top_counts += summary["top_counts"]
        self.keep_blocks[summary["blocks"]] += summary["keep_blocks"]
        for key, values in summary["figures"].items():
            self.samples.setdefault(key, np.empty(self.ranks.shape[1], values.dtype))[rows] = values


def summarise(chunk: PartChunk, tally: Tally) -> dict:
    """What the Monte Carlo keeps of one part of one chunk (run in the evaluating thread)."""
    rank, level = chunk.rank, chunk.level
    tally.ranks[:, chunk.rows] = rank.T
    # counted as bytes (a boolean sum widens every cell to 8 bytes first)
    counts = np.stack(
        [(level == i).view(np.int8).sum(axis=0, dtype=np.int32) for i in range(len(tally.levels))]
    )
    keep = level == tally.nominal_level
    top = ((rank >= 1) & (rank <= tally.top_k)).sum(axis=0)
    sample = np.arange(chunk.rows.start, chunk.rows.stop)
    block = np.searchsorted(tally.bounds, sample, side="right") - 1
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    return {
        "level_counts": counts,
        "top_counts": top,
        "blocks": block[starts],
        "keep_blocks": np.add.reduceat(keep, starts, axis=0, dtype=np.int64),
        "figures": sample_figures(
            rank, level, tally.nominal_rank, tally.nominal_level, tally.top_k
        ),
    }


def _quantile_index(count: int, percent: int) -> int:
    """Position in sorted order of the smallest value at least ``percent`` % of values reach."""
    return max(-(-count * percent // 100) - 1, 0)


def _rank_quantiles(ranks: np.ndarray) -> np.ndarray:
    """The :data:`QUANTILES` of each unit's ranks (rows), sorted a block of units at a time in
    place (the kept ranks are not needed afterwards; numpy sorts 16-bit ranks by radix)."""
    positions = [_quantile_index(ranks.shape[1], q) for q in QUANTILES]
    quantiles = np.empty((len(QUANTILES), len(ranks)))
    for start in range(0, len(ranks), UNIT_BLOCK):
        block = ranks[start : start + UNIT_BLOCK]
        block.sort(axis=1)
        quantiles[:, start : start + UNIT_BLOCK] = block[:, positions].T
    return quantiles


def summaries(figures: dict[str, np.ndarray]) -> dict[str, float]:
    """The overall figures of some samples: Spearman (median, 5 %), mean |rank shift| per
    unit, share of units moving more than k places."""
    units = np.maximum(figures["units"], 1)
    spearman = figures["spearman"]
    defined = spearman[~np.isnan(spearman)]
    return {
        "spearman_median": float(np.median(defined)) if len(defined) else np.nan,
        "spearman_p05": float(np.percentile(defined, 5, method="inverted_cdf"))
        if len(defined)
        else np.nan,
        "mean_abs_shift": float((figures["shift_sum"] / units).mean()) if len(units) else np.nan,
        "share_moved": float((figures["moved"] / units).mean()) if len(units) else np.nan,
    }


def _batch_se(values: np.ndarray) -> float:
    """Batch-means standard error of the mean of batch estimates (NaN without batches)."""
    values = values[~np.isnan(values)]
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan


def cutoff_se(n: int) -> float:
    """Monte Carlo standard error of a P(keep) of exactly the at-risk cut-off, from N samples."""
    return float(np.sqrt(KEEP_LEVEL_SHARE * (1 - KEEP_LEVEL_SHARE) / n))


def nearest_threshold(
    converted: np.ndarray, min_rates: np.ndarray, levels: list[str], part_max: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the level whose threshold is nearest its converted points, and the signed
    distance to it in points (+ above, − below); NaN without a rate."""
    varying = min_rates > 0
    at = min_rates[varying] * part_max
    names = np.array(levels, dtype=object)[varying]
    distance = converted[:, None] - at[None, :]
    nearest = np.argmin(np.where(np.isnan(distance), np.inf, np.abs(distance)), axis=1)
    signed = distance[np.arange(len(converted)), nearest]
    name = names[nearest]
    name[np.isnan(signed)] = None
    return name, signed


@dataclass(frozen=True)
class PartStatistics:
    """One part's tables: units, overall row, convergence rows, running estimates."""

    units: pd.DataFrame
    overall: dict
    convergence: list[dict]
    running: pd.DataFrame
    per_sample: pd.DataFrame


def part_statistics(
    code: str,
    units: pd.Index,
    tally: Tally,
    converted: np.ndarray,
    min_rates: np.ndarray,
    part_max: float,
) -> PartStatistics:
    """Everything one part's tally says (see :class:`PartStatistics`)."""
    n = tally.ranks.shape[1]
    names, nominal_level = tally.levels, tally.nominal_level
    ranked = tally.nominal_rank > 0
    has_level = nominal_level >= 0
    p_level = tally.level_counts / n
    keep = np.where(has_level, p_level[np.maximum(nominal_level, 0), np.arange(len(units))], np.nan)
    keep_se = np.sqrt(keep * (1 - keep) / n)
    near = np.abs(keep - KEEP_LEVEL_SHARE) <= NEAR_CUTOFF_SE * cutoff_se(n)
    quantiles = np.full((len(QUANTILES), len(units)), np.nan)
    # sorted in place; a copy of the units with a rank only when some have none (rare)
    quantiles[:, ranked] = _rank_quantiles(tally.ranks if ranked.all() else tally.ranks[ranked])
    threshold_level, distance = nearest_threshold(converted, min_rates, names, part_max)
    table = pd.DataFrame(
        {
            "unit": units,
            "part": code,
            "nominal_rank": pd.array(np.where(ranked, tally.nominal_rank, 0), dtype="Int64"),
            "nominal_level": pd.array(
                [names[i] if i >= 0 else pd.NA for i in nominal_level], dtype="string"
            ),
            "converted": converted,
            "nearest_threshold": pd.array(threshold_level, dtype="string"),
            "threshold_distance": distance,
            **{f"rank_p{q:02d}": quantiles[i] for i, q in enumerate(QUANTILES)},
            "p_top_k": tally.top_counts / n,
            "p_keep": keep,
            "p_keep_se": keep_se,
            "near_cutoff": near & has_level,
            **{f"p_level_{x}": p_level[i] for i, x in enumerate(names)},
        }
    )
    table = table.rename(columns={"rank_p50": "median_rank"})
    table.loc[~ranked, "nominal_rank"] = pd.NA

    figures = tally.samples
    summary = summaries(figures)
    bounds, blocks = tally.bounds, len(tally.bounds) - 1
    split, edges = blocks // 2, _batch_edges(blocks)
    overall = {
        "part": code,
        "units": int(ranked.sum()),
        **summary,
        "units_at_risk": int(((keep < KEEP_LEVEL_SHARE) & ~near).sum()),
        "units_near_cutoff": int((near & has_level).sum()),
    }
    convergence = []
    for key, value in summary.items():

        def over(rows: slice, key: str = key) -> float:
            return summaries({name: values[rows] for name, values in figures.items()})[key]

        first, second = over(slice(0, bounds[split])), over(slice(bounds[split], n))
        per_batch = [over(slice(bounds[a], bounds[b])) for a, b in pairwise(edges)]
        row = _convergence_row(code, key, key == "share_moved", first, second, per_batch)
        convergence.append({**row, "value": value})

    sizes = np.diff(bounds)

    def keep_share(a: int, b: int) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return tally.keep_blocks[a:b].sum(axis=0) / sizes[a:b].sum()

    keep_batches = np.array([keep_share(a, b)[has_level] for a, b in pairwise(edges)])
    batches = len(edges) - 1
    batch_se = keep_batches.std(ddof=1, axis=0) / np.sqrt(batches) if batches > 1 else None
    difference = np.abs(keep_share(0, split) - keep_share(split, blocks))[has_level]
    convergence.append(
        {
            **_convergence_row(code, "p_keep", True, np.nan, np.nan, []),
            "half_difference": float(np.nanmax(difference, initial=0)) if split else np.nan,
            "se": float(np.nanmax(keep_se, initial=0)),
            "batch_se": np.nan if batch_se is None else float(np.max(batch_se, initial=0)),
        }
    )
    top = tally.top_counts / n
    convergence.append(
        {
            **_convergence_row(code, "p_top_k", True, np.nan, np.nan, []),
            "se": float(np.max(np.sqrt(top * (1 - top) / n), initial=0)),
        }
    )
    running = _running(code, units, tally.keep_blocks, bounds, keep, nominal_level)
    per_sample = pd.DataFrame({"sample": np.arange(n), "part": code, **figures})
    return PartStatistics(table, overall, convergence, running, per_sample)


def _batch_edges(blocks: int) -> np.ndarray:
    """Block indices where each of :data:`BATCHES` batches starts, and the block count; no
    batches (a single edge) below :data:`BATCHES` blocks."""
    if blocks < BATCHES:
        return np.zeros(1, dtype=int)
    return np.linspace(0, blocks, BATCHES + 1).astype(int)


def _convergence_row(
    code: str,
    key: str,
    probability: bool,
    first: float,
    second: float,
    per_batch: list[float],
) -> dict:
    """A row of the convergence table: the two independent halves and the batch-means
    standard error (the binomial one, ``se``, is filled for per-unit probabilities)."""
    return {
        "part": code,
        "statistic": key,
        "probability": probability,
        "value": np.nan,
        "first_half": first,
        "second_half": second,
        "half_difference": abs(first - second),
        "se": np.nan,
        "batch_se": _batch_se(np.array(per_batch, dtype=float)),
    }


def _running(
    code: str,
    units: pd.Index,
    keep_blocks: np.ndarray,
    bounds: np.ndarray,
    keep: np.ndarray,
    nominal_level: np.ndarray,
) -> pd.DataFrame:
    """Running P(keep) after each block, with its standard error, of the
    :data:`RUNNING_UNITS` units nearest the at-risk cut-off (in standard errors)."""
    n = bounds[-1]
    gap = np.abs(keep - KEEP_LEVEL_SHARE) / cutoff_se(n)
    varying = (nominal_level >= 0) & (keep < 1)
    chosen = np.argsort(np.where(varying, gap, np.inf), kind="stable")[:RUNNING_UNITS]
    chosen = chosen[varying[chosen]]
    samples = bounds[1:]
    frames = []
    for unit in chosen:
        p = np.cumsum(keep_blocks[:, unit]) / samples
        frames.append(
            pd.DataFrame(
                {
                    "part": code,
                    "unit": units[unit],
                    "samples": samples,
                    "p_keep": p,
                    "se": np.sqrt(p * (1 - p) / samples),
                }
            )
        )
    if frames:
        return pd.concat(frames, ignore_index=True)
    # no unit of the part ever changes level (say, one group studied by group): an empty table
    # with the columns' own types, so joining it to the other parts' keeps them numeric
    return pd.DataFrame(
        {
            "part": pd.Series(dtype=object),
            "unit": pd.Series(dtype=object),
            "samples": pd.Series(dtype=np.int64),
            "p_keep": pd.Series(dtype=float),
            "se": pd.Series(dtype=float),
        }
    )


def stable(convergence: pd.DataFrame, n: int) -> bool:
    """Whether a study may be called stable: N ≥ MIN_STABLE_N and every probability's 95 %
    interval within ± CONVERGENCE_TOLERANCE (2 standard errors, binomial or batch means)."""
    if n < MIN_STABLE_N:
        return False
    rows = convergence[convergence["probability"]]
    se = rows[["se", "batch_se"]].max(axis=1)
    return bool((2 * se <= CONVERGENCE_TOLERANCE).all())
