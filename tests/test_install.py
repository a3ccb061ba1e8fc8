"""A real, non-editable install: the wheel carries notebooks, templates and fonts, and
``cqdt report`` run from another folder makes a report with them.

The wheel is built by pip (as ``pip install .`` would), installed without dependencies into a
new virtual environment that borrows this environment's libraries, and run from a folder
outside the source tree, so nothing can come from the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CRITERIA, ROOT, SAMPLE

pytestmark = pytest.mark.slow  # builds and installs the wheel, then runs `cqdt report`


def test_wheel_installs_and_reports_outside_the_source_tree(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("cqdt-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "cqdt/notebooks/bao_cao.ipynb",
        "cqdt/publishing/templates/cqdt/report.css",
        "cqdt/publishing/templates/cqdt/index.html.j2",
        "cqdt/publishing/templates/cqdt/conf.json",
        "cqdt/publishing/fonts/LiberationSerif-Regular.ttf",
        "cqdt/publishing/fonts/LiberationSerif-BoldItalic.ttf",
        "cqdt/publishing/fonts/LICENSE",
    ):
        assert shipped in names, shipped

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the dependencies come from this environment; cqdt itself only from the wheel
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", wheel],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # nbconvert's own base templates are data files of this environment, not of the new one
    env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    command = ["report", "--level", "huyen", "--year", "2020", "--no-pdf", "--out", "ket-qua"]
    done = subprocess.run(
        [env_dir / "bin" / "cqdt", *command, "--criteria", CRITERIA, "--data", SAMPLE],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = (elsewhere / "ket-qua").iterdir()
    report = run / "huyen-2020"
    assert (report / "bao-cao-huyen-2020.html").stat().st_size > 10_000
    assert (report / "phu-luc-xep-hang-huyen-2020.docx").exists()
    spec = (env_dir / "share" / "jupyter" / "kernels" / "cqdt-python3" / "kernel.json").read_text()
    assert str(python) in spec  # the report ran in the installed copy's own kernel
