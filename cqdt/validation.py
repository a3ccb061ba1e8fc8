"""What pydantic refuses in a document the project reads, said in Vietnamese, with its line.

Criteria sets, what-if scenarios, document settings and notebook parameters are pydantic
models. :func:`error_message` turns one pydantic error into a Vietnamese sentence (choices
with «…» and «hoặc», bounds in Vietnamese numbers, a hint for a likely slip) and
:func:`error_code` into a :class:`~cqdt.problems.ProblemCode`; :func:`validation_problems`
makes a :class:`~cqdt.problems.Problem` of each, placed in words (``phần A › nhóm A1 › tiêu
chí A1.2``) and by line. :func:`readable_part` validates what is left of a document once the
refused items are set aside, so its checks of meaning can run in the same pass.
"""

from __future__ import annotations

import re
import types
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    Generic,
    Literal,
    TypeGuard,
    TypeVar,
    Union,
    get_args,
    get_origin,
)

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cqdt.numbers import format_number
from cqdt.problems import Problem, ProblemCode
from cqdt.yamlfile import Location, line_of, located

Model = TypeVar("Model", bound=BaseModel)

DATE_RULE = "phải là ngày dạng NNNN-TT-NN (ví dụ 2021-01-15)"

_MESSAGES = {
    "missing": "thiếu (bắt buộc phải có)",
    "extra_forbidden": "trường không được biết (gõ nhầm tên?)",
    "float_parsing": "phải là một số",
    "float_type": "phải là một số",
    "int_parsing": "phải là một số nguyên",
    "int_type": "phải là một số nguyên",
    "int_from_float": "phải là một số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "string_type": "phải là chữ",
    "list_type": "phải là một danh sách",
    "model_type": "phải là một mục có các trường con",
    "model_attributes_type": "phải là một mục có các trường con",
    "dict_type": "phải là một mục có các trường con",
    "string_pattern_mismatch": "chỉ được gồm chữ không dấu, số và . _ - (không dấu cách, ; hay ,)",
    "too_short": "không được để trống danh sách",
    "string_too_short": "không được để trống",
    "finite_number": "phải là một số hữu hạn",
    "union_tag_not_found": "thiếu khóa cho biết loại (bắt buộc phải có)",
}

_CODES = {
    "missing": ProblemCode.MISSING_FIELD,
    "union_tag_not_found": ProblemCode.MISSING_FIELD,
    "extra_forbidden": ProblemCode.UNKNOWN_FIELD,
}

PLACE_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "parts": ("phần", ("code",)),
    "groups": ("nhóm", ("code",)),
    "criteria": ("tiêu chí", ("code",)),
    "inputs": ("trường nhập", ("field",)),
    "levels": ("mức", ("level",)),
    "steps": ("bậc", ()),
    "cases": ("trường hợp", ("field",)),
    "changes": ("thay đổi", ("code",)),
}
"""Lists whose items are named in a place: the word, then the keys whose value names an item
(``tiêu chí A1.2``, ``mức I``); an item without one is named by its number (``bậc thứ 2``)."""


