"""How a sensitivity study samples weights: its settings, each bounded and described once.

Every field of :class:`Settings` carries its :class:`Option` (the field's metadata): bounds,
the command's flag, metavar and Vietnamese help (yes/no settings are flags without a value).
From that one definition come the defaults, the checks of :class:`Settings` (Vietnamese
errors naming the option), the options of
``cqdt sensitivity`` (:data:`OFFERED`, read by :func:`read_settings`) and the fields of the
report's parameter model (:data:`SettingsFields`), so a bound or a default is written once.

δ = 0 varies nothing (every sample is the official weights). :class:`Settings` accepts it, so
a study can check what must then hold; the command and the report refuse it, since a published
study of nothing would only mislead.

:func:`robustness_settings` is the documented run behind the official report's section
"Độ vững của kết quả"; :data:`KEEP_LEVEL_SHARE` and :data:`CONVERGENCE_TOLERANCE` are the
thresholds every study is read with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Annotated, Any, Final, Literal, TypeGuard, get_origin, get_type_hints

import numpy as np
from pydantic import AfterValidator, BaseModel, Field, create_model

from cqdt.numbers import format_number

SCHEMES = {
    "uniform": "hệ số nhân độc lập u ~ U(1 − δ, 1 + δ) cho mỗi nhân tố",
    "dirichlet": "tỷ trọng theo phân phối Dirichlet quanh tỷ trọng chính thức",
    "simplex": "mọi cách chia tỷ trọng đều có thể như nhau (Dirichlet toàn số 1), xoay quanh "
    "tỷ trọng bằng nhau chứ không quanh tỷ trọng chính thức",
}
"""Weight sampling schemes and what they mean, in Vietnamese."""

FACTOR_LEVELS = {"criterion": "từng tiêu chí", "group": "từng nhóm tiêu chí"}
"""What one factor is: a criterion or a group."""

# The default run behind the official report's section "Độ vững của kết quả". N is large
# enough that its list of units at risk is the same for every seed apart from the units marked
# «sát ngưỡng» (measured over 40 seeds on the sample data, README «Độ nhạy»); the commune
# study then takes under a second.
ROBUSTNESS_SCHEME: Final = "uniform"
ROBUSTNESS_BY: Final = "criterion"
ROBUSTNESS_DELTA = 0.2
ROBUSTNESS_N = 10_000
ROBUSTNESS_SEED = 1784

MAX_SAMPLES = 1_000_000
"""Largest N: the multipliers of every sample are drawn at once (N x criteria floats)."""
SOBOL_N = 16_384
"""Default base sample of the Sobol analysis: on the sample data the 95 % intervals of the
indices are then at most about ±0.03 (measured, README «Độ nhạy»)."""
MAX_SOBOL_N = 2**16
SOBOL_CELLS = 2**24
"""Most units x base samples a Sobol analysis evaluates per design column: with more units the
base sample is halved until it fits (:func:`sobol_base`), so a study of 10,000 units stays
within seconds; the report says so."""
MAX_THRESHOLD_RANGE = 20.0
"""Largest threshold range (percentage points): beyond it thresholds would swap places."""

# How a study is read
KEEP_LEVEL_SHARE = 0.95
"""A unit whose level changes in more than 1 − this share of samples is "at risk"."""
NEAR_CUTOFF_SE = 2
"""A unit whose P(keep) is within this many Monte Carlo standard errors of
:data:`KEEP_LEVEL_SHARE` is marked «sát ngưỡng»: the seed, not the weights, may decide on
which side it falls."""
CONVERGENCE_TOLERANCE = 0.02
"""Largest half-width of the 95 % interval (2 standard errors) of any probability for N to
count as enough."""
MIN_STABLE_N = 1000
"""Fewest samples for any claim that a study is stable: 20 batches of 50 samples at least."""


@dataclass(frozen=True)
class Option:
    """One setting as the package checks it and the command and the report offer it.

    Bounds of a whole number are inclusive (from 0 or 1, up to ``high`` if given), those of a
    decimal exclusive (above ``low``, below ``high`` if given). ``choices`` maps each accepted
    value to its meaning; with ``list_meanings`` an unknown value is answered with them all.
    ``zero`` is what 0 means when 0 is accepted beside a decimal's bounds (a feature left off,
    a value worked out); ``power_of_two`` restricts a whole number to 0 and powers of 2.
    ``neutral`` is a value outside the bounds that :class:`Settings` still accepts because it
    varies nothing; the command and the report refuse it. A yes/no setting is a flag of the
    command without a value. Without a ``flag`` a setting is not offered (yet) by the command
    and the report, which leave it at its default.

    ``name``, ``annotation`` and ``default`` come from the field of :class:`Settings`.
    """

    label: str
    """How an error names the setting, with its flag when it has one: «số mẫu N (--n)»."""
    help: str
    """What it means, for ``--help``; its rule (or choices) and default are added."""
    flag: str | None = None
    metavar: str = ""
    choices: Mapping[str, str] | None = None
    list_meanings: bool = False
    low: float | None = None
    high: float | None = None
    zero: str | None = None
    power_of_two: bool = False
    neutral: float | None = None
    name: str = ""
    annotation: Any = None
    default: Any = None

    @property
    def kind(self) -> type:
        """``int``, ``float``, ``bool``, or ``str`` for a choice."""
        return str if get_origin(self.annotation) is Literal else self.annotation

    @property
    def rule(self) -> str:
        """What a valid value is, completing «<label> phải …»: «là số nguyên dương»."""
        if self.choices is not None:
            return "là " + _either(list(self.choices))
        if self.kind is bool:
            return f"là {_either(list(YES_NO))}"
        if self.power_of_two:
            return f"là 0 hoặc một lũy thừa của 2 từ 2 đến {format_number(self._high)}"
        if self.kind is int:
            if self.high is not None:
                return f"là số nguyên từ {format_number(self._low)} đến {format_number(self.high)}"
            return "là số nguyên dương" if self._low == 1 else "là số nguyên không âm"
        zero = f", hoặc 0 ({self.zero})" if self.zero else ""
        if self.high is None:
            return f"là số dương{zero}"
        return f"lớn hơn {format_number(self._low)} và nhỏ hơn {format_number(self.high)}{zero}"

    @property
    def _low(self) -> float:
        return -math.inf if self.low is None else self.low

    @property
    def _high(self) -> float:
        return math.inf if self.high is None else self.high

    def problem(self, value: object, typed: str | None = None) -> str | None:
        """What is wrong with ``value``, in Vietnamese naming the setting; ``None`` if valid.

        ``typed`` is the text the value was read from: the command quotes it, and refuses the
        neutral value.
        """
        shown = value if typed is None else typed
        if self.choices is not None:
            valid = value in self.choices
            if not valid and self.list_meanings:
                listed = "; ".join(f"{key} ({meaning})" for key, meaning in self.choices.items())
                return f"{self.label} «{shown}» không có; {self.flag} phải là một trong: {listed}"
        elif self.kind is bool:
            valid = isinstance(value, bool)
        elif typed is None and self.neutral is not None and value == self.neutral:
            valid = True
        elif self.kind is int:
            valid = _is_int(value) and bool(self._low <= value <= self._high)
            if self.power_of_two and valid:
                valid = _zero_or_power_of_two(int(value))  # type: ignore[call-overload]
        else:
            valid = _is_number(value) and (
                bool(self._low < value < self._high) or (self.zero is not None and value == 0)
            )
        return None if valid else f"{self.label} phải {self.rule}, không phải «{shown}»"

    def read(self, text: str) -> Any:
        """The value of the command's text; ``ValueError`` (Vietnamese) if it is not valid."""
        value: Any = text
        if self.kind is bool:
            value = YES_NO.get(text.strip())
            if value is None:
                raise ValueError(f"{self.label} phải {self.rule}, không phải «{text}»")
        elif self.kind is not str:
            try:
                value = self.kind(text.strip())
            except ValueError:
                value = None
            if value is None or (self.kind is float and not math.isfinite(value)):
                raise ValueError(f"{self.label} phải {self._kind_rule}, không phải «{text}»")
        problem = self.problem(value, typed=text)
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def _kind_rule(self) -> str:
        """What the text must look like: «là số nguyên», «là một số lớn hơn 0 và nhỏ hơn 1»."""
        if self.kind is int:
            return "là số nguyên dương" if self._low >= 1 else "là số nguyên"
        return self.rule if self.rule.startswith("là ") else f"là một số {self.rule}"

    @property
    def default_text(self) -> str:
        """The default as typed on the command line: «10000», «0.2», «100», «không»."""
        if self.kind is bool:
            return next(text for text, value in YES_NO.items() if value is self.default)
        text = str(self.default)
        return text.removesuffix(".0") if self.kind is float else text

    @property
    def help_text(self) -> str:
        """The help of the command's option: meaning, rule or choices, default."""
        if self.choices is not None:
            listed = [f"{key} ({meaning})" for key, meaning in self.choices.items()]
            return f"{self.help}: {_either(listed)} (mặc định: {self.default_text})"
        if self.kind is bool:
            return f"{self.help} (mặc định: không)"
        return f"{self.help}; phải {self.rule} (mặc định: {self.default_text})"

    @property
    def bounds(self) -> dict[str, Any]:
        """The bounds as pydantic ``Field`` constraints (the neutral value excluded; 0
        included when it means something)."""
        if self.kind is bool or self.choices is not None:
            return {}
        names = ("ge", "le") if self.kind is int or self.zero else ("gt", "lt")
        if self.kind is float and self.zero:
            names = ("ge", "lt")
        pairs = zip(names, (self.low, self.high), strict=True)
        return {name: bound for name, bound in pairs if bound is not None}

    def check(self, value: Any) -> Any:
        """``value`` if valid for a published study, else ``ValueError`` (Vietnamese): what
        the report's parameters run after the bounds (a power of 2, say)."""
        problem = self.problem(value, typed=str(value))
        if problem is not None:
            raise ValueError(problem)
        return value


