"""Bracket scanning: top-level positions and splits, nesting depth and matching groups, against
the character-by-character scans they replaced, on unbalanced input and at 200k characters."""

from __future__ import annotations

import time
from itertools import accumulate

import pytest
from reward_server.scorers.outcome import scan

from tests.reward_server.scorers.texts import random_texts

_TOKENS = ("(", ")", "[", "]", "{", "}", ",", ";", "=", "x", "12", " ")
BIG = 200_000
# A quadratic scan of 200k characters takes minutes; a linear one, milliseconds.
BIG_BUDGET_S = 2.0


def _reference_split(text: str, separators: str) -> list[str]:
    """The scan `extract._top_level_split` and `normalize._split_commas` were."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char in separators and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _reference_depth(text: str) -> int:
    """The deepest running sum of +1 per opener and -1 per closer (0 at the least)."""
    steps = [1 if char in "([{" else -1 for char in text if char in "([{)]}"]
    return max(accumulate(steps, initial=0))


@pytest.mark.parametrize("separators", ["=", ",", ",;"])
def test_split_matches_the_character_scan_on_random_texts(separators: str) -> None:
    for text in random_texts(_TOKENS, 3000, 30, seed=21):
        assert scan.top_level_split(text, separators) == _reference_split(text, separators), repr(text)
        positions = list(scan.top_level_positions(text, separators))
        assert len(positions) == len(_reference_split(text, separators)) - 1


def test_max_depth_matches_the_character_scan_on_random_texts() -> None:
    for text in random_texts(_TOKENS, 3000, 30, seed=22):
        assert scan.max_depth(text) == _reference_depth(text), repr(text)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", [""]),
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (",", ["", ""]),
        ("f(a, b), c", ["f(a, b)", " c"]),
        ("\\{1, 2\\}, [3, 4]", ["\\{1, 2\\}", " [3, 4]"]),
        ("(1, 2]", ["(1, 2]"]),  # kinds are not matched: `(` ... `]` is one group
        # a closer without an opener: below the top level until an opener brings it back
        ("a), b, (c, d", ["a), b, (c", " d"]),
        ("a)), (b, c", ["a)), (b, c"]),
        ("a)(, b", ["a)(", " b"]),
        # brackets that never close keep the rest inside
        ("a, (b, c, d", ["a", " (b, c, d"]),
        ("{{{, ,", ["{{{, ,"]),
    ],
)
def test_unbalanced_brackets(text: str, parts: list[str]) -> None:
    assert scan.top_level_split(text, ",") == parts


@pytest.mark.parametrize(
    ("text", "depth"),
    [("", 0), ("x", 0), ("(", 1), (")))", 0), ("((()))", 3), ("({[", 3), (")(((", 2), ("(x)(y)[{z}]", 2)],
)
def test_max_depth(text: str, depth: int) -> None:
    assert scan.max_depth(text) == depth


def test_a_bracket_cannot_be_a_separator() -> None:
    with pytest.raises(ValueError, match="bracket"):
        scan.top_level_split("a(b", "(")


@pytest.mark.parametrize(
    "text",
    [
        "(" * BIG,
        ")" * BIG,
        "," * BIG,
        "(," * (BIG // 2),
        "),(" * (BIG // 3),
        "{a=b}, " * (BIG // 7),
        "x" * BIG,
    ],
    ids=[
        "openers",
        "closers",
        "separators",
        "opener_separator",
        "closer_separator_opener",
        "groups",
        "plain",
    ],
)
def test_200k_characters_are_linear(text: str) -> None:
    started = time.perf_counter()
    parts = scan.top_level_split(text, ",;")
    depth = scan.max_depth(text)
    positions = sum(1 for _ in scan.top_level_positions(text, "="))
    assert time.perf_counter() - started < BIG_BUDGET_S
    assert parts == _reference_split(text, ",;")
    assert depth == _reference_depth(text)
    assert positions == len(_reference_split(text, "=")) - 1


def test_group_ends_matches_a_scan_from_each_opener() -> None:
    for text in random_texts("{}()x", 2000, 30, seed=11):
        for opening, closing in ("{}", "()"):
            expected = {}
            for start, char in enumerate(text):
                if char != opening:
                    continue
                depth = 0
                for index in range(start, len(text)):
                    depth += {opening: 1, closing: -1}.get(text[index], 0)
                    if depth == 0:
                        expected[start] = index + 1
                        break
            assert scan.group_ends(text, opening, closing) == expected, text


def test_group_ends_of_several_kinds_counts_them_alike() -> None:
    assert scan.group_ends("{(})", "{(", "})") == {1: 3, 0: 4}
    assert scan.group_ends("}){(", "{(", "})") == {}
    assert scan.group_ends("(" * BIG + ")", "(", ")") == {BIG - 1: BIG + 1}