def choices(values: Iterable[object], conjunction: str = "hoặc") -> str:
    """Values in «…», the last joined in Vietnamese: ``«tinh», «huyen» hoặc «xa»``."""
    quoted = [f"«{value}»" for value in values]
    if len(quoted) < 2:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _is_number(value: object) -> TypeGuard[int | float]:
    """A number (not ``True`` or ``False``, which Python counts as numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: object) -> str:
    """A bound as Vietnamese write it: ``0,5``, ``1.000``; a year-like whole number plainly."""
    if isinstance(value, int) and _is_number(value) and abs(value) < 10_000:
        return str(value)
    return format_number(float(value), 6) if _is_number(value) else str(value)


def _expected(text: str) -> list[str]:
    """The values pydantic lists as ``'a', 'b' or 'c'`` (a literal's or a union tag's)."""
    found = re.findall(r"'((?:[^'\\]|\\.)*)'", text)
    return found or [text]


def _percent_hint(value: object) -> str:
    """For a rate written in percent (``92`` for ``0.92``): the question to ask."""
    if _is_number(value) and 1 < value <= 100:
        return f"; có phải {format_number(value / 100, 4)} ({format_number(value)}%)?"
    return ""


def error_message(error: ErrorDetails, allowed: Collection[str] = (), in_yaml: bool = True) -> str:
    """One pydantic error in Vietnamese; ``allowed``: the keys an unknown key could have been.

    ``in_yaml``: the value was written in a YAML file, where a number meant as text (a
    document number ``123``) must be quoted.
    """
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    if kind == "extra_forbidden" and allowed:
        return f"{_MESSAGES[kind]}; ở đây chỉ dùng được: {', '.join(allowed)}"
    if kind == "string_type" and in_yaml and _is_number(value):
        return f'phải là chữ; nếu là số hiệu, đặt trong dấu nháy: "{value}"'
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind.startswith("date_"):
        return DATE_RULE
    if kind in ("literal_error", "enum"):
        return f"phải là {choices(_expected(str(ctx.get('expected', ''))))}"
    if kind == "union_tag_invalid":
        known = choices(_expected(str(ctx.get("expected_tags", ""))))
        return f"không phải loại được biết; dùng {known}"
    bounds = {
        "greater_than": ("phải lớn hơn", "gt"),
        "greater_than_equal": ("không được nhỏ hơn", "ge"),
        "less_than": ("phải nhỏ hơn", "lt"),
        "less_than_equal": ("không được lớn hơn", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        hint = _percent_hint(value) if kind == "less_than_equal" and ctx.get(key) == 1 else ""
        return f"{words} {_number(ctx.get(key))}{hint}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # the project's own validators speak Vietnamese
    return "giá trị không hợp lệ"


def error_code(error: ErrorDetails) -> ProblemCode:
    """The kind of a pydantic error: a missing field, an unknown one, or else a wrong value."""
    return _CODES.get(error["type"], ProblemCode.INVALID_VALUE)


def _flatten(annotations: Iterable[Any]) -> list[Any]:
    """The types an annotation may stand for (``Annotated`` and unions opened)."""
    found = []
    for annotation in annotations:
        origin = get_origin(annotation)
        if origin is Annotated:
            found += _flatten(get_args(annotation)[:1])
        elif origin in (Union, types.UnionType):
            found += _flatten(get_args(annotation))
        else:
            found.append(annotation)
    return found


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tags(model: type[BaseModel]) -> set[object]:
    """Values of the model's literal fields: how pydantic names a member of a tagged union."""
    return {
        value
        for info in model.model_fields.values()
        if get_origin(info.annotation) is Literal
        for value in get_args(info.annotation)
    }


FILLED_BY_PROGRAM = frozenset({"source", "sha256"})
"""Fields the program fills in when it reads a file (where it came from, its hash): never offered
as keys an analyst could have meant."""


def allowed_keys(model: type[BaseModel], loc: Location) -> list[str]:
    """The field names a document of ``model`` may have at ``loc`` (where a key is unknown)."""
    current: list[Any] = [model]
    for key in loc:
        following = []
        for annotation in _flatten(current):
            if _is_model(annotation) and key in annotation.model_fields:
                following.append(annotation.model_fields[key].annotation)
            elif _is_model(annotation) and key in _tags(annotation):
                following.append(annotation)  # the tag of a tagged union: the same item
            elif get_origin(annotation) is list and isinstance(key, int):
                following += get_args(annotation)[:1]
        current = following
    names = [name for found in _flatten(current) if _is_model(found) for name in found.model_fields]
    return [name for name in dict.fromkeys(names) if name not in FILLED_BY_PROGRAM]


def place_of(raw: Any, loc: Location) -> tuple[str, str]:
    """A pydantic location in Vietnamese words (``phần A › tiêu chí A1.2``) and the field."""
    place, node, field = [], raw, ""
    i = 0
    while i < len(loc):
        key, index = loc[i], loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(key, str) and key in PLACE_NAMES and isinstance(index, int):
            word, names = PLACE_NAMES[key]
            label = f"thứ {index + 1}"
            try:
                node = node[key][index]
                label = next((str(node[k]) for k in names if node.get(k)), label)
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
            place.append(f"{word} {label}")
            i += 2
            if i < len(loc) and isinstance(node, dict) and loc[i] == node.get("change"):
                i += 1  # the tag of a tagged union ("set_max") is not a field
            continue
        field = ".".join(str(k) for k in loc[i:])
        break
    return " › ".join(place), field


def validation_problems(
    err: ValidationError,
    model: type[BaseModel],
    raw: Any,
    file: str,
    lines: Mapping[Location, int] | None = None,
) -> list[Problem]:
    """Every error pydantic found validating ``raw`` as ``model``, as Vietnamese problems.

    Each names its place in words and, when ``lines`` (from
    :func:`~cqdt.yamlfile.read_yaml_document`) are given, its line.
    """
    problems = []
    for error in err.errors():
        loc = tuple(error["loc"])
        line = line_of(lines or {}, loc)
        place, field = place_of(raw, loc)
        allowed = allowed_keys(model, loc[:-1]) if error["type"] == "extra_forbidden" else ()
        problems.append(
            Problem(
                file,
                located(place, line),
                field,
                error_message(error, allowed),
                row=line,
                code=error_code(error),
            )
        )
    return problems


