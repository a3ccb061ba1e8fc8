"""Problems found in input files, reported to analysts in Vietnamese, all at once.

Every check in the package collects :class:`Problem` records instead of stopping at the
first one, so an analyst can fix a whole file in one pass. A problem names the file, the
place (row and unit, or criterion), the field and what is wrong, and carries a stable
English :class:`ProblemCode` saying which kind of problem it is: advice, counts and tests
key on the code, never on the wording of the message, which may change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum, unique

ERROR = "lỗi"
WARNING = "cảnh báo"


@unique
class ProblemCode(StrEnum):
    """The kind of a problem: a short stable English identifier, one per check."""

    # files that cannot be read as a table or a YAML document
    FILE_NOT_FOUND = "file_not_found"
    """The file does not exist."""
    NOT_A_FILE = "not_a_file"
    """The path is a folder, not a file."""
    UNREADABLE_FILE = "unreadable_file"
    """The file could not be opened or parsed, for a reason the message quotes."""
    EMPTY_FILE = "empty_file"
    """The file has 0 bytes."""
    NO_DATA_ROWS = "no_data_rows"
    """A table with a header and no data row."""
    TOO_MANY_ROWS = "too_many_rows"
    """More rows than a survey can have; only the first are checked."""
    NOT_EXCEL = "not_excel"
    """Not an XLSX workbook (by its content), whatever its name."""
    NOT_A_TABLE = "not_a_table"
    """A PDF, picture, Word file, archive, web page or other file that is no CSV or workbook."""
    OLD_EXCEL_FORMAT = "old_excel_format"
    """An Excel 97-2003 ``.xls`` file."""
    ENCRYPTED_WORKBOOK = "encrypted_workbook"
    """A password-protected (encrypted) workbook."""
    CORRUPT_WORKBOOK = "corrupt_workbook"
    """An XLSX file openpyxl cannot open."""
    FILE_TOO_LARGE = "file_too_large"
    """An XLSX file far larger than any survey form."""
    BLANK_WORKBOOK = "blank_workbook"
    """Every sheet of the workbook is empty."""
    NOT_UTF8 = "not_utf8"
    """Text in a legacy encoding (Windows-1258, TCVN3, Latin-1), not UTF-8."""
    UTF16_ENCODING = "utf16_encoding"
    """A CSV file in UTF-16 (Excel's «Unicode Text»)."""
    WRONG_DELIMITER = "wrong_delimiter"
    """CSV columns separated by ``;`` or tab instead of commas."""
    TOO_MANY_CELLS = "too_many_cells"
    """A CSV row with more cells than the header."""
    MERGED_CELLS = "merged_cells"
    """Merged cells in a sheet that must have one value per cell."""
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    """A formula whose result Excel never computed and saved."""
    EXCEL_ERROR_VALUE = "excel_error_value"
    """A cell holding an Excel error (``#DIV/0!``, ``#N/A``...), the result of a broken formula."""
    YAML_SYNTAX = "yaml_syntax"
    """The YAML text cannot be parsed."""
    REPEATED_YAML_KEY = "repeated_yaml_key"
    """A key written twice in one YAML mapping."""
    NOT_A_MAPPING = "not_a_mapping"
    """A YAML document that is empty or not ``key: value`` pairs."""
    NOT_EXACTLY_ONE_FILE = "not_exactly_one_file"
    """Exactly one file was needed where none or several were found."""
    MISSING_INPUT = "missing_input"
    """A file or folder named on the command line is missing or not what it should be."""

    # columns and fields
    DUPLICATE_COLUMN = "duplicate_column"
    """Two columns with the same header."""
    MISSING_COLUMN = "missing_column"
    """A required column is missing."""
    UNKNOWN_COLUMN = "unknown_column"
    """A survey column the criteria do not declare (ignored)."""
    MISSING_FIELD = "missing_field"
    """A required field of a YAML document is missing."""
    UNKNOWN_FIELD = "unknown_field"
    """A field a YAML document may not have (a misspelt name?)."""
    INVALID_VALUE = "invalid_value"
    """A YAML field of the wrong type, pattern or range."""

    # survey values
    BLANK_VALUE = "blank_value"
    """A blank cell an applicable criterion needs (never read as zero)."""
    NOT_A_NUMBER = "not_a_number"
    """Text, a symbol or infinity where a number is needed."""
    NEGATIVE_NUMBER = "negative_number"
    """A negative number."""
    NOT_A_WHOLE_NUMBER = "not_a_whole_number"
    """A fraction or a percentage (85% is stored as 0.85) in a count field."""
    DECIMAL_COMMA = "decimal_comma"
    """A decimal comma (``2,5``): the dot is the decimal mark."""
    AMBIGUOUS_THOUSANDS = "ambiguous_thousands"
    """Text like ``1.200``: thousands separator or decimal point? Never guessed."""
    NOT_YES_NO = "not_yes_no"
    """Not «Có» or «Không» in a yes/no field."""
    NUMERATOR_ABOVE_DENOMINATOR = "numerator_above_denominator"
    """A rate above 100 %."""
    ZERO_DENOMINATOR = "zero_denominator"
    """A rate whose denominator is 0."""
    POINTS_ABOVE_MAX = "points_above_max"
    """Points entered by the assessors above the criterion's maximum."""
    UNKNOWN_CRITERION = "unknown_criterion"
    """A criterion code in ``khong_ap_dung`` the criteria set does not have."""
    NOT_APPLICABLE_REFUSED = "not_applicable_refused"
    """A criterion marked not applicable that the criteria file says always applies."""
    PART_NOT_APPLICABLE = "part_not_applicable"
    """Every criterion of a part marked not applicable: the part cannot be scored."""

    # units and the register
    BLANK_UNIT_NAME = "blank_unit_name"
    """A survey row without a unit name."""
    DUPLICATE_UNIT = "duplicate_unit"
    """A unit with two rows in one survey."""
    UNKNOWN_UNIT = "unknown_unit"
    """A unit not in the register for that level and year."""
    UNIT_CODE_MISMATCH = "unit_code_mismatch"
    """A survey row whose unit code is not the register's code for its unit."""
    UNIT_NOT_SURVEYED = "unit_not_surveyed"
    """A registered unit without a survey row: not scored."""
    BLANK_UNIT_CODE = "blank_unit_code"
    """A register row without a unit code."""
    DUPLICATE_UNIT_CODE = "duplicate_unit_code"
    """A unit code used twice in the register."""
    UNKNOWN_CHANGE = "unknown_change"
    """``thay_doi`` other than «sáp nhập», «đổi tên» or blank."""
    MISSING_SUCCESSOR = "missing_successor"
    """A change of unit without the successor's code."""
    SELF_SUCCESSOR = "self_successor"
    """A unit named as its own successor."""
    UNKNOWN_SUCCESSOR = "unknown_successor"
    """A successor code not in the register."""
    MERGER_NOT_MARKED = "merger_not_marked"
    """Several units continue into one without «sáp nhập»."""
    SUCCESSOR_OTHER_LEVEL = "successor_other_level"
    """A successor at another level."""
    MISSING_END_YEAR = "missing_end_year"
    """A unit with a successor but no last year."""
    SUCCESSOR_STARTS_LATE = "successor_starts_late"
    """A successor that starts after the year following the unit's last."""
    RENAMED_INTO_EXISTING = "renamed_into_existing"
    """A unit «renamed» into a unit that already existed alongside it (an absorption)."""

    # criteria files
    UNKNOWN_METHOD = "unknown_method"
    """A scoring method that does not exist."""
    MISSING_PARAMETER = "missing_parameter"
    """A parameter the scoring method needs is missing."""
    UNUSED_PARAMETER = "unused_parameter"
    """A parameter the scoring method does not use."""
    STEP_ABOVE_MAX = "step_above_max"
    """A step or case giving more points than the criterion's maximum."""
    EMPTY_LIST = "empty_list"
    """An empty list of steps or cases."""
    MAX_UNREACHABLE = "max_unreachable"
    """The best step or case gives less than the maximum: no unit can reach it."""
    DUPLICATE_STEP = "duplicate_step"
    """Two steps with the same threshold."""
    STEPS_NOT_INCREASING = "steps_not_increasing"
    """A higher step giving fewer points."""
    DUPLICATE_INPUT = "duplicate_input"
    """An input field declared more than once."""
    RESERVED_FIELD = "reserved_field"
    """An input field named like a fixed survey column."""
    DUPLICATE_CODE = "duplicate_code"
    """A part, group or criterion code used twice."""
    INVALID_DATES = "invalid_dates"
    """A validity that ends before it starts."""
    MAXIMA_MISMATCH = "maxima_mismatch"
    """Maxima of groups or criteria that do not add up to their parent's."""
    DUPLICATE_LEVEL = "duplicate_level"
    """Two classification levels with the same name."""
    MISSING_LEVELS = "missing_levels"
    """A part without classification levels."""
    THRESHOLDS_NOT_DECREASING = "thresholds_not_decreasing"
    """Level thresholds not decreasing from the highest level down to 0."""
    UNDECLARED_INPUT = "undeclared_input"
    """A criterion reads an input field not declared in ``inputs``."""
    WRONG_FIELD_TYPE = "wrong_field_type"
    """An input field of the wrong type for the scoring method."""
    UNUSED_INPUT = "unused_input"
    """An input field no criterion reads."""
    LEVEL_MISMATCH = "level_mismatch"
    """A criteria file whose name and declared level differ."""
    CRITERIA_NOT_IN_FORCE = "criteria_not_in_force"
    """A criteria set not in force in the year asked for."""

    # what-if scenarios
    UNKNOWN_VERSION = "unknown_version"
    """A base criteria version that does not exist."""
    BASE_CRITERIA_INVALID = "base_criteria_invalid"
    """The scenario's base criteria file has errors."""
    UNKNOWN_CODE = "unknown_code"
    """A code that is no criterion or group of the base criteria."""
    PART_MAX_FIXED = "part_max_fixed"
    """A change aimed at a part, whose maximum is the fixed conversion scale."""
    ALREADY_DROPPED = "already_dropped"
    """A change to criteria an earlier change dropped."""
    UNKNOWN_PART = "unknown_part"
    """A part code that does not exist."""
    UNKNOWN_LEVEL = "unknown_level"
    """A classification level the part does not have."""
    WHOLE_PART_DROPPED = "whole_part_dropped"
    """Every criterion of a part dropped."""
    WEIGHT_OUT_OF_RANGE = "weight_out_of_range"
    """A change leaving a criterion's maximum above what any criterion may be worth, or near 0."""
    DIFFERENT_BASES = "different_bases"
    """Scenarios compared side by side that rest on different criteria sets."""
    TOO_FEW_YEARS = "too_few_years"
    """A multi-year report asked for with fewer than two years of data."""

    # survey forms and published runs
    NOT_XLSX = "not_xlsx"
    """A file in the forms folder whose content is text, not a workbook."""
    NOT_A_FORM = "not_a_form"
    """A workbook that is not a form written by ``cqdt template``."""
    OTHER_LEVEL_OR_YEAR = "other_level_or_year"
    """A form for another level or year."""
    UNIT_NOT_CHOSEN = "unit_not_chosen"
    """A form whose unit name was not chosen."""
    DUPLICATE_FORM = "duplicate_form"
    """Several forms for one unit."""
    NOT_A_RESULT = "not_a_result"
    """A published run's result file that cqdt did not write, or that was edited."""
    MISSING_MANIFEST = "missing_manifest"
    """A run folder without ``manifest.json``: nothing can prove its files are as published."""
    NOT_A_MANIFEST = "not_a_manifest"
    """A ``manifest.json`` that cqdt cannot read as a record of a run."""
    PUBLISHED_FILE_CHANGED = "published_file_changed"
    """A published file whose SHA-256 differs from the one its manifest recorded."""
    PUBLISHED_FILE_MISSING = "published_file_missing"
    """A file the manifest lists that is no longer in the run folder."""
    UNLISTED_FILE = "unlisted_file"
    """A file in a published run folder that its manifest does not list."""
    INPUT_CHANGED = "input_changed"
    """An input of a recorded run whose SHA-256 differs from the manifest's: no replay on it."""


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
    code: ProblemCode = dataclasses.field(kw_only=True)
    """Which kind of problem (required, by name): what advice, counts and tests key on."""

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
