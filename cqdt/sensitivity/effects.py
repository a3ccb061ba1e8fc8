"""What each factor does, part by part: Sobol indices, one factor at a time, one group left out.

All three use the study's own model (:mod:`~cqdt.sensitivity.sample`): the same factors
(criteria or groups), the same scheme and, when they vary, the thresholds and assessor points.
A part's figures depend only on its own variables (every part keeps its maximum), so each part
is analysed alone, with its own variables, and only that part is evaluated.

Outputs of a part: the mean |rank shift| of its units, the number of its units whose level
changes, and for each unit at risk in it (the first :data:`TRACKED_UNITS`, most at risk first)
its converted points, the quantity whose crossing of a threshold changes the unit's level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cqdt.criteria import CriteriaSet
from cqdt.scoring import ScoreResult
from cqdt.sensitivity.evaluate import Evaluation, PartChunk, evaluated_chunks
from cqdt.sensitivity.sample import Inputs, extremes, inputs
from cqdt.sensitivity.settings import Settings, sobol_base
from cqdt.sensitivity.statistics import sample_figures

TRACKED_UNITS = 10
"""Units at risk per part whose converted points get their own Sobol indices."""
SOBOL_COLUMNS = ["part", "output", "unit", "group", "name", "S1", "S1_conf", "ST", "ST_conf"]
OAT_COLUMNS = [
    *["part", "variable", "kind", "group", "factor", "name", "end", "value"],
    *["mean_abs_shift", "max_abs_shift", "level_changes", "units_changed"],
]
LEAVE_OUT_COLUMNS = [
    *["unit", "part", "group", "name", "nominal_rank", "nominal_level", "rank", "level"],
]


def _outputs(
    result: ScoreResult,
    part: str,
    chosen: Inputs,
    nominal: Evaluation,
    k: int,
    track: np.ndarray | None = None,
    keep_levels: bool = False,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray | None]:
    """Per sample of ``chosen`` (one part evaluated): the sample figures, the converted points
    of the tracked units (samples x units) and, if asked, every unit's level."""
    nominal_rank = nominal.rank[part][0].astype(np.int32)
    nominal_level = nominal.level[part][0]

    def consume(chunk: PartChunk) -> tuple[dict, np.ndarray | None, np.ndarray | None]:
        figures = sample_figures(
            chunk.rank, chunk.level, nominal_rank, nominal_level, k, spearman=False
        )
        return figures, chunk.tracked, chunk.level.copy() if keep_levels else None

    track_of = None if track is None else {part: track}
    made = [
        parts[part]
        for _, parts in evaluated_chunks(
            result.points, result.criteria, chosen, consume, [part], track_of
        )
    ]
    figures = {key: np.concatenate([m[0][key] for m in made]) for key in made[0][0]}
    tracked = np.concatenate([m[1] for m in made]) if track is not None else None
    levels = np.concatenate([m[2] for m in made]) if keep_levels else None
    return figures, tracked, levels


def sobol_groups(variables: pd.DataFrame, criteria: CriteriaSet) -> pd.Series:
    """The group of each variable in the Sobol analysis: its criteria group, or the criterion
    itself in a part of one group (so a single-group part still shows what matters in it)."""
    groups = variables["group"].copy()
    for part in criteria.parts:
        if len(part.groups) == 1:
            own = (variables["part"] == part.code) & (variables["kind"] == "weight")
            groups[own] = variables.loc[own, "factor"]
    return groups


