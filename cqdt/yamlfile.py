"""Reading YAML files the project reads (criteria, scenarios) strictly: a repeated key is an error.

PyYAML's ``safe_load`` lets the last of two equal keys win silently, so a criteria file with
``status: official`` written twice, or a weight given twice, would be read as whatever came
last. :func:`read_yaml` reports every repeated key of a document, with its line and the line
of its first occurrence, as a :class:`~cqdt.problems.CriteriaError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cqdt.problems import CriteriaError, Problem, ProblemCode


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


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document; raise :class:`CriteriaError` naming every repeated key."""
    loader = StrictLoader(text)
    try:
        document = loader.get_single_data()
    finally:
        loader.dispose()
    if loader.repeated:
        raise CriteriaError(
            [
                Problem(
                    file,
                    f"dòng {line}",
                    key,
                    f"khoá «{key}» bị lặp lại (đã có ở dòng {earlier}): mỗi khoá chỉ được ghi một "
                    "lần trong một mục, không có giá trị nào được lấy thay",
                    row=line,
                    code=ProblemCode.REPEATED_YAML_KEY,
                )
                for key, line, earlier in loader.repeated
            ]
        )
    return document


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file (UTF-8, BOM allowed) strictly; raise :class:`CriteriaError` if unusable."""
    file = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
        return parse_yaml(text, file)
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
