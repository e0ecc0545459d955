"""Comparisons cheap enough for the server process: exact forms, plain numbers, choice letters.

Each returns a `Grade` when it can decide for sure, or None to send the item to a worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from reward_server.scorers.outcome import normalize
from reward_server.scorers.outcome.extract import strip_math_delimiters
from reward_server.scorers.outcome.grade import Grade

# math-verify rounds floats to 6 decimals before comparing; stay clear of that band.
_UNDECIDED_BAND = 1e-5

_SPACING = re.compile(r"\\[,;:! ]|\\quad|\\qquad|\\displaystyle|\\left|\\right|\s+")
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
_UNIT_MARKS = re.compile(
    r"^(.*?\d\.?)\s*+((?:\\text\{\s*[A-Za-z][A-Za-z/.^ ]{0,30}\}|\\%|%|\u00b0|\^\s*\{?\\circ\}?|\\circ)+)\s*$"
)
# `9.81 m`, `5 m/s`, `10 cm^2`.
_UNIT_WORDS = re.compile(
    r"^(.*?\d\.?)\s++((?:[A-Za-z]+\s){0,2}[A-Za-z]+(?:\^\{?\d\}?)?(?:/[A-Za-z]+(?:\^\{?\d\}?)?)?)\s*$"
)
# Words after a number that change its value or hedge it: never a unit.
_NOT_UNITS = frozenset(
    {
        *("million", "billion", "trillion", "thousand", "hundred", "dozen"),
        *("squared", "cubed", "factorial", "times", "percent"),
        *("maybe", "possibly", "perhaps", "probably", "least", "most", "approximately", "about"),
        *("or", "and", "not", "no"),
    }
)
_MATH_WORDS = frozenset({"pi", "e", "i", "j", "x", "y", "z", "n", "k", "t", "a", "b", "c", "d"})


def squash(text: str) -> str:
    """Whitespace and spacing macros out, `\\dfrac` -> `\\frac`, no trailing period."""
    text = _SPACING.sub("", strip_math_delimiters(text))
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("{,}", ",")
    return text.rstrip(".")


def split_unit(text: str) -> tuple[str, str]:
    """`9.81 m` -> (`9.81`, `m`), `90^\\circ` -> (`90`, `^\\circ`); a word that changes the value
    (`3 million`, `5 squared`) or hedges (`3 \\text{ maybe}`) is no unit, and stays."""
    text = strip_math_delimiters(text)
    unit = ""
    marks = _UNIT_MARKS.match(text)
    if marks and not _NOT_UNITS.intersection(re.findall(r"[a-z]+", marks.group(2).lower())):
        text, unit = marks.group(1), marks.group(2)
    words = _UNIT_WORDS.match(text)
    if words:
        named = re.sub(r"\^.*|/.*", "", words.group(2)).lower().split()
        if not _MATH_WORDS.intersection(named) and not _NOT_UNITS.intersection(named):
            text, unit = words.group(1), words.group(2) + unit  # `64 square feet`
    return text, unit


def same_unit(left: str, right: str) -> bool:
    """Units compared loosely (`\\text{ hours}` is `hour`); no unit matches any."""

    def key(unit: str) -> str:
        spelled = re.sub(r"\\text\{([^{}]*)\}|[\s\\{}]", r"\1", unit).lower().replace(" ", "")
        return spelled[:-1] if len(spelled) > 2 and spelled.endswith("s") else spelled

    return not left or not right or key(left) == key(right)


def plain_number(text: str, *, strip_units: bool = False) -> tuple[Fraction, bool] | None:
    """Parse integers, decimals, simple fractions and `a \\times 10^b`.

    Returns the exact value and whether it was written exactly (no decimal point), or None.
    """
    if strip_units:
        text = split_unit(text)[0]
    compact = squash(text)
    compact = normalize.unwrap_text(compact)
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


_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s*m\.?)?$", re.IGNORECASE)
_WORDS = re.compile(r"[A-Za-z]+(?:[ '-][A-Za-z]+)*")


@dataclass(frozen=True, slots=True)
class Number:
    value: Fraction
    exact: bool
    """Written exactly: no decimal point."""
    percent: bool
    unit: str


def number(text: str, *, strip_units: bool = False) -> Number | None:
    """A plain number with its percent sign and (with `strip_units`) its unit."""
    body, percent = _without_percent(text)
    unit = ""
    if strip_units:
        body, unit = split_unit(body)
    parsed = plain_number(body)
    if parsed is None:
        return None
    return Number(parsed[0], parsed[1], percent, unit)


def readings(answer: Number, truth: Number) -> tuple[Fraction, Fraction]:
    """The two values to compare. A percentage against a plain number is read as the number's
    scale says: `40\\%` is 0.4 against `0.4` and 40 against `40` (never both, so `4000\\%`
    cannot match 40 and 4000 at once)."""
    left, right = answer.value, truth.value
    if answer.percent and not truth.percent and abs(right) <= 1:
        left = left / 100
    elif truth.percent and not answer.percent and abs(left) <= 1:
        right = right / 100
    return left, right


def _without_percent(text: str) -> tuple[str, bool]:
    """`40\\%`, `40%`, `40 \\text{percent}` -> (`40`, True); anything else unchanged."""
    body = normalize.unwrap_text(text).rstrip()
    for mark in ("\\%", "%", "percent"):
        if body.lower().endswith(mark):
            number = body[: -len(mark)].rstrip()
            if number[-1:].isdigit() or number.endswith("."):
                return number, True
    return text, False


def time_of_day(text: str) -> tuple[int, int, int] | None:
    """`12:00`, `9:30 pm`, `21:30:15` as (hours on a 24-hour clock, minutes, seconds)."""
    match = _TIME.match(normalize.unwrap_text(strip_math_delimiters(text)).strip())
    if match is None:
        return None
    hours, minutes, seconds, half = match.groups()
    hour = int(hours)
    if int(minutes) >= 60 or hour > 24 or (half and not 1 <= hour <= 12):
        return None
    if half:
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    return hour, int(minutes), int(seconds or 0)


def words_match(answer: str, truth: str) -> Grade | None:
    """A reference that is words (`Monday`, `\\text{Yes}`) against an answer in words: equal
    when they are the same words, ignoring case and `\\text{}`; None when either is not words."""
    wrapped = "\\text" in truth or "\\text" in answer
    answer_words, truth_words = (normalize.unwrap_text(squash(text)).strip() for text in (answer, truth))
    if not (_WORDS.fullmatch(truth_words) and _WORDS.fullmatch(answer_words)):
        return None
    if len(truth_words) < 3 and not wrapped:
        return None  # `xy` is a product, not a word
    same = answer_words.casefold() == truth_words.casefold()
    return Grade.ok(1.0, "text_match") if same else Grade.ok(0.0, "text_mismatch")


def fast_math(answer: str, truth: str) -> Grade | None:
    """Decide identical forms, words, times of day, plain numbers, intervals and sets of numbers;
    the rest goes to a worker."""
    if squash(answer) == squash(truth):
        return Grade.ok(1.0, "equivalent")
    if answer.count("'") != truth.count("'") and "\\prime" not in answer + truth:
        return Grade.ok(0.0, "not_equivalent")  # `E'` is not `E` (math-verify drops the prime)
    clock = time_of_day(truth)
    if clock is not None:
        return (
            Grade.ok(1.0, "equivalent") if time_of_day(answer) == clock else Grade.ok(0.0, "not_equivalent")
        )
    words = words_match(answer, truth)
    if words is not None:
        return words
    for parse in (plain_interval, plain_set):
        shape_answer, shape_truth = parse(answer), parse(truth)
        if shape_answer is not None and shape_truth is not None:
            same = shape_answer == shape_truth
            return Grade.ok(1.0, "equivalent") if same else Grade.ok(0.0, "not_equivalent")
    variable_answer, variable_truth = _VARIABLE_EQ.match(squash(answer)), _VARIABLE_EQ.match(squash(truth))
    if variable_answer and variable_truth and variable_answer.group(0) != variable_truth.group(0):
        return None  # `y = 3` against `x = 3`: let the symbolic comparison decide
    parsed_answer, parsed_truth = number(answer), number(truth)
    if parsed_answer is None or parsed_truth is None:
        # `3000 m` against `3000`: a unit word after a number is not part of its value.
        parsed_answer, parsed_truth = number(answer, strip_units=True), number(truth, strip_units=True)
        if parsed_answer is None or parsed_truth is None:
            return None
        if not same_unit(parsed_answer.unit, parsed_truth.unit):
            return Grade.ok(0.0, "not_equivalent")  # `5 cm` is not `5 m`
    value, expected = readings(parsed_answer, parsed_truth)
    if value == expected:
        return Grade.ok(1.0, "equivalent")
    if parsed_answer.exact and parsed_truth.exact:
        return Grade.ok(0.0, "not_equivalent")
    # Exact arithmetic: floats overflow on values like 1e400.
    if abs(value - expected) > Fraction(_UNDECIDED_BAND) * max(Fraction(1), abs(expected)):
        return Grade.ok(0.0, "not_equivalent")
    return None


def within_tolerance(value: Fraction, expected: Fraction, rel_tol: float, abs_tol: float) -> Grade:
    """math.isclose on exact values (no float overflow for 1e400)."""
    limit = max(Fraction(rel_tol) * max(abs(value), abs(expected)), Fraction(abs_tol))
    if abs(value - expected) <= limit:
        return Grade.ok(1.0, "within_tolerance")
    return Grade.ok(0.0, "outside_tolerance")


def fast_numerical(answer: str, truth: str, rel_tol: float, abs_tol: float) -> Grade | None:
    """Within tolerance, except that an integer reference compares exactly (`2000001` is not
    `2000000`, however close)."""
    parsed_answer = number(answer, strip_units=True)
    parsed_truth = number(truth, strip_units=True)
    if parsed_answer is None or parsed_truth is None:
        return None
    if not same_unit(parsed_answer.unit, parsed_truth.unit):
        return Grade.ok(0.0, "outside_tolerance")
    value, expected = readings(parsed_answer, parsed_truth)
    if parsed_truth.exact and not parsed_truth.percent and expected.denominator == 1:
        rel_tol = abs_tol = 0.0
    return within_tolerance(value, expected, rel_tol, abs_tol)


# ----------------------------------------------------------------------------- multiple choice

_MC_PREFIX = re.compile(
    r"^(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|option|choice)s?\s*(?:is|are|:)?\s*[:\-]?\s*",
    re.IGNORECASE,
)
_LETTER = r"[A-Z]"
_SINGLE = re.compile(rf"^[\(\[]?({_LETTER})[\)\]]?[.:)]?$")
_SINGLE_LOWER = re.compile(r"^[\(\[]?([a-z])[\)\]]?[.:)]?$")
# `B. 42`, `B) text`, `B, since ...`, `C (Red)`, `C because ...`.
_LETTER_WITH_TEXT = re.compile(
    rf"^[\(\[]?({_LETTER})(?:[\)\]][.:,]?|[.:,]|(?=\s+(?:\(|because\b|since\b|as\b|which\b)))\s+\S"
)
_QUOTES = re.compile(r"^[\"'\u201c\u2018`*]+|[\"'\u201d\u2019`*]+$")
_CERTAINTY = re.compile(
    r"^(?:definitely|clearly|certainly|probably|likely|obviously|for\s+sure|surely)\s*,?\s*", re.IGNORECASE
)
_LETTER_LIST = re.compile(
    rf"^[\(\[]?{_LETTER}[\)\]]?(?:(?:\s*[,;&]\s*|\s+and\s+|\s+)[\(\[]?{_LETTER}[\)\]]?)+$"
)
_OTHER_LETTER_MARK = re.compile(r"(?<![A-Za-z])[\(\[]?[A-Z](?:[\)\]]|\.(?=\s|$))")
_AFFIRMED = re.compile(
    r"(?:^|[.;:!?]\s*|\s)(?i:option\s+|choice\s+)?[\(\[]?([A-Z])[\)\]]?\s+(?i:is|must\s+be|would\s+be)\s+"
    r"(?i:the\s+)?(?i:right|correct|true|best|answer)\b"
    r"|(?i:\bit's|\bit\s+is|\bchoose|\bpick|\bselect|\bgo\s+with)\s+(?i:option\s+|choice\s+)?[\(\[]?([A-Z])[\)\]]?(?![A-Za-z])"
)
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
    candidate = _QUOTES.sub("", _CERTAINTY.sub("", candidate)).strip()
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
        if _OTHER_LETTER_MARK.search(rest) or _NEGATION.match(rest) or _mentions_others(rest, letter):
            return None
        if choices and _option_text(choices.get(letter, "")) not in _option_text(rest):
            return None
        return allowed(frozenset({letter}))
    affirmations = list(_AFFIRMED.finditer(candidate))
    affirmed = {match.group(1) or match.group(2) for match in affirmations}
    if len(affirmed) == 1:
        # `Not C. B is right; A and D are not.`, but not `I would not choose B`, nor `B is right,
        # and so is C`.
        letter = next(iter(affirmed))
        if any(_NEGATION.search(_clause_before(candidate, match.start())) for match in affirmations):
            return None
        if _mentions_others(candidate, letter):
            return None
        return allowed(frozenset(affirmed))
    if choices:
        named = {key.strip().upper() for key, option in choices.items() if _same_option(option, candidate)}
        if len(named) == 1:
            return frozenset(named)
    return None


_NEGATION = re.compile(
    r"\W*(?:\bnot\b|n't\b|\bnever\b|\bno\b|\bwrong\b|\bincorrect\b|\bfalse\b|\beliminat"
    r"|\brule[sd]? out\b|\bcannot\b)",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;,!?\n]|\bbut\b")
# A standalone capital letter; `A` and `I` only where they cannot be the article or the pronoun.
_MENTION = re.compile(
    r"(?<![A-Za-z'])(?:([B-HJ-Z])|([AI])(?=\s*(?:[,.;:)\]]|$|\s(?:is|are|and|or|also|too|might|may|could|seems|as)\b)))"
    r"(?![A-Za-z'])"
)


def _clause_before(text: str, position: int) -> str:
    return _CLAUSE_END.split(text[max(0, position - 80) : position])[-1]


def _mentions_others(text: str, letter: str) -> bool:
    """Another option letter named and not ruled out in its own clause (`B, though C is also
    plausible` names C; `B; A and D are wrong` does not)."""
    for clause in _CLAUSE_END.split(text):
        others = {match.group(1) or match.group(2) for match in _MENTION.finditer(clause)} - {letter}
        if others and not _NEGATION.search(clause):
            return True
    return False


def _same_option(option: str, answer: str) -> bool:
    """The answer is the option's text, or its value (`42.0` for an option `42`)."""
    if _option_text(option) == _option_text(answer):
        return True
    value, wanted = plain_number(option), plain_number(answer)
    return value is not None and wanted is not None and value[0] == wanted[0]


def _option_text(text: str) -> str:
    return " ".join(strip_math_delimiters(text).lower().split()).rstrip(".")
