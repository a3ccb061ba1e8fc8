"""Running the report notebook with papermill, in this Python, and cleaning what it writes.

- :func:`ensure_kernel` registers a kernel that runs *this* interpreter (so a fresh virtual
  environment works without ``ipykernel install`` by hand);
- :func:`execute_report` runs the notebook of a kind of report with its validated parameters
  (papermill only warns on unknown ones) and a timeout, and always leaves the executed notebook
  behind, including the error when a cell failed: it is the audit record of the run;
- :func:`clean_notebook` strips volatile metadata (timestamps, absolute paths), so two runs on
  the same inputs give identical notebooks.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from cqdt.publishing.parameters import NotebookParameters

KERNEL_NAME = "cqdt-python3"
LOG_LEVEL = "--IPKernelApp.log_level=ERROR"  # no transport chatter in batch logs


def ensure_kernel() -> str:
    """Register (once) a kernel spec that starts this interpreter; return its name."""
    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(KERNEL_NAME)
        if spec.argv[:1] == [sys.executable] and spec.argv[-1] == LOG_LEVEL:
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        spec_dir = Path(tmp) / KERNEL_NAME
        spec_dir.mkdir()
        (spec_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                        LOG_LEVEL,
                    ],
                    "display_name": "Python (cqdt)",
                    "language": "python",
                    "metadata": {"debugger": False},
                }
            ),
            encoding="utf-8",
        )
        manager.install_kernel_spec(str(spec_dir), KERNEL_NAME, prefix=sys.prefix)
    return KERNEL_NAME


VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path")


def clean_notebook(path: Path) -> None:
    """Remove run-specific metadata from an executed notebook, in place."""
    nb = nbformat.read(path, as_version=4)
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id on every run
        cell.metadata.pop("execution", None)
        for key in VOLATILE_NOTEBOOK_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
    nbformat.write(nb, path)


def execute_report(
    output: Path, params: NotebookParameters, timeout: int = 900, notebook: Path | None = None
) -> None:
    """Execute the notebook of ``params``'s kind into ``output`` (cwd = its folder).

    Every parameter is passed explicitly (the notebook's own defaults serve interactive use
    only); ``notebook`` replaces the kind's notebook (tests). Raises papermill's errors for failed
    cells or timeouts; the executed notebook is written and cleaned either way.
    """
    kernel = ensure_kernel()
    try:
        papermill.execute_notebook(
            str(notebook or params.notebook_path()),
            str(output),
            parameters=params.model_dump(),
            kernel_name=kernel,
            cwd=str(output.parent),
            execution_timeout=timeout,
            progress_bar=False,
            report_mode=True,
        )
    finally:
        if output.exists():
            clean_notebook(output)