_DROP = object()


def _reindex(
    marks: Mapping[Location, Any], moved: Mapping[Location, Mapping[int, int]]
) -> dict[Location, Any]:
    """``marks`` keyed by locations in a document whose lists lost items as ``moved`` says."""
    found = {}
    for loc, mark in marks.items():
        path: Location = ()
        new: list[str | int] = []
        for key in loc:
            index = moved.get(path)
            if index is not None and isinstance(key, int):
                if key not in index:
                    break  # inside an item set aside
                new.append(index[key])
            else:
                new.append(key)
            path += (key,)
        else:
            found[tuple(new)] = mark
    return found


def _without(document: Any, drop: set[Location]) -> tuple[Any, dict[Location, dict[int, int]]]:
    """A copy of ``document`` without the list items at ``drop``; how each list's items moved."""
    moved: dict[Location, dict[int, int]] = {}  # list -> old index -> new index
    inside: set[int] = set()  # guards against a document that contains itself

    def copy(node: Any, path: Location) -> Any:
        if id(node) in inside:
            return None
        inside.add(id(node))
        try:
            if isinstance(node, dict):
                return {key: copy(value, (*path, key)) for key, value in node.items()}
            if isinstance(node, list):
                kept = [i for i in range(len(node)) if (*path, i) not in drop]
                moved[path] = {old: new for new, old in enumerate(kept)}
                return [copy(node[i], (*path, i)) for i in kept]
            return node
        finally:
            inside.discard(id(node))

    return copy(document, ()), moved


def _innermost_item(loc: Location, units: Collection[str]) -> Location | None:
    """The location of the innermost item of a list named in ``units`` containing ``loc``."""
    for i in range(len(loc) - 1, 0, -1):
        if isinstance(loc[i], int) and loc[i - 1] in units:
            return loc[: i + 1]
    return None


@dataclass(frozen=True)
class Readable(Generic[Model]):
    """What can still be read of a refused document (see :func:`readable_part`)."""

    document: Model
    """The model of what is left: for checking only, never to be used as the document."""
    lines: dict[Location, int]
    """The lines of the file, by location in what is left."""
    shortened: frozenset[Location]
    """Lists (by location in what is left) that lost an item: checks of their totals cannot run."""


def readable_part(
    model: type[Model],
    raw: dict[str, Any],
    lines: Mapping[Location, int],
    err: ValidationError,
    units: Collection[str],
    stand_ins: Mapping[str, Any],
) -> Readable[Model] | None:
    """What can still be read of a refused document, for the checks of its meaning.

    Every item of a list named in ``units`` (a criterion, a group, a part) that holds an error
    is set aside (then the item holding a list left empty, and so on); a wrong top-level field
    takes its default, or its ``stand_ins`` value, chosen so that no check of meaning can fault
    it. ``None`` when nothing sensible is left (no part at all, a wrong field without a
    stand-in).
    """
    document: Any = raw
    marks: dict[Location, Any] = {loc: line for loc, line in lines.items()}
    shortened: set[Location] = set()
    for _ in range(2 * len(units) + 2):  # each round sets aside items one level further out
        drop, top = set(), {}
        for error in err.errors():
            loc = tuple(error["loc"])
            item = _innermost_item(loc, units)
            if item is not None:
                drop.add(item)
                continue
            name = loc[0] if loc else None
            info = model.model_fields.get(str(name))
            if (info is None and error["type"] == "extra_forbidden") or (
                info is not None and not info.is_required()
            ):
                top[name] = _DROP
            elif info is not None and name in stand_ins:
                top[name] = stand_ins[str(name)]
            else:
                return None
        document, moved = _without(document, drop)
        marks = _reindex(marks, moved)
        shortened = set(_reindex(dict.fromkeys(shortened), moved))
        shortened |= set(_reindex({item[:-1]: True for item in drop}, moved))
        document = {k: v for k, v in document.items() if top.get(k) is not _DROP}
        document |= {k: v for k, v in top.items() if v is not _DROP}
        try:
            return Readable(model.model_validate(document), marks, frozenset(shortened))
        except ValidationError as again:
            err = again
    return None
