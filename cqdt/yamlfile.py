"""Reading the project's YAML files (criteria, scenarios, settings) strictly, with line numbers.

PyYAML's ``safe_load`` lets the last of two equal keys win silently, so a criteria file with
``status: official`` written twice, or a weight given twice, would be read as whatever came
last. :func:`read_yaml_document` reads a file as a :class:`YamlDocument`: the data, the line of
every key and list item (so any problem found later can name its line), and every repeated key
as a problem, with its line and the line of its first occurrence. The data keeps the last of
the repeated values, so the rest of the document can still be checked in the same pass; the
repeated key stays an error. :func:`read_yaml` refuses a document with a repeated key outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cqdt.problems import ERROR, CriteriaError, Problem, ProblemCode

Location = tuple[str | int, ...]
"""A place in a parsed document as pydantic names it: keys and list indices from the top,
e.g. ``("parts", 0, "groups", 1, "max")``."""


class StrictLoader(yaml.SafeLoader):
    """A safe loader that records repeated mapping keys (merge keys ``<<`` excepted)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[str, int, int]] = []  # key, line, line of the first

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in first:
                        self.repeated.append((str(key), line, first[key]))
                    else:
                        first[key] = line
                except TypeError:  # an unhashable key: SafeLoader reports it itself
                    pass
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document, where each of its parts is in the file, and its repeated keys."""

    data: Any
    lines: Mapping[Location, int] = field(default_factory=dict)
    """Line (from 1) of every key and list item, by its :data:`Location`."""
    repeated: list[Problem] = field(default_factory=list)
    """Every repeated key, as an error with its line (the data holds the last value)."""


def line_of(lines: Mapping[Location, int], loc: Location) -> int:
    """The line of ``loc``, or of the nearest enclosing key or item that has one; 0 if none.

    Parts of ``loc`` that are not in the file (a missing key, the tag pydantic adds for a
    tagged union) are passed over, so a missing field points at the item that lacks it. A
    location known at line 0 is on the way to others but has no line of its own.
    """
    line = 0
    path: Location = ()
    for part in loc:
        if (*path, part) in lines:
            path += (part,)
            line = lines[path] or line
    return line


def located(place: str, line: int) -> str:
    """A place with its line in front (``dòng 12, phần A``), as problems of a file show it."""
    if not line:
        return place
    return f"dòng {line}, {place}" if place else f"dòng {line}"


@dataclass(frozen=True)
class Placer:
    """Puts the problems found in a document at their lines: the file and its line map."""

    file: str
    lines: Mapping[Location, int] = field(default_factory=dict)

    def problem_at(
        self,
        loc: Location,
        place: str,
        field: str,
        message: str,
        severity: str = ERROR,
        *,
        code: ProblemCode,
    ) -> Problem:
        """A problem about ``loc``: its place in words with the line in front, the line as row."""
        line = line_of(self.lines, loc)
        return Problem(
            self.file, located(place, line), field, message, severity, row=line, code=code
        )


def _lines(root: yaml.Node, loader: StrictLoader) -> dict[Location, int]:
    """The line of every key and list item under ``root`` (merge keys already flattened).

    Of repeated keys the last counts, as in the data. A node reached again through an alias is
    not walked twice: what is inside it is placed at the line of the alias.
    """
    lines: dict[Location, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Location]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            last: dict[Any, tuple[yaml.Node, yaml.Node]] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    last[loader.construct_object(key_node)] = (key_node, value_node)
            children = []
            for key, (key_node, value_node) in last.items():
                lines[(*path, key)] = key_node.start_mark.line + 1
                children.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            children = []
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                children.append((item, (*path, index)))
        else:
            continue
        stack.extend(reversed(children))  # walked in file order: an anchor before its aliases
    return lines


def parse_yaml_document(text: str, file: str) -> YamlDocument:
    """Parse one YAML document with the line of each part; repeated keys become problems."""
    loader = StrictLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
        lines = _lines(root, loader) if root is not None else {}
    finally:
        loader.dispose()
    repeated = [
        Problem(
            file,
            located("", line),
            key,
            f"khoá «{key}» bị lặp lại (đã có ở dòng {earlier}): mỗi khoá chỉ được ghi một "
            "lần trong một mục, không có giá trị nào được lấy thay",
            row=line,
            code=ProblemCode.REPEATED_YAML_KEY,
        )
        for key, line, earlier in loader.repeated
    ]
    return YamlDocument(data, lines, repeated)


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document; raise :class:`CriteriaError` naming every repeated key."""
    document = parse_yaml_document(text, file)
    if document.repeated:
        raise CriteriaError(document.repeated)
    return document.data


def read_yaml_document(path: str | Path) -> YamlDocument:
    """Read a YAML file (UTF-8, BOM allowed) with its lines; raise :class:`CriteriaError` if
    it cannot be parsed at all (missing, not UTF-8, not YAML). Repeated keys are in the result.
    """
    file = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
        return parse_yaml_document(text, file)
    except FileNotFoundError:
        problem = Problem(file, "", "", "không tìm thấy tệp", code=ProblemCode.FILE_NOT_FOUND)
    except IsADirectoryError:
        problem = Problem(
            file, "", "", "là một thư mục, không phải tệp YAML", code=ProblemCode.NOT_A_FILE
        )
    except UnicodeDecodeError:
        problem = Problem(
            file,
            "",
            "",
            "không phải chữ UTF-8: mở tệp và lưu lại dạng UTF-8",
            code=ProblemCode.NOT_UTF8,
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        problem = Problem(
            file,
            place,
            "",
            "sai cú pháp YAML (kiểm tra thụt lề, dấu «:», dấu ngoặc và dấu nháy)",
            row=mark.line + 1 if mark else 0,
            code=ProblemCode.YAML_SYNTAX,
        )
    except (OSError, yaml.YAMLError) as exc:
        problem = Problem(
            file,
            "",
            "",
            f"không đọc được tệp ({type(exc).__name__})",
            code=ProblemCode.UNREADABLE_FILE,
        )
    raise CriteriaError([problem])


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file strictly; raise :class:`CriteriaError` if unusable or a key repeats."""
    document = read_yaml_document(path)
    if document.repeated:
        raise CriteriaError(document.repeated)
    return document.data
