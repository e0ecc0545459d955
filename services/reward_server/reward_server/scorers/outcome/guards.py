"""Cheap static checks that refuse expressions no symbolic engine should evaluate.

They run in the server process before an item reaches a worker, so power towers and huge
factorials are answered `invalid` in microseconds; the per-item wall-clock limit in the worker
pool is the backstop for whatever slips through.

Every check is linear in the length of the text, whatever it holds (groups that never close,
long runs of digits or spaces, thousands of exponents): the tables of `_Scan` are built in one
pass each, so that each exponent is then checked in O(log n) instead of rescanning the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from reward_server.scorers.outcome.scan import group_ends, max_depth

MAX_NESTING_DEPTH = 48
MAX_DIGITS = 400
MAX_EXPONENT = 10_000
MAX_FACTORIAL = 1_000

# Runs are matched from their first character and quantifiers that could only give characters
# back to a match that then fails are possessive, so that no pattern rescans a run.
_DIGIT_RUN = re.compile(rf"(?<!\d)\d{{{MAX_DIGITS + 1}}}")
_FACTORIAL = re.compile(r"(?<!\d)(\d++)\s*+!")
_GROUP_FACTORIAL = re.compile(r"[)}]\s*+!")
_OPERATOR = re.compile(r"\*\*|\^")
_NUMERIC_POWER = re.compile(r"\d\s*+\}?+\s*+(?:\^|\*\*)")
_ATOM = re.compile(r"\s*(\\[A-Za-z]+|[A-Za-z0-9.]+|.)")
_FILLER = re.compile(r"(?:\s|\{\})+")
_NUMBER = re.compile(r"\d+")

Span = tuple[int, int]


def refusal_reason(text: str, max_chars: int) -> str | None:
    """Why `text` must not be parsed symbolically, or None when it is safe to try."""
    if len(text) > max_chars:
        return f"answer_too_long: {len(text)} characters (limit {max_chars})"
    deepest = max_depth(text)
    if deepest > MAX_NESTING_DEPTH:
        return f"nesting_too_deep: {deepest} levels (limit {MAX_NESTING_DEPTH})"
    if _DIGIT_RUN.search(text):
        return f"number_too_large: more than {MAX_DIGITS} digits"
    for match in _FACTORIAL.finditer(text):
        if int(match.group(1)) > MAX_FACTORIAL:
            return f"factorial_too_large: {match.group(1)}! (limit {MAX_FACTORIAL}!)"
    if "!" in text and _GROUP_FACTORIAL.search(text) and ("^" in text or "**" in text):
        return "factorial_of_power"
    return _power_refusal(text)


class _Scan:
    """One pass per table over `text`; then every question about a span is O(log n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.brace_ends = group_ends(text, "{", "}")
        self.paren_ends = group_ends(text, "(", ")")
        # closer index -> its opener, `{`/`(` and `}`/`)` counted alike (what a scan backwards from
        # the closer, counting depth, finds)
        self.openers = {end - 1: start for start, end in group_ends(text, "{(", "})").items()}
        # Matches of _NUMERIC_POWER never overlap, so finditer finds all of them, and their ends
        # grow with their starts.
        powers = list(_NUMERIC_POWER.finditer(text))
        self.power_starts = [match.start() for match in powers]
        self.power_ends = [match.end() for match in powers]
        fillers = list(_FILLER.finditer(text))
        self.filler_starts = [match.start() for match in fillers]
        self.filler_ends = [match.end() for match in fillers]
        numbers = list(_NUMBER.finditer(text))
        self.number_starts = [match.start() for match in numbers]
        self.number_ends = [match.end() for match in numbers]
        self.number_values = [max(1, int(match.group()[:7])) for match in numbers]
        self.factors = [index for index, value in enumerate(self.number_values) if value > 1]

    def has_power(self, span: Span) -> bool:
        """`_NUMERIC_POWER.search(text[a:b])`: the first power starting at or after a ends by b."""
        start, end = span
        index = bisect_left(self.power_starts, start)
        return index < len(self.power_starts) and self.power_ends[index] <= end

    def product(self, span: Span) -> int:
        """The product of the integers in `text[a:b]` (each its first 7 digits, at least 1), capped
        just past MAX_EXPONENT."""
        start, end = span
        first = bisect_right(self.number_ends, start)  # the first number ending after `start`
        stop = bisect_left(self.number_starts, end)  # numbers from `first` to here start before `end`
        if first >= stop or start >= end:
            return 1
        product = 1
        for index in (first,) if first == stop - 1 else (first, stop - 1):
            # The first and last numbers may be cut by the span's edges: read what is inside.
            digits = self.text[max(start, self.number_starts[index]) : min(end, self.number_ends[index])]
            product *= max(1, int(digits[:7]))
        # The numbers in between are whole; only factors of 2 or more change the product, and
        # 14 of them exceed the cap.
        factor = bisect_left(self.factors, first + 1)
        while factor < len(self.factors) and self.factors[factor] < stop - 1 and product <= MAX_EXPONENT:
            product *= self.number_values[self.factors[factor]]
            factor += 1
        return min(product, MAX_EXPONENT + 1)

    def after_filler(self, position: int) -> int:
        """The first index at or after `position` past whitespace and empty groups `{}`."""
        index = bisect_right(self.filler_starts, position) - 1
        # Inside a run of filler, every character starts filler except the `}` of a `{}`.
        if index >= 0 and position < self.filler_ends[index] and self.text[position] != "}":
            return self.filler_ends[index]
        return position


def _operand(scan: _Scan, start: int) -> tuple[int, Span]:
    """End index and span of the exponent operand that starts at `start`; a command such as
    `\\frac` takes its brace groups with it."""
    text = scan.text
    index = start
    while index < len(text) and text[index] == " ":
        index += 1
    if index < len(text) and text[index] in "{(":
        ends = scan.brace_ends if text[index] == "{" else scan.paren_ends
        end = ends.get(index, len(text))
        return end, (index + 1, max(index + 1, end - 1))
    if index < len(text) and text[index] in "+-":
        index += 1
    match = _ATOM.match(text, index)
    if match is None:
        return index, (index, index)
    end = match.end()
    if match.group(1).startswith("\\"):
        while end < len(text) and text[end] == "{":
            group_end = scan.brace_ends.get(end)
            if group_end is None:
                return len(text), (index, len(text))
            end = group_end
    return end, (index, end)


def _base(scan: _Scan, operator_start: int) -> Span | None:
    """The braced or bracketed group right before an exponent operator, if any."""
    text = scan.text
    index = operator_start
    while index > 0 and text[index - 1] == " ":
        index -= 1
    if index == 0 or text[index - 1] not in "})":
        return None
    opening = "{" if text[index - 1] == "}" else "("
    position = scan.openers.get(index - 1)
    if position is None or text[position] != opening:
        return None
    return position, index


def _power_refusal(text: str) -> str | None:
    if "^" not in text and "**" not in text:
        return None
    scan = _Scan(text)
    for operator in _OPERATOR.finditer(text):
        operand_end, operand = _operand(scan, operator.end())
        # A power of a number inside an exponent (`9^{9^9}`) is a tower; `e^{-x^2}` is not.
        if scan.has_power(operand):
            return "power_tower: an exponent contains a power of a number"
        exponent = scan.product(operand)
        base = _base(scan, operator.start())
        if base is not None and scan.has_power(base) and scan.product(base) * exponent > MAX_EXPONENT:
            return "power_tower: a large power raised to a power"
        if text.startswith(("^", "**"), scan.after_filler(operand_end)):
            return "power_tower: chained exponents"
        if exponent > MAX_EXPONENT:
            start, end = operand
            return f"exponent_too_large: {text[start:end].strip()[:40]} (limit {MAX_EXPONENT})"
    return None
