"""Extraction and static guards, without a server."""

from __future__ import annotations

import pytest
from reward_server.scorers.outcome import extract, guards


@pytest.mark.parametrize(
    ("response", "answer", "reason", "format_ok"),
    [
        ("<think>a</think><answer>5</answer>", "5", None, True),
        ("  <think>a</think>\n<answer> 5 </answer> trailing", "5", None, True),
        ("<think>a <answer>5</answer></think>", None, "answer_in_think_only", False),
        ("<think>a</think> 5", None, "no_answer_tag", False),
        ("<think>a <answer>5</answer>", None, "unclosed_think", False),
        ("<answer>5</answer>", "5", None, False),
        ("<think>a</think><answer>4</answer><answer>5</answer>", "5", None, True),
        ("<think>a</think><answer><answer>5</answer>", "5", None, True),
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
