"""Weight sensitivity: would the ranking and the levels hold with reasonably different weights?

This step comes after scoring and re-aggregates the points matrix (:attr:`ScoreResult.points`)
for many weight samples, exactly as :func:`cqdt.scoring.aggregate` would for each of them.
One module per job, in the order of a study (as SALib's sample → evaluate → analyse):

- :mod:`~cqdt.sensitivity.settings`: how weights are sampled (:class:`Settings`: scheme,
  factor level, N, δ, concentration, seed, k, Sobol size), each bounded and described once,
  for the package, the command's options and the report's parameters alike;
- :mod:`~cqdt.sensitivity.sample`: factors and seeded weight multipliers, one row per sample;
- :mod:`~cqdt.sensitivity.evaluate`: ranks and levels of every unit and part for a batch of
  samples (:func:`evaluate`), chunk by chunk;
- :mod:`~cqdt.sensitivity.analyse`: the whole study (statistics per unit and part, overall
  figures, convergence, Sobol indices per group with SALib, one-at-a-time ±δ per group) as one
  :class:`SensitivityResult`;
- :mod:`~cqdt.sensitivity.tables`: the result as Vietnamese tables, written as CSV and XLSX.

The public names of every module are available here: ``from cqdt import sensitivity as sens;
sens.analyse(result, sens.Settings(n=1000))``. (``evaluate``, ``analyse`` and ``tables`` here
are the functions; import from their modules with ``from cqdt.sensitivity.tables import ...``.)
"""

from cqdt.sensitivity.analyse import SensitivityResult, analyse
from cqdt.sensitivity.effects import TRACKED_UNITS
from cqdt.sensitivity.evaluate import Evaluation, chunk_size, evaluate
from cqdt.sensitivity.sample import (
    Inputs,
    check_fits,
    concentration_for_delta,
    concentrations,
    delta_for_concentration,
    factors,
    moved_points,
    sample_inputs,
    sample_multipliers,
    variables,
)
from cqdt.sensitivity.settings import (
    CONVERGENCE_TOLERANCE,
    FACTOR_LEVELS,
    KEEP_LEVEL_SHARE,
    MAX_SAMPLES,
    MIN_STABLE_N,
    NEAR_CUTOFF_SE,
    OFFERED,
    OPTIONS,
    ROBUSTNESS_BY,
    ROBUSTNESS_DELTA,
    ROBUSTNESS_N,
    ROBUSTNESS_SCHEME,
    ROBUSTNESS_SEED,
    SCHEMES,
    Option,
    Settings,
    SettingsFields,
    offered_values,
    read_settings,
    robustness_settings,
    settings_of,
)
from cqdt.sensitivity.statistics import QUANTILES, cutoff_se
from cqdt.sensitivity.tables import (
    CONVERGENCE_SHEET,
    CSV_NAMES,
    EQUIVALENCE_SHEET,
    LEAVE_OUT_SHEET,
    OAT_SHEET,
    OUTPUTS,
    OVERALL_SHEET,
    RUNNING_SHEET,
    SETTINGS_SHEET,
    SOBOL_SHEET,
    STATISTICS,
    UNITS_SHEET,
    as_percent,
    at_risk,
    keep_percent,
    level_chances,
    near_cutoff,
    part_rows,
    percent_decimals,
    percent_texts,
    precision_rule,
    robustness_table,
    settings_table,
    tables,
    write_tables,
)

__all__ = [
    "CONVERGENCE_SHEET",
    "CONVERGENCE_TOLERANCE",
    "CSV_NAMES",
    "EQUIVALENCE_SHEET",
    "FACTOR_LEVELS",
    "KEEP_LEVEL_SHARE",
    "LEAVE_OUT_SHEET",
    "MAX_SAMPLES",
    "MIN_STABLE_N",
    "NEAR_CUTOFF_SE",
    "OAT_SHEET",
    "OFFERED",
    "OPTIONS",
    "OUTPUTS",
    "OVERALL_SHEET",
    "QUANTILES",
    "ROBUSTNESS_BY",
    "ROBUSTNESS_DELTA",
    "ROBUSTNESS_N",
    "ROBUSTNESS_SCHEME",
    "ROBUSTNESS_SEED",
    "RUNNING_SHEET",
    "SCHEMES",
    "SETTINGS_SHEET",
    "SOBOL_SHEET",
    "STATISTICS",
    "TRACKED_UNITS",
    "UNITS_SHEET",
    "Evaluation",
    "Inputs",
    "Option",
    "SensitivityResult",
    "Settings",
    "SettingsFields",
    "analyse",
    "as_percent",
    "at_risk",
    "check_fits",
    "chunk_size",
    "concentration_for_delta",
    "concentrations",
    "cutoff_se",
    "delta_for_concentration",
    "evaluate",
    "factors",
    "keep_percent",
    "level_chances",
    "moved_points",
    "near_cutoff",
    "offered_values",
    "part_rows",
    "percent_decimals",
    "percent_texts",
    "precision_rule",
    "read_settings",
    "robustness_settings",
    "robustness_table",
    "sample_inputs",
    "sample_multipliers",
    "settings_of",
    "settings_table",
    "tables",
    "variables",
    "write_tables",
]
