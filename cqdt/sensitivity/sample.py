"""What varies in a study, as independent variables: one model for every analysis of a study.

A factor is a criterion or a group (``Settings.by``). Weights act as ``aggregate``
multipliers: a multiplier scales a criterion's points and maximum together and every part
keeps its declared maximum, so each sample is a full set of weights on the official scale.

Each sample is a point X of the unit cube, one coordinate per variable (:func:`variables`),
which :func:`inputs` turns into what the evaluation takes:

- a factor's weight under ``uniform``: the multiplier u = 1 − δ + 2δX, so u ~ U(1 − δ, 1 + δ);
- under ``dirichlet`` and ``simplex``: g = the X-quantile of Gamma(α, 1); the shares g / Σ g of
  a part's factors then follow the Dirichlet distribution with parameters α, where
  α = concentration × official share (``dirichlet``, centred on the official shares) or 1
  (``simplex``: every division of the part equally likely, centred on equal shares);
- a level threshold (``threshold_range`` t): min_rate + (2X − 1) t / 100, kept within [0, 1];
- the assessor's points of a part (``point_range`` r): one variable, whose value seeds the
  draw of every unit's points of the part's ``direct`` criteria, each uniform within
  ± r × the criterion's maximum and kept within [0, maximum].

The Monte Carlo draws X at random (:func:`sample_inputs`), the Sobol analysis takes X from
SALib's design, the one-at-a-time analysis moves one variable at a time to the ends of its
range (:func:`extremes`): all three describe the same model, and the Sobol variables are
independent, as SALib requires (never raw weights that must sum to one).

**Dirichlet concentration and δ** (:func:`concentrations`). With official shares s_i of a
part's K factors and w_i a factor's sampled share, compare the relative weight w_i / s_i. Under
Dirichlet(c s), Var(w_i) = s_i (1 − s_i) / (c + 1), so Var(w_i / s_i) = (1 − s_i) / (s_i (c + 1)).
Under uniform multipliers, with ε_i = u_i − 1 (variance δ²/3),
w_i / s_i = (1 + ε_i) / (1 + Σ s_j ε_j) ≈ 1 + ε_i − Σ s_j ε_j, of variance
δ²/3 (1 − 2 s_i + Σ s_j²) to first order. Averaged over the factors with weights s_i, the
squared coefficient of variation of a factor's weight is (K − 1) / (c + 1) under Dirichlet and
δ²/3 (1 − Σ s_j²) under uniform; they are equal for

    c = 3 (K − 1) / (δ² (1 − Σ s_j²)) − 1,   δ = √(3 (K − 1) / ((c + 1) (1 − Σ s_j²))).

(Two equal shares and δ = 0.2: c = 3 / (0.04 × 0.5) − 1 = 149. The first-order formula is within
1 % of the sampled variance at δ = 0.2 and 4 % at δ = 0.4.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cqdt.criteria import LEVELS, CriteriaSet
from cqdt.numbers import format_number
from cqdt.sensitivity.settings import Settings

ASSESSED = "direct"
"""The scoring method of points given by an assessor (what ``point_range`` moves)."""
OAT_QUANTILES = (0.05, 0.95)
"""Where a Dirichlet or simplex share goes in the one-at-a-time analysis (its own quantiles)."""
KEY_SCALE = 2.0**53
"""A points variable in [0, 1) becomes the integer seed of its draw: X × 2^53."""


def factors(criteria: CriteriaSet, by: str) -> pd.DataFrame:
    """One row per factor: code, name, part, group, official share of its part, and whether it
    varies.

    A factor "carries" a weight only if its part has another factor: alone in its part, its
    share is always 1, because the part keeps its declared maximum.
    """
    table = criteria.criteria_table()
    names = {g.code: g.name for p in criteria.parts for g in p.groups}
    key = "group" if by == "group" else "criterion"
    rows = table.groupby(key, sort=False).agg(
        part=("part", "first"), group=("group", "first"), max=("max", "sum")
    )
    rows["name"] = rows.index.map(names) if by == "group" else table.set_index(key)["name"]
    rows["share"] = rows["max"] / rows.groupby("part")["max"].transform("sum")
    rows["carries"] = rows.groupby("part")["max"].transform("size") > 1
    columns = ["factor", "name", "part", "group", "max", "share", "carries"]
    return rows.reset_index(names="factor")[columns]


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
    if settings.point_range and not (criteria.criteria_table()["method"] == ASSESSED).any():
        problems.append(
            f"--point-range: bộ tiêu chí {criteria.version} ({LEVELS[criteria.level]}) không có "
            f"tiêu chí nào do người thẩm định cho điểm (method: {ASSESSED} trong tệp tiêu chí)"
        )
    if problems:
        raise ValueError("; ".join(problems))


def concentration_for_delta(shares: np.ndarray, delta: float) -> float:
    """The Dirichlet concentration whose weights vary as uniform multipliers with ``delta``
    (same mean squared coefficient of variation of a factor's weight; module docstring);
    infinite for δ = 0 (the official shares exactly)."""
    shares = np.asarray(shares, dtype=float)
    if delta == 0:
        return float("inf")
    return 3 * (len(shares) - 1) / (delta**2 * (1 - (shares**2).sum())) - 1


def delta_for_concentration(shares: np.ndarray, concentration: float) -> float:
    """The δ of uniform multipliers whose weights vary as Dirichlet(concentration × shares)."""
    shares = np.asarray(shares, dtype=float)
    return float(np.sqrt(3 * (len(shares) - 1) / ((concentration + 1) * (1 - (shares**2).sum()))))


def concentrations(criteria: CriteriaSet, settings: Settings) -> pd.DataFrame:
    """Per part with factors that carry a weight: factor count, concentration and δ, the one
    given and the other its equivalent (module docstring), and the coefficient of variation of a
    factor's weight (share-weighted root mean square) they give."""
    table = factors(criteria, settings.by)
    rows = []
    for part, own in table[table["carries"]].groupby("part", sort=False):
        shares = own["share"].to_numpy()
        if settings.scheme == "dirichlet" and settings.concentration:
            concentration = settings.concentration
            delta = delta_for_concentration(shares, concentration)
        else:
            delta = settings.delta
            concentration = concentration_for_delta(shares, delta)
        variation = delta * np.sqrt((1 - (shares**2).sum()) / 3)
        rows.append(
            {
                "part": part,
                "factors": len(own),
                "concentration": concentration,
                "delta": delta,
                "variation": variation,
            }
        )
    return pd.DataFrame(rows, columns=["part", "factors", "concentration", "delta", "variation"])


def variables(criteria: CriteriaSet, settings: Settings) -> pd.DataFrame:
    """One row per independent variable of the study (a column of X): its kind (``weight``,
    ``threshold``, ``points``), part, the group it counts in for the Sobol analysis, the factor
    or level it moves, a name, and α (the Gamma shape of a Dirichlet or simplex weight)."""
    table = factors(criteria, settings.by)
    weights = table[table["carries"]].copy()
    if settings.scheme == "uniform":
        weights["alpha"] = np.nan
    elif settings.scheme == "simplex":
        weights["alpha"] = 1.0
    else:
        concentration = concentrations(criteria, settings).set_index("part")["concentration"]
        weights["alpha"] = weights["part"].map(concentration) * weights["share"]
    weights = weights.assign(kind="weight", variable="trọng số " + weights["factor"])
    rows = [weights[["variable", "kind", "part", "group", "factor", "name", "alpha"]]]
    extra = []
    for part in criteria.parts:
        if settings.threshold_range:
            for threshold in part.levels:
                if threshold.min_rate > 0:
                    level = threshold.level
                    name = f"Ngưỡng mức {level} ({format_number(threshold.min_rate * 100)}%)"
                    variable = f"ngưỡng {part.code} {level}"
                    extra.append((variable, "threshold", part.code, f"ngưỡng {level}", level, name))
        assessed = [c for g in part.groups for c in g.criteria if c.method == ASSESSED]
        if settings.point_range and assessed:
            codes = ", ".join(c.code for c in assessed)
            name = f"Điểm thẩm định ({codes})"
            extra.append((f"điểm {part.code}", "points", part.code, "điểm thẩm định", "", name))
    if extra:
        columns = ["variable", "kind", "part", "group", "factor", "name"]
        rows.append(pd.DataFrame(extra, columns=columns).assign(alpha=np.nan))
    ordered = pd.concat(rows, ignore_index=True)
    order = {p.code: i for i, p in enumerate(criteria.parts)}
    return ordered.sort_values("part", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


@dataclass(frozen=True)
class Inputs:
    """What a batch of samples (rows) gives the evaluation.

    ``multipliers``: samples x criteria (file order); ``thresholds``: per part whose thresholds
    vary, samples x levels (the min rates); ``noise``: per part whose assessor points vary,
    the seed of each sample's draw (see :class:`PointNoise`).
    """

    multipliers: np.ndarray
    thresholds: dict[str, np.ndarray] | None = None
    noise: dict[str, np.ndarray] | None = None
    point_range: float = 0.0

    def __len__(self) -> int:
        return len(self.multipliers)

    def rows(self, rows: slice | np.ndarray) -> Inputs:
        """The same inputs for some samples only."""
        return Inputs(
            self.multipliers[rows],
            None if self.thresholds is None else {p: t[rows] for p, t in self.thresholds.items()},
            None if self.noise is None else {p: k[rows] for p, k in self.noise.items()},
            self.point_range,
        )


def assessed_points(
    points: np.ndarray, maxima: np.ndarray, point_range: float, key: int
) -> np.ndarray:
    """The assessor-scored points of one sample (criteria x units, NaN where not applicable):
    each moved uniformly within ± ``point_range`` × its criterion's maximum, kept within
    [0, maximum], the draw seeded by ``key``."""
    step = np.random.default_rng(int(key)).uniform(-1.0, 1.0, size=points.shape)
    step *= (point_range * maxima)[:, None]
    return np.clip(points + step, 0.0, maxima[:, None])


def moved_points(
    points: pd.DataFrame, criteria: CriteriaSet, inputs: Inputs, sample: int
) -> pd.DataFrame:
    """The points matrix of one sample with its assessor points moved (what ``aggregate`` of
    that sample is given); the points themselves without assessor-point uncertainty."""
    if not inputs.noise:
        return points
    table = criteria.criteria_table()
    moved = points.copy()
    for part, keys in inputs.noise.items():
        own = table[(table["part"] == part) & (table["method"] == ASSESSED)]
        values = points[own["criterion"]].to_numpy(dtype=float).T
        maxima = own["max"].to_numpy(dtype=float)
        moved[own["criterion"]] = assessed_points(
            values, maxima, inputs.point_range, keys[sample]
        ).T
    return moved


def _weight_values(table: pd.DataFrame, settings: Settings, x: np.ndarray) -> np.ndarray:
    """Multiplier of each weight variable (samples x weight variables) from its column of X."""
    if settings.scheme == "uniform":
        return 1 - settings.delta + 2 * settings.delta * x
    # scipy.special is light (scipy.stats is not): loaded only for Dirichlet and simplex
    from scipy.special import gammaincinv

    values = np.empty_like(x)
    shares = table["share"].to_numpy()
    alpha = table["alpha"].to_numpy()
    for _, rows in table.groupby("part", sort=False):
        at = rows.index.to_numpy()
        if np.isinf(alpha[at]).any():  # infinite concentration: the official shares
            values[:, at] = 1.0
            continue
        gamma = gammaincinv(alpha[at], x[:, at])
        total = gamma.sum(axis=1, keepdims=True)
        # a draw whose every Gamma value underflows (tiny α): the largest X takes the part
        empty = (total == 0)[:, 0]
        gamma[empty] = x[empty][:, at] == x[empty][:, at].max(axis=1, keepdims=True)
        total[empty] = gamma[empty].sum(axis=1, keepdims=True)
        values[:, at] = gamma / total / shares[at]
    return values


def inputs(criteria: CriteriaSet, settings: Settings, table: pd.DataFrame, x: np.ndarray) -> Inputs:
    """The inputs of samples X (samples x the rows of ``table``, a subset of
    :func:`variables`); what ``table`` leaves out stays as published."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    criteria_table = criteria.criteria_table()
    multipliers = np.ones((len(x), len(criteria_table)))
    table = table.reset_index(drop=True)
    weights = table[table["kind"] == "weight"]
    if len(weights):
        official = factors(criteria, settings.by).set_index("factor")["share"]
        own = weights.assign(share=weights["factor"].map(official)).reset_index(drop=True)
        values = _weight_values(own, settings, x[:, weights.index])
        key = "group" if settings.by == "group" else "criterion"
        column = criteria_table[key].map({code: i for i, code in enumerate(own["factor"])})
        varied = column.notna().to_numpy()
        multipliers[:, varied] = values[:, column[varied].astype(int).to_numpy()]
    thresholds: dict[str, np.ndarray] = {}
    for part in criteria.parts:
        rows = table[(table["kind"] == "threshold") & (table["part"] == part.code)]
        if len(rows):
            base = np.array([t.min_rate for t in part.levels])
            moved = np.tile(base, (len(x), 1))
            levels = [t.level for t in part.levels]
            for at, level in zip(rows.index, rows["factor"], strict=True):
                i = levels.index(level)
                shift = (2 * x[:, at] - 1) * settings.threshold_range / 100
                moved[:, i] = np.clip(base[i] + shift, 0.0, 1.0)
            thresholds[part.code] = moved
    noise = {
        part: (x[:, at] * KEY_SCALE).astype(np.uint64)
        for at, part in zip(table.index, table["part"], strict=True)
        if table.at[at, "kind"] == "points"
    }
    return Inputs(multipliers, thresholds or None, noise or None, settings.point_range)


def sample_inputs(criteria: CriteriaSet, settings: Settings) -> Inputs:
    """The Monte Carlo's inputs: N points X drawn uniformly at random, seeded."""
    table = variables(criteria, settings)
    x = np.random.default_rng(settings.seed).random((settings.n, len(table)))
    return inputs(criteria, settings, table, x)


def sample_multipliers(criteria: CriteriaSet, settings: Settings) -> np.ndarray:
    """Seeded weight multipliers, one row per sample and one column per criterion (file order).

    Criteria of one factor share its multiplier. Under ``dirichlet`` and ``simplex`` the
    multipliers are sampled shares divided by the official shares, so a factor's weight in its
    part is exactly the sampled share.
    """
    return sample_inputs(criteria, settings).multipliers


def extremes(
    criteria: CriteriaSet, settings: Settings, table: pd.DataFrame
) -> tuple[pd.DataFrame, Inputs]:
    """Each weight and threshold variable of ``table`` alone at the low, then the high end of
    its range, everything else as published: one row per variable and end, with ``value`` the
    share of the factor in its part (or the threshold) it gives, and their inputs.

    A weight under ``uniform`` goes to the multipliers 1 − δ and 1 + δ; under ``dirichlet`` and
    ``simplex`` its share goes to its own 5 % and 95 % quantiles (a Beta distribution), the
    other factors of the part keeping their official proportions. A threshold moves by
    ± ``threshold_range`` points. Assessor points have no ends: they vary unit by unit.
    """
    from scipy.special import betaincinv

    table = table[table["kind"] != "points"].reset_index(drop=True)
    official = factors(criteria, settings.by).set_index("factor")["share"]
    key = "group" if settings.by == "group" else "criterion"
    column_of = criteria.criteria_table()[key].to_numpy()
    alpha_total = table.groupby("part")["alpha"].transform("sum").to_numpy()
    multipliers = np.ones((2 * len(table), len(column_of)))
    thresholds: dict[str, np.ndarray] = {}
    values = []
    for i, var in enumerate(table.to_dict("records")):
        for j, sign in enumerate((-1, 1)):
            at = 2 * i + j
            if var["kind"] == "weight":
                share = official[var["factor"]]
                if settings.scheme == "uniform" or np.isinf(var["alpha"]):  # (δ = 0: no move)
                    multiplier = 1 + sign * settings.delta
                    value = share * multiplier / (1 + share * (multiplier - 1))
                else:
                    rest = alpha_total[i] - var["alpha"]
                    value = float(betaincinv(var["alpha"], rest, OAT_QUANTILES[j]))
                    multiplier = value * (1 - share) / (share * (1 - value))
                multipliers[at, column_of == var["factor"]] = multiplier
            else:
                part = next(p for p in criteria.parts if p.code == var["part"])
                base = np.array([t.min_rate for t in part.levels])
                moved = thresholds.setdefault(var["part"], np.tile(base, (len(multipliers), 1)))
                level = [t.level for t in part.levels].index(var["factor"])
                value = float(np.clip(base[level] + sign * settings.threshold_range / 100, 0, 1))
                moved[at, level] = value
            values.append(value)
    rows = table.loc[np.repeat(table.index, 2)].drop(columns="alpha").reset_index(drop=True)
    rows["end"] = np.tile(["low", "high"], len(table))
    rows["value"] = values
    return rows, Inputs(multipliers, thresholds or None)
