"""The rules judge without a server: exact arithmetic, honest layouts, hostile traces, off the
event loop.

No elapsed time is asserted: hostile traces have the largest size a response may have (the old
equation regex ran for minutes on 100,000 spaces), the characters Python code reads are counted
for n and 2n, and the equations found are compared with what the regex `_EQUATION` finds, on
random traces.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from reward_proto.limits import MAX_RESPONSE_CHARS
from reward_server.scorers.thinking import rules
from reward_server.scorers.thinking.judge import JudgeInput
from reward_server.scorers.thinking.rules import RulesJudge, judge_trace

from tests.reward_server.scorers.texts import assert_linear_reads, random_texts

LIMIT = MAX_RESPONSE_CHARS
# What the equation scan finds, as a regex (too slow to run on hostile texts, fine on short ones):
# left sides stay on their line, and a right side must end the expression.
_EQUATION = re.compile(
    r"((?:[\d.()+\-*/\u00d7\u00f7x^]|[^\S\n]|\\times|\\cdot|\\div){1,80}?)[^\S\n]*=\s*(-?\d+(?:\.\d+)?)"
    r"(?!\d|\.\d|,\d)(?![^\S\n]*(?:[-+*/\u00d7\u00f7^]|\\times|\\cdot|\\div))"
)
T = TypeVar("T")


def trace(*steps: str, answer: str | None = None) -> str:
    final = f"<answer>{answer}</answer>" if answer is not None else ""
    return "<think>" + "\n".join(steps) + "</think>" + final


@pytest.mark.parametrize(
    ("step", "right"),
    [
        ("8833*4739 = 41859587", True),
        ("8833*4739 = 41859600", False),  # within 1e-6 of the product: the old tolerance passed it
        ("12 \\times 3 = 36", True),
        ("7/2 = 3", False),
        ("7/2 = 3.5", True),
        ("10/4 = 2.5", True),
        ("0.1 + 0.2 = 0.3", True),  # exact: no binary floats
        ("0.1 + 0.2 = 0.30000000000000004", False),
        ("10/3 = 3.33", True),  # rounded to the decimals written
        ("10/3 = 3.333", True),
        ("10/3 = 3.34", False),
        ("2/3 = 0.67", True),
        ("2/3 = 0.66", False),  # truncated, not rounded
        ("1/8 = 0.12", True),  # an exact tie: either neighbour
        ("1/8 = 0.13", True),
        ("1/8 = 0.125", True),
        ("-7/2 = -3.5", True),
        ("2 - 5 = -3", True),
        ("(2 + 3) \u00d7 4 = 20", True),
        ("9 ÷ 3 = 3", True),
        ("3 = 3.0", None),  # no operator: not checked
        ("1/0 = 1", None),
        ("99999999 * 99999999 = 1", None),  # beyond the magnitude guard: not checked
        ("2^10 = 1024", None),
    ],
)
def test_arithmetic_is_exact(step: str, right: bool | None) -> None:
    verdict = judge_trace(trace(step))
    if right is None:
        assert verdict.checked == 0
    else:
        assert (verdict.checked, verdict.correct) == (1, int(right))


def test_a_final_answer_must_equal_the_last_derived_value() -> None:
    assert not judge_trace(trace("6*7 = 42", answer="42")).contradicts_answer
    assert not judge_trace(trace("6*7 = 42", answer="\\boxed{42.0}.")).contradicts_answer
    assert not judge_trace(trace("10/3 = 3.33", answer="3.33")).contradicts_answer
    assert judge_trace(trace("8833*4739 = 41859587", answer="41859600")).contradicts_answer
    assert judge_trace(trace("10/3 = 3.33", answer="3.333")).contradicts_answer


def test_scores_of_traces() -> None:
    assert judge_trace(trace("12*3 = 36", "36 + 4 = 40", answer="40")).score == 1.0
    assert judge_trace(trace("12*3 = 36", "36 + 4 = 41", answer="41")).score == 0.5
    assert judge_trace(trace("12*3 = 36", "12*3 = 36", answer="36")).score == pytest.approx(0.7)
    assert judge_trace(trace("12*3 = 36", answer="37")).score == pytest.approx(0.7)
    assert judge_trace(trace("I just know it.", answer="42")).score == rules.NO_STEPS_SCORE


_TOKENS = [
    *"1212.  \n\t==+-*/()x^a\u00d7÷0",
    "3.5",
    "= ",
    "=-",
    "\\times",
    "\\cdot",
    "\\div",
    "\\",
    "times",
    "\u00a0",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: `\d` matches it
]


def test_equations_are_those_the_regex_finds() -> None:
    for text in random_texts(_TOKENS, 5000, 60, seed=5):
        assert list(rules._equations(text)) == [m.groups() for m in _EQUATION.finditer(text)], repr(text)
    rng = random.Random(6)
    for _ in range(1000):  # left sides at and past the 80-unit bound
        text = "".join(
            rng.choice(["1", "1+", " ", "\\times", "(", ")"]) * rng.randint(0, 90)
            + rng.choice(["=", "= 5", "=-2.5", " = 3", "a", "=1.2.3", "==4", ""])
            for _ in range(rng.randint(1, 4))
        )
        assert list(rules._equations(text)) == [m.groups() for m in _EQUATION.finditer(text)], repr(text)


# name -> (reasoning of about n characters, equations checked, equations right)
HOSTILE: dict[str, tuple[Callable[[int], str], int, int]] = {
    "spaces": (lambda n: "1" + " " * (n - 2) + "x", 0, 0),
    "newlines": (lambda n: "1" + "\n" * (n - 2) + "x", 0, 0),
    "spaces_before_equals": (lambda n: "2*3" + " " * (n - 6) + "=6", 1, 1),
    "spaces_after_equals": (lambda n: "2*3 =" + " " * (n - 6) + "6", 1, 1),
    "digits_and_spaces": (lambda n: "1 " * (n // 2), 0, 0),
    "digits": (lambda n: "1" * n, 0, 0),
    "equals_signs": (lambda n: "=" * n, 0, 0),
    "equals_and_spaces": (lambda n: "= " * (n // 2), 0, 0),
    "equations_without_operators": (lambda n: "1 = 1 " * (n // 6), 0, 0),
    "left_sides_that_do_not_parse": (lambda n: "(1)+ = 1 " * (n // 9), 0, 0),
    "a_long_left_side": (lambda n: "1+" * (n // 2 - 2) + "1=2", 1, 0),
    "many_equations": (lambda n: "1+1=2 " * (n // 6), 200, 200),
    "commands": (lambda n: "\\times" * (n // 6 - 1) + "=1", 0, 0),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_traces_at_the_response_limit(name: str) -> None:
    make, checked, correct = HOSTILE[name]
    reasoning = make(LIMIT - 20)
    verdict = judge_trace(f"<think>{reasoning}</think><answer>1</answer>")
    assert (verdict.checked, verdict.correct) == (checked, correct)


@pytest.mark.parametrize("name", HOSTILE)
def test_equation_search_reads_grow_linearly(name: str) -> None:
    assert_linear_reads(lambda text: list(rules._equations(text)), HOSTILE[name][0], 5_000)


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        (" " * (LIMIT - 30) + "x", None),
        ("5" + " " * (LIMIT - 30) + "x", None),
        ("5" + " " * (LIMIT - 30) + "}", 5),
        ("\\boxed{" + " " * (LIMIT - 40) + "5" + " " * 10 + "}" + " " * 5 + ".", 5),
        ("1," * (LIMIT // 2 - 20) + "1x", None),
        ("1" * 5000, None),  # more digits than Python converts
    ],
    ids=["spaces", "number_then_spaces", "spaced_brace", "spaced_box", "commas", "digits"],
)
def test_final_answers_at_the_response_limit(answer: str, value: int | None) -> None:
    assert rules._as_number(answer) == value
    judge_trace(f"<think>2*3 = 6</think><answer>{answer}</answer>")


@pytest.mark.parametrize(("steps", "in_thread"), [(1, False), (2000, True)])
async def test_the_judge_runs_a_large_batch_in_one_worker_thread(
    monkeypatch: pytest.MonkeyPatch, steps: int, in_thread: bool
) -> None:
    threads: list[int] = []
    to_thread_calls = 0
    real_to_thread, real_judge_trace = asyncio.to_thread, rules.judge_trace

    async def counting_to_thread(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        nonlocal to_thread_calls
        to_thread_calls += 1
        return await real_to_thread(function, *args, **kwargs)

    def recording_judge_trace(response: str, question: str = "") -> rules.RulesVerdict:
        threads.append(threading.get_ident())
        return real_judge_trace(response, question)

    monkeypatch.setattr(asyncio, "to_thread", counting_to_thread)
    monkeypatch.setattr(rules, "judge_trace", recording_judge_trace)
    reasoning = trace(*["6*7 = 42"] * steps, answer="42")
    inputs = [JudgeInput(question="q", reasoning=reasoning) for _ in range(5)]
    assert (sum(len(i.reasoning) for i in inputs) > rules.IN_PLACE_CHARS) is in_thread
    outcomes = await RulesJudge().judge(inputs)
    assert [outcome.method for outcome in outcomes] == ["rules"] * 5
    assert to_thread_calls == int(in_thread)
    assert len(threads) == 5
    assert len(set(threads)) == 1
    assert (threads[0] != threading.get_ident()) is in_thread  # the event loop's thread or not


def test_the_model_version_names_the_profile() -> None:
    assert RulesJudge().model_version == "rules-v4"
    assert RulesJudge("farmable").model_version == "rules-farmable-v1"


QUESTION = "Ann has 3 apples, gets 4 more, then gives away 2. How many apples are left?"
AREA = "A rectangle is 12 cm by 5 cm. What is its area?"
# Honest traces in the layouts models write, each worth full marks (several scored 0 in rules-v4).
HONEST_LAYOUTS: dict[str, tuple[str, str]] = {
    "numbered": ("1. 3 + 4 = 7\n2. 7 - 2 = 5", QUESTION),
    "bullets": ("- 3 + 4 = 7\n- 7 - 2 = 5", QUESTION),
    "stars": ("* 3 + 4 = 7\n* 7 - 2 = 5", QUESTION),
    "lettered": ("(a) 3 + 4 = 7\n(b) 7 - 2 = 5", QUESTION),
    "step_labels": ("Step 1. 3 + 4 = 7.\nStep 2. 7 - 2 = 5.", QUESTION),
    "after_a_sentence_ending_in_a_number": (
        "She gets 4.\n3 + 4 = 7.\nShe gives away 2.\n7 - 2 = 5.",
        QUESTION,
    ),
    "sentences_on_one_line": ("She gets 4 more. 3 + 4 = 7.\nShe gives away 2. 7 - 2 = 5.", QUESTION),
    "remarks_in_brackets": ("3 + 4 = 7 (after getting more)\n7 - 2 = 5 (after giving away)", QUESTION),
    "named_values": ("Total = 3 + 4 = 7.\nLeft = 7 - 2 = 5.", QUESTION),
    "chained_names": ("x = 3 + 4 = 7, then y = 7 - 2 = 5.", QUESTION),
    "latex_times": ("Area = 12 \\times 5 = 60 cm^2.", AREA),
    "middle_dot": ("12 \u00b7 5 = 60.", AREA),
    "unicode_minus": ("3 + 4 = 7.\n7 \u2212 2 = 5.", QUESTION),
    "a_check_after_the_answer": ("3 + 4 = 7.\n7 - 2 = 5.\nCheck: 5 + 2 = 7.", QUESTION),
    "a_conclusion": ("3 + 4 = 7.\n7 - 2 = 5.\nAnn has 5 apples left.", QUESTION),
    "percent_as_a_decimal": (
        "50 * 0.2 = 10.",
        "A shirt costs 50 dollars and is 20% off. What is the discount?",
    ),
    "a_dozen": ("3 * 12 = 36.", "Eggs come in cartons of a dozen. How many eggs are in 3 cartons?"),
    "number_words": (
        "3 + 4 = 7.\n7 - 2 = 5.",
        "Ann has three apples, gets four more, then gives away two. How many?",
    ),
    "coordinates": (
        "2 + 6 = 8.\n8 / 2 = 4.",
        "Find the midpoint of (2,4) and (6,8). What is its x-coordinate?",
    ),
    "thousands_separators": (
        "1,200 + 300 = 1,500.",
        "A shop sold 1,200 pens on Monday and 300 on Tuesday. How many?",
    ),
    "fullwidth_digits": ("\uff13 + \uff14 = \uff17.\n7 - 2 = 5.", QUESTION),
    "a_perfect_square": ("6 * 6 = 36, which is a perfect square.", "A square has side 6. What is its area?"),
}
ANSWERS = {"latex_times": "60", "middle_dot": "60", "percent_as_a_decimal": "10", "a_dozen": "36",
           "coordinates": "4", "thousands_separators": "1,500", "a_perfect_square": "36"}  # fmt: skip


@pytest.mark.parametrize("name", HONEST_LAYOUTS)
def test_honest_layouts_earn_full_marks(name: str) -> None:
    steps, question = HONEST_LAYOUTS[name]
    verdict = judge_trace(trace(steps, answer=ANSWERS.get(name, "5")), question)
    assert verdict.score == 1.0, verdict.describe()
    assert verdict.judge_directed == ()


def test_answers_are_read_with_their_units() -> None:
    assert not judge_trace(trace("3 + 4 = 7", "7 - 2 = 5", answer="5 apples"), QUESTION).contradicts_answer
    for answer in ("6 apples", "x = 6", "\\boxed{6}"):
        assert judge_trace(trace("3 + 4 = 7", "7 - 2 = 5", answer=answer), QUESTION).contradicts_answer


def test_every_format_character_is_removed_before_reading() -> None:
    import unicodedata

    from reward_server.scorers.thinking.injection import normalized

    format_characters = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert normalized("3 + 4" + "".join(format_characters) + " = 7") == "3 + 4 = 7"
    assert normalized("&lt;answer&gt;") == "<answer>"
