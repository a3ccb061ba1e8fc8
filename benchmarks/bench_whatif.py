"""What a scenario and a slider move cost: apply each shipped scenario, and one explorer update.

Run from the repository root: ``.venv/bin/python benchmarks/bench_whatif.py``. Prints, for each
scenario in ``criteria/kich-ban/`` on the sample data of 2020, the wall-clock time of checking
the file, of re-aggregating the points matrix with the comparison and transition tables (the
year is scored once beforehand, as the command and the explorer do), and the time of one
explorer update after a weight slider moves (compute + HTML table + chart). Median of 5 runs.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cqdt.explorer import Explorer, ExplorerParameters
from cqdt.scenarios import apply_scenario, find_scenarios, load_scenario
from cqdt.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
CRITERIA, DATA, YEAR, RUNS = ROOT / "criteria", ROOT / "data" / "sample", 2020, 5


def median_seconds(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    workspace = Workspace.at(CRITERIA, DATA)
    print(f"{'kịch bản':32} {'đơn vị':>6} {'đọc, kiểm tra':>14} {'áp dụng + so sánh':>18}")
    for path in find_scenarios(CRITERIA):
        scenario = load_scenario(path, CRITERIA)
        result = workspace.score(scenario.base.level, YEAR, criteria_file=scenario.base.source)

        def apply(s=scenario, r=result) -> None:
            what_if = apply_scenario(s, r)
            _ = what_if.comparison, what_if.transitions

        check = median_seconds(lambda p=path: load_scenario(p, CRITERIA))
        print(
            f"{path.name:32} {len(result.evidence.units):6d} {check * 1000:11.1f} ms"
            f" {median_seconds(apply) * 1000:15.1f} ms"
        )
    for level in ("huyen", "xa"):
        explorer = Explorer(
            ExplorerParameters(
                level=level, year=YEAR, criteria_dir=str(CRITERIA), data_dir=str(DATA)
            )
        )
        slider = explorer.weights.children[0]
        values = iter([1.1, 1.2, 1.3, 1.4, 1.5, 1.6])
        took = median_seconds(lambda s=slider, v=values: setattr(s, "value", next(v)))
        print(f"sổ khám phá, {level}: một lần kéo thanh trượt trọng số {took * 1000:.0f} ms")


if __name__ == "__main__":
    main()