YES_NO = {"có": True, "không": False}
"""The text of a yes/no setting (the command's flag gives «có»)."""


def _option(default: Any, label: str, help: str, **described: Any) -> Any:
    """A field of :class:`Settings`: its default, and its :class:`Option` as metadata."""
    return field(default=default, metadata={"option": Option(label, help, **described)})


def _either(names: list[str]) -> str:
    """``a, b hoặc c`` (two names at least)."""
    return f"{', '.join(names[:-1])} hoặc {names[-1]}"


def _zero_or_power_of_two(value: int) -> bool:
    return value == 0 or (value >= 2 and value & (value - 1) == 0)


def _is_int(value: object) -> TypeGuard[int | np.integer]:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[float | int | np.integer]:
    return _is_int(value) or (isinstance(value, float) and bool(np.isfinite(value)))


@dataclass(frozen=True)
class Settings:
    """How a sensitivity run samples weights; every value is checked (Vietnamese errors).

    ``top_k`` is both the "top k" of P(top k) and the "more than k places" of the rank moves.
    ``sobol_n`` is SALib's base sample size (a power of 2; 0 skips the Sobol analysis).
    ``concentration`` 0 (the default) gives each part the concentration whose weights vary as
    much as uniform multipliers with ``delta`` (:func:`cqdt.sensitivity.sample.concentrations`).
    ``point_range`` (a share of a criterion's maximum) and ``threshold_range`` (percentage
    points) add the assessor's points and the level thresholds to what varies; 0 leaves them
    as published. ``leave_one_out`` adds the ranks and levels without each group in turn.
    """

    scheme: Literal["uniform", "dirichlet", "simplex"] = _option(
        "uniform",
        "cách lấy mẫu",
        "cách lấy mẫu trọng số",
        flag="--scheme",
        metavar="CÁCH",
        choices=SCHEMES,
        list_meanings=True,
    )
    by: Literal["criterion", "group"] = _option(
        "criterion",
        "--by",
        "mỗi nhân tố là",
        flag="--by",
        metavar="MỨC",
        choices=FACTOR_LEVELS,
    )
    n: int = _option(
        10_000,
        "số mẫu N (--n)",
        "số mẫu trọng số",
        flag="--n",
        metavar="N",
        low=1,
        high=MAX_SAMPLES,
    )
    delta: float = _option(
        0.2,
        "--delta (δ)",
        "biên độ δ: hệ số nhân trong [1 − δ; 1 + δ] với uniform; với dirichlet, khi "
        "--concentration là 0, độ tập trung cho trọng số cùng hệ số biến thiên",
        flag="--delta",
        metavar="δ",
        low=0,
        high=1,
        neutral=0,
    )
    concentration: float = _option(
        0.0,
        "độ tập trung (--concentration)",
        "độ tập trung của Dirichlet quanh tỷ trọng chính thức, càng lớn càng gần tỷ trọng "
        "chính thức",
        flag="--concentration",
        metavar="C",
        low=0,
        zero="theo δ: mỗi phần một độ tập trung, cho trọng số cùng hệ số biến thiên như "
        "uniform với δ",
    )
    seed: int = _option(
        1784,
        "hạt giống ngẫu nhiên (--seed)",
        "hạt giống ngẫu nhiên",
        flag="--seed",
        metavar="SỐ",
        low=0,
    )
    top_k: int = _option(
        3,
        "--top-k",
        "k của «xác suất trong k hạng đầu» và «dịch chuyển quá k bậc»",
        flag="--top-k",
        metavar="K",
        low=1,
    )
    sobol_n: int = _option(
        SOBOL_N,
        "cỡ mẫu gốc Sobol (--sobol-n)",
        "cỡ mẫu gốc của chỉ số Sobol (SALib), 0 để bỏ qua; mỗi phần cần cỡ mẫu × (số nhóm "
        "+ 2) lần tính, và cỡ mẫu được giảm (chia đôi) khi cỡ mẫu × số đơn vị vượt 2^24",
        flag="--sobol-n",
        metavar="M",
        low=0,
        high=MAX_SOBOL_N,
        power_of_two=True,
    )
    point_range: float = _option(
        0.0,
        "biên độ điểm thẩm định (--point-range)",
        "điểm các tiêu chí do người thẩm định cho (cách chấm direct) dao động đều trong ± tỷ lệ "
        "này của điểm tối đa tiêu chí, rút cùng trọng số",
        flag="--point-range",
        metavar="R",
        low=0,
        high=1,
        zero="không dùng",
    )
    threshold_range: float = _option(
        0.0,
        "biên độ ngưỡng mức (--threshold-range)",
        "mỗi ngưỡng xếp mức dao động đều trong ± số điểm phần trăm này, rút cùng trọng số",
        flag="--threshold-range",
        metavar="ĐIỂM_%",
        low=0,
        high=MAX_THRESHOLD_RANGE,
        zero="không dùng",
    )
    leave_one_out: bool = _option(
        False,
        "--leave-one-out",
        "bỏ lần lượt từng nhóm tiêu chí: thứ hạng và mức của từng đơn vị khi không có nhóm đó",
        flag="--leave-one-out",
    )

    def __post_init__(self) -> None:
        problems = [
            problem
            for option in OPTIONS
            if (problem := option.problem(getattr(self, option.name))) is not None
        ]
        if problems:
            raise ValueError("; ".join(problems))


