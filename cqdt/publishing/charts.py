"""Static charts (matplotlib ``Figure`` objects, no pyplot state) with Vietnamese labels.

Charts are drawn as they are printed: :data:`PRINT_WIDTH` wide at most, never taller than
:data:`MAX_HEIGHT` (so no page squashes them), in the report's serif (the Liberation Serif the
package ships, registered with matplotlib under a family name of its own, as WeasyPrint does),
numbers on axes in Vietnamese format (``32,5``), titles wrapped to the figure's width.
:func:`svg` writes the vector image the HTML and the PDF show (text kept as text, set in the
same font by WeasyPrint); :func:`png` a raster copy for the Word document. WeasyPrint runs no
JavaScript, hence static images.
"""

from __future__ import annotations

import dataclasses
import io
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter

from cqdt.criteria import Part
from cqdt.numbers import format_number
from cqdt.tables import top_with_ties

LEVEL_COLOURS = {"I": "#2e7d32", "II": "#f9a825", "III": "#c62828", "IV": "#6d4c41"}
OTHER_COLOUR = "#757575"
FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "cqdt Liberation Serif"
"""The shipped serif's family name in matplotlib (and in the PDF's ``@font-face``): a name of
our own, so a system-wide Liberation Serif, perhaps one without Vietnamese letters, is never
used instead."""
PRINT_WIDTH = 6.4
"""Chart width in inches: the A4 text width, so charts print at their own size and a font
size here is the size on paper (never below 8 pt)."""
MAX_HEIGHT = 9.0
"""Tallest chart in inches: fits the A4 text height under a heading, so it is never scaled."""
TEXT, SMALL = 9, 8
"""Font sizes (pt at print size) of labels and of ticks, legends, cell values."""
RASTER_PPI = 150
"""Resolution of the raster copy (Word document); the PDF and HTML get the vector image."""
STYLE: dict[Any, Any] = {
    "font.family": [FONT, "serif"],
    "svg.fonttype": "none",  # text stays text: set in the embedded font by WeasyPrint, searchable
    "svg.hashsalt": "cqdt",  # ids derived from content, not random: the same chart, the same bytes
}


@cache
def register_font() -> str:
    """Make the shipped serif (4 styles) known to matplotlib as :data:`FONT`; return its name."""
    for path in sorted(FONTS.glob("LiberationSerif-*.ttf")):
        entry = font_manager.ttfFontProperty(font_manager.get_font(path))
        font_manager.fontManager.ttflist.append(dataclasses.replace(entry, name=FONT))
    return FONT


def _figure(height: float, width: float = PRINT_WIDTH) -> Figure:
    """An empty figure of the given size (inches), its height capped at :data:`MAX_HEIGHT`."""
    return Figure(figsize=(width, min(height, MAX_HEIGHT)), dpi=72, layout="constrained")


def vietnamese_number(value: float, _position: object = None) -> str:
    """An axis tick in Vietnamese format: ``32,5``, ``1.000``, ``−30`` (a true minus sign)."""
    return format_number(value).replace("-", "\u2212")


def _title(fig: Figure, title: str, size: float = TEXT + 1) -> None:
    """The chart's title at its top left, wrapped between words to the figure's width."""
    register_font()
    prop = font_manager.FontProperties(family=FONT, size=size)
    room = fig.get_figwidth() * 72 * 0.98  # points
    measure = TextToPath()

    def fits(line: str) -> bool:
        return measure.get_text_width_height_descent(line, prop, ismath=False)[0] <= room

    lines: list[str] = []
    for word in title.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    fig.suptitle("\n".join(lines), x=0.0, ha="left", fontsize=size, parse_math=False)


def _prepared(fig: Figure) -> None:
    """Before saving: every text in the report's serif, numeric axes in Vietnamese format."""
    register_font()
    for text in fig.findobj(Text):
        text.set_fontfamily([FONT, "serif"])
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(FuncFormatter(vietnamese_number))


def svg(fig: Figure) -> bytes:
    """The figure as SVG, text as text in :data:`FONT`; the same chart gives the same bytes."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        _prepared(fig)
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def png(fig: Figure, ppi: int = RASTER_PPI) -> bytes:
    """The figure as PNG at ``ppi``, laid out as its SVG was (call :func:`svg` first)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        _prepared(fig)
        fig.set_layout_engine("none")  # keep the layout of the vector image, skip a second one
        fig.savefig(buffer, format="png", dpi=ppi, metadata={"Software": None})
    return buffer.getvalue()


