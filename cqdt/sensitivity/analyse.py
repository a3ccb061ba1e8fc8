"""The study of one scoring result: statistics per unit and part, Sobol, one-at-a-time.

:func:`analyse` evaluates the sampled weights (:mod:`~cqdt.sensitivity.evaluate`) and sums
them up as one :class:`SensitivityResult`, which carries its settings so the run can be
explained and redone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import CriteriaSet
from cqdt.scoring import ScoreResult
from cqdt.sensitivity.evaluate import Evaluation, evaluate, evaluated_chunks, new_store
from cqdt.sensitivity.sample import check_fits, factors, group_multipliers, sample_multipliers
from cqdt.sensitivity.settings import CONVERGENCE_TOLERANCE, KEEP_LEVEL_SHARE, Settings
from cqdt.sensitivity.tables import tables as vietnamese_tables

QUANTILES = (5, 50, 95)
"""Rank percentiles reported per unit."""
UNIT_BLOCK = 512
"""Units whose ranks are sorted together when computing percentiles."""


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
    """One sensitivity run: its settings, what it was computed from, and every figure.

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

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table with Vietnamese headers, by sheet title (see
        :func:`~cqdt.sensitivity.tables.tables`): built on first use, then shared by every
        section and file that shows them."""
        return vietnamese_tables(self)

    @property
    def converged(self) -> bool:
        """Whether each probability moved by at most :data:`CONVERGENCE_TOLERANCE` from N/2 to N."""
        rows = self.convergence[self.convergence["probability"]]
        return bool((rows["max_difference"] <= CONVERGENCE_TOLERANCE).all())


def _scenario_outputs(
    points: pd.DataFrame,
    criteria: CriteriaSet,
    multipliers: np.ndarray,
    nominal: Evaluation,
    top_k: int,
) -> pd.DataFrame:
    """Per sample, over every part: mean |rank shift|, largest shift, level changes."""
    total = np.zeros((len(multipliers), 4))
    for rows, parts in evaluated_chunks(points, criteria, multipliers):
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
    # SALib (with scipy) takes about 0.5 s to load: only when indices are computed, so the
    # command line, which reads the settings' definition, and the official report start fast
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    names = groups["factor"].tolist()
    problem = {
        "num_vars": len(groups),
        "names": names,
        "bounds": [[1 - settings.delta, 1 + settings.delta]] * len(groups),
    }
    x = sobol_sample.sample(problem, settings.sobol_n, calc_second_order=False, seed=settings.seed)
    outputs = _scenario_outputs(
        points,
        criteria,
        group_multipliers(criteria, names, x),
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
        group_multipliers(criteria, groups["factor"].tolist(), values),
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
    store = new_store(n, units, criteria)
    figures: dict[str, list[dict[str, np.ndarray]]] = {p.code: [] for p in criteria.parts}
    for rows, parts in evaluated_chunks(points, criteria, multipliers, store):
        for code, (rank, level) in parts.items():
            figures[code].append(
                _per_sample(
                    rank, level, nominal.rank[code][0], nominal.level[code][0], settings.top_k
                )
            )
        if progress is not None:
            progress(rows.stop - rows.start)

    unit_tables: list[pd.DataFrame] = []
    overall: list[dict] = []
    convergence: list[dict] = []
    per_sample: list[pd.DataFrame] = []
    for part in criteria.parts:
        samples = {
            key: np.concatenate([f[key] for f in figures[part.code]])
            for key in figures[part.code][0]
        }
        table, row, convergence_rows = _part_tables(
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
        convergence += convergence_rows
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