def _options() -> tuple[Option, ...]:
    hints = get_type_hints(Settings)
    return tuple(
        replace(f.metadata["option"], name=f.name, annotation=hints[f.name], default=f.default)
        for f in fields(Settings)
    )


OPTIONS = _options()
"""Every setting, in the order of :class:`Settings`."""

OFFERED = tuple(option for option in OPTIONS if option.flag)
"""The settings ``cqdt sensitivity`` and the report take; the others keep their defaults."""

_FIELDS: dict[str, Any] = {
    o.name: (
        Annotated[o.annotation, AfterValidator(o.check)],
        Field(o.default, **o.bounds),
    )
    for o in OFFERED
}
SettingsFields: type[BaseModel] = create_model(
    "SettingsFields",
    __doc__="The offered settings as fields of a report's parameter model (pydantic): the "
    "names, types, defaults and bounds of :data:`OFFERED`, the neutral δ = 0 refused.",
    __module__=__name__,
    **_FIELDS,
)


def read_settings(texts: Mapping[str, str]) -> Settings:
    """Settings from the text of each offered option (``cqdt sensitivity``'s), by name.

    Raise ``ValueError`` naming every bad option in Vietnamese, before any work.
    """
    values, problems = {}, []
    for option in OFFERED:
        try:
            values[option.name] = option.read(texts[option.name])
        except ValueError as err:
            problems.append(str(err))
    if problems:
        raise ValueError("; ".join(problems))
    return Settings(**values)


def settings_of(source: object) -> Settings:
    """The settings of ``source`` (a report's parameters): its attributes named as
    :data:`OFFERED`; the other settings at their defaults."""
    return Settings(**{o.name: getattr(source, o.name) for o in OFFERED})


def offered_values(settings: Settings) -> dict[str, Any]:
    """The offered settings' values by name, for a report's parameters."""
    return {o.name: getattr(settings, o.name) for o in OFFERED}


def sobol_base(sobol_n: int, units: int) -> int:
    """The base sample a Sobol analysis of ``units`` units uses: ``sobol_n``, halved while
    it times the units exceeds :data:`SOBOL_CELLS` (not below 2)."""
    base = sobol_n
    while base > 2 and base * units > SOBOL_CELLS:
        base //= 2
    return base


def robustness_settings() -> Settings:
    """The documented default run of the official report's robustness section."""
    return Settings(
        scheme=ROBUSTNESS_SCHEME,
        by=ROBUSTNESS_BY,
        n=ROBUSTNESS_N,
        delta=ROBUSTNESS_DELTA,
        seed=ROBUSTNESS_SEED,
        sobol_n=0,
    )
