"""Static charts (matplotlib ``Figure`` objects, no pyplot state) with Vietnamese labels.

Static images are used on purpose: WeasyPrint runs no JavaScript, and the same PNG serves the
HTML report and the PDF.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cqdt.criteria import Part

LEVEL_COLOURS = {"I": "#2e7d32", "II": "#f9a825", "III": "#c62828", "IV": "#6d4c41"}
OTHER_COLOUR = "#757575"
FONT = "DejaVu Sans"  # has every Vietnamese glyph
PRINT_WIDTH = 6.4
"""Chart width in inches: the A4 text width, so charts print at their own size and a font
size here is the size on paper (never below 8 pt)."""
TEXT, SMALL = 9, 8
"""Font sizes (pt at print size) of labels and of ticks, legends, cell values."""


def _figure(height: float, width: float = PRINT_WIDTH) -> Figure:
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


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
        line.set_label(f"Ngưỡng mức {threshold.level} ({threshold.min_rate:.0%})")
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
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontfamily(FONT)


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
    ax.set_xlabel(label + (f" (trục bắt đầu từ {start:g})" if start else ""), fontsize=TEXT)
    ax.set_title(title, fontsize=TEXT + 1, loc="left")
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
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=100, aspect="auto")
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
    key.set_label("Tỷ lệ thực hiện (%); ô «–»: mọi tiêu chí của nhóm không áp dụng", fontsize=SMALL)
    key.ax.tick_params(labelsize=SMALL)
    ax.set_title(title, fontsize=TEXT + 1, loc="left")
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
    """Rank gained (+) or lost (−) per unit; at most ``most`` climbers and ``most`` fallers."""
    moved = changes.dropna(subset=["rank_change"]).sort_values("rank_change", ascending=False)
    if len(moved) > 2 * most:
        moved = pd.concat([moved.head(most), moved.tail(most)])
        title += f" ({most} đơn vị tăng và {most} đơn vị giảm nhiều nhất)"
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
    ax.set_title(title, fontsize=TEXT + 1, loc="left")
    _style(ax)
    return fig


def _finish(fig: Figure, ax, xlabel: str, title: str, legend_columns: int = 0) -> Figure:
    """Axis label, title, legend below the chart (if any) and the common style."""
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    if legend_columns:
        fig.legend(loc="outside lower center", ncol=legend_columns, fontsize=7, frameon=False)
    _style(ax)
    return fig


def rank_intervals(rows: pd.DataFrame, title: str) -> Figure:
    """Per unit, best nominal rank first: 5–95 % rank interval, median and nominal rank."""
    fig = _figure(7.5, 0.24 * len(rows) + 1.5)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    low, high = rows["rank_p05"].astype(float), rows["rank_p95"].astype(float)
    ax.hlines(y, low, high, color="#90caf9", linewidth=5, label="Khoảng 5–95 % của thứ hạng")
    ax.plot(rows["median_rank"].astype(float), y, "o", color="#1565c0", label="Hạng trung vị")
    ax.plot(rows["nominal_rank"].astype(float), y, "x", color="#c62828", label="Hạng chính thức")
    ax.set_yticks(y, rows["unit"], fontsize=8, parse_math=False)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _finish(fig, ax, "Thứ hạng (1 là cao nhất)", title, 3)


def keep_level_bars(rows: pd.DataFrame, threshold: float, title: str) -> Figure:
    """Probability (%) that each unit keeps its level; units under ``threshold`` in red."""
    fig = _figure(7.5, 0.24 * len(rows) + 1.3)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    keep = rows["p_keep"].astype(float) * 100
    colours = np.where(keep < threshold * 100, LEVEL_COLOURS["III"], LEVEL_COLOURS["I"])
    ax.barh(y, keep, color=colours, height=0.72)
    ax.axvline(threshold * 100, color="#424242", linestyle="--", linewidth=0.9)
    ax.set_yticks(y, rows["unit"], fontsize=8, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    label = f"Xác suất giữ mức chính thức (%); vạch đứt: {threshold:.0%}"
    return _finish(fig, ax, label, title)


def tornado(rows: pd.DataFrame, delta: float, title: str) -> Figure:
    """Mean |rank shift| when each group's weight alone goes down (left) or up (right) by δ."""
    down = rows[rows["multiplier"] < 1].set_index("group")["mean_abs_shift"].astype(float)
    up = rows[rows["multiplier"] > 1].set_index("group")["mean_abs_shift"].astype(float)
    order = (down + up).sort_values(ascending=False).index
    fig = _figure(7.5, 0.32 * len(order) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(order))
    ax.barh(y, -down[order], color="#c62828", height=0.6, label=f"Trọng số nhóm × {1 - delta:g}")
    ax.barh(y, up[order], color="#2e7d32", height=0.6, label=f"Trọng số nhóm × {1 + delta:g}")
    ax.axvline(0, color="#424242", linewidth=0.8)
    ax.set_yticks(y, order, fontsize=8, parse_math=False)
    ax.invert_yaxis()
    limit = max(float(np.nanmax([down.max(), up.max(), 0])), 0.1) * 1.1
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_formatter(lambda value, _: f"{abs(value):g}".replace(".", ","))
    return _finish(fig, ax, "Dịch chuyển hạng trung bình (bậc)", title, 2)


def sobol_indices(rows: pd.DataFrame, title: str) -> Figure:
    """First-order (S1) and total (ST) Sobol index per group, with their 95 % intervals."""
    fig = _figure(7.5, 0.32 * len(rows) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(
        y - 0.18,
        rows["S1"],
        xerr=rows["S1_conf"],
        height=0.34,
        color="#90caf9",
        label="Chỉ số bậc một S1",
    )
    ax.barh(
        y + 0.18,
        rows["ST"],
        xerr=rows["ST_conf"],
        height=0.34,
        color="#1565c0",
        label="Chỉ số toàn phần ST",
    )
    ax.set_yticks(y, rows["group"], fontsize=8, parse_math=False)
    ax.invert_yaxis()
    return _finish(fig, ax, "Phần phương sai của đầu ra do nhóm gây ra", title, 2)


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
