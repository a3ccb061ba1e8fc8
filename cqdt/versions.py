"""Which criteria set is in force in an evaluation year, among the versions of a criteria folder.

Criteria sets change over time (reference §1: 1784/QĐ-UBND of 2018 was replaced by later
decisions), so a criteria folder holds one sub-folder per version, ``<version>/<level>.yaml``,
each with its validity dates. :func:`find_criteria` applies the rule written in
``criteria/README.md`` (section 1) and, when no set or two sets qualify, says which sets it
found, their dates and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cqdt.criteria import LEVELS, in_force
from cqdt.problems import CriteriaError, Problem, ProblemCode
from cqdt.yamlfile import read_yaml_document


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Validity:
    """One criteria file of a level as found in a criteria folder: its version and dates."""

    path: Path
    version: str
    valid_from: date | None
    """``None`` when the file gives no readable date: it is never in force."""
    valid_to: date | None

    def covers(self, year: int) -> bool:
        return self.valid_from is not None and in_force(self.valid_from, self.valid_to, year)

    def describe(self) -> str:
        """``1784-2018 (criteria/1784-2018/xa.yaml), hiệu lực từ 13/08/2018 đến 31/12/2020``."""
        if self.valid_from is None:
            dates = "không đọc được ngày valid_from"
        else:
            end = f"đến {self.valid_to:%d/%m/%Y}" if self.valid_to else "chưa có ngày hết hiệu lực"
            dates = f"hiệu lực từ {self.valid_from:%d/%m/%Y} {end}"
        return f"{self.version} ({self.path}), {dates}"


def criteria_versions(criteria_dir: str | Path, level: str) -> list[Validity]:
    """Every ``<dir>/<version>/<level>.yaml`` with its version and validity dates."""
    found = []
    for path in sorted(Path(criteria_dir).glob(f"*/{level}.yaml")):
        raw = read_yaml_document(path).data  # a repeated key is reported when it is loaded
        raw = raw if isinstance(raw, dict) else {}
        found.append(
            Validity(
                path,
                str(raw.get("version") or path.parent.name),
                _as_date(raw.get("valid_from")),
                _as_date(raw.get("valid_to")),
            )
        )
    return found


def find_criteria(criteria_dir: str | Path, level: str, year: int) -> Path:
    """The file in force for a level in an evaluation year: ``<dir>/<version>/<level>.yaml``.

    A set is in force from the year of its ``valid_from`` to the year of its ``valid_to``; a set
    without ``valid_to`` stays in force until a later set starts. When several sets are in force
    in a year, the one that started last is used: a new decision replaces the old one from the
    year it takes effect. Two sets starting the same day, or none in force, is an error that
    names the sets found, their dates and what to do (``criteria/README.md``, section 1).
    """
    versions = criteria_versions(criteria_dir, level)
    covering = [v for v in versions if v.covers(year)]
    latest = max((v.valid_from for v in covering if v.valid_from), default=None)
    chosen = [v for v in covering if v.valid_from == latest]
    if len(chosen) == 1:
        return chosen[0].path
    name = LEVELS.get(level, level)
    if chosen:
        message = (
            f"{len(chosen)} bộ tiêu chí {name} cùng bắt đầu hiệu lực ngày {latest:%d/%m/%Y} nên "
            f"không biết dùng bộ nào cho năm {year}: "
            + "; ".join(v.describe() for v in chosen)
            + ". Giữ lại một bộ trong thư mục tiêu chí (chuyển bộ còn lại ra ngoài) hoặc sửa "
            "valid_from cho đúng ngày quyết định có hiệu lực"
        )
    elif versions:
        message = (
            f"không có bộ tiêu chí {name} nào có hiệu lực năm {year}. Các bộ tìm thấy: "
            + "; ".join(v.describe() for v in versions)
            + f". Nếu năm {year} vẫn đánh giá theo một bộ đã hết hiệu lực, sửa valid_to của "
            "bộ đó (bỏ trống: còn hiệu lực đến khi có bộ mới) và ghi căn cứ vào note; nếu có "
            f"quyết định mới, thêm thư mục {Path(criteria_dir) / '<phiên bản mới>' / level}.yaml "
            "với valid_from là ngày quyết định có hiệu lực (xem criteria/README.md, mục 1)"
        )
    else:
        message = (
            f"không có tệp bộ tiêu chí {name} nào ({Path(criteria_dir) / '*' / level}.yaml): "
            "chọn đúng thư mục tiêu chí (--criteria)"
        )
    raise CriteriaError(
        [
            Problem(
                str(criteria_dir),
                f"{name}, năm {year}",
                "valid_from",
                message,
                code=ProblemCode.NOT_EXACTLY_ONE_FILE,
            )
        ]
    )
