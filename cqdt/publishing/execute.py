"""Running the report notebook with papermill, in this Python, and cleaning what it writes.

- :func:`ensure_kernel` registers a kernel that runs *this* interpreter (so a fresh virtual
  environment works without ``ipykernel install`` by hand);
- :func:`execute_report` runs a report notebook with its parameters (validated by the kind's
  model when planned, and again by the notebook itself: papermill only warns on unknown ones)
  and a timeout, and always leaves the executed notebook behind, including the error when a
  cell failed: it is the audit record of the run;
- :func:`clean_notebook` strips volatile metadata (timestamps, absolute paths) and numbers
  the executed cells from 1, so two runs on the same inputs give identical notebooks, whatever
  kernel (new or reused) ran them;
- :class:`ReusedKernel` keeps one started kernel for the notebooks a batch worker runs one after
  another (start-up and imports are paid once), with a clean namespace for each.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

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


CALL = re.compile(r"\.(\w+)\([^()]*\)\s*$")
"""The function a report cell calls last (``report.rankings(ctx)``): the name of its time."""


def clean_notebook(path: Path) -> dict[str, float]:
    """Remove run-specific metadata from an executed notebook, in place; execution counts are
    renumbered 1, 2, 3… (a reused kernel goes on counting from the previous notebook).

    Returns the seconds each cell took (papermill's timings, removed from the notebook), by
    the function the cell calls (``rankings``, ``scorecards``…): where a report's time goes.
    """
    import nbformat  # 1 s (jsonschema): only where notebooks are run, not in the batch's parent

    nb = nbformat.read(path, as_version=4)
    seconds = {}
    for cell in nb.cells:
        duration = cell.metadata.get("papermill", {}).get("duration")
        called = CALL.search(cell.source) if cell.cell_type == "code" else None
        if duration is not None and called:
            seconds[called.group(1)] = round(duration, 3)
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    executed = [c for c in nb.cells if c.cell_type == "code" and c.execution_count is not None]
    for number, cell in enumerate(executed, start=1):
        cell.execution_count = number
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = number
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id on every run
        cell.metadata.pop("execution", None)
        for key in VOLATILE_NOTEBOOK_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
    nbformat.write(nb, path)
    return seconds


RESET = "get_ipython().run_line_magic('reset', '-f')\nimport os\nos.chdir({cwd!r})\ndel os"
"""Run in a reused kernel before each notebook: nothing of the previous one is left but the
imported modules, and relative paths are the new notebook's folder."""


class ReusedKernel:
    """A kernel started once and reused by the notebooks executed one after another.

    Before each notebook its namespace is emptied (``%reset -f``) and its working folder set, so
    a notebook sees only its own parameters, exactly as in a new kernel; only imported modules
    stay, which is the point (starting a kernel and importing pandas, matplotlib and cqdt cost
    about 1.5 s per report). After a failure the kernel is shut down and the next notebook gets
    a new one, since a timed-out cell may still be running.
    """

    def __init__(self) -> None:
        self.manager: AsyncKernelManager | None = None
        self.seconds = 0.0
        """How long the last :meth:`ready` took (kernel start, or reset)."""

    def ready(self, cwd: Path) -> AsyncKernelManager:
        """The kernel manager to hand to papermill: the last kernel, reset, or a new one."""
        start = time.perf_counter()
        if self.manager is None or not run_sync(self._reset)(self.manager, cwd):
            self.shutdown()
            self.manager = AsyncKernelManager(kernel_name=ensure_kernel())
            run_sync(self.manager.start_kernel)(cwd=str(cwd))
        self.seconds = time.perf_counter() - start
        return self.manager

    @staticmethod
    async def _reset(manager: AsyncKernelManager, cwd: Path) -> bool:
        if not await manager.is_alive():
            return False
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive(
                RESET.format(cwd=str(cwd)), timeout=60, output_hook=lambda _: None
            )
            return reply["content"]["status"] == "ok"
        except (RuntimeError, TimeoutError):
            return False
        finally:
            client.stop_channels()

    def shutdown(self) -> None:
        """Stop the kernel, if any (also when the worker ends)."""
        if self.manager is not None and self.manager.has_kernel:
            run_sync(self.manager.shutdown_kernel)(now=True)
        self.manager = None


def execute_report(
    output: Path,
    notebook: Path,
    parameters: dict[str, Any],
    timeout: int = 900,
    kernel: ReusedKernel | None = None,
) -> dict[str, float]:
    """Execute ``notebook`` with ``parameters`` into ``output`` (cwd = its folder); return the
    seconds of its cells (:func:`clean_notebook`).

    Every parameter is passed explicitly (the notebook's own defaults serve interactive use
    only); with ``kernel``, that kernel is reused instead of starting one. Raises papermill's
    errors for failed cells or timeouts; the executed notebook is written and cleaned either
    way.
    """
    import papermill  # 1.4 s: only where notebooks are run, not in the batch's parent

    reuse = {"km": kernel.ready(output.parent)} if kernel else {}
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=ensure_kernel(),
            cwd=str(output.parent),
            execution_timeout=timeout,
            progress_bar=False,
            report_mode=True,
            **reuse,
        )
    except BaseException:
        if kernel:
            kernel.shutdown()
        if output.exists():
            clean_notebook(output)
        raise
    return clean_notebook(output)
