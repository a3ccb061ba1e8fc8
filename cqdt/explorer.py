"""The interactive what-if explorer of ``notebooks/kham_pha.ipynb`` (ipywidgets).

Everything it shows is computed by :func:`explore`, the same scenario machinery as
``cqdt whatif``: the widgets only turn slider positions into scenario changes (a factor per
group, a threshold per level), which are checked and applied by :mod:`cqdt.scenarios`. Tests
call :func:`explore` and :func:`ranking` directly to know what the page must show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import ipywidgets as widgets
import pandas as pd

from cqdt.criteria import LEVELS
from cqdt.numbers import format_number
from cqdt.problems import InputError
from cqdt.publishing import charts
from cqdt.publishing.html import esc, figure_html, table_html
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scenarios import (
    WhatIf,
    apply_scenario,
    check_scenario,
    find_scenarios,
    level_counts,
    load_scenario,
)
from cqdt.scoring import ScoreResult
from cqdt.workspace import Workspace


class ExplorerParameters(NotebookParameters):
    """The interactive explorer (``notebooks/kham_pha.ipynb``); not a published report."""

    kind: ClassVar[str] = "kham-pha"
    title: ClassVar[str] = "Khám phá kịch bản"
    notebook: ClassVar[str] = "kham_pha.ipynb"

    scenario_file: str = ""
    """A scenario to apply from the start; empty for none."""


RANKING_CLASS = "cqdt-xep-hang"
"""CSS class of the ranking table (the browser test finds it by this)."""
NO_SCENARIO = "(không dùng kịch bản)"


def explore(
    official: ScoreResult,
    criteria_dir: str | Path,
    scenario_file: str | Path | None = None,
    group_factors: dict[str, float] | None = None,
    thresholds: dict[str, float] | None = None,
) -> WhatIf:
    """The official result under a scenario file's changes, then group factors and thresholds.

    ``group_factors`` multiply group maxima (1 = unchanged); ``thresholds`` give the lowest
    rate of a level in every part. Raises :class:`~cqdt.problems.CriteriaError` with every
    problem (e.g. thresholds that no longer descend).
    """
    base = official.criteria
    changes: list[dict[str, Any]] = []
    if scenario_file:
        changes += [
            c.model_dump(exclude_none=True)
            for c in load_scenario(scenario_file, criteria_dir).changes
        ]
    changes += [
        {"change": "scale_max", "code": code, "factor": factor}
        for code, factor in (group_factors or {}).items()
        if factor != 1
    ]
    first = {t.level: t.min_rate for t in base.parts[0].levels}
    changes += [
        {"change": "threshold", "level": level, "min_rate": rate}
        for level, rate in (thresholds or {}).items()
        if rate != first.get(level)
    ]
    raw = {
        "title": "Khám phá",
        "base": {"version": Path(base.source).parent.name, "level": base.level},
        "changes": changes,
    }
    scenario, problems = check_scenario(raw, "khám phá", criteria_dir)
    if scenario is None:
        raise InputError(problems)
    return apply_scenario(scenario, official)


def ranking(what_if: WhatIf, part: str) -> pd.DataFrame:
    """One part's ranking under the scenario against the official one (Vietnamese headers)."""
    rows = what_if.comparison[what_if.comparison["part"] == part]
    change = rows["rank_change"].astype(int)
    return pd.DataFrame(
        {
            "Hạng": rows["rank"].astype(str),
            "Đơn vị": rows["unit"],
            "Điểm quy đổi": rows["converted_published"].astype(float),
            "Mức": rows["level"],
            "Hạng chính thức": rows["rank_before"].astype(str),
            "Thay đổi hạng": change.map(lambda n: f"+{n}" if n > 0 else str(n)),
            "Mức chính thức": rows["level_before"],
        }
    ).reset_index(drop=True)


