"""Notation and shape rewrites, final-value extraction, and every new scan on hostile texts at the
response limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reward_proto.limits import MAX_RESPONSE_CHARS
from reward_server.scorers.outcome import extract, fast, normalize
from reward_server.scorers.outcome.worker import _free_form_text

from tests.reward_server.scorers.texts import assert_linear_reads

N = MAX_RESPONSE_CHARS


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("\\$2,500", "2500"),
        ("$2,500", "2500"),
        ("\\$12,\\!040.50", "12040.50"),
        ("56,\\!01,\\!78,\\!95,\\!760", "56017895760"),
        ("1{,}000", "1000"),
        ("3, 100", "3, 100"),
        ("y >= 1", "y \\ge  1"),
        ("x != 2", "x \\ne  2"),
        ("\\varnothing", "\\emptyset"),
        ("0.\\overline{6}", "\\frac{2}{3}"),
        ("0.1\\overline{6}", "\\frac{1}{6}"),
        ("3128 1/2", "\\frac{6257}{2}"),
        ("2\\frac{1}{2}", "\\frac{5}{2}"),
        ("2\\frac{3}{2}", "2\\frac{3}{2}"),
        ("about 7.5", "7.5"),
        ("\\approx 7.5", "7.5"),
        ("twelve", "12"),
        ("one hundred and five", "105"),
        ("\\text{five}", "5"),
        ("\\mathcal{B}", "B"),
        ("17 \\bmod 5", "2"),
        ("[5]", "5"),
        ("[1, 2]", "[1, 2]"),
        ("1\u200b000", "1000"),
        ("x\u00b2", "x^{2}"),
        ("\uff11\uff12", "12"),
    ],
)
def test_canonical_math(text: str, canonical: str) -> None:
    assert normalize.canonical_math(text) == canonical


@pytest.mark.parametrize(
    ("answer", "reference", "aligned"),
    [
        ("x = 1 \\text{ or } x = 4", "1, 4", ("1, 4", "1, 4")),
        ("5, -5", "\\pm 5", ("5, -5", "+ 5, - 5")),
        ("x \\ge 1", "[1, \\infty)", ("[1, \\infty)", "[1, \\infty)")),
        ("-1 \\le x < 4", "[-1, 4)", ("[-1, 4)", "[-1, 4)")),
        ("1 < x", "(1, \\infty)", ("(1, \\infty)", "(1, \\infty)")),
        ("3,5", "3{,}5", ("3.5", "3.5")),
        ("[[1, 2], [3, 4]]", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", None),
        ("x \\ge 1", "3", ("x \\ge 1", "3")),
    ],
)
def test_align(answer: str, reference: str, aligned: tuple[str, str] | None) -> None:
    result = normalize.align(answer, reference, is_list=extract.lists)
    if aligned is None:
        assert result[0] == "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}"
    else:
        assert result == aligned


@pytest.mark.parametrize(
    ("answer", "value", "ambiguous"),
    [
        ("So we get $y > 1$.", "y > 1", False),
        ("Since $x=2$, $y=4$.", "Since $x=2$, $y=4$.", False),
        ("Final Answer: The final answer is 12,000,023. I hope it is correct.", "12,000,023", False),
        ("The largest $n$ is 34.", "34", False),
        ("It is 3. No, it is 4.", "It is 3. No, it is 4.", False),
        ("Answer: 41 was a wrong guess.\nAnswer: 42", "42", False),
        ("The answer is 3. The answer is 4.", None, True),
        ("\\boxed{3} and \\boxed{4}", "4", True),
        ("Then $x = 2,$ or $x = 3.$ So $x = \\boxed{3}$", "3", False),
    ],
)
def test_final_value(answer: str, value: str | None, ambiguous: bool) -> None:
    candidate = extract.single_candidate(answer)
    assert candidate.ambiguous is ambiguous
    if value is not None:
        assert candidate.text == value


def test_a_hedge_in_the_final_sentence_counts_and_a_negated_one_does_not() -> None:
    assert extract.has_alternatives("\\boxed{3} or 4")
    assert not extract.has_alternatives("The answer is D, it can't be A or B")
    assert extract.hedges(extract.single_candidate("x. \\boxed{3} or 4").context, "3", "3")
    assert not extract.hedges(extract.single_candidate("a or b. So \\boxed{3}.").context, "3", "3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:00", (12, 0, 0)),
        ("9:30 p.m.", (21, 30, 0)),
        ("12:00 AM", (0, 0, 0)),
        ("\\text{12:05}", (12, 5, 0)),
        ("12:60", None),
        ("3:4", None),
    ],
)
def test_time_of_day(text: str, expected: tuple[int, int, int] | None) -> None:
    assert fast.time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Rome.", "rome"),
        ("the Eiffel Tower", "eiffel tower"),
        ("CO\u2082", "co2"),
        ("H_2O", "h2o"),
        ("twelve", "12"),
    ],
)
def test_free_form_text(text: str, normalized: str) -> None:
    assert _free_form_text(text) == normalized


# ----------------------------------------------------------------- hostile texts at the limit
# No elapsed time is asserted: each text has the largest size a response may have, where a
# quadratic regex or scan runs for minutes.

HOSTILE: dict[str, str] = {
    "answer_phrases": "answer is " * (N // 10),
    "answer_phrases_in_sentences": "answer is 1. " * (N // 13),
    "value_then_spaces": "word is 1" + " " * (N - 20) + "x",
    "dollars": "$" * N,
    "open_parens": "\\(" * (N // 2),
    "open_brackets": "\\[" * (N // 2),
    "dollar_pairs": "$a$ " * (N // 4),
    "escaped_dollars": "\\$" * (N // 2),
    "digits": "1" * N,
    "digits_and_dots": "1." * (N // 2),
    "digits_and_spaces": "1 " * (N // 2),
    "alternatives": "3 or " * (N // 5),
    "negated_alternatives": "not A or " * (N // 9),
    "sentence_ends": ". " * (N // 2),
    "newlines": "\n" * N,
    "distinct_boxes": "".join(f"\\boxed{{{i}}}" for i in range(N // 12)),
    "answer_openers": "<answer>" * (N // 8),
    "answer_blocks": "<answer>1</answer>" * (N // 18),
    "nested_answers": "<answer>" * (N // 17) + "</answer>" * (N // 17),
    "number_words": "one " * (N // 4),
    "number_word_then_spaces": "one" + " " * (N - 10) + "x",
    "thousands": "1" + ",000" * (N // 4),
    "grouped_digits": "1" + ",\\!000" * (N // 6),
    "long_repeating_decimal": "0." + "1" * (N - 20) + "\\overline{3}",
    "mixed_number_spaces": "1" + " " * (N - 10) + "1/2",
    "hedge_words": "about " * (N // 6),
    "affirmed_letters": "B is right " * (N // 11),
    "relations": "<=" * (N // 2),
    "verb_then_spaces": "The sum is" + " " * (N - 20) + "x",
    "verb_colon_spaces": "is" + " " * (N // 2 - 5) + ":" + " " * (N // 2 - 5) + "x",
    "verbs_and_tabs": "It is\t" * (N // 6),
    "unclosed_environments": "\\begin{a}" * (N // 9),
    "letter_mentions": "B C " * (N // 4),
    "negations": "not " * (N // 4),
    "huge_mixed_number": "1" * 5000 + " 1/2",
    "huge_thousands": "1" + ",000" * 2000 + " 1/2",
}
SCANS: dict[str, Callable[[str], object]] = {
    "single_candidate": extract.single_candidate,
    "extract_answer_either": lambda text: extract.extract_answer("<think>a</think>" + text, "either"),
    "extract_answer_tag": lambda text: extract.extract_answer(f"<think>a</think><answer>{text}</answer>"),
    "has_alternatives": extract.has_alternatives,
    "lists": extract.lists,
    "canonical_math": normalize.canonical_math,
    "words_to_digits": normalize.words_to_digits,
    "align_interval": lambda text: normalize.align(text, "[1, 2]", is_list=extract.lists),
    "align_list": lambda text: normalize.align(text, "1, 2", is_list=extract.lists),
    "free_form_text": _free_form_text,
    "choice_letters": lambda text: fast.choice_letters(text, {"A": "x", "B": "y"}),
    "fast_math_words": lambda text: fast.fast_math(text, "Monday"),
    "number": lambda text: fast.number(text, strip_units=True),
    "hedges": lambda text: extract.hedges(text, text, "1"),
    "negates": extract.negates,
    "prose_words": extract.prose_words,
}


@pytest.mark.parametrize("scan", SCANS)
def test_new_scans_on_hostile_texts_at_the_limit(scan: str) -> None:
    for text in HOSTILE.values():
        SCANS[scan](text)


def test_math_segments_read_grows_linearly() -> None:
    for make in (
        lambda n: "$a$ " * n,
        lambda n: "\\(" * n,
        lambda n: "$a$ \\[" * n,
        lambda n: "\\$" * n + "$",
    ):
        assert_linear_reads(extract.math_segments, make, 2_000)
