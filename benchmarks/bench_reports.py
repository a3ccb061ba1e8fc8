"""Benchmark of the publishing batch: the sample reports with every output, and where time goes.

Runs ``cqdt report`` on ``data/sample`` (3 levels x 3 years: HTML, PDF, Excel, Word annex,
scorecard annex and one scorecard per unit) with ``--jobs <cores>`` (or the ``--jobs`` given),
and prints:

- wall time, and CPU time of the whole process tree (the machine may be shared: CPU time is
  the steadier figure; Linux only), with the load average before and after (other work on
  the machine lengthens the wall time);
- per report, from the run's manifest: kernel start (or reset of the reused kernel, part of
  execution), notebook execution, HTML, Word report, PDF of the main report, annexes (PDF and
  per-unit files), audit record;
- the same time by what it is spent on (summed over the reports): kernel, scoring and the
  robustness study (``prepare``), charts (the cells that draw them: ranking and analysis
  sections), other sections, scorecards (their cell and their PDF), tables and the Word
  annex (``write_outputs``), HTML, Word report, PDF, audit record;
- the cost of importing the batch module and of a kernel start with one cell.

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_reports.py [--level huyen] [--jobs 1 2] [--no-pdf]
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
STAGES = ("kernel", "execute", "html", "word", "pdf", "annex", "audit")
USES = {
    "kernel": ("kernel",),
    "prepare": ("cell:prepare",),
    "charts": ("cell:rankings", "cell:analysis"),
    "scorecards": ("cell:scorecards", "annex"),
    "tables+annex II": ("cell:write_outputs",),
    "html": ("html",),
    "word": ("word",),
    "pdf": ("pdf",),
    "audit": ("audit",),
}
"""What the time is spent on, from the stages and cells (``cell:<function>``) of the manifest;
``other sections`` is the rest of ``execute``."""


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


def import_seconds(module: str) -> float:
    """Wall time of importing ``module`` in a new interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Note the CPU seconds so far of ``root`` and every process under it (Linux ``/proc``).

    Workers are forked from a server and kernels outlive each report, so the usage of waited
    children (``getrusage``) would miss most of the work: the tree is polled instead; what a
    process spends after the last poll before it ends (under 0.1 s) is missed.
    """
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, (parent, _) in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    tick = os.sysconf("SC_CLK_TCK")
    for pid in tree & parents.keys():
        seen[pid] = parents[pid][1] / tick


def batch(jobs: int, level: str, out: Path, pdf: bool) -> tuple[float, float, list[dict]]:
    """Run the sample batch with ``jobs`` workers: wall seconds, CPU seconds, runs' records."""
    command = [sys.executable, "-m", "cqdt", "report", "--jobs", str(jobs), "--level", level]
    command += ["--out", str(out / f"jobs{jobs}")] + ([] if pdf else ["--no-pdf"])
    start, seen = time.perf_counter(), {}
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None:
        tree_cpu(process.pid, seen)
        time.sleep(0.1)
    if process.returncode:
        raise SystemExit(process.stderr.read().decode()[-2000:])
    wall, cpu = time.perf_counter() - start, sum(seen.values())
    (manifest,) = out.glob(f"jobs{jobs}/*/manifest.json")
    return wall, cpu, json.loads(manifest.read_text(encoding="utf-8"))["runs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="all", help="tinh, huyen, xa or all (default)")
    parser.add_argument("--jobs", type=int, nargs="*", help="worker counts (default: cores)")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"CPU cores: {cores}; level: {args.level}; PDF: {not args.no_pdf}")
        print(f"import cqdt.publishing.batch: {import_seconds('cqdt.publishing.batch'):.2f} s")
        print(f"kernel start-up + one cell + shutdown: {kernel_startup_seconds(out):.2f} s")
        for jobs in args.jobs or [cores]:
            load = os.getloadavg()[0]
            wall, cpu, runs = batch(jobs, args.level, out, not args.no_pdf)
            print(
                f"\n--jobs {jobs}: {len(runs)} reports in {wall:.1f} s wall, {cpu:.1f} s CPU "
                f"(load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)"
            )
            print(f"  {'report':<12}" + "".join(f"{stage:>9}" for stage in STAGES))
            totals = dict.fromkeys(STAGES, 0.0)
            for run in runs:
                seconds = run["seconds"]
                for stage in STAGES:
                    totals[stage] += seconds.get(stage, 0.0)
                print(
                    f"  {run['level'] + '-' + str(run['year']):<12}"
                    + "".join(f"{seconds.get(stage, 0):>9.1f}" for stage in STAGES)
                )
            print(
                "  sum of stage times: "
                + ", ".join(f"{k} {v:.1f} s" for k, v in totals.items())
                + " (kernel is part of execute)"
            )
            uses = {
                use: sum(run["seconds"].get(key, 0.0) for run in runs for key in keys)
                for use, keys in USES.items()
            }
            counted = sum(uses[u] for u in ("kernel", "prepare", "charts", "tables+annex II"))
            counted += sum(run["seconds"].get("cell:scorecards", 0.0) for run in runs)
            uses["other sections"] = totals["execute"] - counted
            print("  by use: " + ", ".join(f"{k} {v:.1f} s" for k, v in uses.items()))


if __name__ == "__main__":
    main()
