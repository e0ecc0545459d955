"""Comparisons cheap enough for the server process: exact forms, plain numbers, choice letters.

Each returns a `Verdict` when it can decide for sure, or None to send the item to a worker.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from reward_server.scorers.outcome.extract import strip_math_delimiters

# math-verify rounds floats to 6 decimals before comparing; stay clear of that band.
_UNDECIDED_BAND = 1e-5

_SPACING = re.compile(r"\\[,;:! ]|\\quad|\\qquad|\\displaystyle|\\left|\\right|\s+")
_TEXT_WRAP = re.compile(r"\\(?:text|textbf|mathrm|mathbf|textrm|operatorname)\{([^{}]*)\}")
_FRAC = re.compile(r"^([-+]?)\\[dt]?frac\{([-+]?\d+)\}\{([-+]?\d+)\}$")
_SHORT_FRAC = re.compile(r"^([-+]?)\\[dt]?frac(\d)(\d)$")
_SLASH = re.compile(r"^([-+]?\d+)/([-+]?\d+)$")
_DECIMAL = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_TIMES_TEN = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+))(?:\\times|\\cdot|\*|x)10\^\{?([-+]?\d+)\}?$")
_THOUSANDS = re.compile(r"^([-+]?\d{1,3})((?:,\d{3})+)(\.\d+)?$")
_VARIABLE_EQ = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?=(?!=)")
_TRAILING_UNIT = re.compile(r"^(.*?\d\.?)(?:[A-Za-z°/^\s]|\\circ|\\%|%)+$")


@dataclass(frozen=True, slots=True)
class Verdict:
    accuracy: float
    reason: str


def squash(text: str) -> str:
    """Whitespace and spacing macros out, `\\dfrac` -> `\\frac`, no trailing period."""
    text = _SPACING.sub("", strip_math_delimiters(text))
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("{,}", ",")
    return text.rstrip(".")


def plain_number(text: str, *, strip_units: bool = False) -> tuple[Fraction, bool] | None:
    """Parse integers, decimals, simple fractions and `a \\times 10^b`.

    Returns the exact value and whether it was written exactly (no decimal point), or None.
    """
    compact = squash(text)
    compact = _TEXT_WRAP.sub(r"\1", compact)
    compact = _VARIABLE_EQ.sub("", compact)
    if strip_units:
        unit = _TRAILING_UNIT.match(compact)
        if unit:
            compact = unit.group(1)
        compact = compact.rstrip("$")
    thousands = _THOUSANDS.match(compact)
    if thousands:
        compact = thousands.group(1) + thousands.group(2).replace(",", "") + (thousands.group(3) or "")
    try:
        if _DECIMAL.match(compact):
            exact = "." not in compact and "e" not in compact.lower()
            return Fraction(compact), exact
        for pattern in (_FRAC, _SHORT_FRAC):
            match = pattern.match(compact)
            if match:
                sign, numerator, denominator = match.groups()
                if int(denominator) == 0:
                    return None
                value = Fraction(int(numerator), int(denominator))
                return (-value if sign == "-" else value), True
        match = _SLASH.match(compact)
        if match and int(match.group(2)) != 0:
            return Fraction(int(match.group(1)), int(match.group(2))), True
        match = _TIMES_TEN.match(compact)
        if match and abs(int(match.group(2))) <= 400:
            return Fraction(match.group(1)) * Fraction(10) ** int(match.group(2)), False
    except (ValueError, ZeroDivisionError):
        return None
    return None


_INTERVAL = re.compile(r"^([\[(])([^,\[\]()]+),([^,\[\]()]+)([\])])$")
_NUMBER_SET = re.compile(r"^\\\{(.*)\\\}$")
_INFINITY = {
    "\\infty": Fraction(10) ** 400,
    "+\\infty": Fraction(10) ** 400,
    "-\\infty": -(Fraction(10) ** 400),
}

Interval = tuple[str, Fraction, Fraction, str]


def _endpoint(text: str) -> Fraction | None:
    if text in _INFINITY:
        return _INFINITY[text]
    parsed = plain_number(text)
    return parsed[0] if parsed is not None and parsed[1] else None


def plain_interval(text: str) -> Interval | None:
    """`[1, 2)`, `(-\\infty, 3]` with exact endpoints; (1, 2) compares the same as a pair would."""
    match = _INTERVAL.match(squash(text))
    if not match:
        return None
    left, right = _endpoint(match.group(2)), _endpoint(match.group(3))
    if left is None or right is None:
        return None
    return match.group(1), left, right, match.group(4)


def plain_set(text: str) -> frozenset[Fraction] | None:
    """`\\{1, 2, 3\\}` of exact numbers."""
    match = _NUMBER_SET.match(squash(text))
    if not match:
        return None
    members = [_endpoint(part) for part in match.group(1).split(",")]
    if any(member is None for member in members):
        return None
    return frozenset(member for member in members if member is not None)


def fast_math(answer: str, truth: str) -> Verdict | None:
    """Decide identical forms, plain numbers, intervals and sets of numbers; the rest goes to a
    worker."""
    if squash(answer) == squash(truth):
        return Verdict(1.0, "equivalent")
    for parse in (plain_interval, plain_set):
        shape_answer, shape_truth = parse(answer), parse(truth)
        if shape_answer is not None and shape_truth is not None:
            same = shape_answer == shape_truth
            return Verdict(1.0, "equivalent") if same else Verdict(0.0, "not_equivalent")
    parsed_answer, parsed_truth = plain_number(answer), plain_number(truth)
    if parsed_answer is None or parsed_truth is None:
        return None
    (value, exact_answer), (expected, exact_truth) = parsed_answer, parsed_truth
    if value == expected:
        return Verdict(1.0, "equivalent")
    if exact_answer and exact_truth:
        return Verdict(0.0, "not_equivalent")
    scale = max(1.0, abs(float(expected)))
    if abs(float(value - expected)) > _UNDECIDED_BAND * scale:
        return Verdict(0.0, "not_equivalent")
    return None


def within_tolerance(value: float, expected: float, rel_tol: float, abs_tol: float) -> Verdict:
    if math.isfinite(value) and math.isclose(value, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return Verdict(1.0, "within_tolerance")
    return Verdict(0.0, "outside_tolerance")


def fast_numerical(answer: str, truth: str, rel_tol: float, abs_tol: float) -> Verdict | None:
    parsed_answer = plain_number(answer, strip_units=True)
    parsed_truth = plain_number(truth, strip_units=True)
    if parsed_answer is None or parsed_truth is None:
        return None
    return within_tolerance(float(parsed_answer[0]), float(parsed_truth[0]), rel_tol, abs_tol)


# ----------------------------------------------------------------------------- multiple choice

_MC_PREFIX = re.compile(
    r"^(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|option|choice)s?\s*(?:is|are|:)?\s*[:\-]?\s*",
    re.IGNORECASE,
)
_LETTER = r"[A-Z]"
_SINGLE = re.compile(rf"^[\(\[]?({_LETTER})[\)\]]?[.:)]?$")
_SINGLE_LOWER = re.compile(r"^[\(\[]?([a-z])[\)\]]?[.:)]?$")
_LETTER_WITH_TEXT = re.compile(rf"^[\(\[]?({_LETTER})(?:[\)\]][.:]?|[.:])\s+\S")
_LETTER_LIST = re.compile(rf"^[\(\[]?{_LETTER}[\)\]]?(?:\s*(?:,|;|&|\band\b|\s)\s*[\(\[]?{_LETTER}[\)\]]?)+$")
_LETTER_RUN = re.compile(rf"^{_LETTER}{{2,}}$")
_WRAPPERS = re.compile(r"^\\(?:text|textbf|mathrm|mathbf|textrm)\{(.*)\}$|^\*\*(.*)\*\*$")


def choice_letters(text: str, choices: dict[str, str] | None) -> frozenset[str] | None:
    """The set of option letters an answer names, or None when it names none.

    Letters must be ASCII: lookalikes (Cyrillic Ve, fullwidth B) are not letters here.
    """
    candidate = strip_math_delimiters(text).strip()
    for _ in range(3):
        wrapped = _WRAPPERS.match(candidate)
        if not wrapped:
            break
        candidate = (wrapped.group(1) or wrapped.group(2) or "").strip()
    candidate = _MC_PREFIX.sub("", candidate).strip().rstrip(".").strip()
    valid = {key.strip().upper() for key in choices} if choices else None

    def allowed(letters: frozenset[str]) -> frozenset[str] | None:
        return letters if valid is None or letters <= valid else None

    for pattern in (_SINGLE, _SINGLE_LOWER):
        match = pattern.match(candidate)
        if match:
            return allowed(frozenset({match.group(1).upper()}))
    if _LETTER_LIST.match(candidate):
        return allowed(frozenset(re.findall(_LETTER, candidate)))
    if _LETTER_RUN.match(candidate) and len(set(candidate)) == len(candidate):
        return allowed(frozenset(candidate))
    match = _LETTER_WITH_TEXT.match(candidate)
    if match:
        return allowed(frozenset({match.group(1)}))
    if choices:
        wanted = _option_text(candidate)
        named = {key.strip().upper() for key, option in choices.items() if _option_text(option) == wanted}
        if len(named) == 1:
            return frozenset(named)
    return None


def _option_text(text: str) -> str:
    return " ".join(strip_math_delimiters(text).lower().split()).rstrip(".")
