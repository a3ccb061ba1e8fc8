"""The report notebook's parameters, validated (papermill alone only warns on unknown ones)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "bao_cao.ipynb"
"""The report notebook (``notebooks/bao_cao.ipynb`` in the source tree)."""


class ReportParameters(BaseModel):
    """Everything one report run depends on; the notebook's ``parameters`` cell mirrors it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    level: Literal["tinh", "huyen", "xa"]
    year: int = Field(ge=2000, le=2100)
    criteria_dir: str = "criteria"
    criteria_file: str = ""
    """A criteria file to use instead of the one in force in ``criteria_dir``."""
    data_dir: str = "data/sample"
    survey_file: str = ""
    """A survey file to use instead of ``<data_dir>/<year>/<level>.csv``."""
    compare_year: int = 0
    """The year to compare with; 0 for none."""
    output_dir: str = "."
    report_date: str = ""
    """The date printed on the report (YYYY-MM-DD); empty for today."""

    @property
    def date(self) -> date:
        return date.fromisoformat(self.report_date) if self.report_date else date.today()


def validate_parameters(values: dict[str, Any]) -> ReportParameters:
    """Check parameters; raise ``ValueError`` naming every unknown or ill-typed one."""
    try:
        params = ReportParameters.model_validate(values)
        _ = params.date
    except ValidationError as err:
        lines = []
        for error in err.errors():
            name = ".".join(str(part) for part in error["loc"]) or "?"
            if error["type"] == "extra_forbidden":
                lines.append(f"tham số «{name}» không có trong sổ báo cáo (gõ nhầm tên?)")
            elif error["type"] == "missing":
                lines.append(f"thiếu tham số bắt buộc «{name}»")
            else:
                lines.append(
                    f"tham số «{name}» = {error.get('input')!r} không hợp lệ: {error['msg']}"
                )
        raise ValueError("Tham số báo cáo không hợp lệ:\n  " + "\n  ".join(lines)) from None
    except ValueError as err:
        raise ValueError(
            f"Tham số báo cáo không hợp lệ: report_date phải dạng NNNN-TT-NN ({err})"
        ) from None
    return params
