"""Benchmark of the publishing batch: the sample reports, one at a time and in parallel.

Runs ``cqdt report`` on ``data/sample`` (3 levels x 3 years, HTML + PDF + Excel) with
``--jobs 1`` and with ``--jobs <cores>``, then reads each run's manifest to show where the
time goes (notebook execution incl. kernel start-up, HTML conversion, PDF rendering), and
times a one-cell notebook to isolate kernel start-up. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_reports.py [--level huyen] [--no-pdf]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from cqdt.publishing.execute import ensure_kernel

ROOT = Path(__file__).resolve().parents[1]


def kernel_startup_seconds(folder: Path) -> float:
    """Wall time of papermill on a one-cell notebook: kernel start, run, shutdown."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1")]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    source = folder / "empty.ipynb"
    nbformat.write(nb, source)
    kernel = ensure_kernel()
    start = time.perf_counter()
    papermill.execute_notebook(
        str(source), str(folder / "out.ipynb"), kernel_name=kernel, progress_bar=False
    )
    return time.perf_counter() - start


def batch(jobs: int, level: str, out: Path, pdf: bool) -> tuple[float, list[dict]]:
    """Run the sample batch with ``jobs`` workers; return wall seconds and the runs' records."""
    command = [
        sys.executable,
        "-m",
        "cqdt",
        "report",
        "--jobs",
        str(jobs),
        "--level",
        level,
        "--out",
        str(out / f"jobs{jobs}"),
    ]
    start = time.perf_counter()
    subprocess.run(
        command + ([] if pdf else ["--no-pdf"]), cwd=ROOT, check=True, capture_output=True
    )
    seconds = time.perf_counter() - start
    (manifest,) = out.glob(f"jobs{jobs}/*/manifest.json")
    return seconds, json.loads(manifest.read_text(encoding="utf-8"))["runs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="all", help="tinh, huyen, xa or all (default)")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"CPU cores: {cores}; level: {args.level}; PDF: {not args.no_pdf}")
        print(f"kernel start-up + one cell + shutdown: {kernel_startup_seconds(out):.2f} s")
        for jobs in sorted({1, cores}):
            wall, runs = batch(jobs, args.level, out, not args.no_pdf)
            print(f"\n--jobs {jobs}: {len(runs)} reports in {wall:.1f} s wall")
            print(f"  {'report':<12}{'execute':>9}{'html':>7}{'pdf':>7}")
            totals: dict[str, float] = {}
            for run in runs:
                s = run["seconds"]
                for key, value in s.items():
                    totals[key] = totals.get(key, 0.0) + value
                print(
                    f"  {run['level'] + '-' + str(run['year']):<12}{s.get('execute', 0):>9.1f}"
                    f"{s.get('html', 0):>7.1f}{s.get('pdf', 0):>7.1f}"
                )
            print("  sum of stage times: " + ", ".join(f"{k} {v:.1f} s" for k, v in totals.items()))


if __name__ == "__main__":
    main()
