"""Benchmark of cqdt scoring at national scale (synthetic data, district-level criteria).

What is measured
----------------
A synthetic survey of ``--units`` units (default 10,000) for ``--years`` evaluation years
(default 3: 2018, 2019, 2020) is generated for the ``huyen`` criteria set
(``criteria/1784-2018/huyen.yaml``) and written as one CSV per year to a temporary
directory. Values are generated generically from the criteria's scoring methods (never per
criterion by hand): numerators never exceed their denominators, denominators are >= 1,
counts are non-negative, yes/no answers are "Có"/"Không", directly assessed points stay
within the criterion maximum, and about 3 % of units declare one criterion not applicable
(``khong_ap_dung``, among those the criteria file allows), with the inputs only that criterion
uses left blank.

For every year, and in total, the script times:

(a) the package path: ``load_evidence(path, criteria, year)`` (reading + checking, no unit
    register) and ``score(criteria, evidence)`` (points matrix and aggregation), reported
    separately and together; then ``criterion_points`` alone, and ``explain_points``: the
    explanation texts, which a result builds only when first asked for;
(b) re-aggregation only: ``aggregate(result.points, criteria)`` and ``aggregate`` with random
    multipliers per criterion code (mean of several scenarios), i.e. the cost of one what-if
    or sensitivity run once the points matrix exists;
(x) the same surveys saved as XLSX workbooks (typed numbers, as Excel saves them): the package
    path from XLSX (``load_evidence`` + ``score``), and, as the floor any XLSX reading stands
    on, python-calamine's bare load of the sheet into Python lists (what ``read_table`` calls);
(c) a plain row-by-row Python baseline in two steps: (c1) the CSV read with the ``csv``
    module (no checks at all), (c2) from those already-read rows, for each row and criterion,
    the points computed with the formulas of ``cqdt.methods`` (no pandas in the loop), then
    summed per part into rate and converted points. Its converted points per unit and part
    are compared with the package's ``result.parts["converted"]``; the maximum absolute
    difference is printed and must be below 1e-9 for the timing comparison to be meaningful.
    Like is compared with like: ``score`` (from checked data) with (c2) (from read rows);
    the package's reading and checking (a1) has no counterpart in the loop, which checks
    nothing.

The figures the project tracks are printed last: reading + checking + scoring of every year
from CSV (a), against the target of 0.5 s for 10,000 units x 3 years, and from XLSX (x), against
the target of 2 s, next to calamine's bare load.

Python-level peak memory per step is measured with ``tracemalloc`` in a second, separate
pass (tracing slows allocation-heavy code, so it never runs during the timed pass); the
process's peak resident set size (``ru_maxrss``) is printed at the end. Times are wall-clock
(``time.perf_counter``), one run per year; nothing is asserted about them.

How to run (from the repository root)::

    .venv/bin/python benchmarks/bench_scoring.py               # 10,000 units x 3 years
    .venv/bin/python benchmarks/bench_scoring.py --units 500   # quick run
"""

from __future__ import annotations

import argparse
import csv
import gc
import math
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from cqdt.criteria import CriteriaSet, Criterion, load_criteria
from cqdt.evidence import NOT_APPLICABLE, UNIT, UNIT_CODE, Evidence, load_evidence
from cqdt.methods import criterion_fields
from cqdt.scoring import ScoreResult, aggregate, criterion_points, explain_points, score

ROOT = Path(__file__).resolve().parents[1]
CRITERIA_FILE = ROOT / "criteria" / "1784-2018" / "huyen.yaml"
FIRST_YEAR = 2018
NOT_APPLICABLE_SHARE = 0.03  # share of units with one criterion not applicable
YES_SHARE = 0.8  # chance of a "Có" answer
SCENARIOS = 5  # random multiplier scenarios per year for the what-if timing
TOLERANCE = 1e-9  # allowed difference between loop and package converted points

T = TypeVar("T")


# --- synthetic data ---------------------------------------------------------------------


@dataclass
class FieldPlan:
    """How one input field is generated, derived from the criteria that read it."""

    name: str
    kind: str = "count"  # "count", "yes_no" or "direct"
    cap: float | None = None  # static upper bound (steps, per_item, direct)
    positive: bool = False  # used as a denominator: must be >= 1
    parents: set[str] = field(default_factory=set)  # denominators it must not exceed


