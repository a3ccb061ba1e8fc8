"""Benchmark of the weight sensitivity study (cqdt.sensitivity) at national scale.

What is measured
----------------
(a) Monte Carlo on a synthetic district-level survey of ``--units`` units (default 10,000,
    generated as in ``bench_scoring.py``) with ``--n`` weight samples (default 10,000,
    uniform multipliers per criterion, δ = 0.2): the batched evaluation alone
    (``evaluate`` over chunks, ranks and levels of every sample) and the whole
    ``analyse`` at the default settings otherwise (statistics, convergence, Sobol with SALib,
    whose base sample is then 1,024 for 10,000 units, one-at-a-time): wall time and peak
    memory (``tracemalloc`` for Python allocations, in a second run since it slows every
    allocation down; ``ru_maxrss`` for the process);
(b) the ratio against calling ``aggregate(points, criteria, multipliers)`` once per sample,
    timed on ``--loop-n`` samples (default 20) and extrapolated to N; the ranks and levels
    of those samples are compared with the batched ones (mismatches must be 0);
(c) ``analyse`` of the sample commune data (``data/sample``, xa 2020) with N = 10,000;
(d) with ``--seeds K``: the official report's robustness run (its documented settings) on every
    level and year of the sample data, once per seed 1…K: how many units are at risk, how
    many are marked «sát ngưỡng», and how many units are at risk (unmarked) with one seed and
    safe (unmarked) with another (must be 0); beside it the old rule (N = 1000, no marks);
(e) with ``--sobol-widths 4096,16384``: on every level of the sample data (2020), the widest
    95 % interval (±) of the Sobol indices of each output at each base sample, and the time.

Times are wall-clock (``time.perf_counter``), with the process's CPU time beside them (on a
machine shared with other work the wall time grows, the CPU time much less); nothing is
asserted about them.

How to run (from the repository root)::

    .venv/bin/python benchmarks/bench_sensitivity.py                      # 10,000 x 10,000
    .venv/bin/python benchmarks/bench_sensitivity.py --units 1000 --n 2000  # quick run
    .venv/bin/python benchmarks/bench_sensitivity.py --units 0 --seeds 40    # seeds only
    .venv/bin/python benchmarks/bench_sensitivity.py --units 0 --sobol-widths 4096,16384
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scoring import CRITERIA_FILE, make_survey, plan_fields

from cqdt import sensitivity as sens
from cqdt.criteria import load_criteria
from cqdt.evidence import load_evidence
from cqdt.scoring import aggregate, score
from cqdt.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def synthetic_result(units: int, seed: int = 2020):
    """A scored synthetic district survey of ``units`` units."""
    criteria = load_criteria(CRITERIA_FILE)
    survey = make_survey(criteria, plan_fields(criteria), units, np.random.default_rng(seed))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huyen.csv"
        survey.to_csv(path, index=False, encoding="utf-8-sig")
        return score(criteria, load_evidence(path, criteria, 2020))


def mismatches(result, multipliers: np.ndarray, evaluation: sens.Evaluation) -> int:
    """Ranks and levels that differ between the batch and ``aggregate`` sample by sample."""
    codes = [c.code for c in result.criteria.criteria]
    wrong = 0
    for s, row in enumerate(multipliers):
        parts, _ = aggregate(result.points, result.criteria, pd.Series(row, index=codes))
        for part in result.criteria.parts:
            rows = parts[parts["part"] == part.code]
            names = {name: i for i, name in enumerate(evaluation.levels[part.code])}
            level = rows["level"].map(names).fillna(-1).to_numpy()
            rank = rows["rank"].fillna(0).to_numpy(dtype=int)
            wrong += int((level != evaluation.level[part.code][s]).sum())
            wrong += int((rank != evaluation.rank[part.code][s]).sum())
    return wrong


def timed(fn) -> tuple[object, str]:
    """Result of ``fn()`` and ``"<wall> s (CPU <cpu> s)"``."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, f"{time.perf_counter() - wall:.1f} s (CPU {time.process_time() - cpu:.1f} s)"


def peak_mb(fn) -> tuple[object, str, float]:
    """Result, timing text and tracemalloc peak (MB) of ``fn()``."""
    tracemalloc.start()
    value, text = timed(fn)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return value, text, peak


def classes(study: sens.SensitivityResult, marks: bool) -> pd.Series:
    """«risk», «near» or «safe» per unit and part (``marks``: with the «sát ngưỡng» rule)."""
    units = study.units.dropna(subset=["p_keep"]).set_index(["part", "unit"])
    risky = units["p_keep"] < sens.KEEP_LEVEL_SHARE
    near = units["near_cutoff"] if marks else risky & False
    return pd.Series(np.where(near, "near", np.where(risky, "risk", "safe")), units.index)


