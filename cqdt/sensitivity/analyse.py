"""The study of one scoring result: Monte Carlo, Sobol, one at a time, one group left out.

:func:`analyse` evaluates the sampled inputs (:mod:`~cqdt.sensitivity.sample`,
:mod:`~cqdt.sensitivity.evaluate`), sums them up (:mod:`~cqdt.sensitivity.statistics`), works
out what each factor does (:mod:`~cqdt.sensitivity.effects`) and returns one
:class:`SensitivityResult`, which carries its settings so the run can be explained and redone.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import Part
from cqdt.scoring import ScoreResult
from cqdt.sensitivity import effects
from cqdt.sensitivity.evaluate import WORKERS, evaluate, evaluated_chunks
from cqdt.sensitivity.sample import (
    Inputs,
    check_fits,
    concentrations,
    factors,
    sample_inputs,
    variables,
)
from cqdt.sensitivity.settings import KEEP_LEVEL_SHARE, Settings
from cqdt.sensitivity.statistics import (
    PartStatistics,
    Tally,
    part_statistics,
    stable,
    summarise,
)
from cqdt.sensitivity.tables import tables as vietnamese_tables


@dataclass(frozen=True)
class SensitivityResult:
    """One sensitivity run: its settings, what it was computed from, and every figure.

    - ``factors``: factor, name, part, group, official share, whether it carries a weight;
      ``variables``: every independent variable of the study (weights, thresholds, assessor
      points); ``concentrations``: per part, the Dirichlet concentration and the δ that vary
      weights as much (one given, the other its equivalent);
    - ``units``: per unit and part: nominal rank, level, converted points and the nearest
      level threshold (signed distance in points), median and 5 %/95 % rank, P(top k),
      P(keep nominal level) with its Monte Carlo standard error and whether it is within
      two standard errors of the at-risk cut-off (``near_cutoff``), P(each level);
    - ``overall``: per part: Spearman with the nominal ranking (median, 5 %), mean absolute
      rank shift, share of units moving more than k places, units whose level changes in more
      than 5 % of samples, units near the cut-off;
    - ``convergence``: per part and figure: the two independent halves, the binomial and
      batch-means standard errors; ``running``: P(keep) after each block of samples of the
      units nearest the cut-off;
    - ``sobol``: first-order and total indices with 95 % intervals, per part, output (mean
      |rank shift|, level changes, converted points of each tracked unit at risk) and group;
    - ``one_at_a_time``: each variable alone at the ends of its range, per part;
    - ``leave_one_out``: rank and level of each unit without each group (if asked);
    - ``per_sample``: the figures of every sample, per part (what the overall table summarises).
    """

    settings: Settings
    level: str
    year: int
    source: dict[str, str]
    factors: pd.DataFrame
    variables: pd.DataFrame
    concentrations: pd.DataFrame
    units: pd.DataFrame
    overall: pd.DataFrame
    convergence: pd.DataFrame
    running: pd.DataFrame
    sobol: pd.DataFrame
    one_at_a_time: pd.DataFrame
    leave_one_out: pd.DataFrame
    per_sample: pd.DataFrame = field(repr=False)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table with Vietnamese headers, by sheet title (see
        :func:`~cqdt.sensitivity.tables.tables`): built on first use, then shared by every
        section and file that shows them."""
        return vietnamese_tables(self)

    @property
    def converged(self) -> bool:
        """Whether the run may be called stable (:func:`~cqdt.sensitivity.statistics.stable`)."""
        return stable(self.convergence, self.settings.n)


def _tracked(units: pd.DataFrame, index: pd.Index) -> dict[str, np.ndarray]:
    """Per part, the positions of the units at risk (or near the cut-off), most at risk first,
    at most :data:`~cqdt.sensitivity.effects.TRACKED_UNITS`."""
    risky = units[(units["p_keep"] < KEEP_LEVEL_SHARE) | units["near_cutoff"]]
    risky = risky.sort_values(["part", "p_keep"], kind="stable")
    return {
        str(part): index.get_indexer(pd.Index(rows["unit"].head(effects.TRACKED_UNITS)))
        for part, rows in risky.groupby("part", sort=False)
    }


def analyse(
    result: ScoreResult,
    settings: Settings,
    progress: Callable[[int], object] | None = None,
    multipliers: np.ndarray | None = None,
) -> SensitivityResult:
    """The whole sensitivity study of one scoring result (see :class:`SensitivityResult`).

    ``progress`` is called with the number of samples done after each chunk (a tqdm
    ``update``, say). ``multipliers`` (samples x criteria) replaces the sampled weights by
    scenarios chosen by hand; N is then their number. Ranks of all samples are kept compactly
    (2 bytes per unit, part and sample) for exact percentiles; everything else is counted as
    the chunks come, so the work arrays stay bounded by the chunk size.
    """
    criteria, points = result.criteria, result.points
    check_fits(settings, criteria, len(points))
    table = variables(criteria, settings)
    if multipliers is None:
        sampled = sample_inputs(criteria, settings)
    else:
        sampled = Inputs(np.asarray(multipliers, dtype=float))
        settings = replace(settings, n=len(sampled))
    nominal = evaluate(points, criteria, np.ones((1, len(criteria.criteria))))
    tallies = {
        p.code: Tally.new(
            (nominal.rank[p.code][0], nominal.level[p.code][0]),
            nominal.levels[p.code],
            settings.top_k,
            settings.n,
        )
        for p in criteria.parts
    }
    chunks = evaluated_chunks(
        points, criteria, sampled, lambda chunk: summarise(chunk, tallies[chunk.part])
    )
    for rows, parts in chunks:
        for code, summary in parts.items():
            tallies[code].add(rows, summary)
        if progress is not None:
            progress(rows.stop - rows.start)

    part_scores = result.parts

    def part_tables(part: Part) -> PartStatistics:
        converted = part_scores[part_scores["part"] == part.code].set_index("unit")[
            "converted_published"
        ]
        return part_statistics(
            part.code,
            points.index,
            tallies.pop(part.code),  # ranks freed part by part
            converted.reindex(points.index).to_numpy(dtype=float),
            np.array([t.min_rate for t in part.levels]),
            part.max,
        )

    # sorting each part's ranks for percentiles takes most of the time: parts side by side
    with ThreadPoolExecutor(WORKERS) as pool:
        statistics = list(pool.map(part_tables, criteria.parts))
    units = pd.concat([s.units for s in statistics], ignore_index=True)
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
        variables=table,
        concentrations=concentrations(criteria, settings),
        units=units,
        overall=pd.DataFrame([s.overall for s in statistics]),
        convergence=pd.DataFrame([row for s in statistics for row in s.convergence]),
        running=pd.concat(
            [s.running for s in statistics if len(s.running)] or [statistics[0].running],
            ignore_index=True,
        ),
        sobol=effects.sobol(result, settings, table, nominal, _tracked(units, points.index)),
        one_at_a_time=effects.one_at_a_time(result, settings, table, nominal),
        leave_one_out=effects.leave_one_out(result, nominal)
        if settings.leave_one_out
        else pd.DataFrame(columns=effects.LEAVE_OUT_COLUMNS),
        per_sample=pd.concat([s.per_sample for s in statistics], ignore_index=True),
    )
