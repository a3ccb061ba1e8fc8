"""What every notebook's parameters have in common, validated (papermill alone only warns).

Each notebook in ``notebooks/`` has one parameter model, a subclass of
:class:`NotebookParameters` defined with what the notebook presents (a report kind in
:mod:`cqdt.publishing.kinds`, or the explorer), naming the notebook and the kind of document it
produces. The notebook's first code cell after its ``parameters`` cell calls
:meth:`~NotebookParameters.from_namespace`, so a misspelt or unknown parameter stops the
notebook, whether it is run by ``cqdt``, by plain ``papermill -p`` or by hand in JupyterLab.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from cqdt.publishing.outcome import Outcome, relative_path
from cqdt.validation import error_message

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
    paths: ClassVar[tuple[str, ...]] = ("criteria_dir", "data_dir")
    """Parameters that are paths: recorded relative to the working folder (see :meth:`outcome`)."""

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

    def outcome(self, folder: str, inputs: dict[str, dict[str, str]], **record: Any) -> Outcome:
        """The pending report of these parameters in ``folder`` (what the batch runs); ``record``
        fills the other fields of :class:`~cqdt.publishing.outcome.Outcome`.

        Path parameters (:attr:`paths`) are recorded relative to the working folder, as the
        inputs are, so the manifest holds no absolute path and is read back from that folder;
        the notebook gets them absolute (:meth:`Outcome.notebook_parameters`).
        """
        values = self.model_dump()
        for name in self.paths:
            if values[name]:
                values[name] = relative_path(values[name])
        return Outcome(
            self.kind,
            self.title,
            self.notebook,
            self.level,
            self.year,
            folder,
            values,
            inputs,
            paths=list(self.paths),
            **record,
        )

    @field_validator("report_date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        """An empty date or one as ``YYYY-MM-DD`` (the error's type says it in Vietnamese)."""
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError("date_parsing", "not a date") from None
        return value

    @classmethod
    def checked(cls, values: dict[str, Any]) -> Self:
        """Check parameters; raise ``ValueError`` naming, in Vietnamese, every unknown, missing
        or wrong one (what plain ``papermill -p`` shows when the notebook stops)."""
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            lines = []
            for error in err.errors():
                name = ".".join(str(part) for part in error["loc"]) or "?"
                if error["type"] == "extra_forbidden":
                    lines.append(
                        f"tham số «{name}» không có trong sổ {cls.notebook} (gõ nhầm tên?); các "
                        f"tham số: {', '.join(cls.model_fields)}"
                    )
                elif error["type"] == "missing":
                    lines.append(f"thiếu tham số bắt buộc «{name}»")
                else:
                    lines.append(
                        f"tham số «{name}» = {error.get('input')!r} không hợp lệ: "
                        f"{error_message(error, in_yaml=False)}"
                    )
            raise ValueError("Tham số không hợp lệ:\n  " + "\n  ".join(lines)) from None

    @classmethod
    def from_namespace(cls, namespace: dict[str, Any]) -> Self:
        """The parameters a notebook was given, from its global names.

        Call it right after the ``parameters`` cell: every plain value defined so far (text,
        number, yes/no, empty, or a list or mapping of those) is a parameter (the defaults, then
        what papermill injected), so an unknown one fails here. What the notebook itself makes
        (its parameters object, its context, widgets) is not plain, so the notebook can be run
        again in the same kernel, whole or after editing its parameter cell.
        """
        values = {
            name: value
            for name, value in namespace.items()
            if not name.startswith("_") and name not in IPYTHON_NAMES and _plain(value)
        }
        return cls.checked(values)


def _plain(value: object) -> bool:
    """Whether ``value`` is what a parameter cell or papermill can set: JSON-like data."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False
