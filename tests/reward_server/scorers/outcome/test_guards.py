"""The static guards on hostile texts: linear scans, and the same verdicts as the simple scans.

No elapsed time is asserted. Each hostile text is checked at the ground-truth limit (a quadratic
scan there takes seconds per call, minutes for the suite), the characters Python code reads are
counted for n and 2n, and the verdicts are compared with `_reference`, the straightforward (and
quadratic) implementation the guards replaced, on thousands of random texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from reward_proto.limits import MAX_GROUND_TRUTH_CHARS
from reward_server.scorers.outcome import guards

from tests.reward_server.scorers.texts import assert_linear_reads, random_texts

LIMIT = MAX_GROUND_TRUTH_CHARS


def _balanced_group(text: str, start: int, open_char: str = "{", close_char: str = "}") -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == open_char:
            depth += 1
        elif text[index] == close_char:
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def _operand_end(text: str, start: int) -> tuple[int, str]:
    index = start
    while index < len(text) and text[index] == " ":
        index += 1
    if index < len(text) and text[index] in "{(":
        end = _balanced_group(text, index, text[index], "}" if text[index] == "{" else ")")
        end = len(text) if end < 0 else end
        return end, text[index + 1 : end - 1]
    if index < len(text) and text[index] in "+-":
        index += 1
    match = re.compile(r"\s*(\\[A-Za-z]+|[A-Za-z0-9.]+|.)").match(text, index)
    if match is None:
        return index, ""
    end = match.end()
    if match.group(1).startswith("\\"):
        while end < len(text) and text[end] == "{":
            end = _balanced_group(text, end)
            if end < 0:
                return len(text), text[index:]
    return end, text[index:end]


def _base_before(text: str, operator_start: int) -> str:
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
        if product > guards.MAX_EXPONENT:
            break
    return product


def _reference(text: str) -> str | None:
    """The guards as they were: a scan per exponent operator."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > guards.MAX_NESTING_DEPTH:
        return f"nesting_too_deep: {deepest} levels (limit {guards.MAX_NESTING_DEPTH})"
    if re.search(rf"\d{{{guards.MAX_DIGITS + 1},}}", text):
        return f"number_too_large: more than {guards.MAX_DIGITS} digits"
    for match in re.finditer(r"(\d+)\s*!", text):
        if int(match.group(1)) > guards.MAX_FACTORIAL:
            return f"factorial_too_large: {match.group(1)}! (limit {guards.MAX_FACTORIAL}!)"
    if "!" in text and re.search(r"[)}]\s*!", text) and ("^" in text or "**" in text):
        return "factorial_of_power"
    numeric_power = re.compile(r"\d\s*\}?\s*(?:\^|\*\*)")
    for operator in re.finditer(r"\*\*|\^", text):
        operand_end, operand = _operand_end(text, operator.end())
        if numeric_power.search(operand):
            return "power_tower: an exponent contains a power of a number"
        base = _base_before(text, operator.start())
        if (
            numeric_power.search(base)
            and _integer_product(base) * _integer_product(operand) > guards.MAX_EXPONENT
        ):
            return "power_tower: a large power raised to a power"
        rest = text[operand_end:].lstrip()
        while rest.startswith("{}"):
            rest = rest[2:].lstrip()
        if rest.startswith(("^", "**")):
            return "power_tower: chained exponents"
        if _integer_product(operand) > guards.MAX_EXPONENT:
            return f"exponent_too_large: {operand.strip()[:40]} (limit {guards.MAX_EXPONENT})"
    return None


_TOKENS = [
    *"xa19020 \t\n^*{}{}()[]!+-.e",
    "**",
    "{}",
    "\\frac",
    "\\",
    "12345",
    "99999",
    "10",
    "\u00a0",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: `\d` matches it
]


def test_verdicts_match_the_reference_on_random_texts() -> None:
    for text in random_texts(_TOKENS, 4000, 40, seed=20240601):
        assert guards.refusal_reason(text, max_chars=LIMIT) == _reference(text), repr(text)


# name -> (text of about n characters, verdict)
HOSTILE: dict[str, tuple[Callable[[int], str], str | None]] = {
    # `)` does not close `{`: every exponent's group runs to the end of the text
    "unclosed_brace_exponents": (lambda n: "x^{a)" * (n // 5), None),
    "exponents_closed_at_the_end": (lambda n: "x^{a)" * (n // 6) + "}" * (n // 6), None),
    "bases_that_never_open": (lambda n: "a)^" * (n // 3), None),
    "nested_bases": (lambda n: "(]" * (n // 5 - 1) + "1" + "^1)" * (n // 5 - 1), None),
    "digit_then_spaces_in_an_exponent": (lambda n: "x^{1" + " " * (n - 5) + "}", None),
    "digit_runs_at_the_digit_limit": (lambda n: ("1" * guards.MAX_DIGITS + " ") * (n // 401), None),
    "digit_run_then_spaces": (lambda n: "1" * guards.MAX_DIGITS + " " * (n - guards.MAX_DIGITS), None),
    "spaces_then_a_factorial": (lambda n: "7" + " " * (n - 2) + "!", None),
    "carets": (lambda n: "^" * n, "power_tower: chained exponents"),
    "unclosed_commands": (lambda n: "x^\\frac{" * (n // 8), "nesting_too_deep: 1250 levels (limit 48)"),
    "empty_groups_after_an_exponent": (lambda n: "x^2" + "{}" * (n // 2 - 2), None),
    "ones_in_an_exponent": (lambda n: "2^{" + "1*" * (n // 2 - 3) + "}", None),
    "a_large_exponent_at_the_end": (
        lambda n: "2^{" + "1*" * (n // 2 - 5) + "99999}",
        "exponent_too_large: " + "1*" * 20 + f" (limit {guards.MAX_EXPONENT})",
    ),
    "a_tower_at_the_end": (
        lambda n: "x^{a)" * (n // 5 - 2) + "x^{9^9}",
        "power_tower: an exponent contains a power of a number",
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_texts_at_the_limit(name: str) -> None:
    make, verdict = HOSTILE[name]
    text = make(LIMIT)
    assert len(text) <= LIMIT
    # Ten items of one request: each took about a second before the scans were made linear.
    for _ in range(10):
        assert guards.refusal_reason(text, max_chars=LIMIT) == verdict


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_texts_agree_with_the_reference(name: str) -> None:
    make = HOSTILE[name][0]
    assert _reference(make(600)) == guards.refusal_reason(make(600), max_chars=LIMIT)


@pytest.mark.parametrize("name", HOSTILE)
def test_characters_read_grow_linearly(name: str) -> None:
    make = HOSTILE[name][0]
    assert_linear_reads(lambda text: guards.refusal_reason(text, max_chars=10**9), make, 2_000)
