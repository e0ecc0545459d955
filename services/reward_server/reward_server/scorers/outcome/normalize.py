"""Text rewrites that bring an answer and its reference into one form before they are compared.

Every rewrite here is linear in the length of the text and keeps the value: it removes notation
(currency signs, thousands separators, invisible characters, hedge words around one value) or
spells one notation in another (`>=` as `\\ge`, `0.\\overline{6}` as `\\frac{2}{3}`, `twelve` as
`12`). Rewrites that depend on the reference's shape (an interval, a list, a matrix) live in
`align`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from fractions import Fraction

from reward_server.scorers.outcome.extract import ALTERNATIVE, strip_math_delimiters
from reward_server.scorers.outcome.scan import top_level_split

# Format characters (zero-width space and joiners, soft hyphen, direction marks, BOM): invisible,
# and a number with one inside is still that number.
_FORMAT_CHARACTERS = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_UNICODE_MATH = {
    "\u2264": "\\le ",
    "\u2265": "\\ge ",
    "\u2260": "\\ne ",
    "\u2212": "-",
    "\u2013": "-",
    "\u00d7": "\\times ",
    "\u00f7": "\\div ",
    "\u00b7": "\\cdot ",
    "\u03c0": "\\pi ",
    "\u221e": "\\infty ",
    "\u2205": "\\emptyset ",
    "\u00b1": "\\pm ",
    "\u2213": "\\mp ",
    "\u221a": "\\sqrt ",
    "\u2044": "/",
}
_UNICODE_MATH_CHARS = re.compile("[" + "".join(_UNICODE_MATH) + "]")
_SUPERSCRIPT_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b\u207a"
_SUPERSCRIPTS = str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789-+")
_SUPERSCRIPT_RUN = re.compile("[\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b\u207a]+")
_ASCII_RELATIONS = re.compile(r"<=|>=|!=|=<")
_RELATION_COMMANDS = {"<=": "\\le ", "=<": "\\le ", ">=": "\\ge ", "!=": "\\ne "}
_EMPTY_SET = re.compile(r"\\varnothing\b|\\\{\s*\\\}|\\emptyset\b")
# `\mathcal{B}`, `\mathbb{R}`: one letter in a font is that letter.
_STYLED_LETTER = re.compile(r"\\math(?:cal|bb|scr|frak|it|rm|bf|sf)\{([A-Za-z])\}")
_INTEGER_MOD = re.compile(r"^(\d{1,18})\s*\\(?:bmod|mod)\s*([1-9]\d{0,17})(?=\s*(?:=|$))")
_SYMPY_EQ = re.compile(r"^Eq\((.*)\)$", re.DOTALL)
_CURRENCY = re.compile(r"\\\$|\\textdollar\b|\\euro\b|[\u20ac\u00a3\u00a5\u20b9]|\\pounds\b")
_LONE_DOLLAR = re.compile(r"\$(?=\s*[-+]?\d)|(?<=\d)\$")
# `1,000`, `1{,}000`, `12,\!040`, `1\,000`: digit groups of three after the first.
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:(?:,\\!|\{,\}|\\,|,)\d{3})++)(?![\d])")
_THOUSANDS_SEPARATOR = re.compile(r",\\!|\{,\}|\\,|,")
# `56,\!01,\!78`: `,\!` groups digits in any grouping (Indian lakhs too).
_DIGIT_GROUP_MACRO = re.compile(r"(?<=\d),\\!\s*(?=\d)")
# `3128 1/2`, `2\frac{1}{2}`: a whole number then a proper fraction.
_MIXED_NUMBER = re.compile(
    r"^(-?)(\d{1,30})\s*+(?:\\[dt]?frac\{(\d{1,30})\}\{(\d{1,30})\}|(?<=\s)(\d{1,30})/(\d{1,30}))$"
)
_SINGLE_BRACKET = re.compile(r"^\[([^\[\]]*)\]$")
_REPEATING = re.compile(r"(-?)(?<![\d.])(\d{0,30})\.(\d{0,30})\\(?:overline|bar)\{(\d{1,20})\}")
_HEDGE_WORDS = re.compile(
    r"^[?:;,.!\s]*+(?:(?:about|just about|approximately|approx\.?|around|roughly|nearly|circa|ca\.|"
    r"\\approx|\\sim|\u2248|~)\s*)+(?=\S)",
    re.IGNORECASE,
)
# `7.5 (approximately)`, `12 (twelve)`: words in parentheses after the value are a remark.
_TRAILING_REMARK = re.compile(r"(?<=\S)\s++\(([A-Za-z][A-Za-z .'-]{2,40})\)$")
_REMARKS = frozenset(
    {"approximately", "approx.", "approx", "about", "roughly", "exactly", "exact", "rounded", "estimated"}
)
_BARE_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
_DECIMAL_COMMA = re.compile(r"^([-+]?\d+)\{,\}(\d+)$")
_TEXT_WRAP = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"(?<![\w-])(?:minus\s++|negative\s++)?(?:{_NUMBER_WORD})(?:(?:\s++and\s++|[\s-]++)(?:{_NUMBER_WORD}))*+(?![\w-])",
    re.IGNORECASE,
)


def unicode_math(text: str) -> str:
    """Invisible characters out; superscripts as LaTeX; NFKC (fullwidth digits become ASCII, `½`
    becomes 1, the fraction slash, 2); then Unicode math symbols as LaTeX."""
    text = _FORMAT_CHARACTERS.sub("", text)
    text = _SUPERSCRIPT_RUN.sub(lambda run: "^{" + run.group().translate(_SUPERSCRIPTS) + "}", text)
    text = unicodedata.normalize("NFKC", text)
    return _UNICODE_MATH_CHARS.sub(lambda symbol: _UNICODE_MATH[symbol.group()], text)


_PLAIN = re.compile(r"[-+]?[0-9]{1,30}(?:\.[0-9]{1,30})?")


def canonical_math(text: str) -> str:
    """One spelling for math answers and references: see the module docstring."""
    text = text.strip()
    if _PLAIN.fullmatch(text):
        return text  # most answers: nothing to rewrite
    if not text.isascii():
        text = unicode_math(text)
    text = text.replace("**", "^")  # Python's power; the guards read `**` the same way
    equation = _SYMPY_EQ.match(text)
    if equation is not None and len(_split_commas(equation.group(1))) == 2:
        text = " = ".join(_split_commas(equation.group(1)))  # `Eq(a, b)`, sympy's spelling
    if "=" in text or "<" in text or ">" in text:
        text = _ASCII_RELATIONS.sub(lambda relation: _RELATION_COMMANDS[relation.group()], text)
    if "\\" in text:
        text = _EMPTY_SET.sub(r"\\emptyset", text)
        text = _STYLED_LETTER.sub(r"\1", text)
        text = _INTEGER_MOD.sub(lambda match: str(int(match.group(1)) % int(match.group(2))), text)
        text = _REPEATING.sub(_repeating_as_fraction, text)
    text = _CURRENCY.sub("", text)
    if text.count("$") % 2:
        text = _LONE_DOLLAR.sub("", text)
    if "," in text or "\\," in text:
        text = _DIGIT_GROUP_MACRO.sub("", text)
        text = _THOUSANDS.sub(
            lambda match: match.group(1) + _THOUSANDS_SEPARATOR.sub("", match.group(2)), text
        )
    text = _MIXED_NUMBER.sub(_mixed_as_fraction, text)
    if any(character.isalpha() or character in "\\~?:;,.!" for character in text[:1]):
        text = _HEDGE_WORDS.sub("", text)
    if text.endswith(")"):
        text = _without_remark(text)
    single = _SINGLE_BRACKET.match(text)
    if single and "," not in single.group(1) and ";" not in single.group(1):
        # `[5]`: one bracketed value (Geometry3K's answer marker)
        text = strip_math_delimiters(single.group(1))
    if any(character.isalpha() for character in text):
        whole = number_from_words(unwrap_text(text).rstrip("."))
        if whole is not None:
            return str(whole)
    return text.strip()


def _without_remark(text: str) -> str:
    """`7.5 (approximately)`, `12 (twelve)` without the remark; any other remark (`3 (or four)`,
    `3 (wrong)`) stays and keeps the answer from parsing."""
    remark = _TRAILING_REMARK.search(text)
    if remark is None:
        return text
    value, words = text[: remark.start()].strip(), remark.group(1).strip().lower()
    if words in _REMARKS or str(number_from_words(words)) == value:
        return value
    return text


def _repeating_as_fraction(match: re.Match[str]) -> str:
    sign, whole, fixed, repeating = match.groups()
    # 0.1\overline{6} = (16 - 1) / 90: the digits through one period, less the fixed digits.
    numerator = int(fixed + repeating) - int(fixed or "0")
    denominator = 10 ** len(fixed) * (10 ** len(repeating) - 1)
    value = int(whole or "0") + Fraction(numerator, denominator)
    return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"


def _mixed_as_fraction(match: re.Match[str]) -> str:
    sign, whole, numerator, denominator = (
        match.group(1),
        match.group(2),
        *(match.group(3, 4) if match.group(3) else match.group(5, 6)),
    )
    if int(denominator) == 0 or int(numerator) >= int(denominator):
        return match.group()
    value = int(whole) + Fraction(int(numerator), int(denominator))
    return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"


def decimal_comma(text: str) -> str | None:
    """`3{,}5` or `3,14` (a comma not followed by a group of three) as `3.5` / `3.14`."""
    match = _DECIMAL_COMMA.match(text.strip())
    if match is None or len(match.group(2)) == 3:
        return None  # `1{,}000`: a thousands separator
    whole, fraction = match.groups()
    return f"{whole}.{fraction}"


def number_from_words(text: str) -> int | None:
    """`twelve`, `twenty-one`, `one hundred and five`, `minus three` as an int; None otherwise
    (`one two` and `three and four` are no number)."""
    words = re.split(r"[\s-]+", text.strip().lower())
    if not words or words == [""] or len(words) > 12:
        return None
    sign = 1
    if words[0] in ("minus", "negative"):
        sign, words = -1, words[1:]
    total = current = 0
    previous = ""  # what the last word was: "", "unit", "tens", "scale" or "and"
    for word in words:
        if word == "and" and previous == "scale":
            previous = "and"
        elif word in _UNITS and (
            previous in ("", "scale", "and") or (previous == "tens" and _UNITS[word] < 10)
        ):
            current, previous = current + _UNITS[word], "unit"
        elif word in _TENS and previous in ("", "scale", "and"):
            current, previous = current + _TENS[word], "tens"
        elif word == "hundred" and previous in ("unit", "tens") and current < 100:
            current, previous = current * 100, "scale"
        elif word in _SCALES and word != "hundred" and previous in ("unit", "tens", "scale") and current:
            total, current, previous = total + current * _SCALES[word], 0, "scale"
        else:
            return None
    if previous in ("", "and"):
        return None
    return sign * (total + current)


def words_to_digits(text: str) -> str:
    """Every run of number words in running text replaced by its digits."""

    def replace(match: re.Match[str]) -> str:
        value = number_from_words(match.group())
        return match.group() if value is None else str(value)

    return _NUMBER_WORDS.sub(replace, text)


def unwrap_text(text: str) -> str:
    """`\\text{Monday}` -> `Monday`, for every text-style command with a flat argument."""
    return _TEXT_WRAP.sub(r"\1", text)


# ----------------------------------------------------------------------------- shapes


_LONE_VARIABLE = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?\s*=(?!=)\s*")
_RELATION = re.compile(r"\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt)(?![A-Za-z])|<|>")
_LESS = frozenset({"<", "\\lt", "\\le", "\\leq", "\\leqslant"})
_STRICT = frozenset({"<", ">", "\\lt", "\\gt"})
_VARIABLE = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?$")
_TUPLE = re.compile(r"^\(.*,.*\)$", re.DOTALL)
_AND = re.compile(r"\\text\{\s*and\s*\}|\band\b|;")
_MATRIX = re.compile(r"^\\begin\{([pbBvV]?matrix)\}(.*)\\end\{\1\}$", re.DOTALL)
_ROW_LIST = re.compile(r"^[\[(](.*)[\])]$", re.DOTALL)
_SET = re.compile(r"^\\\{.*\\\}$", re.DOTALL)


def align(answer: str, reference: str, *, is_list: Callable[[str], bool]) -> tuple[str, str]:
    """Rewrite the answer (and the reference) into the shape of the other where the notation
    differs but the value is the same: decimal commas, `\\pm`, roots given as `x = 1 or x = 4`,
    inequalities against intervals, tuples and nested lists against matrices."""
    comma = decimal_comma(reference)
    if comma is not None:
        answer = answer.replace(",", "{,}", 1) if _BARE_DECIMAL_COMMA.match(answer) else answer
        reference, answer = comma, decimal_comma(answer) or answer
    reference_is_list = is_list(reference) or _SET.match(reference) is not None
    if "\\pm" in reference and is_list(answer):
        reference = expand_plus_minus(reference)
        reference_is_list = True
    if "\\pm" in answer and reference_is_list:
        answer = expand_plus_minus(answer)
    if reference_is_list and (ALTERNATIVE.search(answer) or "," in answer):
        # `x = 1 or x = 4`, `x=1, x=4`: the values of one variable.
        parts = [part.strip() for chunk in ALTERNATIVE.split(answer) for part in _split_commas(chunk)]
        variables = {
            match.group().split("=")[0].strip() for part in parts if (match := _LONE_VARIABLE.match(part))
        }
        one_variable = len(variables) == 1 and all(_LONE_VARIABLE.match(part) for part in parts if part)
        if one_variable or ALTERNATIVE.search(answer):
            answer = ", ".join(_LONE_VARIABLE.sub("", part) for part in parts if part)
    if _TUPLE.match(reference.strip()):
        answer = _tuple_of_assignments(answer) or answer
    interval = _interval_of_inequality(answer)
    if interval is not None and _looks_like_interval(reference):
        answer = interval
    interval = _interval_of_inequality(reference)
    if interval is not None and _looks_like_interval(answer):
        reference = interval
    return _align_matrix(answer, reference), reference


def _tuple_of_assignments(text: str) -> str | None:
    """`x = 2, y = 3` / `x = 2 and y = 3` as `(2, 3)`: assignments to different variables, in order."""
    parts = [part for chunk in _AND.split(text) for part in _split_commas(chunk) if part.strip()]
    if len(parts) < 2:
        return None
    variables, values = [], []
    for part in parts:
        match = _LONE_VARIABLE.match(part)
        if match is None:
            return None
        variables.append(match.group().split("=")[0].strip())
        values.append(part[match.end() :].strip())
    if variables != sorted(set(variables)) or not all(values):
        return None  # `y = 2, x = 3` says x = 3: no order to read a tuple in
    return "(" + ", ".join(values) + ")"


def expand_plus_minus(text: str) -> str:
    """`1 \\pm \\sqrt{2}` -> `1 + \\sqrt{2}, 1 - \\sqrt{2}` (one `\\pm`; a leading `x =` goes)."""
    text = _LONE_VARIABLE.sub("", text)
    if text.count("\\pm") != 1:
        return text
    return f"{text.replace(chr(92) + 'pm', '+')}, {text.replace(chr(92) + 'pm', '-')}"


def _split_commas(text: str) -> list[str]:
    """`text` split at its top-level commas, each part stripped."""
    return [part.strip() for part in top_level_split(text, ",")]


def _looks_like_interval(text: str) -> bool:
    """An interval and no point: `(1, 2)` may be a pair, `(1, \\infty)` and `[1, 2)` are intervals."""
    stripped = text.strip()
    if not re.match(r"^[\[(].*[\])]$", stripped, re.DOTALL):
        return False
    if "\\cup" in stripped:
        return True
    return len(_split_commas(stripped[1:-1])) == 2 and (
        "\\infty" in stripped or not stripped.startswith("(") or not stripped.endswith(")")
    )


def _interval_of_inequality(text: str) -> str | None:
    """`x \\ge 1` -> `[1, \\infty)`, `-1 \\le x < 4` -> `[-1, 4)`: one variable, one or two bounds."""
    if "," in text or "=" in text:
        return None
    parts = [part.strip() for part in _RELATION.split(text)]
    relations = _RELATION.findall(text)
    if len(parts) == 2 and all(parts):
        (left, right), (relation,) = parts, relations
        if _VARIABLE.match(left) and not _VARIABLE.match(right):
            upper, value = relation in _LESS, right
        elif _VARIABLE.match(right) and not _VARIABLE.match(left):
            upper, value = relation not in _LESS, left
        else:
            return None
        closed = relation not in _STRICT
        if upper:
            return f"(-\\infty, {value}{']' if closed else ')'}"
        return f"{'[' if closed else '('}{value}, \\infty)"
    if len(parts) == 3 and all(parts) and _VARIABLE.match(parts[1]):
        first, second = relations
        if (first in _LESS) != (second in _LESS):
            return None
        low, high = (parts[0], parts[2]) if first in _LESS else (parts[2], parts[0])
        low_relation, high_relation = (first, second) if first in _LESS else (second, first)
        opening = "(" if low_relation in _STRICT else "["
        closing = ")" if high_relation in _STRICT else "]"
        return f"{opening}{low}, {high}{closing}"
    return None


def _matrix_rows(text: str) -> list[list[str]] | None:
    match = _MATRIX.match(text.strip())
    if match is None:
        return None
    rows = [row for row in re.split(r"\\\\", match.group(2)) if row.strip()]
    return [[cell.strip() for cell in row.split("&")] for row in rows]


def _list_rows(text: str) -> list[list[str]] | None:
    """`[[1, 2], [3, 4]]` as rows; `(1, 2, 3)` / `[1, 2, 3]` / `\\langle 1, 2 \\rangle` as one row."""
    stripped = text.strip().replace("\\left", "").replace("\\right", "")
    stripped = stripped.replace("\\langle", "(").replace("\\rangle", ")")
    match = _ROW_LIST.match(stripped)
    if match is None:
        return None
    cells = _split_commas(match.group(1))
    if len(cells) < 2 and not cells[0].startswith(("[", "(")):
        return None
    nested = [_ROW_LIST.match(cell) for cell in cells]
    if all(nested):
        return [_split_commas(row.group(1)) for row in nested if row]
    if any(nested):
        return None
    return [cells]


def _render_matrix(rows: list[list[str]]) -> str:
    return "\\begin{pmatrix}" + "\\\\".join(" & ".join(row) for row in rows) + "\\end{pmatrix}"


def _align_matrix(answer: str, reference: str) -> str:
    """A tuple or nested list answer against a matrix reference, in the reference's shape; a
    vector answer against a tuple reference, as a tuple."""
    reference_rows, answer_rows = _matrix_rows(reference), _matrix_rows(answer)
    if reference_rows is not None and answer_rows is None:
        rows = _list_rows(answer)
        if rows is None:
            return answer
        if len(rows) == 1 and all(len(row) == 1 for row in reference_rows):
            rows = [[cell] for cell in rows[0]]  # a column vector
        return _render_matrix(rows)
    if answer_rows is not None and reference_rows is None and _list_rows(reference) is not None:
        cells = [cell for row in answer_rows for cell in row]
        if len(answer_rows) == 1 or all(len(row) == 1 for row in answer_rows):
            return "(" + ", ".join(cells) + ")"
    return answer
