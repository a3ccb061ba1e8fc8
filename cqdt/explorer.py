"""The interactive what-if explorer of ``notebooks/kham_pha.ipynb`` (ipywidgets).

The widgets turn slider positions into scenario changes and show what :mod:`cqdt.exploring`
computes with the same scenario machinery as ``cqdt whatif``: the sliders always show the values
in force, and the current state saves as a scenario file that ``cqdt whatif`` reproduces
exactly. Tests call :mod:`cqdt.exploring` directly to know what the page must show.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import ipywidgets as widgets

from cqdt.criteria import LEVELS
from cqdt.exploring import (
    ALL_PARTS,
    criterion_factors,
    explore_changes,
    file_changes,
    group_factors,
    max_edit,
    needs_table,
    ranking,
    scenario_document,
    threshold_edit,
    thresholds_of,
    write_scenario,
    write_state,
)
from cqdt.numbers import format_number, format_points
from cqdt.output import new_run_folder
from cqdt.problems import InputError
from cqdt.publishing import charts
from cqdt.publishing.html import esc, figure_html, table_html
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scenarios import WhatIf, find_scenarios, load_scenario
from cqdt.scoring import ScoreResult
from cqdt.whatif_tables import level_count_table, scenario_labels
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
STALE_CLASS = "cqdt-cu"
"""CSS class of the results while they no longer match the controls (a failed update)."""
NO_SCENARIO = "(không dùng kịch bản)"
FACTOR = {"min": 0.05, "max": 3.0, "step": 0.05}
"""Factor sliders: from 0.05 (never 0, which would drop a whole group) to 3, by 0.05."""
RATE_STEP = 0.01


# --- the widgets ---------------------------------------------------------------------------


def _show_factor(slider: widgets.FloatSlider, factor: float) -> None:
    """A factor in force, even outside the sliders' range (a scenario may drop a group, 0, or
    weigh it more than 3 times): the range widens to show it; a dropped one is not movable."""
    slider.min, slider.max = min(FACTOR["min"], factor), max(FACTOR["max"], factor)
    slider.value = factor
    slider.disabled = factor == 0


class Explorer:
    """Level, year, part, scenario, group and criterion maxima, thresholds; tables, a chart;
    save the state as a scenario, export it with its tables."""

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
        self.reset = widgets.Button(description="Đặt lại", tooltip="Bỏ mọi thay đổi bằng tay")
        self.weights = widgets.VBox()
        self.thresholds = widgets.VBox()
        self.criterion = widgets.Dropdown(description="Tiêu chí", layout={"width": "40em"})
        self.criterion_factor = self._slider("", FACTOR, self._criterion_moved)
        self.scope = widgets.Dropdown(description="Ngưỡng cho", layout={"width": "20em"})
        self.name = widgets.Text(description="Tên", layout={"width": "32em"})
        self.save = widgets.Button(
            description="Lưu thành kịch bản (YAML)", layout={"width": "16em"}
        )
        self.export = widgets.Button(description="Xuất bảng Excel", layout={"width": "12em"})
        self.saved = widgets.HTML()
        self.message = widgets.HTML()
        self.status = widgets.HTML()
        self.table = widgets.HTML(layout={"max_height": "34em", "overflow": "auto"})
        self.counts = widgets.HTML()
        self.needs = widgets.HTML()
        self.chart = widgets.HTML()
        self.results = widgets.VBox()
        self.what_if: WhatIf | None = None
        self.edits: dict[tuple[str, str, str], dict[str, Any]] = {}
        """The explorer's own changes in the order made (a key moved again goes last)."""
        self.file_changes: list[dict[str, Any]] | None = None
        """The chosen scenario file's changes, read when it is chosen (``None``: to read)."""
        self.needs_box = widgets.Accordion(
            [self.needs], titles=("Đơn vị cần gì để lên mức (phần đang xem)",)
        )
        self._quiet = False  # set while the explorer itself sets its widgets
        self._years(params.year, params.scenario_file)
        self.level.observe(lambda _: self._years(), names="value")
        self.year.observe(lambda _: None if self._quiet else self._load(), names="value")
        self.part.observe(lambda _: None if self._quiet else self.update(), names="value")
        self.scenario.observe(lambda _: None if self._quiet else self._start_over(), names="value")
        self.criterion.observe(
            lambda _: None if self._quiet else self._show_values(), names="value"
        )
        self.scope.observe(lambda _: None if self._quiet else self._show_values(), names="value")
        self.reset.on_click(lambda _: self._start_over())
        self.needs_box.observe(lambda _: self._show_needs(), names="selected_index")
        self.save.on_click(lambda _: self.save_scenario())
        self.export.on_click(lambda _: self.export_tables())

    # --- loading ---------------------------------------------------------------------------

    def _years(self, year: int | None = None, scenario_file: str = "") -> None:
        """The years with a survey of the chosen level; then load the chosen year."""
        years = [int(y) for y in sorted(self.workspace.surveys(self.level.value)["year"])]
        self._quiet = True
        self.year.options = years
        self.year.value = year if year in years else years[-1]
        self._load(scenario_file)

    def _load(self, scenario_file: str = "") -> None:
        """Score the chosen level and year; build one slider per group and level."""
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
        self.criterion.options = [(f"{c.code}. {c.name}", c.code) for c in cs.criteria]
        self.criterion.value = cs.criteria[0].code
        self.scope.options = [("mọi phần", ALL_PARTS)] + [
            (f"phần {p.code}", p.code) for p in cs.parts
        ]
        self.scope.value = ALL_PARTS
        self.weights.children = [
            widgets.HBox(
                [
                    self._slider(g.code, FACTOR, self._group_moved(g.code)),
                    widgets.HTML(
                        f"{esc(g.name)} <i>(chính thức {format_points(g.max)} điểm)</i>",
                        layout={"width": "19em"},
                    ),
                ]
            )
            for p in cs.parts
            for g in p.groups
        ]
        levels = [t.level for t in cs.parts[0].levels[:-1]]
        self.thresholds.children = [
            self._slider(
                f"Mức {level}",
                {"min": 0.0, "max": 1.0, "step": RATE_STEP},
                self._threshold_moved(level),
                percent=True,
            )
            for level in levels
        ]
        self._quiet = False
        self._start_over()

    def _slider(
        self, label: str, bounds: dict, moved, percent: bool = False
    ) -> widgets.FloatSlider:
        slider = widgets.FloatSlider(
            value=bounds["min"],
            **bounds,
            description=label,
            continuous_update=False,
            readout_format=".0%" if percent else ".2f",
            style={"description_width": "4.5em"},
            layout={"width": "21em", "flex": "0 0 auto"},  # never squeezed: the readout shows
        )
        slider.observe(lambda change: None if self._quiet else moved(change["new"]), names="value")
        return slider

    # --- edits -----------------------------------------------------------------------------

    def _edit(self, key: tuple[str, str, str], change: dict[str, Any]) -> None:
        self.edits.pop(key, None)
        self.edits[key] = change
        self.update()

    def _group_moved(self, code: str):
        return lambda value: self._edit(
            ("max", code, ""), max_edit(self.official.criteria, code, value)
        )

    def _criterion_moved(self, value: float) -> None:
        code = self.criterion.value
        self._edit(("max", code, ""), max_edit(self.official.criteria, code, value))

    def _threshold_moved(self, level: str):
        return lambda value: self._edit(
            ("threshold", self.scope.value, level), threshold_edit(level, value, self.scope.value)
        )

    def _start_over(self) -> None:
        """Back to the chosen scenario (read again) or the official criteria: no edits."""
        self.edits.clear()
        self.file_changes = None
        self.update()

    # --- showing ---------------------------------------------------------------------------

    def values(self) -> tuple[dict[str, float], dict[str, float]]:
        """The group factors and thresholds the sliders show."""
        factors = {
            row.children[0].description: round(row.children[0].value, 6)
            for row in self.weights.children
        }
        thresholds = {
            s.description.removeprefix("Mức "): round(s.value, 6) for s in self.thresholds.children
        }
        return factors, thresholds

    def _show_values(self) -> None:
        """Set every slider to the value in force (quietly) within ranges that exclude invalid
        values: factors from 0.05, each threshold between its neighbours."""
        if self.what_if is None:
            return
        scenario = self.what_if.scenario
        self._quiet = True
        try:
            factors = group_factors(scenario)
            for row in self.weights.children:
                _show_factor(row.children[0], factors[row.children[0].description])
            _show_factor(self.criterion_factor, criterion_factors(scenario)[self.criterion.value])
            shown = thresholds_of(scenario, self.scope.value or self.part.value)
            sliders = self.thresholds.children
            for slider, rate in zip(sliders, shown.values(), strict=True):
                slider.min, slider.max = 0.0, 1.0
                slider.value = rate
            for i, slider in enumerate(sliders):
                lower = sliders[i + 1].value + RATE_STEP if i + 1 < len(sliders) else RATE_STEP
                upper = sliders[i - 1].value - RATE_STEP if i else 1.0
                slider.min, slider.max = round(lower, 6), round(upper, 6)
        finally:
            self._quiet = False

    def update(self) -> None:
        """Recompute and redraw; a failure is shown and the results marked out of date."""
        criteria_dir = self.params.criteria_dir
        try:
            if self.file_changes is None:
                chosen = self.scenario.value
                self.file_changes = file_changes(chosen, criteria_dir) if chosen else []
            changes = [*self.file_changes, *self.edits.values()]
            what_if = explore_changes(self.official, criteria_dir, changes)
        except InputError as err:
            self.message.value = "<br/>".join(
                f'<span style="color:#b71c1c">{esc(p.place)}: {esc(p.message)}</span>'
                for p in err.problems
            )
            self.status.value = (
                '<p style="color:#b71c1c"><b>Bảng dưới đây chưa cập nhật</b>: thay đổi cuối cùng '
                "không áp dụng được (lỗi ở trên); bảng vẫn là kết quả trước đó.</p>"
            )
            self.results.add_class(STALE_CLASS)
            return
        self.what_if = what_if
        part = self.part.value
        self.table.value = table_html(ranking(what_if, part), f"bang {RANKING_CLASS}")
        self.message.value = self.status.value = ""
        self.results.remove_class(STALE_CLASS)
        self._show_values()
        labels = scenario_labels(1)
        self.counts.value = table_html(level_count_table([what_if], labels), "bang cqdt-kham-pha")
        self._show_needs()
        rows = what_if.comparison[what_if.comparison["part"] == part]
        title = f"Phần {part}: thay đổi thứ hạng so với kết quả chính thức"
        self.chart.value = figure_html(charts.rank_changes(rows, title), title)

    def _show_needs(self) -> None:
        """What units need for the next level, computed only while its section is open."""
        if self.what_if is None or self.needs_box.selected_index != 0:
            self.needs.value = ""
            return
        table = needs_table(self.what_if, self.part.value)
        self.needs.value = table_html(table, "bang cqdt-kham-pha cqdt-len-muc")

    # --- saving ----------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The current state as a scenario file's content."""
        base = self.scenario.value
        where = f"dựa trên {Path(base).name}" if base else "từ bộ tiêu chí chính thức"
        title = self.name.value.strip() or (
            f"Khám phá {LEVELS[self.level.value]} năm {self.year.value}, {where}"
        )
        description = (
            f"Lưu từ sổ khám phá ngày {datetime.now():%d/%m/%Y %H:%M}, {where}, "
            f"{len(self.edits)} thay đổi bằng tay."
        )
        changes = [*(self.file_changes or []), *self.edits.values()]
        return scenario_document(self.official.criteria, changes, title, description)

    def _folder(self) -> Path:
        return new_run_folder(
            self.params.output_dir, f"kham-pha-{self.level.value}-{self.year.value}"
        )

    def save_scenario(self) -> Path:
        """Write the state as ``kich-ban.yaml`` in a new folder; say how to reproduce it."""
        path = write_scenario(self.document(), self._folder())
        self.saved.value = (
            f"<p>Đã lưu <code>{esc(path.resolve())}</code>. Tính lại bằng lệnh: "
            f"<code>cqdt whatif {esc(path.resolve())} --year {self.year.value}</code></p>"
        )
        return path

    def export_tables(self) -> list[Path]:
        """Write the state (scenario file) with its tables (CSV, Excel) into a new folder."""
        assert self.what_if is not None  # the first update, in __init__, sets it
        folder = self._folder()
        written = write_state(folder, self.document(), self.what_if, self.workspace.synthetic)
        self.saved.value = (
            f"<p>Đã ghi {len(written)} tệp vào <code>{esc(folder.resolve())}</code>: "
            + ", ".join(f"<code>{esc(p.name)}</code>" for p in written)
            + "</p>"
        )
        return written

    @property
    def widget(self) -> widgets.Widget:
        """The whole explorer, ready to display."""
        note = widgets.HTML(
            f"<style>.{RANKING_CLASS} th, .{RANKING_CLASS} td, .cqdt-kham-pha td, "
            ".cqdt-kham-pha th {padding: 2px 10px; border-bottom: 1px solid #ddd; "
            f"text-align: right}} .{RANKING_CLASS} :is(td, th):nth-child(2), .cqdt-len-muc td "
            f"{{text-align: left}} .{STALE_CLASS} {{opacity: .4}}</style>"
            "<p>Thanh trượt luôn cho thấy giá trị đang dùng (của kịch bản khi chọn một kịch bản). "
            "Hệ số là điểm tối đa của nhóm so với điểm tối đa chính thức (1 = như bộ tiêu chí, "
            f"từ {format_number(FACTOR['min'])} đến {format_number(FACTOR['max'])}); ngưỡng áp "
            "dụng cho mọi phần, hoặc cho một phần (mục «Nâng cao»), và luôn nằm giữa ngưỡng hai "
            "mức bên cạnh. Điểm tối đa của phần giữ nguyên. Kéo thanh trượt (hoặc bấm vào nút "
            "trượt rồi dùng phím mũi tên): bảng xếp hạng, số đơn vị theo mức, điều đơn vị cần "
            "để lên mức và biểu đồ được tính lại ngay. Chọn kịch bản khác hoặc «Đặt lại» bỏ các "
            "thay đổi bằng tay. «Lưu thành kịch bản» ghi một tệp YAML mà lệnh "
            "<code>cqdt whatif</code> tính lại đúng như trên trang; «Xuất bảng Excel» ghi tệp "
            f"đó cùng các bảng vào một thư mục mới trong <code>{esc(self.params.output_dir)}"
            "</code>.</p>"
        )
        advanced = widgets.Accordion(
            [
                widgets.VBox(
                    [
                        widgets.HTML("Điểm tối đa một tiêu chí (hệ số so với chính thức):"),
                        widgets.HBox([self.criterion, self.criterion_factor]),
                        widgets.HTML("Ngưỡng xếp mức áp dụng cho mọi phần hay một phần:"),
                        self.scope,
                    ]
                )
            ],
            titles=("Nâng cao: từng tiêu chí, ngưỡng từng phần",),
        )
        controls = widgets.VBox(
            [
                widgets.HBox([self.level, self.year, self.part]),
                widgets.HBox([self.scenario, self.reset]),
                widgets.HBox(
                    [
                        widgets.VBox([widgets.HTML("<b>Hệ số điểm tối đa nhóm</b>"), self.weights]),
                        widgets.VBox([widgets.HTML("<b>Ngưỡng xếp mức</b>"), self.thresholds]),
                    ]
                ),
                advanced,
                widgets.HBox([self.name, self.save, self.export]),
                self.saved,
            ]
        )
        self.results.children = [
            widgets.HTML("<h3>Bảng xếp hạng</h3>"),
            self.table,
            widgets.HTML("<h3>Số đơn vị theo mức (chính thức và kịch bản)</h3>"),
            self.counts,
            self.needs_box,
            self.chart,
        ]
        return widgets.VBox([note, controls, self.message, self.status, self.results])
