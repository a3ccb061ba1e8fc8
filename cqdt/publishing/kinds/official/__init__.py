"""The official report of one level and year: ``cqdt report`` (``notebooks/bao_cao.ipynb``).

- :mod:`.context`  its parameters (:class:`Parameters`) and what it rests on (:func:`prepare`)
- :mod:`.body`     cover, summary, ranking tables, analysis, robustness, signature
- :mod:`.annexes`  Phụ lục I (in the report), II and III (documents of their own), and the
                   files written beside the report

:func:`plan` turns the levels and years asked for into pending reports; the notebook calls
:func:`prepare`, then one function per section, in the order of the document.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from pathlib import Path

from cqdt.criteria import Level, load_criteria
from cqdt.problems import InputError
from cqdt.publishing.document import SETTINGS_FILE, load_document_settings
from cqdt.publishing.kinds.official.annexes import (
    methodology,
    scorecards,
    write_outputs,
)
from cqdt.publishing.kinds.official.body import (
    analysis,
    cover,
    rankings,
    robustness,
    signature,
    summary,
)
from cqdt.publishing.kinds.official.context import Parameters, ReportContext, prepare
from cqdt.publishing.outcome import Outcome, criteria_record, hashed_input
from cqdt.reading import read_table
from cqdt.workspace import Workspace


def plan(
    workspace: Workspace,
    selected: list[tuple[Level, int]],
    compare_year: str = "previous",
    report_date: str = "",
    document_file: str = "",
) -> list[Outcome]:
    """One pending report per (level, year), with parameters, input hashes and criteria;
    largest surveys first, so the long commune reports do not run last and alone.

    ``compare_year`` is a year, ``previous`` (the year before, if it has data) or ``none``.
    ``report_date`` (YYYY-MM-DD) is the date printed on the reports; empty for the date of the
    document settings (``document_file``, or the data folder's ``van_ban.yaml``), else today:
    the date found is recorded, so a run can be repeated to the byte. The settings file used,
    given or found in the data folder, is recorded and hashed as an input.
    """
    years = {
        (level, year)
        for level, year in workspace.surveys()[["level", "year"]].itertuples(index=False)
    }
    found = Path(document_file) if document_file else workspace.data_dir / SETTINGS_FILE
    settings = found if found.is_file() else None
    if not report_date:
        day = None
        with suppress(InputError):  # a broken file is reported by the run itself
            day = load_document_settings(settings).date
        report_date = (day or date.today()).isoformat()
    synthetic = workspace.synthetic
    planned = []
    for level, year in selected:
        if compare_year == "previous":
            compare = year - 1 if (level, year - 1) in years else 0
        elif compare_year == "none":
            compare = 0
        else:
            compare = int(compare_year)
        if compare == year:  # a report is not compared with itself
            compare = 0
        parameters = Parameters(
            level=level,
            year=int(year),
            criteria_dir=str(workspace.criteria_dir),
            data_dir=str(workspace.data_dir),
            compare_year=compare,
            report_date=report_date,
            document_file=str(settings) if settings else "",
        )
        survey = workspace.survey(level, year)
        outcome = parameters.outcome(
            f"{level}-{year}",
            {"survey": hashed_input(survey)},
            compare_year=compare or None,
            synthetic=synthetic,
        )
        # missing or broken inputs are only noted here: the run itself fails and says why
        with suppress(InputError):
            criteria_file = workspace.criteria_file(level, year)
            outcome.inputs["criteria"] = hashed_input(criteria_file)
            outcome.criteria = criteria_record(load_criteria(criteria_file))
        if compare:
            with suppress(InputError):
                outcome.inputs["compare_survey"] = hashed_input(workspace.survey(level, compare))
        if workspace.units_file.exists():
            outcome.inputs["units"] = hashed_input(workspace.units_file)
        if settings:
            outcome.inputs["document"] = hashed_input(settings)
        with suppress(InputError):
            outcome.unit_count = len(read_table(survey))
        planned.append(outcome)
    planned.sort(key=lambda o: -Path(o.inputs["survey"]["path"]).stat().st_size)
    return planned


__all__ = [
    "Parameters",
    "ReportContext",
    "analysis",
    "cover",
    "methodology",
    "plan",
    "prepare",
    "rankings",
    "robustness",
    "scorecards",
    "signature",
    "summary",
    "write_outputs",
]
