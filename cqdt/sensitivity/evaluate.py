"""Batched evaluation: ranks and levels of every unit and part for many samples.

For every sample the result is what :func:`cqdt.scoring.aggregate` gives with its weights
(and, when they vary, its thresholds and its assessor points: see
:class:`~cqdt.sensitivity.sample.Inputs`), but a whole chunk of samples is worked out at a time
(matrix products over samples and units, counting instead of sorting, work arrays reused, two
threads), so memory stays bounded and N = 10,000 samples of 10,000 units take seconds. What is
kept of each chunk is up to the caller (:func:`evaluated_chunks`' ``consume``), in the
evaluating thread.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cqdt.criteria import CriteriaSet
from cqdt.numbers import round_half_up
from cqdt.sensitivity.sample import ASSESSED, Inputs, assessed_points

T = TypeVar("T")


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
    assessed: np.ndarray  # positions (within the part) of the criteria an assessor scores
    assessed_raw: np.ndarray  # their points as given (not rounded), criteria x units


def _published_points(values: np.ndarray, criteria: CriteriaSet) -> np.ndarray:
    """Criterion points as ``aggregate`` sums them: rounded as published under that policy."""
    rounding = criteria.rounding
    if rounding.rank_and_classify_on == "published":
        return np.asarray(round_half_up(values, rounding.points_decimals))
    return values


def _prepare(points: pd.DataFrame, criteria: CriteriaSet, parts: list[str] | None) -> list[_Part]:
    """The matrices of the parts (all, or those listed), with criterion points rounded as
    published once for all samples: a weight multiplies the rounded points, exactly as
    ``aggregate`` does per sample."""
    table = criteria.criteria_table()
    raw = points[table["criterion"]].to_numpy(dtype=float).T
    matrix = _published_points(raw, criteria)
    prepared = []
    for part in criteria.parts:
        if parts is not None and part.code not in parts:
            continue
        columns = np.flatnonzero(table["part"] == part.code)
        own = matrix[columns]
        partial = np.flatnonzero(np.isnan(own).any(axis=0))
        assessed = np.flatnonzero(table["method"].to_numpy()[columns] == ASSESSED)
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
                assessed,
                raw[columns[assessed]],
            )
        )
    return prepared


def _assessed_change(
    part: _Part, keys: np.ndarray, point_range: float, criteria: CriteriaSet
) -> np.ndarray:
    """Per sample of a chunk, how the assessor points of the part move the points summed:
    samples x assessed criteria x units (moved and rounded as published, minus as published)."""
    maxima = part.criterion_max[part.assessed]
    change = np.empty((len(keys), len(part.assessed), part.achieved.shape[1]))
    for s, key in enumerate(keys):
        moved = assessed_points(part.assessed_raw, maxima, point_range, key)
        change[s] = np.nan_to_num(_published_points(moved, criteria), nan=0.0)
    change -= part.achieved[part.assessed]
    return change


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
    part: _Part, multipliers: np.ndarray, out: np.ndarray, change: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rate of every unit for every sample (samples x units, in ``out``), NaN if nothing is
    required, and the mask of those NaN cells (``None`` when there is none, the usual case).

    The operations and their order are those of ``aggregate`` (in place, to spare memory
    bandwidth), so the published rounding sees the same numbers. A unit with every criterion
    applicable must reach the part maximum exactly (``max − 0``); the few others, whose
    required points depend on the weights, are worked out apart. ``change`` (samples x
    assessed criteria x units) adds what the moved assessor points of each sample add.
    """
    weight = multipliers[:, part.columns]
    weighted_max = part.criterion_max * weight
    total = weighted_max.sum(axis=1)[:, None]
    if not (total > 0).all():
        raise ValueError(f"Mọi hệ số trọng số của phần {part.code} bằng 0")
    rate = np.matmul(weight, part.achieved, out=out)
    if change is not None:
        rate += np.einsum("sc,scu->su", weight[:, part.assessed], change)
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


