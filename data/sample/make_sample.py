"""Generate the SYNTHETIC sample survey data (dữ liệu giả lập) of ``data/sample``.

DỮ LIỆU GIẢ LẬP — không phải kết quả khảo sát thật. Every number written by this script is
made up by a seeded random generator. The files only look like real survey returns, so the
toolkit can be tried, tested and demonstrated; they say nothing about any real unit.

Run from the repository root::

    .venv/bin/python data/sample/make_sample.py

For every level (``tinh``, ``huyen``, ``xa``) and year (2018-2020) with a criteria file in
force, it writes ``data/sample/<year>/<level>.csv`` (UTF-8 with BOM so Excel opens it) with
the columns ``ma_don_vi, don_vi``, the input fields in the criteria file's ``inputs`` order,
``khong_ap_dung`` and ``ghi_chu``, one row per unit of the register ``don_vi.csv`` alive in
that year. It then loads and scores every file with the package and prints the spread of
classification levels.

How values are made:

* Each unit has a latent maturity ``m`` in [0.45, 0.98], stable per unit (seeded by its code):
  higher for the city of Huế and for provincial departments, lower for the mountainous
  districts and their communes. Most units improve each year, about one in eight slips.
  Communes created by the 2020 merger start from the mean of their predecessors.
* Nothing is hard-coded per criterion. The generator reads each criterion's method and
  parameters and gives every input FIELD one role (a count, a share of another count, a
  yes/no answer, ...). Each field is generated once per row, in an order where a rate's
  denominator comes before its numerator, so chains such as signed <= electronic <= all
  documents hold.
* Each value comes from its own generator seeded by (unit, year, field), so adding or removing
  a criterion leaves the other columns unchanged, and two runs give byte-identical files.
"""

from __future__ import annotations

import math
import re
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import LEVELS, CriteriaSet, Criterion, load_criteria
from cqdt.evidence import load_evidence
from cqdt.methods import METHODS, criterion_fields
from cqdt.problems import CriteriaError, InputError
from cqdt.register import load_units, units_in
from cqdt.scoring import score
from cqdt.versions import find_criteria

SEED = 1784
YEARS = (2018, 2019, 2020)

SAMPLE_DIR = Path(__file__).resolve().parent
ROOT = SAMPLE_DIR.parents[1]
CRITERIA_DIR = ROOT / "criteria"
REGISTER = SAMPLE_DIR / "don_vi.csv"

YES, NO = "Có", "Không"
SYNTHETIC_NOTE = "Dữ liệu giả lập"

# --- latent maturity ------------------------------------------------------------------------

M_MIN, M_MAX = 0.45, 0.98
BASE_MEAN, BASE_SD = 0.785, 0.035  # maturity in the first year, before unit effects
SLIP_SHARE = 0.12  # share of units that slip in a given year
GAIN = (0.02, 0.06)  # yearly change of an improving unit
SLIP = (-0.05, -0.02)  # yearly change of a slipping unit

CITY = "Thành phố Huế"
MOUNTAIN_DISTRICTS = ("Huyện Nam Đông", "Huyện A Lưới")
EFFECT_CITY = 0.03
EFFECT_PROVINCE = 0.02
EFFECT_MOUNTAIN = -0.08

# --- how inputs follow maturity -------------------------------------------------------------

NOISE_SD = 0.07  # noise of one answer around the unit's maturity
DIFFICULTY = 0.06  # fields are easier or harder by up to this much (stable per field)
YES_CENTRE = 0.64  # maturity at which a yes/no answer is 'Có' half of the time
YES_SCALE = 0.08  # how steeply that chance rises with maturity
YES_CEILING = 0.95  # even the best units miss an item now and then
LOWER_CASE_KEPT = 0.9  # chance that a unit reaching a higher case also reports the lower one
INTENSITY_SLOPE = 1.5  # how strongly "rate vs best" ratios grow with maturity
NOT_APPLICABLE_SHARE = 0.05  # share of units declaring one or two criteria not applicable

