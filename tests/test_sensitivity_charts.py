"""The sensitivity charts print at their own size, landscape where the page expects it, with
nothing under 8 pt, nothing clipped, and Vietnamese numbers."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from cqdt import sensitivity as sens
from cqdt.publishing import charts
from cqdt.publishing.kinds.sensitivity import end_labels
from cqdt.workspace import Workspace
from tests.conftest import ROOT

PAGE_HEIGHT = 9.25
"""Tallest image a page holds, in inches (the stylesheet's max-height of 235 mm)."""


@pytest.fixture(scope="module")
def study() -> sens.SensitivityResult:
    result = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("huyen", 2020)
    return sens.analyse(result, sens.Settings(n=2000, sobol_n=256, seed=3))


@pytest.fixture(scope="module")
def communes() -> sens.SensitivityResult:
    result = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("xa", 2020)
    return sens.analyse(result, sens.Settings(n=500, sobol_n=0, seed=3))


def _part(table, part: str = "A"):
    return table[table["part"] == part]


def district_charts(study: sens.SensitivityResult) -> dict[str, Figure]:
    """Every sensitivity chart of the sample district study (9 units: landscape expected)."""
    units = _part(study.units).sort_values("nominal_rank")
    sobol = _part(study.sobol)
    return {
        "rank_intervals": charts.rank_intervals(units, "Phần A: thứ hạng theo trọng số"),
        "keep_level_bars": charts.keep_level_bars(units, 0.95, "Phần A: xác suất giữ mức"),
        "tornado": charts.tornado(
            _part(study.one_at_a_time), end_labels(study), "Phần A: đổi riêng từng nhân tố"
        ),
        "sobol_indices": charts.sobol_indices(
            sobol[sobol["output"] == "mean_abs_shift"], "Phần A: dịch chuyển hạng trung bình"
        ),
        "running_estimates": charts.running_estimates(
            _part(study.running), 0.95, "Phần A: xác suất giữ mức ước lượng dần"
        ),
    }


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_district_charts_are_landscape_at_print_width(study):
    for name, fig in district_charts(study).items():
        assert fig.get_figwidth() == pytest.approx(charts.PRINT_WIDTH), name
        assert fig.get_figwidth() > fig.get_figheight(), name


def test_nothing_printed_under_8_pt(study):
    for name, fig in district_charts(study).items():
        small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 8]
        assert not small, (name, small)


def test_legends_and_labels_stay_inside_the_figure(study):
    for name, fig in district_charts(study).items():
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        box = fig.bbox
        drawn = [ax.get_tightbbox(renderer) for ax in fig.axes]  # labels, ticks, title
        drawn += [legend.get_window_extent(renderer) for legend in fig.legends]
        for extent in drawn:
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, name
            assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, name


NUMBER_WITH_POINT = re.compile(r"^[−-]?\d+\.\d+$")
THOUSANDS = re.compile(r"^[−-]?\d{1,3}(\.\d{3})+$")
"""«1.000» is a thousand in Vietnamese; «0.2» is an English decimal."""


def test_numbers_are_vietnamese(study):
    for name, fig in district_charts(study).items():
        FigureCanvasAgg(fig).draw()
        ticks = [
            label.get_text()
            for ax in fig.axes
            for label in (*ax.get_xticklabels(), *ax.get_yticklabels())
        ]
        english = [t for t in ticks if NUMBER_WITH_POINT.match(t) and not THOUSANDS.match(t)]
        assert ticks and not english, (name, english)
    legend = charts.tornado(_part(study.one_at_a_time), end_labels(study), "x").legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Trọng số × 0,8", "Trọng số × 1,2"]


def test_tick_labels_are_the_values_they_mark(study):
    # a whole-number axis never shows 87,5 rounded to «88» (the tornado's axis shows sizes of
    # shifts both ways, so its left half is labelled without the sign)
    for name, fig in district_charts(study).items():
        FigureCanvasAgg(fig).draw()
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                for value, label in zip(
                    axis.get_majorticklocs(), axis.get_ticklabels(), strict=True
                ):
                    text = label.get_text().replace(".", "").replace(",", ".").replace("−", "-")
                    if re.fullmatch(r"-?\d+(\.\d+)?", text):
                        assert abs(float(text)) == pytest.approx(abs(value), abs=1e-9), (
                            name,
                            value,
                            text,
                        )


def test_running_estimate_axis_between_whole_numbers_is_labelled_truly():
    rows = pd.DataFrame(
        {
            "unit": "U",
            "samples": [1000, 2000, 3000],
            "p_keep": [0.85, 0.92, 1.0],  # matplotlib alone ticks this range at 87,5, 92,5…
            "se": [0.0, 0.0, 0.0],
        }
    )
    fig = charts.running_estimates(rows, 0.95, "x")
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    assert all(float(v).is_integer() for v in ax.yaxis.get_majorticklocs())


def test_a_page_of_communes_fits_the_page_at_print_width(communes):
    units = _part(communes.units).sort_values("nominal_rank").head(30)
    for fig in (
        charts.rank_intervals(units, "Phần A: thứ hạng theo trọng số"),
        charts.keep_level_bars(units, 0.95, "Phần A: xác suất giữ mức"),
    ):
        assert fig.get_figwidth() == pytest.approx(charts.PRINT_WIDTH)
        assert fig.get_figheight() <= PAGE_HEIGHT
        assert min(t.get_fontsize() for t in _texts(fig)) >= 8
