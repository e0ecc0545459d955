"""Comparisons cheap enough for the server process: exact forms, plain numbers, choice letters.

Each returns a `Verdict` when it can decide for sure, or None to send the item to a worker.
"""

from __future__ import annotations

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
# `\d+(?:\.\d*)?`, not `\d+\.?\d*`: the same numbers, but the latter splits a run of digits in
# every possible way before failing (quadratic on 10,000 digits and a letter).
_DECIMAL = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?$")
_TIMES_TEN = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+))(?:\\times|\\cdot|\*|x)10\^\{?([-+]?\d+)\}?$")
_THOUSANDS = re.compile(r"^([-+]?\d{1,3})((?:,\d{3})+)(\.\d+)?$")
_VARIABLE_EQ = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?=(?!=)")
# Units after a number: `\text{...}`, `%`, degrees, or words after a space (`9.81 m`, `5 m/s`).
# Letters glued to the number (`3pi`, `2^x`, `5/x`) are math, not units, and so are the symbols
# below even after a space.
_UNIT_MARKS = re.compile(r"^(.*?\d\.?)\s*(?:\\text\{[^{}]*\}|\\%|%|°|\^\s*\{?\\circ\}?|\\circ)+\s*$")
_UNIT_WORDS = re.compile(r"^(.*?\d\.?)\s+([A-Za-z]+(?:/[A-Za-z]+)?)\s*$")
_MATH_WORDS = frozenset({"pi", "e", "i", "j", "x", "y", "z", "n", "k", "t", "a", "b", "c", "d"})


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
    if strip_units:
        text = strip_math_delimiters(text)
        marks = _UNIT_MARKS.match(text)
        if marks:
            text = marks.group(1)
        words = _UNIT_WORDS.match(text)
        if words and words.group(2).lower() not in _MATH_WORDS:
            text = words.group(1)
    compact = squash(text)
    compact = _TEXT_WRAP.sub(r"\1", compact)
    compact = _VARIABLE_EQ.sub("", compact)
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
    variable_answer, variable_truth = _VARIABLE_EQ.match(squash(answer)), _VARIABLE_EQ.match(squash(truth))
    if variable_answer and variable_truth and variable_answer.group(0) != variable_truth.group(0):
        return None  # `y = 3` against `x = 3`: let the symbolic comparison decide
    parsed_answer, parsed_truth = plain_number(answer), plain_number(truth)
    if parsed_answer is None or parsed_truth is None:
        return None
    (value, exact_answer), (expected, exact_truth) = parsed_answer, parsed_truth
    if value == expected:
        return Verdict(1.0, "equivalent")
    if exact_answer and exact_truth:
        return Verdict(0.0, "not_equivalent")
    # Exact arithmetic: floats overflow on values like 1e400.
    if abs(value - expected) > Fraction(_UNDECIDED_BAND) * max(Fraction(1), abs(expected)):
        return Verdict(0.0, "not_equivalent")
    return None


def within_tolerance(value: Fraction, expected: Fraction, rel_tol: float, abs_tol: float) -> Verdict:
    """math.isclose on exact values (no float overflow for 1e400)."""
    limit = max(Fraction(rel_tol) * max(abs(value), abs(expected)), Fraction(abs_tol))
    if abs(value - expected) <= limit:
        return Verdict(1.0, "within_tolerance")
    return Verdict(0.0, "outside_tolerance")


def fast_numerical(answer: str, truth: str, rel_tol: float, abs_tol: float) -> Verdict | None:
    parsed_answer = plain_number(answer, strip_units=True)
    parsed_truth = plain_number(truth, strip_units=True)
    if parsed_answer is None or parsed_truth is None:
        return None
    return within_tolerance(parsed_answer[0], parsed_truth[0], rel_tol, abs_tol)


# ----------------------------------------------------------------------------- multiple choice

_MC_PREFIX = re.compile(
    r"^(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|option|choice)s?\s*(?:is|are|:)?\s*[:\-]?\s*",
    re.IGNORECASE,
)
_LETTER = r"[A-Z]"
_SINGLE = re.compile(rf"^[\(\[]?({_LETTER})[\)\]]?[.:)]?$")
_SINGLE_LOWER = re.compile(r"^[\(\[]?([a-z])[\)\]]?[.:)]?$")
_LETTER_WITH_TEXT = re.compile(rf"^[\(\[]?({_LETTER})(?:[\)\]][.:]?|[.:])\s+\S")
_LETTER_LIST = re.compile(
    rf"^[\(\[]?{_LETTER}[\)\]]?(?:(?:\s*[,;&]\s*|\s+and\s+|\s+)[\(\[]?{_LETTER}[\)\]]?)+$"
)
_OTHER_LETTER_MARK = re.compile(r"(?<![A-Za-z])[\(\[]?[A-Z](?:[\)\]]|\.(?=\s|$))")
MAX_CHOICE_CHARS = 300
_LETTER_RUN = re.compile(rf"^{_LETTER}{{2,}}$")
_WRAPPERS = re.compile(r"^\\(?:text|textbf|mathrm|mathbf|textrm)\{(.*)\}$|^\*\*(.*)\*\*$")


def choice_letters(text: str, choices: dict[str, str] | None) -> frozenset[str] | None:
    """The set of option letters an answer names, or None when it names none.

    Letters must be ASCII: lookalikes (Cyrillic Ve, fullwidth B) are not letters here.
    """
    candidate = strip_math_delimiters(text).strip()
    if len(candidate) > MAX_CHOICE_CHARS:
        return None
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
        letter, rest = match.group(1), candidate[match.end() - 1 :]
        # `B. 42` names B; `B. C. D.` or `B) vs C)` name several; with `choices`, the text must
        # be B's own.
        if _OTHER_LETTER_MARK.search(rest):
            return None
        if choices and _option_text(choices.get(letter, "")) not in _option_text(rest):
            return None
        return allowed(frozenset({letter}))
    if choices:
        wanted = _option_text(candidate)
        named = {key.strip().upper() for key, option in choices.items() if _option_text(option) == wanted}
        if len(named) == 1:
            return frozenset(named)
    return None


def _option_text(text: str) -> str:
    return " ".join(strip_math_delimiters(text).lower().split()).rstrip(".")
