"""The weight sensitivity report of one level and year (``cqdt sensitivity``).

- :mod:`.context`    its parameters (:class:`Parameters`), :func:`prepare` and :func:`plan`
- :mod:`.sentences`  the sentences generated from the study's numbers
- :mod:`.sections`   cover, method, convergence, ranks, levels, one at a time, Sobol, groups
  left out, conclusion, and the tables written beside the report

:func:`plan` checks the settings against the level's criteria and data and plans one report;
the notebook ``notebooks/do_nhay.ipynb`` calls :func:`prepare` once (it scores and runs
:func:`cqdt.sensitivity.analyse`), then one function per section. Every number shown is a cell
of the tables of the study (``study.tables``), which the report also writes beside itself.
"""

from __future__ import annotations

from cqdt.publishing.kinds.sensitivity.context import (
    Parameters,
    SensitivityContext,
    plan,
    prepare,
)
from cqdt.publishing.kinds.sensitivity.sections import (
    conclusion,
    convergence,
    cover,
    end_labels,
    keep_level,
    leave_one_out,
    method,
    one_at_a_time,
    rank_uncertainty,
    sobol,
    write_outputs,
)
from cqdt.publishing.kinds.sensitivity.sentences import (
    SIMPLEX_WARNING,
    conclusion_sentences,
    convergence_sentence,
    sobol_sentence,
)

__all__ = [
    "SIMPLEX_WARNING",
    "Parameters",
    "SensitivityContext",
    "conclusion",
    "conclusion_sentences",
    "convergence",
    "convergence_sentence",
    "cover",
    "end_labels",
    "keep_level",
    "leave_one_out",
    "method",
    "one_at_a_time",
    "plan",
    "prepare",
    "rank_uncertainty",
    "sobol",
    "sobol_sentence",
    "write_outputs",
]