def seed_stability(seeds: int) -> None:
    """(d): the robustness run's list of units at risk over seeds 1…``seeds``."""
    workspace = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample")
    documented = sens.robustness_settings()
    print(f"\n(d) robustness run ({documented.n} samples) over seeds 1-{seeds}")
    for year in (2018, 2019, 2020):
        for level in ("tinh", "huyen", "xa"):
            result = workspace.score(level, year)
            for label, settings, marks in (
                ("now", documented, True),
                ("old", replace(documented, n=1000), False),
            ):
                found = pd.DataFrame(
                    {
                        seed: classes(sens.analyse(result, replace(settings, seed=seed)), marks)
                        for seed in range(1, seeds + 1)
                    }
                )
                flips = int(((found == "risk").any(axis=1) & (found == "safe").any(axis=1)).sum())
                risk, near = (found == "risk").sum(), (found == "near").sum()
                print(
                    f"  {level} {year} {label} (N = {settings.n}): {len(found)} unit-parts, "
                    f"at risk {risk.min()}-{risk.max()}, near the cut-off {near.min()}-"
                    f"{near.max()}, at risk with one seed and safe with another: {flips}"
                )


def sobol_widths(bases: list[int]) -> None:
    """(e): the widest 95 % interval of the Sobol indices per output, per level and base."""
    workspace = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample")
    print("\n(e) widest 95 % interval (±) of the Sobol indices, sample data 2020, N = 10,000")
    for level in ("tinh", "huyen", "xa"):
        result = workspace.score(level, 2020)
        for base in bases:
            chosen = sens.Settings(sobol_n=base)
            study, text = timed(lambda r=result, c=chosen: sens.analyse(r, c))
            widest = study.sobol.groupby("output")[["S1_conf", "ST_conf"]].max()
            shown = ", ".join(
                f"{output} S1 ±{row.S1_conf:.3f} ST ±{row.ST_conf:.3f}"
                for output, row in widest.iterrows()
            )
            print(f"  {level} base {base}: {shown} (whole analyse {text})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--loop-n", type=int, default=20)
    parser.add_argument("--commune-n", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=0)
    parser.add_argument("--sobol-widths", default="")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")
    if args.seeds:
        seed_stability(args.seeds)
    if args.sobol_widths:
        sobol_widths([int(base) for base in args.sobol_widths.split(",")])
    if not args.units:
        return

    result = synthetic_result(args.units)
    settings = sens.Settings(n=args.n, seed=1)
    multipliers = sens.sample_multipliers(result.criteria, settings)
    print(f"\n(a) {args.units} synthetic units x {args.n} samples, {len(multipliers[0])} criteria")
    clock, cpu = time.perf_counter(), time.process_time()
    evaluation = sens.evaluate(result.points, result.criteria, multipliers)
    batch, batch_cpu = time.perf_counter() - clock, time.process_time() - cpu
    print(
        f"  batched evaluation (ranks and levels of every sample): {batch:.1f} s "
        f"(CPU {batch_cpu:.1f} s)"
    )
    del evaluation
    study, text = timed(lambda: sens.analyse(result, settings))
    print(f"  whole analyse (+ statistics, convergence, Sobol, one-at-a-time): {text}")
    del study
    # again under tracemalloc, which slows every allocation down: for memory only
    study, text, peak = peak_mb(lambda: sens.analyse(result, settings))
    print(f"  Python peak memory of analyse (tracemalloc): {peak:.0f} MB (run took {text})")

    sample = multipliers[: args.loop_n]
    codes = [c.code for c in result.criteria.criteria]
    clock, cpu = time.perf_counter(), time.process_time()
    for row in sample:
        aggregate(result.points, result.criteria, pd.Series(row, index=codes))
    per_call = (time.perf_counter() - clock) / len(sample)
    per_call_cpu = (time.process_time() - cpu) / len(sample)
    wrong = mismatches(result, sample, sens.evaluate(result.points, result.criteria, sample))
    print(f"\n(b) aggregate once per sample: {per_call * 1000:.0f} ms per sample")
    print(f"  extrapolated to N = {args.n}: {per_call * args.n:.0f} s")
    print(
        f"  batched evaluation is {per_call * args.n / batch:.0f}x faster "
        f"(CPU time: {per_call_cpu * args.n / batch_cpu:.0f}x)"
    )
    print(f"  rank and level mismatches on {len(sample)} samples: {wrong}")

    commune = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("xa", 2020)
    chosen = sens.Settings(n=args.commune_n, seed=1784)
    _, text = timed(lambda: sens.analyse(commune, chosen))
    print(
        f"\n(c) sample communes (xa 2020, {len(commune.points)} units), N = {args.commune_n}: "
        f"{text} for the whole analyse"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nProcess peak resident memory (ru_maxrss): {rss:.0f} MB")
    del study


if __name__ == "__main__":
    main()