# Realistic size of count fields, by keywords of the field's name and label (first match
# wins): (low, high) per level; values spread log-uniformly between them.
MAGNITUDES: list[tuple[str, dict[str, tuple[float, float]]]] = [
    (r"mbps|băng thông", {"tinh": (50, 400), "huyen": (100, 600), "xa": (20, 100)}),
    (r"kinh phí|kinh_phi", {"tinh": (200, 3000), "huyen": (300, 3000), "xa": (20, 150)}),
    (
        r"tổng chi|chi thường xuyên|chi_thuong_xuyen",
        {"tinh": (8000, 80000), "huyen": (40000, 200000), "xa": (2500, 8000)},
    ),
    (r"văn bản|_vb_", {"tinh": (800, 6000), "huyen": (1500, 8000), "xa": (150, 900)}),
    (r"hồ sơ|_hs_", {"tinh": (300, 8000), "huyen": (1000, 12000), "xa": (100, 2500)}),
    (r"thủ tục|tthc", {"tinh": (40, 250), "huyen": (250, 320), "xa": (100, 130)}),
    (
        r"cán bộ|công chức|cbcc|viên chức|nhân sự",
        {"tinh": (20, 120), "huyen": (20, 120), "xa": (8, 30)},
    ),
    (r"báo cáo", {"tinh": (40, 200), "huyen": (60, 250), "xa": (20, 80)}),
    (r"trực thuộc", {"tinh": (2, 10), "huyen": (8, 27), "xa": (3, 12)}),
]
DEFAULT_MAGNITUDE = (50.0, 500.0)
YEAR_JITTER_SD = 0.04  # year-to-year change of a count (same unit, same field)


