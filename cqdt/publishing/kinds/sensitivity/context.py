"""The sensitivity report's parameters and context: what one report of a level and year rests
on (:func:`prepare`), and the planning of a report from the command's settings (:func:`plan`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cqdt import sensitivity as sens
from cqdt.criteria import LEVELS, Level
from cqdt.numbers import format_number
from cqdt.publishing.kinds.sensitivity.sentences import SIMPLEX_WARNING
from cqdt.publishing.outcome import Outcome, criteria_record, scored_inputs
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scoring import ScoreResult
from cqdt.sensitivity.settings import SettingsFields
from cqdt.workspace import Workspace


class Parameters(SettingsFields, NotebookParameters):  # type: ignore[misc, valid-type]
    """The weight sensitivity report of one level and year (``notebooks/do_nhay.ipynb``).

    Its settings fields (scheme, by, n, delta, …) come from their one definition,
    :mod:`cqdt.sensitivity.settings`, with the bounds of a published study (δ > 0).
    """

    kind: ClassVar[str] = "do-nhay"
    title: ClassVar[str] = "Phân tích độ nhạy của trọng số"
    notebook: ClassVar[str] = "do_nhay.ipynb"


@dataclass(frozen=True)
class SensitivityContext:
    """The inputs and results one sensitivity report presents."""

    params: Parameters
    result: ScoreResult
    study: sens.SensitivityResult
    synthetic: bool


def prepare(params: Parameters) -> SensitivityContext:
    """Score the level and year, then run the sensitivity study (errors stop the report)."""
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    result = workspace.score(params.level, params.year)
    study = sens.analyse(result, sens.settings_of(params))
    return SensitivityContext(params, result, study, workspace.synthetic)


def plan(
    workspace: Workspace, level: Level, year: int | None, settings: sens.Settings, report_date: str
) -> list[Outcome]:
    """Check the settings against the level's criteria and data and plan one report.

    ``year`` ``None`` is the latest year with data. ``ValueError`` (Vietnamese) when there is no
    survey or the settings do not fit the criteria; :class:`~cqdt.problems.InputError` when the
    data have errors: nothing is run then.
    """
    years = workspace.surveys(level)["year"]
    chosen = year or (int(years.max()) if len(years) else 0)
    if chosen not in set(years):
        raise ValueError(
            f"không tìm thấy tệp khảo sát {LEVELS[level]} năm {year or '(bất kỳ)'} trong "
            f"{workspace.data_dir}; cần dạng <năm>/{level}.csv"
        )
    result = workspace.score(level, chosen)  # bad data stops here, nothing written
    sens.check_fits(settings, result.criteria, len(result.points))
    params = Parameters(
        level=level,
        year=chosen,
        criteria_dir=str(workspace.criteria_dir.resolve()),
        data_dir=str(workspace.data_dir.resolve()),
        report_date=report_date,
        **sens.offered_values(settings),
    )
    note = (
        f"Phân tích độ nhạy {LEVELS[level]} năm {chosen}: {format_number(settings.n, 0)} mẫu "
        f"trọng số (--scheme {settings.scheme}, theo {sens.FACTOR_LEVELS[settings.by]}), "
        f"hạt giống {settings.seed}"
    )
    if settings.scheme == "simplex":
        note += f"\nCảnh báo: {SIMPLEX_WARNING}"
    outcome = params.outcome(
        f"{level}-{chosen}",
        scored_inputs(workspace, result),
        criteria=criteria_record(result.criteria),
        synthetic=workspace.synthetic,
        unit_count=len(result.points),
        note=note,
    )
    return [outcome]