def sobol(
    result: ScoreResult,
    settings: Settings,
    variables: pd.DataFrame,
    nominal: Evaluation,
    tracked: dict[str, np.ndarray],
) -> pd.DataFrame:
    """First-order and total Sobol indices with 95 % intervals (SALib's design and estimators,
    :func:`indices`), per part and output, for each group of the part's variables
    (:func:`sobol_groups`); see the module docstring.
    """
    if settings.sobol_n == 0:
        return pd.DataFrame(columns=SOBOL_COLUMNS)
    # SALib (with scipy) takes about 0.5 s to load: only when indices are computed, so the
    # command line, which reads the settings' definition, and the official report start fast
    from SALib.sample import sobol as sobol_sample

    criteria = result.criteria
    variables = variables.assign(sobol_group=sobol_groups(variables, criteria))
    names = _group_names(criteria)
    frames = []
    for i, part in enumerate(criteria.parts):
        own = variables[variables["part"] == part.code].reset_index(drop=True)
        groups = list(pd.unique(own["sobol_group"]))
        if len(groups) < 2:
            continue
        problem = {
            "num_vars": len(own),
            "names": own["variable"].tolist(),
            "bounds": [[0.0, 1.0]] * len(own),
            "groups": own["sobol_group"].tolist(),
        }
        rng = np.random.default_rng([settings.seed, i])
        base = sobol_base(settings.sobol_n, len(result.points))
        x = sobol_sample.sample(problem, base, calc_second_order=False, seed=rng)
        track = tracked.get(part.code)
        figures, converted, _ = _outputs(
            result, part.code, inputs(criteria, settings, own, x), nominal, settings.top_k, track
        )
        outputs = {
            ("mean_abs_shift", None): figures["shift_sum"] / np.maximum(figures["units"], 1),
            ("level_changes", None): figures["level_changed"].astype(float),
        }
        if track is not None and converted is not None:
            for j, unit in enumerate(result.points.index[track]):
                outputs[("converted", unit)] = converted[:, j]
        # SALib seeds its bootstrap only with a seed that is not 0
        found = indices(np.column_stack(list(outputs.values())), len(groups), settings.seed + 1)
        for (output, unit), values in zip(outputs, found, strict=True):
            frames.append(
                pd.DataFrame(
                    {
                        "part": part.code,
                        "output": output,
                        "unit": unit,
                        "group": groups,
                        "name": [names.get(g, g) for g in groups],
                        **values,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SOBOL_COLUMNS)


def indices(
    y: np.ndarray, groups: int, seed: int, resamples: int = 100
) -> list[dict[str, np.ndarray]]:
    """Sobol indices of each output (column of ``y``, rows in the order of SALib's design) per
    group, with 95 % bootstrap intervals: exactly what SALib's ``sobol.analyze`` gives output by
    output (its estimators and its bootstrap, same seed), for all outputs at once.

    An output that never changes has no variance to share out: its indices are 0.
    """
    from SALib.analyze.sobol import first_order, total_order
    from scipy.stats import norm

    step = groups + 2
    n = len(y) // step
    resampled = np.random.default_rng(seed).integers(n, size=(n, resamples))
    z = norm.ppf(0.5 + 0.95 / 2)
    found = []
    for output in y.T:
        values = {key: np.zeros(groups) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        found.append(values)
        if np.ptp(output) == 0 or np.isnan(output).any():
            continue
        output = (output - output.mean()) / output.std()
        a, b = output[0::step], output[step - 1 :: step]
        a_r, b_r = a[resampled], b[resampled]
        varied = np.ptp(np.r_[a_r, b_r]) != 0
        var_r = np.var(np.r_[a_r, b_r], axis=0)
        for j in range(groups):
            ab = output[j + 1 :: step]
            ab_r = ab[resampled]
            values["S1"][j] = first_order(a, ab, b)
            values["ST"][j] = total_order(a, ab, b)
            if varied:  # SALib's first_order and total_order on the resamples, var once
                first = np.divide(
                    np.mean(b_r * (ab_r - a_r), axis=0),
                    var_r,
                    where=var_r > EPS,
                    out=np.zeros_like(var_r),
                )
                total = np.divide(
                    0.5 * np.mean((a_r - ab_r) ** 2, axis=0),
                    var_r,
                    where=var_r > EPS,
                    out=np.zeros_like(var_r),
                )
                values["S1_conf"][j] = z * first.std(ddof=1)
                values["ST_conf"][j] = z * total.std(ddof=1)
    return found


EPS = np.finfo(float).eps


def _group_names(criteria: CriteriaSet) -> dict[str, str]:
    """Names of groups and criteria by code, and of the other Sobol groups."""
    names = {g.code: g.name for p in criteria.parts for g in p.groups}
    names.update({c.code: c.name for c in criteria.criteria})
    names["điểm thẩm định"] = "Điểm do người thẩm định cho"
    for part in criteria.parts:
        for threshold in part.levels:
            names[f"ngưỡng {threshold.level}"] = f"Ngưỡng mức {threshold.level}"
    return names


def one_at_a_time(
    result: ScoreResult, settings: Settings, variables: pd.DataFrame, nominal: Evaluation
) -> pd.DataFrame:
    """Each weight (and threshold) variable alone at the low and the high end of its range
    (:func:`~cqdt.sensitivity.sample.extremes`): per part, mean and largest |rank shift|, units
    changing level, and their names."""
    rows, chosen = extremes(result.criteria, settings, variables)
    if rows.empty:
        return pd.DataFrame(columns=OAT_COLUMNS)
    frames = []
    for part in result.criteria.parts:
        at = np.flatnonzero(rows["part"] == part.code)
        if not len(at):
            continue
        figures, _, levels = _outputs(
            result, part.code, chosen.rows(at), nominal, settings.top_k, keep_levels=True
        )
        assert levels is not None
        changed = levels != nominal.level[part.code][0]
        own = rows.iloc[at].reset_index(drop=True)
        own["mean_abs_shift"] = figures["shift_sum"] / np.maximum(figures["units"], 1)
        own["max_abs_shift"] = figures["max_shift"]
        own["level_changes"] = figures["level_changed"]
        own["units_changed"] = [list(result.points.index[row]) for row in changed]
        frames.append(own)
    return pd.concat(frames, ignore_index=True)[OAT_COLUMNS]


def leave_one_out(result: ScoreResult, nominal: Evaluation) -> pd.DataFrame:
    """Each group of a part with two groups or more left out in turn (its criteria weigh 0, the
    part keeps its maximum): every unit's rank and level without it."""
    criteria = result.criteria
    group_of = criteria.criteria_table()["group"].to_numpy()
    frames = []
    for part in criteria.parts:
        if len(part.groups) < 2:
            continue
        multipliers = np.ones((len(part.groups), len(group_of)))
        for i, group in enumerate(part.groups):
            multipliers[i, group_of == group.code] = 0.0
        made = []

        def keep(chunk: PartChunk) -> tuple[np.ndarray, np.ndarray]:
            return chunk.rank.copy(), chunk.level.copy()

        for _, parts in evaluated_chunks(
            result.points, criteria, Inputs(multipliers), keep, [part.code]
        ):
            made.append(parts[part.code])
        ranks = np.concatenate([m[0] for m in made])
        levels = np.concatenate([m[1] for m in made])
        names = [t.level for t in part.levels]
        units = len(result.points)
        nominal_level = nominal.level[part.code][0]
        frames.append(
            pd.DataFrame(
                {
                    "unit": np.tile(result.points.index, len(part.groups)),
                    "part": part.code,
                    "group": np.repeat([g.code for g in part.groups], units),
                    "name": np.repeat([g.name for g in part.groups], units),
                    "nominal_rank": np.tile(nominal.rank[part.code][0], len(part.groups)),
                    "nominal_level": np.tile(
                        [names[i] if i >= 0 else None for i in nominal_level], len(part.groups)
                    ),
                    "rank": ranks.ravel(),
                    "level": [names[i] if i >= 0 else None for i in levels.ravel()],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=LEAVE_OUT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    for column in ("nominal_rank", "rank"):
        table[column] = table[column].where(table[column] > 0).astype("Int64")
    for column in ("nominal_level", "level"):
        table[column] = table[column].astype("string")
    return table
