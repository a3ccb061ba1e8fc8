"""The ``cqdt`` command: validate inputs, score, publish reports (the front end of the package).

- :mod:`~cqdt.cli.parser`    every command and option, with help and errors in Vietnamese
- :mod:`~cqdt.cli.commands`  what each command does: check, score or plan, run

:func:`main` runs one command and turns every failure into a Vietnamese message and an exit
code (1 bad input, 2 bad option or output folder, 3 unexpected, 130 interrupted): an analyst
never sees a traceback (``CQDT_DEBUG=1`` shows it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from cqdt.cli.commands import COMMANDS
from cqdt.cli.parser import build_parser
from cqdt.output import OutputError
from cqdt.problems import InputError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqdt`` command."""
    for stream in (sys.stdout, sys.stderr):  # Vietnamese even on a cp1252 console or pipe
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except OutputError as err:
        print(f"Lỗi: {err}", file=sys.stderr)
        return 2
    except InputError as err:
        print("Lỗi trong dữ liệu đầu vào, không ghi kết quả:", file=sys.stderr)
        print("\n".join(err.lines), file=sys.stderr)
        return 1
    except OSError as err:
        print(f"Lỗi đọc hoặc ghi tệp «{err.filename}»: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        detail = str(stop) or "phần đã ghi (nếu có) nằm trong thư mục *-chua-hoan-thanh"
        print(f"Đã dừng theo yêu cầu; {detail}.", file=sys.stderr)
        return 130
    except Exception as err:  # never a traceback for an analyst; CQDT_DEBUG=1 shows it
        if os.environ.get("CQDT_DEBUG"):
            raise
        print(
            f"Lỗi không mong đợi của chương trình ({type(err).__name__}: {err}). Xin báo lại "
            "kèm lệnh đã chạy; đặt biến môi trường CQDT_DEBUG=1 để xem chi tiết.",
            file=sys.stderr,
        )
        return 3