def _key(text: str) -> int:
    """A stable non-negative integer for a text (Python's hash() is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


def rng_for(*parts: str | int) -> np.random.Generator:
    """A generator seeded by SEED and the given parts, independent of call order."""
    return np.random.default_rng([SEED, *(p if isinstance(p, int) else _key(p) for p in parts)])


def _unit_effect(unit: pd.Series) -> float:
    effect = 0.0
    if unit["cap"] == "tinh":
        effect += EFFECT_PROVINCE
    if CITY in (unit["don_vi"], unit["thuoc"]):
        effect += EFFECT_CITY
    if unit["don_vi"] in MOUNTAIN_DISTRICTS or unit["thuoc"] in MOUNTAIN_DISTRICTS:
        effect += EFFECT_MOUNTAIN
    return effect


def _trajectory(code: str, start: float, years: Iterable[int]) -> dict[int, float]:
    """Maturity over the years from a starting value: mostly gains, sometimes a slip."""
    values, m = {}, start
    for i, year in enumerate(years):
        if i > 0:
            rng = rng_for("trend", code, year)
            low, high = SLIP if rng.random() < SLIP_SHARE else GAIN
            m = float(np.clip(m + rng.uniform(low, high), M_MIN, M_MAX))
        values[year] = m
    return values


def latent_maturity(units: pd.DataFrame, years: tuple[int, ...]) -> dict[str, dict[int, float]]:
    """Maturity per unit code and year, for every unit of the register.

    The trajectory of a unit runs over all years, even those it did not exist in, so a unit
    created later can inherit its predecessors' maturity of that year.
    """
    maturity: dict[str, dict[int, float]] = {}
    for _, unit in units.iterrows():
        code = unit["ma_don_vi"]
        base = rng_for("maturity", code).normal(BASE_MEAN, BASE_SD) + _unit_effect(unit)
        maturity[code] = _trajectory(code, float(np.clip(base, M_MIN, M_MAX)), years)

    by_code = units.set_index("ma_don_vi")
    for code, unit in by_code.iterrows():
        start = unit["tu_nam"]
        if pd.isna(start) or start <= years[0]:
            continue
        # the register says which units merged into this one (ke_thua, Nghị quyết
        # 834/NQ-UBTVQH14 for 2020, see NGUON_DON_VI.md); otherwise every unit of the same
        # district and level that ended the year before
        predecessors = tuple(by_code.index[by_code["ke_thua"] == code]) or tuple(
            by_code.index[
                (by_code["cap"] == unit["cap"])
                & (by_code["thuoc"] == unit["thuoc"])
                & (by_code["den_nam"] == start - 1)
            ]
        )
        if not predecessors:
            continue
        later = [y for y in years if y >= start]
        inherited = np.mean([maturity[p][later[0]] for p in predecessors])
        inherited += rng_for("merger", code).normal(0, 0.015)
        maturity[code].update(_trajectory(code, float(np.clip(inherited, M_MIN, M_MAX)), later))
    return maturity


# --- field roles ----------------------------------------------------------------------------


@dataclass
class FieldPlan:
    """How one input field is generated for a criteria set."""

    name: str
    label: str
    type: str
    role: str
    """share | count | intensity | direct | steps | per_item | cases | yes_no | unused"""
    users: list[Criterion] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)


def plan_fields(cs: CriteriaSet) -> list[FieldPlan]:
    """One plan per declared input, in an order where every field follows what it depends on.

    Roles, first that fits: numerator of a ``rate`` (a share of its denominator), denominator
    of a ``rate``/``rate_vs_best`` (a count), numerator of a ``rate_vs_best`` (an intensity
    relative to its denominator), then ``direct``, ``steps``, ``per_item`` for numbers and
    ``highest_case`` cases or plain answers for yes/no fields.
    """
    plans = {f.field: FieldPlan(f.field, f.label, f.type, "unused") for f in cs.inputs}
    for crit in cs.criteria:
        for name in dict.fromkeys(criterion_fields(crit)):
            plans[name].users.append(crit)

    for plan in plans.values():
        uses = [(c.method, name) for c in plan.users for name in _params_naming(c, plan.name)]
        if ("rate", "numerator") in uses:
            plan.role = "share"
            plan.depends_on = [
                c.denominator for c in plan.users if _is(c, "rate", "numerator", plan.name)
            ]
        elif any(m in ("rate", "rate_vs_best") and p == "denominator" for m, p in uses):
            plan.role = "count"
        elif ("rate_vs_best", "numerator") in uses:
            plan.role = "intensity"
            plan.depends_on = [
                c.denominator for c in plan.users if _is(c, "rate_vs_best", "numerator", plan.name)
            ]
        elif plan.type == "yes_no":
            plan.role = "cases" if any(m == "highest_case" for m, _ in uses) else "yes_no"
        else:
            for role in ("direct", "steps", "per_item"):
                if any(m == role for m, _ in uses):
                    plan.role = role
                    break
    return _topological(list(plans.values()))


def _params_naming(crit: Criterion, name: str) -> list[str]:
    """The parameters of a criterion that name a field (``cases`` for a case field)."""
    found = [p for p in METHODS[crit.method].field_params if getattr(crit, p) == name]
    if any(c.field == name for c in crit.cases or []):
        found.append("cases")
    return found


def _is(crit: Criterion, method: str, param: str, name: str) -> bool:
    return crit.method == method and getattr(crit, param) == name


def _topological(plans: list[FieldPlan]) -> list[FieldPlan]:
    """Order plans so dependencies come first, otherwise keeping declaration order."""
    done: list[FieldPlan] = []
    placed: set[str] = set()
    pending = list(plans)
    while pending:
        ready = [p for p in pending if all(d in placed for d in p.depends_on if d != p.name)]
        if not ready:
            cycle = ", ".join(p.name for p in pending)
            raise ValueError(f"rate numerators and denominators form a cycle: {cycle}")
        first = ready[0]
        done.append(first)
        placed.add(first.name)
        pending.remove(first)
    return done


# --- values -----------------------------------------------------------------------------------


@dataclass
class Row:
    """What the generator knows of one unit in one year."""

    level: str
    year: int
    code: str
    name: str
    maturity: float
    size: float
    """0..1, stable per unit: large units have more staff, documents and applications."""
    subunits: int | None
    """Communes under a district-level unit that year (from the register), else None."""


def _magnitude(plan: FieldPlan, level: str) -> tuple[float, float]:
    text = f"{plan.name} {plan.label}".lower()
    for pattern, ranges in MAGNITUDES:
        if re.search(pattern, text):
            return ranges.get(level, DEFAULT_MAGNITUDE)
    return DEFAULT_MAGNITUDE


def _difficulty(level: str, name: str) -> float:
    return float(rng_for("difficulty", level, name).uniform(-DIFFICULTY, DIFFICULTY))


def _quality(row: Row, name: str, rng: np.random.Generator) -> float:
    """How well the unit does on this field, 0..1, around its maturity."""
    q = row.maturity - _difficulty(row.level, name) + rng.normal(0, NOISE_SD)
    return float(np.clip(q, 0, 1))


def _round_stochastic(value: float, rng: np.random.Generator) -> int:
    """Round down or up with the odds that keep the expected value."""
    low = math.floor(value)
    return low + int(rng.random() < value - low)


def _count(plan: FieldPlan, row: Row) -> int:
    if row.subunits is not None and re.search(r"trực thuộc", plan.label.lower()):
        return row.subunits
    low, high = _magnitude(plan, row.level)
    spread = 0.6 * row.size + 0.4 * rng_for("size", row.code, plan.name).random()
    value = low * (high / low) ** spread
    value *= 1 + rng_for("jitter", row.code, row.year, plan.name).normal(0, YEAR_JITTER_SD)
    return max(1, round(value))


def _share(plan: FieldPlan, row: Row, values: dict[str, float], rng: np.random.Generator) -> int:
    bound = min(values[d] for d in plan.depends_on)
    value = round(bound * _quality(row, plan.name, rng))
    if any(c.denominator == plan.name for c in plan.users) and bound >= 1:
        value = max(value, 1)  # it is another rate's denominator: keep it non-zero
    return int(min(value, bound))


def _intensity(
    plan: FieldPlan,
    denominator: FieldPlan,
    row: Row,
    values: dict[str, float],
    rng: np.random.Generator,
) -> float:
    den_low, den_high = _magnitude(denominator, row.level)
    low, high = _magnitude(plan, row.level)
    typical = math.sqrt(low * high) / math.sqrt(den_low * den_high)
    q = _quality(row, plan.name, rng)
    value = values[denominator.name] * typical * math.exp(INTENSITY_SLOPE * (q - 0.8))
    value *= math.exp(rng.normal(0, 0.1))
    return max(1, round(value)) if value >= 5 else max(0.1, round(value, 1))


def _direct(plan: FieldPlan, row: Row, rng: np.random.Generator) -> float:
    top = min(c.max for c in plan.users if c.method == "direct")
    return round(top * _quality(row, plan.name, rng), 1)


def _steps(plan: FieldPlan, row: Row, rng: np.random.Generator) -> float:
    crit = next(c for c in plan.users if c.method == "steps")
    steps = sorted(crit.steps, key=lambda s: s.min)
    integral = all(float(s.min).is_integer() for s in steps)
    # Bands (low, high, points), values in [low, high): below the first threshold (0 points),
    # then one band per threshold; the top band is about as wide as the one below it.
    bands = [(0.0, steps[0].min, 0.0)] if steps[0].min > 0 else []
    for i, step in enumerate(steps):
        if i + 1 < len(steps):
            high = steps[i + 1].min
        else:
            below = bands[-1][1] - bands[-1][0] if bands else 0.0
            high = step.min + max(0.5 * step.min, below, 1.0 if integral else 0.01)
            high += 1 if integral else 0  # the top value itself is allowed
        bands.append((step.min, high, step.points))
    # Pick a band so that the expected points equal quality x max.
    target = _quality(row, plan.name, rng) * crit.max
    chosen = len(bands) - 1
    for i in range(len(bands) - 1):
        here, there = bands[i][2], bands[i + 1][2]
        if target < there:
            odds = (target - here) / (there - here) if there > here else 0.0
            chosen = i + 1 if rng.random() < odds else i
            break
    low, high, _ = bands[chosen]
    if integral:
        return float(rng.integers(int(low), int(high)))
    return math.floor(rng.uniform(low, high) * 100) / 100


def _per_item(plan: FieldPlan, row: Row, rng: np.random.Generator) -> int:
    crit = next(c for c in plan.users if c.method == "per_item")
    cap = math.ceil(crit.max / crit.points_per_item)
    count = _round_stochastic(_quality(row, plan.name, rng) * cap, rng)
    if count >= cap and rng.random() < 0.3:
        count += int(rng.integers(1, 3))  # some units do more than the cap rewards
    return count


def _yes_no(plan: FieldPlan, row: Row, rng: np.random.Generator) -> str:
    """'Có' with a probability rising steeply with maturity (a logistic curve)."""
    x = (row.maturity - _difficulty(row.level, plan.name) - YES_CENTRE) / YES_SCALE
    return YES if rng.random() < YES_CEILING / (1 + math.exp(-x)) else NO


def _cases(crit: Criterion, row: Row) -> dict[str, str]:
    """Answers to the case fields of a highest-case criterion (a higher case implies lower)."""
    cases = sorted(crit.cases, key=lambda c: c.points)
    rng = rng_for("cases", row.code, row.year, *(c.field for c in cases))
    target = _quality(row, cases[-1].field, rng) * crit.max
    reached = -1
    points = [0.0] + [c.points for c in cases]
    for i in range(len(cases)):
        if target >= points[i + 1]:
            reached = i
            continue
        odds = (
            (target - points[i]) / (points[i + 1] - points[i]) if points[i + 1] > points[i] else 0
        )
        if rng.random() < odds:
            reached = i
        break
    answers = {}
    for i, case in enumerate(cases):
        kept = i == reached or (i < reached and rng.random() < LOWER_CASE_KEPT)
        answers[case.field] = YES if kept else NO
    return answers


def generate_values(plans: list[FieldPlan], row: Row) -> dict[str, float | str]:
    """Every input field of one row, each generated once."""
    by_name = {p.name: p for p in plans}
    values: dict[str, float | str] = {}
    for plan in plans:
        if plan.name in values:
            continue  # already set as a case of a highest-case criterion
        rng = rng_for("value", row.code, row.year, plan.name)
        if plan.role == "share":
            values[plan.name] = _share(plan, row, values, rng)
        elif plan.role in ("count", "unused") and plan.type != "yes_no":
            values[plan.name] = _count(plan, row)
        elif plan.role == "intensity":
            denominator = by_name[plan.depends_on[0]]
            values[plan.name] = _intensity(plan, denominator, row, values, rng)
        elif plan.role == "direct":
            values[plan.name] = _direct(plan, row, rng)
        elif plan.role == "steps":
            values[plan.name] = _steps(plan, row, rng)
        elif plan.role == "per_item":
            values[plan.name] = _per_item(plan, row, rng)
        elif plan.role == "cases":
            crit = next(c for c in plan.users if c.method == "highest_case")
            values.update(_cases(crit, row))
        else:  # yes_no, or a yes/no field no criterion reads
            values[plan.name] = _yes_no(plan, row, rng)
        counts_communes = re.search(r"\bxã\b", plan.label.lower()) is not None
        if row.subunits is not None and plan.role in ("steps", "per_item") and counts_communes:
            # A district cannot count more communes than it has.
            values[plan.name] = min(values[plan.name], row.subunits)
    return values


# --- not applicable -------------------------------------------------------------------------


def not_applicable_candidates(cs: CriteriaSet) -> list[Criterion]:
    """Criteria a unit may plausibly declare not applicable.

    A ``rate`` or ``rate_vs_best`` the criteria file allows to be marked not applicable, whose
    denominator no other criterion reads and whose numerator feeds nothing else: its
    denominator can be 0 for a unit (no level-3/4 applications that year, no separate IT
    budget line), so the criterion cannot be computed.
    """
    readers: dict[str, int] = {}
    for crit in cs.criteria:
        for name in set(criterion_fields(crit)):
            readers[name] = readers.get(name, 0) + 1
    return [
        c
        for c in cs.criteria
        if c.allow_not_applicable
        and c.method in ("rate", "rate_vs_best")
        and readers[c.denominator] == 1
        and readers[c.numerator] == 1
    ]


def choose_not_applicable(
    cs: CriteriaSet, codes: list[str], year: int
) -> dict[str, list[Criterion]]:
    """About NOT_APPLICABLE_SHARE of the units (at least one) with one or two criteria."""
    candidates = not_applicable_candidates(cs)
    if not candidates or not codes:
        return {}
    rng = rng_for("not-applicable", cs.level, year)
    n_units = max(1, round(NOT_APPLICABLE_SHARE * len(codes)))
    chosen = rng.choice(len(codes), size=n_units, replace=False)
    result = {}
    for i in sorted(chosen):
        n = 1 if len(candidates) == 1 or rng.random() < 0.7 else 2
        picks = rng.choice(len(candidates), size=n, replace=False)
        result[codes[i]] = [candidates[j] for j in sorted(picks)]
    return result


# --- tables ---------------------------------------------------------------------------------


def _cell(value: float | str | None) -> str:
    """Text of a cell: integers without decimals, a dot as the decimal mark."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def generate_level(
    cs: CriteriaSet, units: pd.DataFrame, year: int, maturity: dict[str, dict[int, float]]
) -> pd.DataFrame:
    """The survey table of one level and year, as text cells."""
    plans = plan_fields(cs)
    alive = units_in(units, cs.level, year)
    communes = units_in(units, "xa", year)
    codes = alive["ma_don_vi"].tolist()
    not_applicable = choose_not_applicable(cs, codes, year)
    sizes = {c: float(rng_for("size", c).random()) for c in codes}

    rows = []
    for _, unit in alive.iterrows():
        code = unit["ma_don_vi"]
        row = Row(
            level=cs.level,
            year=year,
            code=code,
            name=unit["don_vi"],
            maturity=maturity[code][year],
            size=sizes[code],
            subunits=int((communes["thuoc"] == unit["don_vi"]).sum())
            if cs.level == "huyen"
            else None,
        )
        values: dict[str, float | str | None] = dict(generate_values(plans, row))
        excluded = not_applicable.get(code, [])
        excluded_codes = {c.code for c in excluded}
        still_read = {
            name
            for c in cs.criteria
            if c.code not in excluded_codes
            for name in criterion_fields(c)
        }
        for crit in excluded:
            for name in criterion_fields(crit):
                if name not in still_read:
                    values[name] = None
        note = SYNTHETIC_NOTE
        if excluded:
            reasons = "; ".join(f"{c.code} không phát sinh số liệu trong năm" for c in excluded)
            note = f"{SYNTHETIC_NOTE}. {reasons}"
        rows.append(
            {"ma_don_vi": code, "don_vi": unit["don_vi"]}
            | {f.field: _cell(values[f.field]) for f in cs.inputs}
            | {"khong_ap_dung": ";".join(c.code for c in excluded), "ghi_chu": note}
        )
    return pd.DataFrame(rows, dtype=str)