def _axis_start(values: pd.Series, top: float) -> float:
    """Where a points axis starts: near the lowest value (in steps of 5), so differences show.

    Starts at 0 when the lowest value is within a fifth of the scale from 0.
    """
    low = float(values.min()) if len(values) else 0.0
    start = 5 * np.floor((low - 0.05 * top) / 5)
    return 0.0 if start < 0.2 * top else float(start)


def _thresholds(ax, part: Part, horizontal: bool = False) -> list:
    """Dashed lines at the level thresholds (converted points), labelled for the legend."""
    lines, styles = [], iter(["--", ":", "-.", "--"])
    for threshold in part.levels[:-1]:
        at = threshold.min_rate * part.max
        draw = ax.axhline if horizontal else ax.axvline
        line = draw(at, color="#424242", linestyle=next(styles), linewidth=0.9)
        line.set_label(f"Ngưỡng mức {threshold.level} ({format_number(threshold.min_rate * 100)}%)")
        lines.append(line)
    return lines


def _level_legend(fig: Figure, ax, part: Part, extra: list) -> None:
    """Level colours and threshold lines, below the chart where they never hide a mark."""
    handles = [
        ax.scatter([], [], color=LEVEL_COLOURS.get(t.level, OTHER_COLOUR), label=f"Mức {t.level}")
        for t in part.levels
    ]
    fig.legend(
        handles=handles + extra,
        loc="outside lower center",
        ncol=len(handles) + len(extra),
        fontsize=SMALL,
        frameon=False,
    )


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)


def ranked_bars(rows: pd.DataFrame, part: Part, title: str) -> Figure:
    """Converted points per unit, best first, coloured by level, with the level thresholds.

    The axis starts near the lowest value (said in its label), so differences show.
    """
    rows = rows.sort_values(["rank", "unit"])
    fig = _figure(0.24 * len(rows) + 1.5)
    ax = fig.add_subplot()
    colours = [LEVEL_COLOURS.get(level, OTHER_COLOUR) for level in rows["level"]]
    y = np.arange(len(rows))
    start = _axis_start(rows["converted_published"], part.max)
    ax.barh(y, rows["converted_published"] - start, left=start, color=colours, height=0.72)
    ax.set_yticks(y, rows["unit"], fontsize=SMALL, parse_math=False)  # "$" in a name is text
    return _points_axis(fig, ax, part, start, "Số điểm thực hiện được quy đổi", title)


def _points_axis(fig: Figure, ax, part: Part, start: float, label: str, title: str) -> Figure:
    """Units top-down, converted points from ``start`` (said in the label), levels in a legend."""
    ax.invert_yaxis()
    ax.set_xlim(start, part.max)
    ax.tick_params(axis="x", labelsize=SMALL)
    _level_legend(fig, ax, part, _thresholds(ax, part))
    ax.set_xlabel(
        label + (f" (trục bắt đầu từ {format_number(start)})" if start else ""), fontsize=TEXT
    )
    _title(fig, title)
    _style(ax)
    return fig


def points_by_district(rows: pd.DataFrame, district: pd.Series, part: Part, title: str) -> Figure:
    """Converted points of every unit as a dot on its district's line, coloured by level.

    For levels with many units (communes): one chart instead of pages of bars. Districts are
    ordered by their median; the axis starts near the lowest value, so differences show.
    """
    rows = rows.assign(district=rows["unit"].map(district).fillna("(không rõ)"))
    order = rows.groupby("district")["converted_published"].median().sort_values(ascending=False)
    fig = _figure(0.32 * len(order) + 1.6)
    ax = fig.add_subplot()
    position = rows["district"].map({name: i for i, name in enumerate(order.index)})
    jitter = ((rows["rank"] * 7) % 11 / 11 - 0.5) * 0.5  # fixed spread, same on every run
    colours = [LEVEL_COLOURS.get(level, OTHER_COLOUR) for level in rows["level"]]
    ax.scatter(rows["converted_published"], position + jitter, c=colours, s=16, linewidths=0)
    counts = rows["district"].value_counts()
    ax.set_yticks(
        range(len(order)),
        [f"{name} ({counts[name]})" for name in order.index],
        fontsize=SMALL,
        parse_math=False,
    )
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    start = _axis_start(rows["converted_published"], part.max)
    label = "Số điểm thực hiện được quy đổi của từng đơn vị"
    return _points_axis(fig, ax, part, start, label, title)


