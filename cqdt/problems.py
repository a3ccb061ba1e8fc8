"""Problems found in input files, reported to analysts in Vietnamese, all at once.

Every check in the package collects :class:`Problem` records instead of stopping at the
first one, so an analyst can fix a whole file in one pass. A problem names the file, the
place (row and unit, or criterion), the field and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "lỗi"
WARNING = "cảnh báo"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    file: str
    place: str
    field: str
    message: str
    severity: str = ERROR
    row: int = 0
    """Line in the file (1 = header), 0 when the problem is not about one row; for ordering."""

    def __str__(self) -> str:
        parts = [self.file]
        if self.place:
            parts.append(self.place)
        if self.field:
            parts.append(f"trường «{self.field}»")
        return f"[{self.severity}] {', '.join(parts)}: {self.message}"


class InputError(Exception):
    """Raised when an input file has errors; carries every problem found."""

    def __init__(self, problems: Iterable[Problem], omitted: int = 0):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row))  # in file order
        self.omitted = omitted
        """Problems found but not listed (a file with very many), counted in :attr:`lines`."""
        errors = [p for p in self.problems if p.severity == ERROR]
        super().__init__(
            f"Có {len(errors) + omitted} lỗi trong dữ liệu đầu vào:\n" + "\n".join(self.lines)
        )

    @property
    def lines(self) -> list[str]:
        """Every listed problem, one line each, then how many more were not listed."""
        lines = [f"  {p}" for p in self.problems]
        if self.omitted:
            lines.append(
                f"  ... và {self.omitted} lỗi nữa (chỉ liệt kê {len(self.problems)} mục đầu "
                "tiên theo thứ tự trong tệp)"
            )
        return lines


class CriteriaError(InputError):
    """A criteria file is invalid."""


class EvidenceError(InputError):
    """A survey (evidence) file is invalid."""


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """Keep the problems that stop scoring (not the warnings)."""
    return [p for p in problems if p.severity == ERROR]
