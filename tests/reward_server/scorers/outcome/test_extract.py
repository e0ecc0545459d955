"""Extraction and static guards, without a server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reward_proto.limits import MAX_RESPONSE_CHARS
from reward_server.scorers.outcome import extract, fast, guards

from tests.reward_server.scorers.texts import assert_linear_reads, random_texts


@pytest.mark.parametrize(
    ("response", "answer", "reason", "format_ok"),
    [
        ("<think>a</think><answer>5</answer>", "5", None, True),
        ("  <think>a</think>\n<answer> 5 </answer> trailing", "5", None, True),
        ("<think>a <answer>5</answer></think>", None, "answer_in_think_only", False),
        ("<think>a</think> 5", None, "no_answer_tag", False),
        ("<think>a <answer>5</answer>", None, "unclosed_think", False),
        ("<answer>5</answer>", "5", None, False),
        ("<think>a</think><answer>4</answer><answer>5</answer>", None, "multiple_answer_blocks", True),
        ("<think>a</think><answer>5</answer> so <answer>$5$</answer>", "$5$", None, True),
        ("<think>a</think><answer><answer>5</answer>", None, "nested_answer_tags", True),
        ("<think>a</think><answer>4<answer>5</answer></answer>", None, "nested_answer_tags", True),
        ("<think>a</think><answer>  </answer>", None, "empty_answer", True),
    ],
)
def test_extract_answer(response: str, answer: str | None, reason: str | None, format_ok: bool) -> None:
    extraction = extract.extract_answer(response)
    assert (extraction.answer, extraction.reason, extraction.format_ok) == (answer, reason, format_ok)


def test_boxed_values_are_unwrapped_and_distinct_ones_are_ambiguous() -> None:
    assert extract.single_candidate("so \\boxed{\\frac{1}{2}}").text == "\\frac{1}{2}"
    assert extract.single_candidate("\\boxed{3} \\boxed{ 3 }").text == "3"
    assert extract.single_candidate("\\boxed{3} or \\boxed{4}").ambiguous


@pytest.mark.parametrize(
    ("text", "is_list"),
    [
        ("1,000", False),
        ("1\\,000", False),
        ("3, 4", True),
        ("3 and 4", True),
        ("(1, 2)", False),
        ("[1,2)", False),
    ],
)
def test_is_list(text: str, is_list: bool) -> None:
    assert extract.is_list(text) is is_list


@pytest.mark.parametrize(
    "text",
    [
        "9^9^9^9^9",
        "10**10**10**10",
        "2^{3^{4}}",
        "x^{100000}",
        "12345!",
        "(3^4)!",
        "1" * 500,
        "(" * 100 + ")" * 100,
        "{10^{9999}}^{9999}",
        "10^{9999*9999}",
        "10^\\frac{10^{10}}{1}",
        "10^{10}{}^{10}",
    ],
)
def test_hostile_expressions_are_refused(text: str) -> None:
    assert guards.refusal_reason(text, max_chars=1000) is not None


@pytest.mark.parametrize(
    "text",
    [
        "2^{10}",
        "x^2 + y^2",
        "10!",
        "\\frac{1}{2}",
        "e^{i\\pi}",
        "3**2",
        "(a+b)^2 (c+d)^3",
        "(x^2)^3",
        "e^{-x^2}",
    ],
)
def test_ordinary_expressions_pass(text: str) -> None:
    assert guards.refusal_reason(text, max_chars=1000) is None


def test_answer_length_is_limited() -> None:
    assert guards.refusal_reason("1" * 50, max_chars=10) == "answer_too_long: 50 characters (limit 10)"


# ----------------------------------------------------------------- hostile responses at the limit
# No elapsed time is asserted: each text has the largest size a response may have (a quadratic scan
# there runs for seconds to minutes), the characters Python code reads are counted for n and 2n,
# and the results are compared with `_reference_*`, the straightforward (quadratic) code they
# replaced, on random texts.

RESPONSE_LIMIT = MAX_RESPONSE_CHARS


def _reference_boxed_contents(text: str) -> list[str]:
    """`\\boxed` extraction as it was: two `find`s and a brace scan per box."""
    found: list[str] = []
    index = 0
    while True:
        positions = [p for p in (text.find(cmd, index) for cmd in ("\\boxed", "\\fbox")) if p >= 0]
        if not positions:
            return found
        position = min(positions)
        brace = position + len("\\boxed") if text.startswith("\\boxed", position) else position + 5
        while brace < len(text) and text[brace] == " ":
            brace += 1
        if brace >= len(text) or text[brace] != "{":
            index = brace
            continue
        depth, end = 0, -1
        for scan in range(brace, len(text)):
            depth += {"{": 1, "}": -1}.get(text[scan], 0)
            if depth == 0:
                end = scan + 1
                break
        if end < 0:
            return found
        found.append(text[brace + 1 : end - 1].strip())
        index = end


def _reference_strip_math_delimiters(text: str) -> str:
    stripped = text.strip()
    changed = True
    while changed:
        changed = False
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if (
                len(stripped) > len(left) + len(right)
                and stripped.startswith(left)
                and stripped.endswith(right)
            ):
                stripped = stripped[len(left) : -len(right)].strip()
                changed = True
    return stripped


_BOX_TOKENS = ["\\boxed", "\\fbox", "{", "}", " ", "1", "x", "\\boxed{", "\\fbox {", "}}", "\\box", "\n"]
_DELIMITER_TOKENS = ["$", "$$", "\\(", "\\)", "\\[", "\\]", " ", "\t", "x", "1", "\\"]


def test_boxes_and_delimiters_match_the_reference_on_random_texts() -> None:
    for boxed in random_texts(_BOX_TOKENS, 3000, 30, seed=7):
        assert extract.boxed_contents(boxed) == _reference_boxed_contents(boxed), repr(boxed)
    for delimited in random_texts(_DELIMITER_TOKENS, 3000, 30, seed=8):
        assert extract.strip_math_delimiters(delimited) == _reference_strip_math_delimiters(delimited)


BOXED: dict[str, tuple[Callable[[int], str], int]] = {
    # name -> (text of about n characters, number of boxes found)
    "many_boxes": (lambda n: "\\boxed{1}" * (n // 9), RESPONSE_LIMIT // 9),
    "many_fboxes": (lambda n: "\\fbox{1}" * (n // 8), RESPONSE_LIMIT // 8),
    "boxes_without_braces": (lambda n: "\\boxed " * (n // 7), 0),
    "boxes_that_never_close": (lambda n: "\\boxed{" * (n // 7), 0),
    "unclosed_braces_then_boxes": (lambda n: "{" * (n // 2) + "\\boxed{1}" * (n // 18), RESPONSE_LIMIT // 18),
    "nested_boxes": (lambda n: "\\boxed{" * (n // 8) + "}" * (n // 8), 1),
}


@pytest.mark.parametrize("name", BOXED)
def test_boxed_contents_at_the_response_limit(name: str) -> None:
    make, count = BOXED[name]
    text = make(RESPONSE_LIMIT)
    assert len(text) <= RESPONSE_LIMIT
    for _ in range(10):
        boxes = extract.boxed_contents(text)
        assert len(boxes) == count
    assert set(boxes) <= {"1"} or name == "nested_boxes"
    candidate = extract.single_candidate(text)
    assert (candidate.text, candidate.ambiguous) == (("1", False) if count > 1 else (None, True))


@pytest.mark.parametrize("name", BOXED)
def test_boxed_contents_reads_grow_linearly(name: str) -> None:
    assert_linear_reads(extract.boxed_contents, BOXED[name][0], 5_000)


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("$" * RESPONSE_LIMIT, "$$"),
        ("$ " * (RESPONSE_LIMIT // 2), ""),
        ("\\(" * (RESPONSE_LIMIT // 4) + "x" + "\\)" * (RESPONSE_LIMIT // 4), "x"),
        ("\\[ " * (RESPONSE_LIMIT // 6) + "x" + " \\]" * (RESPONSE_LIMIT // 6), "x"),
        ("$$ " * (RESPONSE_LIMIT // 6) + "$" + " $$" * (RESPONSE_LIMIT // 6), "$"),
    ],
    ids=["dollars", "dollars_and_spaces", "parentheses", "brackets_and_spaces", "one_dollar_left"],
)
def test_math_delimiters_at_the_response_limit(text: str, stripped: str) -> None:
    for _ in range(10):
        assert extract.strip_math_delimiters(text) == stripped
    assert fast.choice_letters(text, None) == fast.choice_letters(stripped, None)


@pytest.mark.parametrize(
    ("response", "answer", "reason"),
    [
        ("<think>a</think>" + "<answer>" * (RESPONSE_LIMIT // 8 - 2), None, "no_answer_tag"),
        ("<think>" + "</think>" * (RESPONSE_LIMIT // 8 - 3) + "<answer>1</answer>", "1", None),
        ("<think>a</think>" + "</answer>" * (RESPONSE_LIMIT // 9 - 2), None, "no_answer_tag"),
        ("<think>a</think><answer>" + " " * (RESPONSE_LIMIT - 50) + "1</answer>", "1", None),
    ],
    ids=["opening_tags", "closing_think_tags", "closing_answer_tags", "spaces"],
)
def test_tags_at_the_response_limit(response: str, answer: str | None, reason: str | None) -> None:
    extraction = extract.extract_answer(response)
    assert (extraction.answer, extraction.reason) == (answer, reason)
    assert extract.strip_answer_tag("<answer>" + "</answer>" * (RESPONSE_LIMIT // 9 - 1)).startswith(
        "</answer>"
    )


@pytest.mark.parametrize(
    ("answer", "hedges"),
    [
        (" " * (RESPONSE_LIMIT - 1) + "x", False),
        ("\\text{" + " " * (RESPONSE_LIMIT - 6), False),
        ("\\text{" + " " * (RESPONSE_LIMIT - 20) + "or }", True),
        ("1" + ",000" * (RESPONSE_LIMIT // 4 - 1) + "x", True),
        ("(" * (RESPONSE_LIMIT // 2) + "1, 2", False),
    ],
    ids=[
        "spaces",
        "open_text",
        "spaced_or",
        "thousands",
        "open_brackets",
    ],
)
def test_hedging_checks_at_the_response_limit(answer: str, hedges: bool) -> None:
    assert extract.hedges(answer, answer, "1") is hedges


@pytest.mark.parametrize(
    ("answer", "sides"),
    [
        ("x_" + "a" * (RESPONSE_LIMIT - 5) + "!=1", 2),
        ("x_a" + " " * (RESPONSE_LIMIT - 6) + "=1", 1),
        ("=".join(["1"] * (RESPONSE_LIMIT // 2)), RESPONSE_LIMIT // 2),
    ],
    ids=["long_subscript", "spaced_variable", "long_chain"],
)
def test_equation_sides_at_the_response_limit(answer: str, sides: int) -> None:
    assert len(extract.equation_sides(answer, "1")) == sides
