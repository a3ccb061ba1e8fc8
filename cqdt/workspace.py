"""Where the inputs live: a criteria folder and a data folder, and scoring from them.

The command line, the report notebook and the tests all go through :class:`Workspace`, so
the rule for finding "the criteria in force for this level and year" and "the survey file of
this level and year" exists once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cqdt.criteria import LEVELS, load_criteria
from cqdt.evidence import UNIT, find_evidence, load_evidence
from cqdt.problems import EvidenceError, Problem, ProblemCode
from cqdt.register import load_units
from cqdt.scoring import ScoreResult, score
from cqdt.versions import find_criteria

UNITS_FILE = "don_vi.csv"
SYNTHETIC_MARKER = "GIA_LAP"
"""A file of this name in the data folder marks its data as synthetic (sample data)."""


@dataclass(frozen=True)
class Workspace:
    """A criteria folder (``<version>/<level>.yaml``) and a data folder (``<year>/<level>.csv``)."""

    criteria_dir: Path
    data_dir: Path

    @classmethod
    def at(cls, criteria_dir: str | Path, data_dir: str | Path) -> Workspace:
        return cls(Path(criteria_dir), Path(data_dir))

    @property
    def units_file(self) -> Path:
        return self.data_dir / UNITS_FILE

    @property
    def synthetic(self) -> bool:
        """Whether the data folder is marked as synthetic data (:data:`SYNTHETIC_MARKER`)."""
        return (self.data_dir / SYNTHETIC_MARKER).exists()

    def districts(self, level: str) -> pd.Series | None:
        """Unit -> the unit it belongs to (``thuoc`` in the register), if the register says."""
        if not self.units_file.exists():
            return None
        units = load_units(self.units_file)
        if "thuoc" not in units:
            return None
        own = units[(units["cap"] == level) & (units["thuoc"] != "")]
        return own.drop_duplicates(UNIT).set_index(UNIT)["thuoc"] if len(own) else None

    def surveys(self, level: str = "all", year: int | str = "all") -> pd.DataFrame:
        """Survey files found, optionally filtered: columns level, year, path."""
        found = find_evidence(self.data_dir)
        if level != "all":
            found = found[found["level"] == level]
        if str(year) != "all":
            found = found[found["year"] == int(year)]
        order = found["level"].map(list(LEVELS).index)
        return found.assign(_o=order).sort_values(["_o", "year"]).drop(columns="_o")

    def survey(self, level: str, year: int) -> Path:
        """The survey file of one level and year."""
        found = self.surveys(level, year)
        if len(found) != 1:
            raise EvidenceError(
                [
                    Problem(
                        str(self.data_dir),
                        f"{LEVELS.get(level, level)}, năm {year}",
                        "",
                        f"cần đúng một tệp {year}/{level}.csv hoặc .xlsx, tìm thấy {len(found)}",
                        code=ProblemCode.NOT_EXACTLY_ONE_FILE,
                    )
                ]
            )
        return Path(found["path"].iloc[0])

    def register(self) -> pd.DataFrame | None:
        """The checked register of units (``don_vi.csv``), or ``None`` if the folder has none."""
        return load_units(self.units_file) if self.units_file.exists() else None

    def criteria_file(self, level: str, year: int) -> Path:
        """The criteria file in force for a level and year."""
        return find_criteria(self.criteria_dir, level, year)

    def score(
        self,
        level: str,
        year: int,
        survey: str | Path | None = None,
        criteria_file: str | Path | None = None,
    ) -> ScoreResult:
        """Check and score one level and year; ``survey`` and ``criteria_file`` override."""
        criteria = load_criteria(criteria_file or self.criteria_file(level, year))
        path = Path(survey) if survey else self.survey(level, year)
        return score(criteria, load_evidence(path, criteria, year, units=self.register()))