class Explorer:
    """Level, year, part, scenario, group weights and thresholds; tables and a chart."""

    official: ScoreResult
    """The chosen level and year as scored, set by :meth:`_load` (first from ``__init__``)."""

    def __init__(self, params: ExplorerParameters) -> None:
        self.params = params
        self.workspace = Workspace.at(params.criteria_dir, params.data_dir)
        self.level = widgets.Dropdown(
            options=[(name, key) for key, name in LEVELS.items()],
            value=params.level,
            description="Cấp",
        )
        self.year = widgets.Dropdown(description="Năm")
        self.part = widgets.Dropdown(description="Phần")
        self.scenario = widgets.Dropdown(description="Kịch bản", layout={"width": "32em"})
        self.weights = widgets.VBox()
        self.thresholds = widgets.VBox()
        self.message = widgets.HTML()
        self.table = widgets.HTML()
        self.counts = widgets.HTML()
        self.chart = widgets.HTML()
        self._quiet = False  # set while the explorer itself resets its widgets
        self._years(params.year, params.scenario_file)
        self.level.observe(lambda _: self._years(), names="value")
        self.year.observe(lambda _: None if self._quiet else self._load(), names="value")
        for control in (self.part, self.scenario):
            control.observe(lambda _: None if self._quiet else self.update(), names="value")

    def _years(self, year: int | None = None, scenario_file: str = "") -> None:
        """The years with a survey of the chosen level; then load the chosen year."""
        years = [int(y) for y in sorted(self.workspace.surveys(self.level.value)["year"])]
        self._quiet = True
        self.year.options = years
        self.year.value = year if year in years else years[-1]
        self._load(scenario_file)

    def _load(self, scenario_file: str = "") -> None:
        """Score the chosen level and year, and build one slider per group and level."""
        self.official = self.workspace.score(self.level.value, self.year.value)
        cs = self.official.criteria
        self._quiet = True
        chosen = self.part.value
        self.part.options = [(f"{p.code}. {p.name}", p.code) for p in cs.parts]
        codes = [p.code for p in cs.parts]
        self.part.value = chosen if chosen in codes else codes[0]
        choices = {"": NO_SCENARIO}
        for path in find_scenarios(self.params.criteria_dir, cs.level):
            try:  # only scenarios of the criteria in force this year; faulty ones are left out
                if load_scenario(path, self.params.criteria_dir).base.sha256 == cs.sha256:
                    choices[str(path)] = path.name
            except InputError:
                continue
        if scenario_file:
            choices.setdefault(scenario_file, Path(scenario_file).name)
        self.scenario.options = [(name, path) for path, name in choices.items()]
        self.scenario.value = scenario_file
        self._quiet = False
        self.weights.children = [
            self._slider(g.code, f"{g.code}. {g.name}", 1.0, 0.0, 3.0, 0.1)
            for p in cs.parts
            for g in p.groups
        ]
        self.thresholds.children = [
            self._slider(t.level, f"Ngưỡng mức {t.level}", t.min_rate, 0.5, 1.0, 0.01)
            for t in cs.parts[0].levels[:-1]
        ]
        self.update()

    def _slider(self, key: str, label: str, value: float, low: float, high: float, step: float):
        slider = widgets.FloatSlider(
            value=value,
            min=low,
            max=high,
            step=step,
            description=key,
            tooltip=label,
            continuous_update=False,
            readout_format=".2f",
            style={"description_width": "6em"},
            layout={"width": "28em"},
        )
        slider.observe(lambda _: self.update(), names="value")
        return slider

    def values(self) -> tuple[dict[str, float], dict[str, float]]:
        """The group factors and thresholds the sliders show."""
        factors = {s.description: round(s.value, 6) for s in self.weights.children}
        thresholds = {s.description: round(s.value, 6) for s in self.thresholds.children}
        return factors, thresholds

    def update(self) -> None:
        """Recompute and redraw the ranking, the counts and the chart."""
        factors, thresholds = self.values()
        try:
            what_if = explore(
                self.official,
                self.params.criteria_dir,
                self.scenario.value or None,
                factors,
                thresholds,
            )
        except InputError as err:
            self.message.value = "<br/>".join(
                f'<span style="color:#b71c1c">{esc(p.place)}: {esc(p.message)}</span>'
                for p in err.problems
            )
            return
        self.message.value = ""
        part = self.part.value
        self.table.value = table_html(ranking(what_if, part), f"bang {RANKING_CLASS}")
        self.counts.value = table_html(level_counts(what_if), "bang cqdt-kham-pha")
        rows = what_if.comparison[what_if.comparison["part"] == part]
        title = f"Phần {part}: thay đổi thứ hạng so với kết quả chính thức"
        self.chart.value = figure_html(charts.rank_changes(rows, title), title)

    @property
    def widget(self) -> widgets.Widget:
        """The whole explorer, ready to display."""
        note = widgets.HTML(
            f"<style>.{RANKING_CLASS} th, .{RANKING_CLASS} td, .cqdt-kham-pha td, "
            ".cqdt-kham-pha th {padding: 2px 10px; border-bottom: 1px solid #ddd; "
            f"text-align: right}} .{RANKING_CLASS} td:nth-child(2) {{text-align: left}}</style>"
            "<p>Kéo thanh trượt (hoặc bấm vào nút trượt rồi dùng phím mũi tên) để đổi hệ số "
            "điểm tối đa của từng nhóm (1 = như bộ tiêu chí) và ngưỡng xếp mức; bảng xếp hạng "
            "và biểu đồ được tính lại ngay. Điểm tối đa của phần giữ nguyên. Ngưỡng áp dụng "
            f"cho mọi phần. Mức thay đổi nhỏ nhất: hệ số {format_number(0.1)}, ngưỡng 1%.</p>"
        )
        controls = widgets.VBox(
            [
                widgets.HBox([self.level, self.year, self.part]),
                self.scenario,
                widgets.HBox(
                    [
                        widgets.VBox([widgets.HTML("<b>Hệ số điểm tối đa nhóm</b>"), self.weights]),
                        widgets.VBox([widgets.HTML("<b>Ngưỡng xếp mức</b>"), self.thresholds]),
                    ]
                ),
            ]
        )
        results = widgets.VBox(
            [
                widgets.HTML("<h3>Bảng xếp hạng</h3>"),
                self.table,
                widgets.HTML("<h3>Số đơn vị theo mức (trước: chính thức, sau: kịch bản)</h3>"),
                self.counts,
                self.chart,
            ]
        )
        return widgets.VBox([note, controls, self.message, results])
