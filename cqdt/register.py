"""The register of units (``don_vi.csv``): who existed when, and who continues into whom.

Columns: ``cap`` (level), ``ma_don_vi`` (code, unique), ``don_vi`` (name), ``thuoc`` (parent),
``tu_nam`` / ``den_nam`` (first and last year the unit existed; blank = open), and, for a unit
that ended because it was merged or renamed:

- ``ke_thua``: the ``ma_don_vi`` of the unit it continues into (its successor);
- ``thay_doi``: ``sáp nhập`` when it merged with others into the successor (every unit of the
  merger says so), ``đổi tên`` (or blank) when it simply continues under another name or code.

A unit merged into one that goes on (an absorption: Vinh Phú into Vinh Thái, whose row has no
``ke_thua``) says ``sáp nhập`` and names the continuing unit as its successor.

:func:`load_units` reads and checks the register (every problem at once, in Vietnamese);
:func:`continuity` tells, between two years, which units are comparable (the same unit, renamed,
or one that absorbed others), which were merged away and which are new, with their predecessors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cqdt.problems import EvidenceError, Problem, ProblemCode, errors_only
from cqdt.reading import normalise_names, read_table

LEVEL, CODE, NAME = "cap", "ma_don_vi", "don_vi"
SUCCESSOR, CHANGE = "ke_thua", "thay_doi"
MERGER, RENAME = "sáp nhập", "đổi tên"
CHANGES = {"sáp nhập": MERGER, "sap nhap": MERGER, "đổi tên": RENAME, "doi ten": RENAME, "": ""}
"""Accepted spellings of ``thay_doi`` (lower case, with or without diacritics)."""

SAME, RENAMED, ABSORBED, MERGED_AWAY, ENDED, NEW = (
    "giữ nguyên",
    "đổi tên",
    "nhận sáp nhập",
    "đã sáp nhập",
    "không còn",
    "mới",
)
"""What happened to a unit between two years (:func:`continuity`). ``nhận sáp nhập``: the unit
goes on under its own code and absorbed the units merged into it."""
COMPARABLE = (SAME, RENAMED, ABSORBED)
"""Units present in both years as themselves: their ranks and levels can be compared."""


def load_units(path: str | Path) -> pd.DataFrame:
    """Read and check the register of units; raise :class:`EvidenceError` listing every problem."""
    table = read_table(path)
    missing = [c for c in (LEVEL, CODE, NAME) if c not in table.columns]
    if missing:
        raise EvidenceError(
            [
                Problem(
                    str(path),
                    "",
                    c,
                    "thiếu cột bắt buộc của danh mục đơn vị",
                    code=ProblemCode.MISSING_COLUMN,
                )
                for c in missing
            ]
        )
    table[NAME] = normalise_names(table[NAME])
    for column in ("tu_nam", "den_nam"):
        values = table[column] if column in table else pd.Series("", index=table.index)
        table[column] = pd.to_numeric(values.replace("", None), errors="coerce")
    for column in (SUCCESSOR, CHANGE):
        table[column] = table.get(column, "")
    problems = register_problems(table, str(path))
    if errors_only(problems):
        raise EvidenceError(problems)
    table[CHANGE] = table[CHANGE].str.lower().map(CHANGES)
    return table


def register_problems(table: pd.DataFrame, file: str) -> list[Problem]:
    """Problems of a register read by :func:`load_units` (index = line in the file)."""

    def at(mask: pd.Series, field: str, message: str, code: ProblemCode) -> list[Problem]:
        return [
            Problem(
                file, f"dòng {i}, đơn vị «{table.at[i, NAME]!s}»", field, message, row=i, code=code
            )
            for i in table.index[mask.fillna(False).astype(bool)]
        ]

    code, successor = table[CODE], table[SUCCESSOR]
    change = table[CHANGE].str.lower()
    has_successor = successor != ""
    by_code = table.drop_duplicates(CODE).set_index(CODE)
    known = successor.isin(by_code.index)
    target = by_code.reindex(successor)
    target.index = table.index
    shared = has_successor & successor.duplicated(keep=False)
    merged = change.map(CHANGES) == MERGER
    problems = at(code == "", CODE, "mã đơn vị để trống", ProblemCode.BLANK_UNIT_CODE)
    problems += at(
        code.duplicated(keep="first") & (code != ""),
        CODE,
        "mã đơn vị bị trùng",
        ProblemCode.DUPLICATE_UNIT_CODE,
    )
    problems += at(
        ~change.isin(CHANGES),
        CHANGE,
        "phải là «sáp nhập», «đổi tên» hoặc để trống",
        ProblemCode.UNKNOWN_CHANGE,
    )
    problems += at(
        (change != "") & ~has_successor,
        CHANGE,
        f"cần mã đơn vị kế thừa ở cột «{SUCCESSOR}»",
        ProblemCode.MISSING_SUCCESSOR,
    )
    problems += at(
        has_successor & (successor == code),
        SUCCESSOR,
        "đơn vị không thể kế thừa chính nó",
        ProblemCode.SELF_SUCCESSOR,
    )
    problems += at(
        has_successor & ~known,
        SUCCESSOR,
        "mã đơn vị kế thừa không có trong danh mục",
        ProblemCode.UNKNOWN_SUCCESSOR,
    )
    problems += at(
        shared & ~merged,
        CHANGE,
        "nhiều đơn vị cùng kế thừa vào một đơn vị: ghi «sáp nhập» ở cột thay_doi của mỗi đơn vị "
        "được sáp nhập",
        ProblemCode.MERGER_NOT_MARKED,
    )
    problems += at(
        has_successor & known & (target[LEVEL] != table[LEVEL]),
        SUCCESSOR,
        "đơn vị kế thừa thuộc cấp khác",
        ProblemCode.SUCCESSOR_OTHER_LEVEL,
    )
    problems += at(
        has_successor & table["den_nam"].isna(),
        "den_nam",
        "đơn vị có kế thừa phải có năm cuối",
        ProblemCode.MISSING_END_YEAR,
    )
    problems += at(
        has_successor & known & (target["tu_nam"] > table["den_nam"] + 1),
        SUCCESSOR,
        "đơn vị kế thừa bắt đầu muộn hơn năm sau năm cuối của đơn vị này",
        ProblemCode.SUCCESSOR_STARTS_LATE,
    )
    coexisting = target["tu_nam"].isna() | (target["tu_nam"] <= table["den_nam"])
    problems += at(
        has_successor & known & (successor != code) & ~merged & ~shared & coexisting,
        CHANGE,
        "đơn vị kế thừa đã tồn tại cùng năm với đơn vị này, nên đây không phải đổi tên: nếu đơn "
        "vị này nhập vào đơn vị kế thừa, ghi «sáp nhập»",
        ProblemCode.RENAMED_INTO_EXISTING,
    )
    return problems


def units_in(units: pd.DataFrame, level: str, year: int) -> pd.DataFrame:
    """Units of a level that existed in a year."""
    alive = (units["tu_nam"].isna() | (units["tu_nam"] <= year)) & (
        units["den_nam"].isna() | (units["den_nam"] >= year)
    )
    return units[(units["cap"] == level) & alive]


def continuity(units: pd.DataFrame, level: str, before: int, year: int) -> pd.DataFrame:
    """What became of every unit of a level between two years, following ``ke_thua``.

    One row per unit alive in ``before`` or in ``year``: ``unit_before`` and ``unit`` (names;
    empty where the unit does not exist that year), ``status`` (``giữ nguyên``, ``đổi tên``,
    ``nhận sáp nhập``, ``đã sáp nhập``, ``không còn``, ``mới``), ``successor`` (of a unit merged
    away) and ``predecessors`` (of a new unit, of a renamed one, and the units a continuing
    unit absorbed; ``"; "``-separated). :data:`COMPARABLE` rows are comparable: a unit that
    absorbed others is still itself (same code), never both merged away and new.
    """
    first, last = units_in(units, level, before), units_in(units, level, year)
    names = units.drop_duplicates(CODE).set_index(CODE)[NAME]
    successor = units.drop_duplicates(CODE).set_index(CODE)[SUCCESSOR]
    target = pd.Series(first[CODE].to_numpy(), index=first[CODE].to_numpy())
    for _ in range(len(units)):  # follow chains of successors until each reaches `year`
        moving = ~target.isin(last[CODE]) & target.map(successor).fillna("").ne("")
        if not moving.any():
            break
        target[moving] = target[moving].map(successor)
    target = target.where(target.isin(last[CODE]))
    sharing = target.map(target.value_counts()).fillna(0)
    old = pd.DataFrame({"code_before": target.index, "code": target.to_numpy()})
    old["status"] = SAME
    old.loc[old["code"].isna(), "status"] = ENDED
    old.loc[old["code"].notna() & (old["code"] != old["code_before"]), "status"] = RENAMED
    shared = sharing.to_numpy() > 1
    goes_on = old["code"] == old["code_before"]  # the unit others merged into goes on
    old.loc[shared & ~goes_on, "status"] = MERGED_AWAY
    old.loc[shared & goes_on, "status"] = ABSORBED
    kept = old[old["status"].isin(COMPARABLE)]
    new = last[~last[CODE].isin(kept["code"])][[CODE]].rename(columns={CODE: "code"})
    merged = old[old["status"] == MERGED_AWAY]
    merged_into = merged.groupby("code")["code_before"].agg(lambda codes: "; ".join(names[codes]))
    new["predecessors"] = new["code"].map(merged_into)
    new["status"] = NEW
    old["predecessors"] = old["code"].map(merged_into).where(old["status"] == ABSORBED)
    table = pd.concat([old, new], ignore_index=True)
    table["unit_before"] = table["code_before"].map(names).fillna("")
    table["unit"] = table["code"].map(names).where(table["status"] != MERGED_AWAY).fillna("")
    table["successor"] = table["code"].map(names).where(table["status"] == MERGED_AWAY)
    table["predecessors"] = table["predecessors"].where(
        table["status"] != RENAMED, table["unit_before"]
    )
    table[["successor", "predecessors"]] = table[["successor", "predecessors"]].fillna("")
    return table[["unit_before", "unit", "status", "successor", "predecessors"]]