def plan_fields(criteria: CriteriaSet) -> dict[str, FieldPlan]:
    """Derive a generation plan for every declared input from the criteria's methods."""
    plans = {
        f.field: FieldPlan(f.field, kind="yes_no" if f.type == "yes_no" else "count")
        for f in criteria.inputs
    }

    def cap(plan: FieldPlan, bound: float) -> None:
        plan.cap = bound if plan.cap is None else min(plan.cap, bound)

    for crit in criteria.criteria:
        if crit.method in ("rate", "rate_vs_best"):
            plans[crit.denominator].positive = True
            plans[crit.numerator].parents.add(crit.denominator)
        elif crit.method == "steps":
            # Spread values a little beyond the highest threshold so every step is reached.
            cap(plans[crit.field], math.ceil(max(s.min for s in crit.steps) * 1.5))
        elif crit.method == "per_item":
            cap(plans[crit.field], math.ceil(crit.max / crit.points_per_item) + 1)
        elif crit.method == "direct":
            plans[crit.field].kind = "direct"
            cap(plans[crit.field], crit.max)
    return plans


def generate_values(
    plans: dict[str, FieldPlan], n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Vectorised values for every field, denominators before their numerators."""
    order = TopologicalSorter({name: plan.parents for name, plan in plans.items()}).static_order()
    values: dict[str, np.ndarray] = {}
    for name in order:
        plan = plans[name]
        if plan.kind == "yes_no":
            values[name] = rng.random(n) < YES_SHARE
        elif plan.kind == "direct":
            drawn = np.round(rng.uniform(0.0, plan.cap, n), 1)
            values[name] = np.minimum(drawn, plan.cap)
        elif plan.parents:
            bound = np.min(np.stack([values[p] for p in sorted(plan.parents)]), axis=0)
            share = rng.beta(5.0, 1.5, n)  # mostly high rates, a long low tail
            drawn = np.floor(bound * share).astype(np.int64)
            if plan.cap is not None:
                drawn = np.minimum(drawn, int(plan.cap))
            values[name] = np.clip(drawn, 1 if plan.positive else 0, bound)
        elif plan.cap is not None:
            values[name] = rng.integers(1 if plan.positive else 0, int(plan.cap) + 1, n)
        else:
            # A free-standing count (a denominator or an unused field): log-normal sizes.
            drawn = np.rint(np.exp(rng.normal(np.log(300.0), 1.0, n))).astype(np.int64)
            values[name] = np.maximum(drawn, 1 if plan.positive else 0)
    return values


def make_survey(
    criteria: CriteriaSet, plans: dict[str, FieldPlan], n: int, rng: np.random.Generator
) -> pd.DataFrame:
    """One year's survey table: unit columns, every declared input and khong_ap_dung."""
    values = generate_values(plans, n, rng)
    crits = criteria.criteria
    codes = np.array([c.code for c in crits])

    # Units with one criterion not applicable (among those the criteria allow to be); inputs
    # read only by that criterion are blank.
    not_applicable = np.full(n, "", dtype=object)
    rows = rng.choice(n, size=round(n * NOT_APPLICABLE_SHARE), replace=False)
    allowed = np.flatnonzero([c.allow_not_applicable for c in crits])
    chosen = allowed[rng.integers(0, len(allowed), rows.size)]
    not_applicable[rows] = codes[chosen]
    readers: dict[str, int] = {}
    for crit in crits:
        for name in set(criterion_fields(crit)):
            readers[name] = readers.get(name, 0) + 1
    blank: dict[str, np.ndarray] = {name: np.zeros(n, dtype=bool) for name in plans}
    for i, crit in enumerate(crits):
        for name in set(criterion_fields(crit)):
            if readers[name] == 1:
                blank[name][rows[chosen == i]] = True

    numbers = np.arange(1, n + 1)
    table: dict[str, Any] = {
        UNIT_CODE: [f"DV{k:05d}" for k in numbers],
        UNIT: [f"Đơn vị {k:05d}" for k in numbers],
    }
    for spec in criteria.inputs:
        name, plan = spec.field, plans[spec.field]
        column = values[name]
        if plan.kind == "yes_no":
            text = np.where(column, "Có", "Không").astype(object)
            text[blank[name]] = ""
            table[name] = text
        elif plan.kind == "direct":
            table[name] = pd.Series(column).mask(blank[name])
        else:
            table[name] = pd.array(column, dtype="Int64")
            table[name][blank[name]] = pd.NA
    table[NOT_APPLICABLE] = not_applicable
    return pd.DataFrame(table)


# --- plain Python baseline ----------------------------------------------------------------

YES_TEXT = {"có", "co", "c", "x", "1", "1.0", "yes", "y", "true", "đạt"}


def calamine_load(path: Path) -> list[list[Any]]:
    """The first sheet as Python lists, nothing else: the floor of any XLSX reading."""
    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def loop_read(path: Path) -> list[dict[str, str]]:
    """The CSV's rows as dictionaries of text (the loop's reading step; nothing checked)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def loop_score(rows: list[dict[str, str]], criteria: CriteriaSet) -> dict[tuple[str, str], float]:
    """Converted points per (unit, part), computed row by row with plain Python.

    The formulas are those of ``cqdt.methods`` and ``cqdt.scoring.aggregate`` (weights 1):
    excluded = sum of maxima of criteria not applicable, rescaled to the part maximum;
    rate = achieved / (max - excluded); converted = rate x max.
    """
    specs = [
        (c, p.code, [(s.min, s.points) for s in sorted(c.steps or [], key=lambda s: s.min)])
        for p in criteria.parts
        for g in p.groups
        for c in g.criteria
    ]
    part_max = {p.code: p.max for p in criteria.parts}
    part_total = {p.code: sum(g.max for g in p.groups) for p in criteria.parts}

    def number(text: str) -> float:
        return float(text) if text != "" else math.nan

    def ratio(row: dict[str, str], crit: Criterion) -> float:
        denominator = number(row[crit.denominator])
        if denominator == 0 or denominator != denominator:
            return math.nan
        return number(row[crit.numerator]) / denominator

    listed = [set(row[NOT_APPLICABLE].replace(",", ";").split(";")) for row in rows]

    # rate_vs_best needs the best ratio over applicable units first.
    best: dict[str, float] = {}
    for crit, _, _ in specs:
        if crit.method == "rate_vs_best":
            top = -math.inf
            for row, na in zip(rows, listed, strict=True):
                if crit.code not in na:
                    r = ratio(row, crit)
                    if r == r and r > top:
                        top = r
            best[crit.code] = top

    converted: dict[tuple[str, str], float] = {}
    for row, na in zip(rows, listed, strict=True):
        achieved = dict.fromkeys(part_max, 0.0)
        excluded = dict.fromkeys(part_max, 0.0)
        for crit, part, steps in specs:
            if crit.code in na:
                excluded[part] += crit.max
                continue
            method = crit.method
            if method == "rate":
                r = ratio(row, crit)
                points = math.nan if r != r else min(max(r, 0.0), 1.0) * crit.max
            elif method == "rate_vs_best":
                r, top = ratio(row, crit), best[crit.code]
                points = r / top * crit.max if top > 0 else r * 0.0
            elif method == "steps":
                value = number(row[crit.field])
                points = 0.0
                for minimum, step_points in steps:
                    if value >= minimum:
                        points = step_points
            elif method == "yes_no":
                points = crit.max if row[crit.field].lower() in YES_TEXT else 0.0
            elif method == "per_item":
                points = min(number(row[crit.field]) * crit.points_per_item, crit.max)
            elif method == "highest_case":
                points = max(
                    (case.points if row[case.field].lower() in YES_TEXT else 0.0)
                    for case in crit.cases
                )
            elif method == "direct":
                points = number(row[crit.field])
            else:
                raise ValueError(f"unknown method {method}")
            if points == points:  # published points: rounded half up to 2 decimals, then summed
                points = min(max(points, 0.0), crit.max)
                achieved[part] += math.floor(round(points * 100, 6) + 0.5) / 100
            else:  # an undefined ratio counts as excluded, as points.isna() does in aggregate
                excluded[part] += crit.max
        unit = " ".join(row[UNIT].split())
        for part, top in part_max.items():
            scale = top / part_total[part]
            required = top - excluded[part] * scale
            rate = achieved[part] * scale / required if required > 0 else math.nan
            converted[(unit, part)] = rate * top
    return converted


def compare(result: ScoreResult, loop: dict[tuple[str, str], float]) -> float:
    """Maximum absolute difference of converted points, loop vs package (NaN must match)."""
    parts = result.parts
    package = dict(
        zip(zip(parts["unit"], parts["part"], strict=True), parts["converted"], strict=True)
    )
    if package.keys() != loop.keys():
        return math.inf
    worst = 0.0
    for key, value in package.items():
        other = loop[key]
        if math.isnan(value) or math.isnan(other):
            if not (math.isnan(value) and math.isnan(other)):
                return math.inf
            continue
        worst = max(worst, abs(value - other))
    return worst


# --- measurement helpers ------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Result of ``fn`` and its wall-clock seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def traced(fn: Callable[[], T]) -> tuple[T, float]:
    """Result of ``fn`` and the Python-level peak (MB) it allocated, via tracemalloc."""
    tracemalloc.start()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak / 2**20


def traced_package(
    path: Path, criteria: CriteriaSet, year: int
) -> tuple[tuple[Evidence, ScoreResult], float, float, float]:
    """Evidence and result of the package path, with peaks (MB) of load, score and both.

    One tracing session: the peak of ``score`` alone excludes the evidence it is given (still
    alive), the peak of the whole path includes it.
    """
    tracemalloc.start()
    try:
        evidence = load_evidence(path, criteria, year)
        peak_load = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        alive = tracemalloc.get_traced_memory()[0]
        result = score(criteria, evidence)
        peak_after = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    mb = 2**20
    return (
        (evidence, result),
        peak_load / mb,
        (peak_after - alive) / mb,
        max(peak_load, peak_after) / mb,
    )


STEPS = [
    ("a1", "(a) load_evidence (read + check)"),
    ("a2", "(a) score (points matrix + aggregate)"),
    ("a", "(a) package path = load_evidence + score"),
    ("d1", "    of which: criterion_points (matrix)"),
    ("d2", "    result.explanations (built on first use)"),
    ("b1", "(b) aggregate(points)"),
    ("b2", f"(b) aggregate(points, multipliers), mean of {SCENARIOS}"),
    ("x", "(x) package path from XLSX (typed numbers)"),
    ("x0", "(x) floor: calamine bare load of the sheet"),
    ("c1", "(c1) plain Python loop: csv read, no checks"),
    ("c2", "(c2) plain Python loop: points + parts from rows"),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000, help="units per year (10000)")
    parser.add_argument("--years", type=int, default=3, help="years from 2018 (3)")
    parser.add_argument("--seed", type=int, default=1784, help="seed of the generator (1784)")
    args = parser.parse_args(argv)
    if args.units < 2:
        parser.error("--units must be at least 2")

    criteria = load_criteria(CRITERIA_FILE)
    years = [FIRST_YEAR + i for i in range(args.years)]
    if args.years < 1 or not all(criteria.covers(y) for y in years):
        parser.error(f"--years must keep every year within the validity of {CRITERIA_FILE.name}")
    rng = np.random.default_rng(args.seed)
    plans = plan_fields(criteria)
    codes = [c.code for c in criteria.criteria]

    seconds: dict[str, dict[int, float]] = {key: {} for key, _ in STEPS}
    peaks: dict[str, float] = dict.fromkeys(seconds, 0.0)
    diffs: dict[int, float] = {}

    with tempfile.TemporaryDirectory(prefix="cqdt-bench-") as tmp:
        # Data generation (not part of any comparison).
        paths: dict[int, Path] = {}
        start = time.perf_counter()
        for year in years:
            paths[year] = Path(tmp) / str(year) / "huyen.csv"
            paths[year].parent.mkdir()
            make_survey(criteria, plans, args.units, rng).to_csv(
                paths[year], index=False, encoding="utf-8-sig"
            )
        generation = time.perf_counter() - start
        size_mb = sum(p.stat().st_size for p in paths.values()) / 2**20
        workbooks: dict[int, Path] = {}
        for year in years:  # typed numbers, as Excel saves them (not timed)
            workbooks[year] = paths[year].with_suffix(".xlsx")
            typed = pd.read_csv(paths[year], dtype={UNIT_CODE: str, UNIT: str, NOT_APPLICABLE: str})
            typed.to_excel(workbooks[year], index=False)
        xlsx_mb = sum(p.stat().st_size for p in workbooks.values()) / 2**20

        # Timed pass.
        for year in years:
            path = paths[year]
            evidence, seconds["a1"][year] = timed(
                lambda p=path, y=year: load_evidence(p, criteria, y)
            )
            result, seconds["a2"][year] = timed(lambda e=evidence: score(criteria, e))
            seconds["a"][year] = seconds["a1"][year] + seconds["a2"][year]
            _, seconds["d1"][year] = timed(lambda e=evidence: criterion_points(criteria, e))
            _, seconds["d2"][year] = timed(
                lambda r=result: explain_points(criteria, r.evidence, r.points)
            )
            _, seconds["b1"][year] = timed(lambda r=result: aggregate(r.points, criteria))
            scenarios = [
                pd.Series(rng.uniform(0.5, 1.5, len(codes)), index=codes) for _ in range(SCENARIOS)
            ]
            total = 0.0
            for multipliers in scenarios:
                _, took = timed(lambda r=result, m=multipliers: aggregate(r.points, criteria, m))
                total += took
            seconds["b2"][year] = total / SCENARIOS
            rows, seconds["c1"][year] = timed(lambda p=path: loop_read(p))
            loop, seconds["c2"][year] = timed(lambda r=rows: loop_score(r, criteria))
            diffs[year] = compare(result, loop)
            del evidence, result, loop

        # XLSX pass, apart: the CSV pass leaves explanations and loop rows for the collector.
        gc.collect()
        for year in years:
            workbook = workbooks[year]
            _, seconds["x0"][year] = timed(lambda p=workbook: calamine_load(p))
            _, seconds["x"][year] = timed(
                lambda p=workbook, y=year: score(criteria, load_evidence(p, criteria, y))
            )

        # Memory pass (tracemalloc slows allocation-heavy code, so it is kept apart).
        for year in years:
            path = paths[year]
            (evidence, result), peak_a1, peak_a2, peak_a = traced_package(path, criteria, year)
            _, peak_d1 = traced(lambda e=evidence: criterion_points(criteria, e))
            _, peak_d2 = traced(lambda r=result: explain_points(criteria, r.evidence, r.points))
            _, peak_b1 = traced(lambda r=result: aggregate(r.points, criteria))
            multipliers = pd.Series(rng.uniform(0.5, 1.5, len(codes)), index=codes)
            _, peak_b2 = traced(lambda r=result, m=multipliers: aggregate(r.points, criteria, m))
            del evidence, result
            rows, peak_c1 = traced(lambda p=path: loop_read(p))
            _, peak_c2 = traced(lambda r=rows: loop_score(r, criteria))
            for key, peak in (
                ("a1", peak_a1),
                ("a2", peak_a2),
                ("a", peak_a),
                ("d1", peak_d1),
                ("d2", peak_d2),
                ("b1", peak_b1),
                ("b2", peak_b2),
                ("x0", traced(lambda p=workbooks[year]: calamine_load(p))[1]),
                ("x", traced(lambda p=workbooks[year], y=year: load_evidence(p, criteria, y))[1]),
                ("c1", peak_c1),
                ("c2", peak_c2),
            ):
                peaks[key] = max(peaks[key], peak)

    # Report.
    n_total = args.units * len(years)
    print(
        f"cqdt scoring benchmark: {criteria.level} criteria {criteria.version}, "
        f"{len(codes)} criteria, {len(criteria.inputs)} input fields"
    )
    print(
        f"{args.units:,} units x {len(years)} years ({', '.join(map(str, years))}), "
        f"seed {args.seed}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}; "
        f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}"
    )
    print(
        f"data generation + CSV writing: {generation:.2f} s, CSV size {size_mb:.1f} MB in total; "
        f"XLSX {xlsx_mb:.1f} MB"
    )
    print()
    year_heads = "".join(f"{y:>9}" for y in years)
    header = f"{'step':<52}{year_heads}{'total s':>10}{'units/s':>11}{'peak MB':>9}"
    print(header)
    print("-" * len(header))
    for key, label in STEPS:
        per_year = "".join(f"{seconds[key][y]:>9.3f}" for y in years)
        total = sum(seconds[key].values())
        rate = n_total / total if total > 0 else math.inf
        print(f"{label:<52}{per_year}{total:>10.3f}{rate:>11,.0f}{peaks[key]:>9.1f}")
    print()
    print("seconds per year; units/s = units x years / total s; peak MB = highest Python-level")
    print("peak (tracemalloc) over the years, measured in a separate untimed pass.")
    print("(b2) is one what-if run: the mean over the scenarios of each year.")
    print()
    for year in years:
        status = "OK" if diffs[year] < TOLERANCE else "MISMATCH"
        print(
            f"loop vs package converted points, {year}: max abs diff {diffs[year]:.3e} ({status})"
        )
    package_total = sum(seconds["a"].values())
    score_total = sum(seconds["a2"].values())
    loop_total = sum(seconds["c2"].values())
    print(
        f"like with like, from data already read: loop (c2) / score (a2) = "
        f"{loop_total / score_total:.1f}x (the loop checks nothing)"
    )
    print(
        f"reading + checking + scoring, {args.units:,} units x {len(years)} years: "
        f"{package_total:.3f} s (target for 10,000 x 3: under 0.5 s)"
    )
    xlsx_total = sum(seconds["x"].values())
    floor_total = sum(seconds["x0"].values())
    print(
        f"the same from XLSX: {xlsx_total:.3f} s (target for 10,000 x 3: under 2 s); "
        f"calamine's bare load alone: {floor_total:.3f} s; CSV: {package_total:.3f} s"
    )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    maxrss_mb = maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    print(f"peak resident set size of the process (ru_maxrss): {maxrss_mb:.1f} MB")
    if any(d >= TOLERANCE for d in diffs.values()):
        sys.exit("the loop baseline disagrees with the package; timings are not comparable")


if __name__ == "__main__":
    main()
