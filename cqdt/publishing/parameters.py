"""The parameters of every report notebook, validated (papermill alone only warns on unknown ones).

Each notebook in ``notebooks/`` has one parameter model here, a subclass of
:class:`NotebookParameters` that names the notebook and the kind of document it produces. The
notebook's first code cell after its ``parameters`` cell calls :meth:`~NotebookParameters.
from_namespace`, so a misspelt or unknown parameter stops the notebook, whether it is run by
``cqdt``, by plain ``papermill -p`` or by hand in JupyterLab.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cqdt.sensitivity.settings import SettingsFields

NOTEBOOKS = Path(str(files("cqdt.notebooks")))
"""The report notebooks (``notebooks/`` of the source tree, package data once installed)."""

IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})
"""Names IPython puts in every notebook's namespace; never parameters."""


class NotebookParameters(BaseModel):
    """What every report notebook takes; subclasses add their own parameters.

    ``kind`` names the document in file names (``<kind>-<level>-<year>.pdf``), ``title`` in
    Vietnamese on the index page, ``notebook`` is the file in :data:`NOTEBOOKS` that presents it.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: ClassVar[str]
    title: ClassVar[str]
    notebook: ClassVar[str]

    level: Literal["tinh", "huyen", "xa"]
    year: int = Field(ge=2000, le=2100)
    criteria_dir: str = "criteria"
    data_dir: str = "data/sample"
    output_dir: str = "."
    report_date: str = ""
    """The date printed on the report (YYYY-MM-DD); empty for today."""

    @property
    def date(self) -> date:
        return date.fromisoformat(self.report_date) if self.report_date else date.today()

    @classmethod
    def notebook_path(cls) -> Path:
        return NOTEBOOKS / cls.notebook

    @classmethod
    def stem(cls, level: str, year: int) -> str:
        """File name (without suffix) of this kind's outputs for a level and year."""
        return f"{cls.kind}-{level}-{year}"

    @classmethod
    def checked(cls, values: dict[str, Any]) -> Self:
        """Check parameters; raise ``ValueError`` naming every unknown or ill-typed one."""
        try:
            params = cls.model_validate(values)
            _ = params.date
        except ValidationError as err:
            lines = []
            for error in err.errors():
                name = ".".join(str(part) for part in error["loc"]) or "?"
                if error["type"] == "extra_forbidden":
                    lines.append(
                        f"tham số «{name}» không có trong sổ {cls.notebook} (gõ nhầm tên?)"
                    )
                elif error["type"] == "missing":
                    lines.append(f"thiếu tham số bắt buộc «{name}»")
                else:
                    lines.append(
                        f"tham số «{name}» = {error.get('input')!r} không hợp lệ: {error['msg']}"
                    )
            raise ValueError("Tham số không hợp lệ:\n  " + "\n  ".join(lines)) from None
        except ValueError as err:
            raise ValueError(
                f"Tham số không hợp lệ: report_date phải dạng NNNN-TT-NN ({err})"
            ) from None
        return params

    @classmethod
    def from_namespace(cls, namespace: dict[str, Any]) -> Self:
        """The parameters a notebook was given, from its global names.

        Call it right after the ``parameters`` cell: every plain value defined so far is a
        parameter (the defaults, then what papermill injected), so an unknown one fails here.
        """
        values = {
            name: value
            for name, value in namespace.items()
            if not name.startswith("_")
            and name not in IPYTHON_NAMES
            and not isinstance(value, ModuleType | type)
            and not callable(value)
        }
        return cls.checked(values)


class ReportParameters(NotebookParameters):
    """The official report of one level and year (``notebooks/bao_cao.ipynb``)."""

    kind: ClassVar[str] = "bao-cao"
    title: ClassVar[str] = "Báo cáo kết quả đánh giá"
    notebook: ClassVar[str] = "bao_cao.ipynb"

    criteria_file: str = ""
    """A criteria file to use instead of the one in force in ``criteria_dir``."""
    survey_file: str = ""
    """A survey file to use instead of ``<data_dir>/<year>/<level>.csv``."""
    compare_year: int = 0
    """The year to compare with; 0 for none."""
    document_file: str = ""
    """Administrative parts of the document (``van_ban.yaml``); empty: the data folder's, if any."""


class ScenarioParameters(NotebookParameters):
    """A what-if scenario applied to one year (``notebooks/kich_ban.ipynb``).

    ``level`` must be the scenario's base level (the notebook checks it).
    """

    kind: ClassVar[str] = "kich-ban"
    title: ClassVar[str] = "Báo cáo kịch bản giả định"
    notebook: ClassVar[str] = "kich_ban.ipynb"

    scenario_file: str
    """The scenario YAML file (see ``criteria/README.md``)."""


class ExplorerParameters(NotebookParameters):
    """The interactive explorer (``notebooks/kham_pha.ipynb``); not a published report."""

    kind: ClassVar[str] = "kham-pha"
    title: ClassVar[str] = "Khám phá kịch bản"
    notebook: ClassVar[str] = "kham_pha.ipynb"

    scenario_file: str = ""
    """A scenario to apply from the start; empty for none."""


class CorrectionParameters(NotebookParameters):
    """The change report after appeals (``notebooks/dinh_chinh.ipynb``)."""

    kind: ClassVar[str] = "dinh-chinh"
    title: ClassVar[str] = "Báo cáo đính chính kết quả sau phúc khảo"
    notebook: ClassVar[str] = "dinh_chinh.ipynb"

    published_run: str
    """The published run folder (``cqdt score`` or ``cqdt report``), only read."""
    survey_file: str
    """The corrected survey file."""
    criteria_file: str = ""
    """A criteria file to use instead of the one in force in ``criteria_dir``."""


class SensitivityParameters(SettingsFields, NotebookParameters):
    """The weight sensitivity report of one level and year (``notebooks/do_nhay.ipynb``).

    Its settings fields (scheme, by, n, delta, …) come from their one definition,
    :mod:`cqdt.sensitivity.settings`, with the bounds of a published study (δ > 0).
    """

    kind: ClassVar[str] = "do-nhay"
    title: ClassVar[str] = "Phân tích độ nhạy của trọng số"
    notebook: ClassVar[str] = "do_nhay.ipynb"


KINDS: dict[str, type[NotebookParameters]] = {
    model.kind: model
    for model in (
        ReportParameters,
        SensitivityParameters,
        ScenarioParameters,
        CorrectionParameters,
    )
}
"""Every kind of report, by its ``kind``."""
