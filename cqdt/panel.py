"""Several years of one level at once: each unit's rate, rank and level over the years.

A :class:`Panel` holds the official result of every year and the comparison of each year with
the one before (:func:`cqdt.comparison.compare_years`, following the register through renames,
absorptions and mergers). From them: the history of every unit (:attr:`Panel.history`), each
unit followed under the name it has in the latest year it goes on to (``lineage``), the level
transitions year by year among units compared (:attr:`Panel.transitions`), the mergers with
the levels before and after (:attr:`Panel.mergers`), and wide tables per part
(:func:`wide_table`). Nothing is scored again beyond each year's official result.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from cqdt.comparison import compare_years, merged_units
from cqdt.numbers import round_half_up
from cqdt.register import ABSORBED, COMPARABLE, ENDED, MERGED_AWAY, NEW, RENAMED
from cqdt.scoring import ScoreResult

RATE, RANK, LEVEL = "Tỷ lệ (%)", "Hạng", "Mức"
"""What the wide tables show for each year (``Tỷ lệ (%) 2019``…)."""


@dataclass(frozen=True)
class Panel:
    """The official results of one level over several years, and each year against the one
    before it."""

    results: dict[int, ScoreResult]
    """Year -> official result, in year order."""
    comparisons: dict[int, pd.DataFrame]
    """Year -> :func:`compare_years` of that year with the previous one (from the second year)."""

    @property
    def years(self) -> list[int]:
        return list(self.results)

    @property
    def level(self) -> str:
        return self.results[self.years[-1]].level

    @property
    def parts(self) -> list[str]:
        """Part codes, as the latest year's criteria list them."""
        return [p.code for p in self.results[self.years[-1]].criteria.parts]

    @cached_property
    def lineage(self) -> pd.DataFrame:
        """Every (year, unit): the name it is followed as (``lineage``: its name in the latest
        year it goes on to as itself, through renames and absorptions) and what happened to it
        (``note``, in Vietnamese)."""
        names = {year: pd.Index(r.parts["unit"].unique()) for year, r in self.results.items()}
        last = self.years[-1]
        follow = {last: pd.Series(names[last], index=names[last])}
        notes = []
        for before, year in reversed(list(zip(self.years, self.years[1:], strict=False))):
            rows = self.comparisons[year]
            rows = rows[rows["part"] == rows["part"].iloc[0]]
            kept = rows[rows["status"].isin(COMPARABLE) & (rows["unit_before"] != "")]
            goes_on = pd.Series(
                kept["unit"].map(follow[year]).fillna(kept["unit"]).to_numpy(),
                index=kept["unit_before"].to_numpy(),
            )
            own = pd.Series(names[before], index=names[before])
            follow[before] = goes_on.reindex(own.index).fillna(own)
            notes.append(_notes(rows, before, year))
        table = pd.concat(
            [
                pd.DataFrame({"year": year, "unit": follow[year].index, "lineage": follow[year]})
                for year in self.years
            ],
            ignore_index=True,
        )
        said = pd.concat(notes) if notes else pd.DataFrame(columns=["year", "unit", "note"])
        said = said.groupby(["year", "unit"], sort=False)["note"].agg("; ".join).reset_index()
        table = table.merge(said, on=["year", "unit"], how="left")
        return table.assign(note=table["note"].fillna(""))

    @cached_property
    def history(self) -> pd.DataFrame:
        """One row per year, unit and part: ``lineage``, the published ``rate`` (in %),
        ``converted`` points, ``rank`` and ``level``."""
        frames = []
        for year, result in self.results.items():
            rounding = result.criteria.rounding
            parts = result.parts
            frames.append(
                pd.DataFrame(
                    {
                        "year": year,
                        "unit": parts["unit"],
                        "part": parts["part"],
                        "rate": round_half_up(
                            parts["rate_published"] * 100, rounding.rate_percent_decimals
                        ),
                        "converted": parts["converted_published"],
                        "rank": parts["rank"],
                        "level": parts["level"],
                    }
                )
            )
        table = pd.concat(frames, ignore_index=True)
        return table.merge(self.lineage, on=["year", "unit"], how="left")

    @cached_property
    def transitions(self) -> pd.DataFrame:
        """Per part and pair of consecutive years, units compared (same unit, renamed, or one
        that absorbed others) from each level to each level: ``count`` and ``units``."""
        frames = []
        for year, rows in self.comparisons.items():
            compared = rows[rows["status"].isin(COMPARABLE) & rows["level_before"].notna()]
            compared = compared[compared["level"].notna()]
            counted = (
                compared.groupby(["part", "level_before", "level"])["unit"]
                .agg(count="size", units=lambda names: ", ".join(sorted(names)))
                .reset_index()
            )
            counted.insert(1, "year_before", self.years[self.years.index(year) - 1])
            counted.insert(2, "year", year)
            frames.append(counted)
        columns = ["part", "year_before", "year", "level_before", "level", "count", "units"]
        return (
            pd.concat(frames, ignore_index=True)[columns]
            if frames
            else pd.DataFrame(columns=columns)
        )

    @cached_property
    def mergers(self) -> pd.DataFrame:
        """Every merger or absorption, with the year it took effect (:func:`merged_units`)."""
        frames = [merged_units(rows).assign(year=year) for year, rows in self.comparisons.items()]
        columns = ["year", "successor", "predecessor", "part", "level_before", "level"]
        return pd.concat(frames, ignore_index=True)[columns]