def write_csv(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


# --- verification ---------------------------------------------------------------------------


def verify(path: Path, criteria_path: Path, year: int, units: pd.DataFrame) -> str:
    """Load and score a written file with the package; describe its spread of levels."""
    cs = load_criteria(criteria_path)
    evidence = load_evidence(path, cs, year, units=units)
    parts = score(cs, evidence).parts
    n = parts["unit"].nunique()
    lines = [f"{year} {cs.level:<5} {n:>3} đơn vị, {len(evidence.warnings)} cảnh báo"]
    for part in cs.parts:
        rows = parts[parts["part"] == part.code]
        counts = rows["level"].value_counts()
        spread = "  ".join(
            f"{t.level}: {counts.get(t.level, 0):>3} ({counts.get(t.level, 0) / n:4.0%})"
            for t in part.levels
        )
        lines.append(f"    phần {part.code}: {spread}   tỷ lệ TB {rows['rate'].mean():.1%}")
    return "\n".join(lines)


def main() -> int:
    units = load_units(REGISTER)
    maturity = latent_maturity(units, YEARS)
    written: list[tuple[Path, Path, int]] = []
    for level in LEVELS:
        for year in YEARS:
            try:
                criteria_path = find_criteria(CRITERIA_DIR, level, year)
                cs = load_criteria(criteria_path)
            except CriteriaError as exc:
                print(f"bỏ qua {level} {year}: {exc}", file=sys.stderr)
                continue
            path = SAMPLE_DIR / str(year) / f"{level}.csv"
            write_csv(generate_level(cs, units, year, maturity), path)
            written.append((path, criteria_path, year))

    failed = False
    for path, criteria_path, year in written:
        try:
            summary = verify(path, criteria_path, year, units)
        except InputError as exc:
            print(f"LỖI {path.relative_to(ROOT)}:\n{exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{path.relative_to(ROOT)}\n{summary}")
    return 1 if failed or not written else 0


if __name__ == "__main__":
    sys.exit(main())