def group_heatmap(rate: pd.DataFrame, group_labels: dict[str, str], title: str) -> Figure:
    """Rate (%) per row (unit or district) and group: where each is strong or weak.

    Values are printed in every cell, in white on dark colours and black on light ones; a
    colour key explains the scale.
    """
    values = rate.to_numpy(dtype=float)
    fig = _figure(0.26 * len(rate) + 2.0)
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["RdYlGn"]
    edges_x, edges_y = np.arange(rate.shape[1] + 1) - 0.5, np.arange(len(rate) + 1) - 0.5
    image = ax.pcolormesh(edges_x, edges_y, values, cmap=cmap, vmin=0, vmax=100)  # vector cells
    ax.invert_yaxis()
    ax.set_xticks(range(rate.shape[1]), [group_labels[c] for c in rate.columns], fontsize=SMALL)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rate)), rate.index, fontsize=SMALL, parse_math=False)
    for (i, j), value in np.ndenumerate(values):
        if np.isnan(value):
            ax.text(j, i, "–", ha="center", va="center", fontsize=SMALL)
            continue
        red, green, blue, _ = cmap(value / 100)
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        colour = "white" if dark else "black"
        ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=SMALL, color=colour)
    key = fig.colorbar(image, ax=ax, location="bottom", shrink=0.5, aspect=30, pad=0.02)
    if key.solids is not None:
        key.solids.set_rasterized(False)  # a vector colour key too
    key.set_label("Tỷ lệ thực hiện (%); ô «–»: mọi tiêu chí của nhóm không áp dụng", fontsize=SMALL)
    key.ax.tick_params(labelsize=SMALL)
    _title(fig, title)
    _style(ax)
    return fig


def rate_distribution(rates: dict[str, pd.Series], parts: list[Part]) -> Figure:
    """Histogram of rates (%) per part, with the level thresholds."""
    fig = _figure(2.6)
    axes = fig.subplots(1, len(parts), squeeze=False)[0]
    for ax, part in zip(axes, parts, strict=True):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.hist(rates[part.code].dropna() * 100, bins=np.arange(0, 105, 5), color="#1565c0")
        for threshold in part.levels[:-1]:
            ax.axvline(threshold.min_rate * 100, color="#424242", linestyle="--", linewidth=0.8)
        ax.set_title(f"Phần {part.code}", fontsize=TEXT)
        ax.set_xlabel("Tỷ lệ thực hiện (%)", fontsize=SMALL)
        ax.set_xlim(0, 100)
        ax.tick_params(labelsize=SMALL)
        _style(ax)
    axes[0].set_ylabel("Số đơn vị", fontsize=SMALL)
    return fig


def rank_changes(changes: pd.DataFrame, title: str, most: int = 20) -> Figure:
    """Rank gained (+) or lost (−) per unit; with many units, the ``most`` biggest climbers and
    fallers, and every unit tied with the last of them (the title says how many)."""
    moved = changes.dropna(subset=["rank_change"]).sort_values("rank_change", ascending=False)
    if len(moved) > 2 * most:
        up = top_with_ties(moved, "rank_change", most)
        down = top_with_ties(moved, "rank_change", most, largest=False).iloc[::-1]
        moved = pd.concat([up, down])
        ties = " (kể cả đơn vị bằng đơn vị cuối)" if len(moved) > 2 * most else ""
        title += f" ({len(up)} đơn vị tăng và {len(down)} đơn vị giảm nhiều nhất{ties})"
    fig = _figure(0.24 * max(len(moved), 1) + 1.3)
    ax = fig.add_subplot()
    y = np.arange(len(moved))
    values = moved["rank_change"].astype(float)
    colours = np.where(values >= 0, "#2e7d32", "#c62828")
    ax.barh(y, values, color=colours, height=0.72)
    ax.set_yticks(y, moved["unit"], fontsize=SMALL, parse_math=False)
    ax.invert_yaxis()
    ax.axvline(0, color="#424242", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=SMALL)
    ax.set_xlabel("Số bậc thay đổi trong xếp hạng (+ là tăng hạng)", fontsize=TEXT)
    _title(fig, title)
    _style(ax)
    return fig


def _finish(fig: Figure, ax, xlabel: str, title: str, legend_columns: int = 0) -> Figure:
    """Axis label, title, legend below the chart (if any) and the common style."""
    ax.set_xlabel(xlabel, fontsize=TEXT)
    ax.tick_params(labelsize=SMALL)
    _title(fig, title)
    if legend_columns:
        fig.legend(loc="outside lower center", ncol=legend_columns, fontsize=SMALL, frameon=False)
    _style(ax)
    return fig