def _notes(rows: pd.DataFrame, before: int, year: int) -> pd.DataFrame:
    """What happened between two years, said of the unit in the year it is about: a renamed or
    absorbing unit and a new one in ``year``, a unit merged away or ended in ``before``."""
    status = rows["status"]
    made = ("sáp nhập từ " + rows["predecessors"]).where(rows["predecessors"] != "", "")
    said = [
        (status == RENAMED, year, rows["unit"], f"năm {before} là " + rows["unit_before"]),
        (
            status == ABSORBED,
            year,
            rows["unit"],
            f"năm {year} nhận sáp nhập " + rows["predecessors"],
        ),
        (
            status == NEW,
            year,
            rows["unit"],
            f"có từ năm {year}" + (": " + made).where(made != "", ""),
        ),
        (
            status == MERGED_AWAY,
            before,
            rows["unit"],
            f"năm {year} sáp nhập vào " + rows["successor"],
        ),
        (
            status == ENDED,
            before,
            rows["unit"],
            pd.Series(f"không còn từ năm {year}", index=rows.index),
        ),
    ]
    return pd.concat(
        [
            pd.DataFrame({"year": when, "unit": unit[chosen], "note": text[chosen]})
            for chosen, when, unit, text in said
        ],
        ignore_index=True,
    )


def build_panel(results: dict[int, ScoreResult], units: pd.DataFrame | None) -> Panel:
    """A panel of the official results of several years (at least two) of one level, each year
    compared with the previous one through the register ``units`` (by name without it)."""
    years = sorted(results)
    if len(years) < 2 or len({r.level for r in results.values()}) != 1:
        raise ValueError("Cần kết quả của ít nhất hai năm, cùng một cấp")
    ordered = {year: results[year] for year in years}
    comparisons = {
        year: compare_years(ordered[year], ordered[before], units)
        for before, year in itertools.pairwise(years)
    }
    return Panel(ordered, comparisons)


def _merged_into(panel: Panel) -> pd.Series:
    """Lineage of a unit merged away -> lineage of the unit it was merged into, so that the
    units of a merger are listed together, right after the unit they became."""
    merged = panel.mergers.drop_duplicates(["year", "successor", "predecessor"])
    follow = panel.lineage.set_index(["year", "unit"])["lineage"]
    before = merged["year"].map(lambda y: panel.years[panel.years.index(y) - 1])
    predecessor = follow.reindex(pd.MultiIndex.from_arrays([before, merged["predecessor"]]))
    successor = follow.reindex(pd.MultiIndex.from_arrays([merged["year"], merged["successor"]]))
    link = pd.Series(successor.to_numpy(), index=predecessor.to_numpy())
    return link[link.index != link.to_numpy()]


def level_table(panel: Panel) -> pd.DataFrame:
    """Units per part and level, one column per year (Vietnamese headers)."""
    counts = panel.history.groupby(["part", "level", "year"]).size().unstack("year", fill_value=0)
    order = {
        (p.code, t.level): (i, j)
        for i, p in enumerate(panel.results[panel.years[-1]].criteria.parts)
        for j, t in enumerate(p.levels)
    }
    counts = counts.loc[sorted(counts.index, key=lambda key: order.get(key, (99, 99)))]
    table = counts.reset_index().rename(columns={"part": "Phần", "level": "Mức"})
    table.columns = [str(c) for c in table.columns]
    return table


def wide_table(panel: Panel, part: str) -> pd.DataFrame:
    """One row per unit followed over the years (its latest name), rate (%), rank and level in
    each year (``Tỷ lệ (%) 2019``…), and what happened to it (``Ghi chú``). Units of the latest
    year first, by rank; then those that ended, latest first."""
    rows = panel.history[panel.history["part"] == part]
    wide = rows.pivot_table(
        index="lineage",
        columns="year",
        values=["rate", "rank", "level"],
        aggfunc="first",
    )
    table = pd.DataFrame(index=wide.index)
    for year in panel.years:
        for column, header in (("rate", RATE), ("rank", RANK), ("level", LEVEL)):
            key = (column, year)
            table[f"{header} {year}"] = wide.get(key, pd.NA)
    notes = panel.lineage[panel.lineage["note"] != ""].groupby("lineage")["note"].agg("; ".join)
    last = rows.sort_values("year").groupby("lineage").last()
    head = _merged_into(panel).reindex(last.index).fillna(pd.Series(last.index, index=last.index))
    order = pd.DataFrame(
        {
            "year": -last["year"].reindex(head).to_numpy(),
            "rank": last["rank"].astype(float).reindex(head).to_numpy(),
            "group": head.to_numpy(),
            "predecessor": head.to_numpy() != last.index.to_numpy(),
            "own_rank": last["rank"].astype(float).to_numpy(),
        },
        index=last.index,
    )
    table = table.loc[order.sort_values(["year", "rank", "group", "predecessor", "own_rank"]).index]
    table.insert(0, "Đơn vị", table.index)
    table["Ghi chú"] = table["Đơn vị"].map(notes).fillna("")
    for year in panel.years:
        table[f"{RANK} {year}"] = table[f"{RANK} {year}"].astype("Int64")
        table[f"{RATE} {year}"] = table[f"{RATE} {year}"].astype(float)
    return table.reset_index(drop=True)
