"""Static charts (matplotlib ``Figure`` objects, no pyplot state) with Vietnamese labels.

Static images are used on purpose: WeasyPrint runs no JavaScript, and the same PNG serves the
HTML report and the PDF.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cqdt.criteria import Part

LEVEL_COLOURS = {"I": "#2e7d32", "II": "#f9a825", "III": "#c62828", "IV": "#6d4c41"}
OTHER_COLOUR = "#757575"
FONT = "DejaVu Sans"  # has every Vietnamese glyph


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontfamily(FONT)


def ranked_bars(rows: pd.DataFrame, part: Part, title: str) -> Figure:
    """Converted points per unit, best first, coloured by level, with the level bands marked."""
    rows = rows.sort_values(["rank", "unit"])
    fig = _figure(7.5, 0.24 * len(rows) + 1.4)
    ax = fig.add_subplot()
    colours = [LEVEL_COLOURS.get(level, OTHER_COLOUR) for level in rows["level"]]
    y = np.arange(len(rows))
    ax.barh(y, rows["converted_published"], color=colours, height=0.72)
    ax.set_yticks(y, rows["unit"], fontsize=8, parse_math=False)  # "$" in a name is text
    ax.invert_yaxis()
    ax.set_xlim(0, part.max)
    handles = [
        ax.bar(0, 0, color=LEVEL_COLOURS.get(t.level, OTHER_COLOUR), label=f"Mức {t.level}")
        for t in part.levels
    ]
    styles = iter(["--", ":", "-."])
    for threshold in part.levels[:-1]:
        line = ax.axvline(
            threshold.min_rate * part.max, color="#424242", linestyle=next(styles), linewidth=0.9
        )
        line.set_label(f"Ngưỡng mức {threshold.level} ({threshold.min_rate:.0%})")
        handles.append(line)
    fig.legend(  # below the chart, where it can never hide a bar
        handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7, frameon=False
    )
    ax.set_xlabel("Số điểm thực hiện được quy đổi", fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    _style(ax)
    return fig


def group_heatmap(rate: pd.DataFrame, group_labels: dict[str, str], title: str) -> Figure:
    """Rate (%) per unit and group, units in rank order: where each unit is strong or weak."""
    fig = _figure(7.5, 0.24 * len(rate) + 1.6)
    ax = fig.add_subplot()
    ax.imshow(rate.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(rate.shape[1]), [group_labels[c] for c in rate.columns], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rate)), rate.index, fontsize=8, parse_math=False)
    for (i, j), value in np.ndenumerate(rate.to_numpy(dtype=float)):
        text = "–" if np.isnan(value) else f"{value:.0f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=7)
    ax.set_title(title, fontsize=10, loc="left")
    _style(ax)
    return fig


def rate_distribution(rates: dict[str, pd.Series], parts: list[Part]) -> Figure:
    """Histogram of rates (%) per part, with the level thresholds."""
    fig = _figure(7.5, 2.6)
    axes = fig.subplots(1, len(parts), squeeze=False)[0]
    for ax, part in zip(axes, parts, strict=True):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.hist(rates[part.code].dropna() * 100, bins=np.arange(0, 105, 5), color="#1565c0")
        for threshold in part.levels[:-1]:
            ax.axvline(threshold.min_rate * 100, color="#424242", linestyle="--", linewidth=0.8)
        ax.set_title(f"Phần {part.code}", fontsize=9)
        ax.set_xlabel("Tỷ lệ thực hiện (%)", fontsize=8)
        ax.set_xlim(0, 100)
        _style(ax)
    axes[0].set_ylabel("Số đơn vị", fontsize=8)
    return fig


def rank_changes(changes: pd.DataFrame, title: str, most: int = 20) -> Figure:
    """Rank gained (+) or lost (−) per unit; at most ``most`` climbers and ``most`` fallers."""
    moved = changes.dropna(subset=["rank_change"]).sort_values("rank_change", ascending=False)
    if len(moved) > 2 * most:
        moved = pd.concat([moved.head(most), moved.tail(most)])
        title += f" ({most} đơn vị tăng và {most} đơn vị giảm nhiều nhất)"
    fig = _figure(7.5, 0.24 * max(len(moved), 1) + 1.3)
    ax = fig.add_subplot()
    y = np.arange(len(moved))
    values = moved["rank_change"].astype(float)
    colours = np.where(values >= 0, "#2e7d32", "#c62828")
    ax.barh(y, values, color=colours, height=0.72)
    ax.set_yticks(y, moved["unit"], fontsize=8, parse_math=False)
    ax.invert_yaxis()
    ax.axvline(0, color="#424242", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Số bậc thay đổi trong xếp hạng (+ là tăng hạng)", fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
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
