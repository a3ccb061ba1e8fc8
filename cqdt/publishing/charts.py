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
