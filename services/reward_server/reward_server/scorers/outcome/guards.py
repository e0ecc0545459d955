"""Cheap static checks that refuse expressions no symbolic engine should evaluate.

They run in the server process before an item reaches a worker, so power towers and huge
factorials are answered `invalid` in microseconds; the per-item wall-clock limit in the worker
pool is the backstop for whatever slips through.
"""

from __future__ import annotations

import re

from reward_server.scorers.outcome.extract import balanced_group

MAX_NESTING_DEPTH = 48
MAX_DIGITS = 400
MAX_EXPONENT = 10_000
MAX_FACTORIAL = 1_000

_DIGIT_RUN = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
_FACTORIAL = re.compile(r"(\d+)\s*!")
_NUMERIC_POWER = re.compile(r"\d\s*\}?\s*(?:\^|\*\*)")
_ATOM = re.compile(r"\s*(\\[A-Za-z]+|[A-Za-z0-9.]+|.)")


def refusal_reason(text: str, max_chars: int) -> str | None:
    """Why `text` must not be parsed symbolically, or None when it is safe to try."""
    if len(text) > max_chars:
        return f"answer_too_long: {len(text)} characters (limit {max_chars})"
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_NESTING_DEPTH:
        return f"nesting_too_deep: {deepest} levels (limit {MAX_NESTING_DEPTH})"
    if _DIGIT_RUN.search(text):
        return f"number_too_large: more than {MAX_DIGITS} digits"
    for match in _FACTORIAL.finditer(text):
        if int(match.group(1)) > MAX_FACTORIAL:
            return f"factorial_too_large: {match.group(1)}! (limit {MAX_FACTORIAL}!)"
    if "!" in text and re.search(r"[)}]\s*!", text) and ("^" in text or "**" in text):
        return "factorial_of_power"
    return _power_refusal(text)


def _exponent_operators(text: str) -> list[tuple[int, int]]:
    """(start, end) of each `^` or `**` operator."""
    spans = []
    index = 0
    while index < len(text):
        if text.startswith("**", index):
            spans.append((index, index + 2))
            index += 2
        elif text[index] == "^":
            spans.append((index, index + 1))
            index += 1
        else:
            index += 1
    return spans


def _operand_end(text: str, start: int) -> tuple[int, str]:
    """End index and text of the exponent operand that starts at `start`; a command such as
    `\\frac` takes its brace groups with it."""
    index = start
    while index < len(text) and text[index] == " ":
        index += 1
    if index < len(text) and text[index] in "{(":
        close = "}" if text[index] == "{" else ")"
        end = balanced_group(text, index, text[index], close)
        end = len(text) if end < 0 else end
        return end, text[index + 1 : end - 1]
    if index < len(text) and text[index] in "+-":
        index += 1
    match = _ATOM.match(text, index)
    if match is None:
        return index, ""
    end = match.end()
    if match.group(1).startswith("\\"):
        while end < len(text) and text[end] == "{":
            group_end = balanced_group(text, end)
            if group_end < 0:
                return len(text), text[index:]
            end = group_end
    return end, text[index:end]


def _base_before(text: str, operator_start: int) -> str:
    """The braced or bracketed group right before an exponent operator, if any."""
    index = operator_start
    while index > 0 and text[index - 1] == " ":
        index -= 1
    if index == 0 or text[index - 1] not in "})":
        return ""
    opening = "{" if text[index - 1] == "}" else "("
    depth = 0
    for position in range(index - 1, -1, -1):
        if text[position] in "})":
            depth += 1
        elif text[position] in "{(":
            depth -= 1
            if depth == 0:
                return text[position:index] if text[position] == opening else ""
    return ""


def _integer_product(operand: str) -> int:
    product = 1
    for number in re.findall(r"\d+", operand):
        product *= max(1, int(number[:7]))
        if product > MAX_EXPONENT:
            break
    return product


def _power_refusal(text: str) -> str | None:
    for start, end in _exponent_operators(text):
        operand_end, operand = _operand_end(text, end)
        # A power of a number inside an exponent (`9^{9^9}`) is a tower; `e^{-x^2}` is not.
        if _NUMERIC_POWER.search(operand):
            return "power_tower: an exponent contains a power of a number"
        base = _base_before(text, start)
        if _NUMERIC_POWER.search(base) and _integer_product(base) * _integer_product(operand) > MAX_EXPONENT:
            return "power_tower: a large power raised to a power"
        rest = text[operand_end:].lstrip()
        while rest.startswith("{}"):
            rest = rest[2:].lstrip()
        if rest.startswith(("^", "**")):
            return "power_tower: chained exponents"
        if _integer_product(operand) > MAX_EXPONENT:
            return f"exponent_too_large: {operand.strip()[:40]} (limit {MAX_EXPONENT})"
    return None
