"""The fast paths on hostile texts, without a server.

No elapsed time is asserted: each text has the largest size a ground truth may have (the number
patterns used to split a run of digits in every possible way: seconds per call there), and the
rewritten patterns are checked to accept exactly what the old ones did.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from reward_proto.limits import MAX_GROUND_TRUTH_CHARS, MAX_RESPONSE_CHARS
from reward_server.scorers.outcome import fast

from tests.reward_server.scorers.texts import random_texts

LIMIT = MAX_GROUND_TRUTH_CHARS
_OLD_DECIMAL = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?$")
_OLD_TIMES_TEN = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+))(?:\\times|\\cdot|\*|x)10\^\{?([-+]?\d+)\}?$")


def test_number_patterns_accept_what_the_old_ones_did() -> None:
    tokens = [
        "1",
        "0",
        "5",
        ".",
        "-",
        "+",
        "e",
        "E",
        "x",
        "10",
        "^",
        "{",
        "}",
        "\\times",
        "\\cdot",
        "*",
        "\n",
        " ",
    ]
    for text in random_texts(tokens, 20_000, 12, seed=3):
        assert bool(fast._DECIMAL.match(text)) == bool(_OLD_DECIMAL.match(text)), repr(text)
        new, old = fast._TIMES_TEN.match(text), _OLD_TIMES_TEN.match(text)
        assert (new and new.groups()) == (old and old.groups()), repr(text)


@pytest.mark.parametrize(
    ("text", "strip_units"),
    [
        ("1" * (LIMIT - 1) + "x", False),
        ("1" * (LIMIT - 1) + "x", True),
        ("1 " * (LIMIT // 2 - 1) + "x!", True),
        ("1" * (LIMIT - 6) + "x10^2!", False),
        ("0." + "1" * (LIMIT - 3) + "x", False),
        ("1" + " " * (LIMIT - 3) + "x!", True),
        ("1" + "%" * (LIMIT - 2) + "x", True),
        ("1" * LIMIT, False),  # more digits than Python converts
    ],
    ids=[
        "digits",
        "digits_units",
        "spaced_digits",
        "times_ten",
        "decimal",
        "spaces",
        "percent_signs",
        "int_limit",
    ],
)
def test_numbers_that_are_not_plain_at_the_limit(text: str, strip_units: bool) -> None:
    for _ in range(10):
        assert fast.plain_number(text, strip_units=strip_units) is None
    assert fast.fast_math(text, "2") is None
    assert fast.fast_numerical(text, "2", 1e-4, 1e-8) is None


def test_plain_numbers_at_the_limit() -> None:
    assert fast.plain_number("1" * 4000) == (Fraction("1" * 4000), True)
    assert fast.plain_number("1 " * 2000, strip_units=True) == (Fraction("1" * 2000), True)
    assert fast.plain_set("\\{" + "1," * (LIMIT // 2 - 3) + "1\\}") == frozenset({Fraction(1)})
    verdict = fast.fast_math("1" * 4000 + "x10^{-2}", "1" * 4000 + "x10^{-2}")
    assert verdict is not None
    assert verdict.accuracy == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "$" * MAX_RESPONSE_CHARS,
        "A. B. " * (MAX_RESPONSE_CHARS // 6),
        "A " * (MAX_RESPONSE_CHARS // 2),
        " " * MAX_RESPONSE_CHARS,
    ],
    ids=["dollars", "letters_with_periods", "letters", "spaces"],
)
def test_choices_at_the_response_limit(text: str) -> None:
    assert fast.choice_letters(text, {"A": "x", "B": "y"}) is None
