"""What exploring costs: each scenario, several side by side, a slider move, the next level,
a multi-year panel.

Run from the repository root: ``.venv/bin/python benchmarks/bench_whatif.py``. Prints, on the
sample data of 2020 (the year scored once beforehand, as the command and the explorer do):

- for each scenario in ``criteria/kich-ban/``: checking the file; re-aggregating the points
  matrix with the comparison and transition tables;
- the side-by-side table of every scenario of a level (what ``cqdt whatif A B …`` adds);
- one explorer update after a group slider moves: until the ranking table is set (what the
  analyst waits for), and the whole update (counts and chart too);
- what every unit needs for the next level (:func:`cqdt.next_level.next_level`);
- the multi-year panel of a level over 2018–2020 (scoring the three years, then the panel).

Median of 5 runs.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cqdt.explorer import Explorer, ExplorerParameters
from cqdt.next_level import next_level
from cqdt.panel import build_panel, wide_table
from cqdt.scenarios import apply_scenario, find_scenarios, load_scenario
from cqdt.whatif_tables import scenario_labels, side_by_side
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
        scenarios = [load_scenario(p, CRITERIA) for p in find_scenarios(CRITERIA, level)]
        result = workspace.score(level, YEAR)
        what_ifs = [apply_scenario(s, result) for s in scenarios]

        def beside(w=what_ifs) -> None:
            side_by_side(w, scenario_labels(len(w)))

        print(
            f"{len(what_ifs)} kịch bản {level} cạnh nhau (áp dụng sẵn): bảng đối chiếu "
            f"{median_seconds(beside) * 1000:.0f} ms"
        )
    for level in ("huyen", "xa"):
        explorer = Explorer(
            ExplorerParameters(
                level=level, year=YEAR, criteria_dir=str(CRITERIA), data_dir=str(DATA)
            )
        )
        slider = explorer.weights.children[0].children[0]
        stamps: list[float] = []
        explorer.table.observe(lambda _, t=stamps: t.append(time.perf_counter()), names="value")
        to_table, whole = [], []
        for value in (1.1, 1.2, 1.3, 1.4, 1.5):
            start = time.perf_counter()
            slider.value = value
            whole.append(time.perf_counter() - start)
            to_table.append(stamps[-1] - start)
        print(
            f"sổ khám phá, {level}: một lần kéo thanh trượt: bảng xếp hạng sau "
            f"{statistics.median(to_table) * 1000:.0f} ms, cả lần cập nhật "
            f"{statistics.median(whole) * 1000:.0f} ms"
        )
    for level in ("huyen", "xa"):
        result = workspace.score(level, YEAR)
        took = median_seconds(lambda r=result: next_level(r))
        print(f"cần gì để lên mức, {level}, mọi đơn vị và phần: {took * 1000:.0f} ms")
    for level in ("huyen", "xa"):
        start = time.perf_counter()
        results = {year: workspace.score(level, year) for year in (2018, 2019, 2020)}
        scored = time.perf_counter() - start

        def panel(r=results) -> None:
            built = build_panel(r, workspace.register())
            _ = built.transitions, built.mergers, [wide_table(built, p) for p in built.parts]

        print(
            f"nhiều năm, {level} 2018–2020: chấm ba năm {scored * 1000:.0f} ms, bảng nhiều năm "
            f"{median_seconds(panel) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