# --- sensitivity charts -------------------------------------------------------------------


def _decimal_comma(axis, decimals: int = 2) -> None:
    """Tick labels of an axis in Vietnamese: 0,2; 1.000. With no decimals the ticks are put at
    whole numbers, so no label is a rounded 87,5."""
    if decimals == 0:
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(lambda value, _: format_number(value, decimals))


def rank_intervals(rows: pd.DataFrame, title: str) -> Figure:
    """Per unit, best nominal rank first: 5–95 % rank interval, median and nominal rank."""
    fig = _figure(0.24 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    low, high = rows["rank_p05"].astype(float), rows["rank_p95"].astype(float)
    ax.hlines(y, low, high, color="#90caf9", linewidth=5, label="Khoảng 5–95% của thứ hạng")
    ax.plot(rows["median_rank"].astype(float), y, "o", color="#1565c0", label="Hạng trung vị")
    ax.plot(rows["nominal_rank"].astype(float), y, "x", color="#c62828", label="Hạng chính thức")
    ax.set_yticks(y, rows["unit"], fontsize=SMALL, parse_math=False)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _decimal_comma(ax.xaxis, 0)
    return _finish(fig, ax, "Thứ hạng (1 là cao nhất)", title, 3)


def keep_level_bars(rows: pd.DataFrame, threshold: float, title: str) -> Figure:
    """Probability (%) that each unit keeps its level, with its 95 % interval (± 2 standard
    errors): at risk in red, near the cut-off (``near_cutoff``) in amber, others green."""
    fig = _figure(0.24 * len(rows) + 1.7)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    keep = rows["p_keep"].astype(float).to_numpy() * 100
    near = rows["near_cutoff"].astype(bool).to_numpy()
    state = np.where(near, "near", np.where(keep < threshold * 100, "risk", "keep"))
    styles = {
        "keep": (LEVEL_COLOURS["I"], "Giữ mức"),
        "near": (LEVEL_COLOURS["II"], "Sát ngưỡng"),
        "risk": (LEVEL_COLOURS["III"], "Có nguy cơ đổi mức"),
    }
    for key, (colour, label) in styles.items():
        chosen = state == key
        if chosen.any():
            ax.barh(y[chosen], keep[chosen], color=colour, height=0.72, label=label)
    error = 2 * rows["p_keep_se"].astype(float).to_numpy() * 100
    ax.errorbar(keep, y, xerr=error, fmt="none", ecolor="#212121", elinewidth=0.8, capsize=2)
    ax.axvline(threshold * 100, color="#424242", linestyle="--", linewidth=0.9)
    ax.set_yticks(y, rows["unit"], fontsize=SMALL, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    _decimal_comma(ax.xaxis, 0)
    cut = format_number(threshold * 100)
    label = f"Xác suất giữ mức chính thức (%); vạch đứt: {cut}%; gạch đen: ± 2 sai số chuẩn"
    return _finish(fig, ax, label, title, 3)


def tornado(rows: pd.DataFrame, labels: tuple[str, str], title: str, most: int = 12) -> Figure:
    """Mean |rank shift| when each factor alone goes to the low (left) or high (right) end of
    its range (``labels`` say what the ends are); the ``most`` factors that move ranks most,
    a factor whose move changes some unit's level marked «*»."""
    low = rows[rows["end"] == "low"].set_index("factor")
    high = rows[rows["end"] == "high"].set_index("factor")
    effect = low["mean_abs_shift"].astype(float) + high["mean_abs_shift"].astype(float)
    order = effect.sort_values(ascending=False, kind="stable").index[:most]
    fig = _figure(0.3 * len(order) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(order))
    down = low.loc[order, "mean_abs_shift"].astype(float)
    up = high.loc[order, "mean_abs_shift"].astype(float)
    ax.barh(y, -down, color="#c62828", height=0.6, label=labels[0])
    ax.barh(y, up, color="#2e7d32", height=0.6, label=labels[1])
    ax.axvline(0, color="#424242", linewidth=0.8)
    changes = low.loc[order, "level_changes"].astype(int) + high.loc[order, "level_changes"]
    names = [f"{code} *" if changed else str(code) for code, changed in changes.items()]
    ax.set_yticks(y, names, fontsize=SMALL, parse_math=False)
    ax.invert_yaxis()
    limit = max(float(np.nanmax([down.max(), up.max(), 0])), 0.1) * 1.1
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_formatter(lambda value, _: format_number(abs(value), 2))
    label = "Dịch chuyển hạng trung bình (bậc); * đổi mức ít nhất một đơn vị"
    return _finish(fig, ax, label, title, 2)


def sobol_indices(rows: pd.DataFrame, title: str) -> Figure:
    """First-order (S1) and total (ST) Sobol index per group, with their 95 % intervals."""
    fig = _figure(0.34 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    bars = {"S1": ("#90caf9", "Chỉ số bậc một S1"), "ST": ("#1565c0", "Chỉ số toàn phần ST")}
    for offset, (key, (colour, label)) in zip((-0.18, 0.18), bars.items(), strict=True):
        ax.barh(
            y + offset,
            rows[key].astype(float),
            xerr=rows[f"{key}_conf"].astype(float),
            height=0.34,
            color=colour,
            label=label,
            error_kw={"elinewidth": 0.8, "capsize": 2},
        )
    ax.set_yticks(y, rows["group"], fontsize=SMALL, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlim(min(0.0, float((rows["S1"] - rows["S1_conf"]).min()) - 0.05), 1.05)
    _decimal_comma(ax.xaxis, 1)
    label = "Phần phương sai của đầu ra do nhóm gây ra; gạch đen: khoảng tin cậy 95%"
    return _finish(fig, ax, label, title, 2)


def running_estimates(rows: pd.DataFrame, threshold: float, title: str) -> Figure:
    """The probability of keeping the level of a few units as the samples add up, each with
    its band of ± 2 standard errors, and the at-risk cut-off."""
    fig = _figure(2.9)
    ax = fig.add_subplot()
    palette = ["#1565c0", "#c62828", "#2e7d32", "#6d4c41", "#f9a825", "#757575"]
    for colour, (unit, own) in zip(palette, rows.groupby("unit", sort=False), strict=False):
        samples = own["samples"].to_numpy()
        keep = own["p_keep"].to_numpy() * 100
        band = 2 * own["se"].to_numpy() * 100
        ax.fill_between(samples, keep - band, keep + band, color=colour, alpha=0.18, linewidth=0)
        ax.plot(samples, keep, color=colour, linewidth=1.2, label=unit)
    ax.axhline(threshold * 100, color="#424242", linestyle="--", linewidth=0.9)
    ax.set_xlim(0, float(rows["samples"].max()))
    ax.set_ylabel("Xác suất giữ mức (%)", fontsize=TEXT)
    _decimal_comma(ax.xaxis, 0)
    _decimal_comma(ax.yaxis, 0)
    columns = min(3, rows["unit"].nunique())
    label = f"Số mẫu; vạch đứt: {format_number(threshold * 100)}%; dải màu: ± 2 sai số chuẩn"
    return _finish(fig, ax, label, title, columns)


def levels_by_year(counts: pd.DataFrame, parts: list[Part], title: str) -> Figure:
    """Units per level in each year, one panel per part: stacked bars, best level at the bottom.

    ``counts`` has columns ``Phần``, ``Mức`` and one per year (:func:`cqdt.panel.level_table`).
    """
    years = [c for c in counts.columns if c not in ("Phần", "Mức")]
    fig = _figure(2.5)
    axes = fig.subplots(1, len(parts), squeeze=False, sharey=True)[0]
    for ax, part in zip(axes, parts, strict=True):
        own = counts[counts["Phần"] == part.code].set_index("Mức")
        bottom = np.zeros(len(years))
        for threshold in part.levels:
            values = (
                own.loc[threshold.level, years].to_numpy(dtype=float)
                if threshold.level in own.index
                else np.zeros(len(years))
            )
            colour = LEVEL_COLOURS.get(threshold.level, OTHER_COLOUR)
            ax.bar(
                years,
                values,
                bottom=bottom,
                color=colour,
                width=0.6,
                label=f"Mức {threshold.level}",
            )
            for x, (low, value) in enumerate(zip(bottom, values, strict=True)):
                if value:
                    ax.text(
                        x,
                        low + value / 2,
                        f"{value:.0f}",
                        ha="center",
                        va="center",
                        fontsize=SMALL,
                        color="white",
                    )
            bottom += values
        ax.set_title(f"Phần {part.code}", fontsize=TEXT)
        ax.tick_params(labelsize=SMALL)
        _style(ax)
    axes[0].set_ylabel("Số đơn vị", fontsize=SMALL)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncol=len(labels), fontsize=SMALL, frameon=False
    )
    fig.suptitle(title, fontsize=TEXT + 1, x=0.01, ha="left")
    return fig