def _levels(rate: np.ndarray, min_rates: np.ndarray) -> np.ndarray:
    """Index of the level each rate reaches (0 = best), -1 for none; as ``scoring.classify``.

    ``min_rates`` are the thresholds of the levels, or one row of them per sample (row of
    ``rate``) when they vary.
    """
    level = np.full(rate.shape, -1, dtype=np.int8)
    for i in range(min_rates.shape[-1] - 1, -1, -1):
        threshold = min_rates[..., i] if min_rates.ndim == 1 else min_rates[:, i, None]
        np.copyto(level, i, where=rate >= threshold - 1e-12)
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

    A rank is one more than the number of keys of the row above the unit's own. With many
    units (more than keys), counting replaces sorting: one bincount over the chunk (each row in
    its own range of bins) and one cumulative sum give, for every bin, the number of units of
    its row with a key up to its own; the rank is one more than the row's total minus that.
    With few units, sorting the chunk's bins once is cheaper than counting every possible key:
    the units of row r then hold the sorted positions r·units … (r + 1)·units − 1.
    """
    rows, units = bins.shape
    if bins.size * SORT_FACTOR < rows * span:
        ordered = np.sort(bins, axis=None)
        above_or_equal = np.searchsorted(ordered, bins.ravel(), side="right").reshape(bins.shape)
        row_end = (np.arange(1, rows + 1) * units)[:, None]
        return np.subtract(row_end + 1, above_or_equal, out=out, casting="unsafe")
    below_or_equal = np.bincount(bins.ravel(), minlength=rows * span)
    below_or_equal.cumsum(out=below_or_equal)
    first_rank = below_or_equal[span - 1 :: span, None] + 1  # row total + 1
    if below_or_equal.size <= bins.size:
        per_bin = below_or_equal.reshape(rows, span)
        rank_of_bin = work.get("rank_of_bin", per_bin.shape, out.dtype.type)
        np.subtract(first_rank, per_bin, out=rank_of_bin, casting="unsafe")
        return np.take(rank_of_bin, bins, out=out)
    counted = np.take(below_or_equal, bins, out=work.get("counted", bins.shape, np.intp))
    return np.subtract(first_rank, counted, out=out, casting="unsafe")


SORT_FACTOR = 16
"""Sorting n keys costs about this many times n steps (log2 of a chunk's size); counting
costs one step per possible key: :func:`_ranks_by_count` takes the cheaper."""


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


@dataclass(frozen=True)
class PartChunk:
    """One part evaluated for a chunk of samples: what :func:`evaluated_chunks` hands over.

    ``rank`` and ``level`` (samples x units) are work arrays of the evaluating thread: valid
    during the ``consume`` call only. ``tracked`` holds the converted points (as published) of
    the units asked for, NaN where a unit has no rate.
    """

    part: str
    rows: slice
    rank: np.ndarray
    level: np.ndarray
    tracked: np.ndarray | None


def _converted(rate_published: np.ndarray, part: _Part, criteria: CriteriaSet) -> np.ndarray:
    """Converted points of published rates, as ``aggregate`` rounds them."""
    rounding = criteria.rounding
    return np.asarray(round_half_up(rate_published * part.max, rounding.points_decimals))


def _evaluate_part(
    part: _Part,
    chunk: Inputs,
    criteria: CriteriaSet,
    work: _Buffers,
    track: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(rank, level, tracked converted points) of every unit of one part for a chunk of
    samples, rank and level in work arrays.

    On the published rate, levels are looked up per key in a table built by :func:`_levels` on
    the published rates of the chunk's key values themselves (keys / 10^decimals / 100, as
    ``aggregate``), or, when thresholds vary, found per sample as the first key reaching each
    threshold; ranks are counted per key (:func:`_ranks_by_count`).
    """
    rounding = criteria.rounding
    shape = (len(chunk), part.achieved.shape[1])
    change = None
    if chunk.noise is not None and part.code in chunk.noise:
        change = _assessed_change(part, chunk.noise[part.code], chunk.point_range, criteria)
    rate, unrated = _rates(part, chunk.multipliers, work.get("rate", shape, np.float64), change)
    thresholds = part.min_rates
    if chunk.thresholds is not None and part.code in chunk.thresholds:
        thresholds = chunk.thresholds[part.code]
    rank = work.get("rank", shape, np.int32)
    if rounding.rank_and_classify_on != "published":
        tracked = None if track is None else rate[:, track] * part.max
        rank[...] = _ranks_by_sort(np.round(rate, 10))
        return rank, _levels(rate, thresholds), tracked
    decimals = rounding.rate_percent_decimals
    # keys of numpy's index type: bincount and take would convert any other (a copy each)
    keys = _published_keys(rate, decimals, unrated, work.get("keys", shape, np.intp))
    tracked = None
    if track is not None:
        steps = keys[:, track].astype(float)
        steps[steps < 0] = np.nan
        tracked = _converted(steps / 10.0**decimals / 100, part, criteria)
    known = keys if unrated is None else keys[~unrated]
    low, high = (int(known.min()), int(known.max())) if known.size else (0, 0)
    span = high - low + 2
    starts = np.arange(shape[0], dtype=np.intp) * span
    keys -= low - 1  # from 1 up, 0 for no key
    if unrated is not None:
        keys[unrated] = 0
    published = np.arange(low - 1, high + 1) / 10.0**decimals
    published /= 100
    level = work.get("level", shape, np.int8)
    if thresholds.ndim == 1:
        level_of_key = _levels(published, thresholds)
        level_of_key[0] = -1  # no key: no level
        np.take(level_of_key, keys, out=level)
    else:  # the first key reaching each threshold, sample by sample
        first = np.searchsorted(published, thresholds - 1e-12, side="left")
        first = np.maximum(first, 1)  # key 0 is no key: no level
        level.fill(-1)
        for i in range(first.shape[1] - 1, -1, -1):
            np.copyto(level, i, where=keys >= first[:, i, None])
    bins = keys
    bins += starts[:, None]
    _ranks_by_count(bins, span, rank, work)
    if unrated is not None:
        rank[unrated] = 0
    return rank, level, tracked


def chunk_size(unit_count: int) -> int:
    """Samples per chunk: work arrays of at most about 260,000 cells (2 MB), which stay in the
    CPU cache, and at most 1024 samples; larger chunks cost memory without being faster."""
    return int(np.clip(2**18 // max(unit_count, 1), 1, 1024))


WORKERS = min(2, os.cpu_count() or 1)
"""Threads evaluating chunks side by side (numpy releases the GIL in array operations)."""
PARALLEL_CELLS = 2**17
"""Fewer units x samples per chunk than this, and the caller's thread alone is faster: the
array operations are too short to make up for handing chunks over and taking turns at the
GIL (9 districts: 1024 x 9 cells per chunk)."""


def evaluated_chunks(
    points: pd.DataFrame,
    criteria: CriteriaSet,
    inputs: Inputs,
    consume: Callable[[PartChunk], T],
    parts: list[str] | None = None,
    track: dict[str, np.ndarray] | None = None,
) -> Iterator[tuple[slice, dict[str, T]]]:
    """(samples, {part: what ``consume`` made of it}) chunk by chunk, in order.

    ``consume`` is called in the evaluating thread with each part of each chunk
    (:class:`PartChunk`); what it returns is handed over. ``parts`` limits the evaluation to
    some parts; ``track`` ({part: unit positions}) asks for the converted points of some units.

    ``WORKERS`` threads evaluate the next chunks while the caller uses the current one, with
    at most ``WORKERS`` chunks ahead, so memory stays bounded; small chunks are evaluated in
    the caller's thread (``PARALLEL_CELLS``). BLAS is held to one thread meanwhile: its
    products here are small, and its threads waiting for work took whole cores from the
    array operations (3 to 10 times slower on a busy 2-core machine).
    """
    prepared = _prepare(points, criteria, parts)
    size = chunk_size(len(points))
    track = track or {}
    buffers = threading.local()

    def evaluate_chunk(rows: slice) -> tuple[slice, dict[str, T]]:
        work = buffers.__dict__.setdefault("work", _Buffers())
        chunk = inputs.rows(rows)
        made = {}
        for p in prepared:
            rank, level, tracked = _evaluate_part(p, chunk, criteria, work, track.get(p.code))
            made[p.code] = consume(PartChunk(p.code, rows, rank, level, tracked))
        return rows, made

    starts = range(0, len(inputs), size)
    slices = (slice(start, min(start + size, len(inputs))) for start in starts)
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


def evaluate(
    points: pd.DataFrame,
    criteria: CriteriaSet,
    multipliers: np.ndarray | Inputs,
) -> Evaluation:
    """Ranks and levels for a batch of samples: weight multipliers (rows, criteria order), or
    :class:`~cqdt.sensitivity.sample.Inputs` with thresholds and assessor points too.

    For every sample the result is what ``aggregate(points, criteria, multipliers[s])`` gives
    (with that sample's thresholds and moved points: :func:`cqdt.sensitivity.sample.moved_points`).
    """
    inputs = multipliers if isinstance(multipliers, Inputs) else Inputs(np.asarray(multipliers))
    weights = np.atleast_2d(np.asarray(inputs.multipliers, dtype=float))
    if (
        weights.shape[1] != len(criteria.criteria)
        or not (np.isfinite(weights) & (weights >= 0)).all()
    ):
        raise ValueError("Hệ số trọng số phải là số hữu hạn, không âm, mỗi tiêu chí một cột")
    inputs = Inputs(weights, inputs.thresholds, inputs.noise, inputs.point_range)
    shape = (len(weights), len(points))
    rank_type = _rank_type(len(points))
    store = {p.code: (np.empty(shape, rank_type), np.empty(shape, np.int8)) for p in criteria.parts}

    def keep(chunk: PartChunk) -> None:
        ranks, levels = store[chunk.part]
        ranks[chunk.rows], levels[chunk.rows] = chunk.rank, chunk.level

    for _ in evaluated_chunks(points, criteria, inputs, keep):
        pass
    levels = {p.code: [t.level for t in p.levels] for p in criteria.parts}
    rank = {code: ranks for code, (ranks, _) in store.items()}
    level = {code: levels_ for code, (_, levels_) in store.items()}
    return Evaluation(points.index, levels, rank, level)
