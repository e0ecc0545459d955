"""A deterministic thinking judge without a model (docs/thinking-service.md), for demos and CPU
tests: it scores math-like traces in microseconds and cannot be farmed the obvious ways.

Profile `honest` (the default, `rules-v4`). The score is the share of checkable equations
(`12*3 = 36`) that are right and grounded, minus penalties:

- grounded: every number a step uses comes from the question, from an earlier step, or is one
  of a few constants (1, 2, 10, 100); `0 + 9 = 9` for a question without a 9 is not a step but a
  guess dressed as one. Without a question, steps are not checked for grounding.
- `PADDING_PENALTY` x the share of sentences that pad: repeat an earlier sentence or only its
  steps, hold only steps that give back one of their own numbers (`7 * 1 = 7`), say nothing of
  the problem (no number and no word of the question: "let me double check"), or restate the
  question;
- `IRRELEVANT_PENALTY` x the share of steps the answer does not depend on (traced back from the
  step that derives the final answer through the results later steps use);
- `CONTRADICTION_PENALTY` when the final answer is not the last derived value;
- `JUDGE_DIRECTED_PENALTY` when the response talks to the judge (`injection.judge_directed`).

A trace with no step to check earns nothing, so an empty or one-word trace scores 0. A step that
uses the final answer after deriving it (`5 + 2 = 7`) is a check: never irrelevant, never the
last derived value.

What is read: every `<think>` block and any text up to the final `<answer>` (NFKC, zero-width
characters removed, Unicode minus and dots as `-` and `*`); equations on their own line, after a
sentence, an enumerator or a bullet (`1. 3 + 4 = 7`, `- 7 - 2 = 5`), named or chained
(`Total = 3 + 4 = 7`: the right side must end the expression), with digit-group commas; the final
answer as a number, or the one number of a short answer (`6 apples`). Numbers of the question
include percentages as fractions and number words (`three`, `a dozen`).

Arithmetic is exact. The left-hand side is evaluated with fractions (`0.1 + 0.2` is 3/10) and
compared with the number on the right as written:

- an integer on the right must be the exact value (`8833*4739 = 41859600` is wrong, the product
  is 41859587; `7/2 = 3` is wrong);
- a number written with d decimals must be the value rounded to d decimals, either neighbour on
  an exact tie (`10/3 = 3.33` and `1/8 = 0.12` or `0.13` are right; `10/3 = 3.34` and the
  truncated `2/3 = 0.66` are wrong).

Profile `farmable` (`rules-farmable-v1`) exists for the reward-hacking ablation only
(docs/ablation.md): it pays for length and confident wording whatever the reasoning, the judge a
policy can farm. Never train a real model against it.

Every scan is linear in the length of the response, whatever it holds (runs of spaces, digits or
`=` signs): see `_equations`.
"""

from __future__ import annotations

import ast
import asyncio
import bisect
import functools
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from reward_proto.response import ANSWER_OPEN, final_answer_span

from reward_server.scorers.thinking.injection import JudgeDirected, judge_directed, normalized
from reward_server.scorers.thinking.judge import JudgeInput, JudgeOutcome

RulesProfile = Literal["honest", "farmable"]
Number = Fraction | int
MODEL_VERSIONS: dict[RulesProfile, str] = {"honest": "rules-v4", "farmable": "rules-farmable-v1"}

# A trace with nothing to check earns nothing. A neutral 0.5 was tried: a GRPO policy then learned
# to drop its steps (thinking reward of wrong answers 0.05 -> 0.5) and its accuracy collapsed.
NO_STEPS_SCORE = 0.0
PADDING_PENALTY = 0.6  # times the share of sentences that pad
IRRELEVANT_PENALTY = 0.4  # times the share of steps the answer does not depend on
CONTRADICTION_PENALTY = 0.3
JUDGE_DIRECTED_PENALTY = 0.5
GROUNDING_CONSTANTS = frozenset((1, 2, 10, 100))
STOPWORDS = frozenset(
    (
        "the",
        "and",
        "for",
        "are",
        "was",
        "were",
        "how",
        "what",
        "many",
        "much",
        "does",
        "did",
        "with",
        "that",
        "this",
        "then",
        "than",
        "there",
        "their",
        "they",
        "them",
        "from",
        "have",
        "has",
        "had",
        "now",
        "will",
        "would",
        "can",
        "could",
        "let",
        "lets",
        "you",
        "your",
        "our",
        "its",
        "not",
        "but",
        "all",
        "any",
        "each",
        "into",
        "out",
        "get",
        "gets",
        "got",
        "one",
        "very",
        "just",
        "also",
        "some",
        "more",
        "most",
        "here",
    )
)
FARMABLE_FULL_LENGTH = 120  # characters of reasoning for the whole length pay
FARMABLE_LENGTH_WEIGHT = 0.7
_CONFIDENT = re.compile(
    r"\b(?:clearly|certainly|definitely|obviously|surely|undoubtedly|confident|without (?:a )?doubt)\b",
    re.IGNORECASE,
)
_MAX_EQUATIONS = 200
_MAX_MAGNITUDE = 10**15
_RESTATED_MIN_WORDS = 4
_RESTATED_SHARE = 0.8
_SHORT_ANSWER_CHARS = 40
# A sentence ends at `.`, `!`, `?` or `;` before whitespace (not inside `3.5`), or at a line break.
_UNIT_BREAK = re.compile(r"\n|(?<=[.!?;])\s+")
_UNIT_PUNCTUATION = " \t\r\n.!?;:,"
_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_UNSIGNED_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b)")
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"dozen": 12, "hundred": 100, "thousand": 1000}

# A number as written on either side: digit groups with commas allowed (`1,500`).
_NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# The right side of an equation is a number that ends the expression: `Total = 3 + 4 = 7` is
# checked as `3 + 4 = 7`, not as `Total = 3`. Only what follows on the same line counts, so a
# bullet on the next line (`- 7 - 2 = 5`) does not hide the equation before it.
_RIGHT = re.compile(
    rf"=\s*({_NUMBER})(?!\d|\.\d|,\d)(?![^\S\n]*(?:[-+*/\u00d7\u00f7^]|\\times|\\cdot|\\div))"
)
_MAX_LEFT_UNITS = 80
_MAX_CANDIDATES = 500  # equations looked at per trace, checkable or not
_LEFT_CHARS = frozenset(".()+-*/\u00d7\u00f7x^")
_LEFT_COMMANDS = ("\\times", "\\cdot", "\\div")
_HAS_OPERATION = re.compile(r"\d\s*[-+*/]\s*[\d(]|\)\s*[-+*/]")
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# What may stand before an expression on its line: a sentence that ended (`She gets 4. 3 + 4`),
# an enumerator or bullet (`1. `, `- `, `* `, `(a) `), or a word ending in `x` (`max 3 + 4`).
_LEFT_PREFIX = re.compile(r"^(?:.*[.;:]\s)?[^\S\n]*(?:[-*\u2022][^\S\n]+|[*/x\u00d7\u00f7+]+[^\S\n]*)?")
# Applied to the stripped answer, so that no two whitespace runs are adjacent; possessive, since
# what they match cannot be given back to a match that then succeeds.
_FINAL_NUMBER = re.compile(r"\\?+(?:boxed\{)?+\s*+(-?[\d,]*\d(?:\.\d+)?)\s*+\}?+\s*+\.?+")
_ANY_NUMBER = re.compile(_NUMBER)
# Reasoning is read after NFKC (fullwidth digits, compatibility forms) with format characters
# (zero-width spaces and joiners) removed and the usual operator signs mapped to ASCII.
_OPERATOR_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00b7": "*", "\u22c5": "*", "\u2217": "*"})
_OPERATORS: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True, slots=True)
class RulesVerdict:
    """What the rules judge found in one trace, and the score it gives."""

    score: float
    checked: int
    correct: int
    ungrounded: int = 0
    irrelevant: int = 0
    padding_share: float = 0.0
    contradicts_answer: bool = False
    judge_directed: tuple[JudgeDirected, ...] = ()

    def describe(self) -> str:
        parts = [f"equations {self.correct}/{self.checked} right"]
        if self.ungrounded:
            parts.append(f"{self.ungrounded} with numbers from nowhere")
        if self.irrelevant:
            parts.append(f"{self.irrelevant} not leading to the answer")
        parts.append(f"{self.padding_share:.0%} padding")
        if self.contradicts_answer:
            parts.append("answer contradicts the last derived value")
        if self.judge_directed:
            parts.append("addresses the judge (" + ", ".join(self.judge_directed) + ")")
        return ", ".join(parts)


def _equations(text: str) -> Iterator[tuple[str, str]]:
    """(left side, right-hand number) of each equation candidate, in order."""
    for left, right in _equation_spans(text):
        yield text[left[0] : left[1]], right.group(1)


def _equation_spans(text: str) -> Iterator[tuple[tuple[int, int], re.Match[str]]]:
    """Span of the left side and match of the right side of each equation candidate, in order.

    From each `=` that is followed by a number ending the expression, the left side reaches back
    over the spaces before `=` and then up to 80 units (the characters of `_LEFT_CHARS`, digits,
    spaces, or `\\times`, `\\cdot`, `\\div`) on the same line, not into the previous equation. A
    left side that is only spaces is its first character. Each `=` and each character is looked
    at a bounded number of times.
    """
    position = 0
    equals = text.find("=")
    while equals >= 0:
        right = _RIGHT.match(text, equals)
        if right is not None:
            left = _left_side(text, position, equals)
            if left is not None:
                yield left, right
                position = right.end()
        equals = text.find("=", equals + 1)


def _left_side(text: str, lowest: int, equals: int) -> tuple[int, int] | None:
    """Span of the left side of the `=` at `equals`, starting at `lowest` or later, if any."""
    spaces = equals
    while spaces > lowest and text[spaces - 1].isspace() and text[spaces - 1] != "\n":
        spaces -= 1
    start = spaces
    for _ in range(_MAX_LEFT_UNITS):
        if start <= lowest:
            break
        char = text[start - 1]
        if char in _LEFT_CHARS or char.isdecimal() or (char.isspace() and char != "\n"):
            start -= 1
            continue
        if char == "," and _in_digit_group(text, start - 1):
            start -= 1
            continue
        command = next(
            (name for name in _LEFT_COMMANDS if text.startswith(name, max(lowest, start - len(name)), start)),
            None,
        )
        if command is None:
            break
        start -= len(command)
    if start < spaces:
        return start, spaces
    return (spaces, spaces + 1) if spaces < equals else None


def _in_digit_group(text: str, comma: int) -> bool:
    """Is the comma at `comma` a thousands separator (`1,500`): a digit before, three after?"""
    after = text[comma + 1 : comma + 5]
    return comma > 0 and text[comma - 1].isdecimal() and after[:3].isdecimal() and not after[3:].isdecimal()


def _evaluate(node: ast.AST, source: str) -> Fraction:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, source)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return Fraction(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        # The literal as written (one line, so the offsets index `source`): 0.1 is one tenth.
        return Fraction(source[node.col_offset : node.end_col_offset])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, source)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        value = _OPERATORS[type(node.op)](_evaluate(node.left, source), _evaluate(node.right, source))
        if abs(value) > _MAX_MAGNITUDE:
            raise ValueError("value out of range")
        return value
    raise ValueError("not arithmetic")


def _expression(left_side: str) -> str:
    """The arithmetic of a left side, without what stands before it on its line and without
    digit-group commas, in Python's operators."""
    text = _LEFT_PREFIX.sub("", left_side.strip(), count=1)
    text = text.strip().lstrip(".,").strip()
    while text.count(")") > text.count("(") and ")" in text:  # `(a) 3 + 4`: a label's bracket
        text = text[text.index(")") + 1 :].strip()
    text = _DIGIT_GROUP.sub("", text)
    for command, python in (("\\times", "*"), ("\\cdot", "*"), ("\\div", "/")):
        text = text.replace(command, python)
    return text.replace("\u00d7", "*").replace("\u00f7", "/").replace("x", "*")


@functools.lru_cache(maxsize=4096)  # the responses of a group repeat each other's steps
def _left_value(expression: str) -> Fraction | None:
    """The exact value of an arithmetic expression with at least one operator, else None."""
    if not _HAS_OPERATION.search(expression) or "^" in expression or "**" in expression:
        return None
    try:
        return _evaluate(ast.parse(expression, mode="eval"), expression)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return None


@functools.lru_cache(maxsize=4096)
def _number(text: str) -> Number | None:
    """A written decimal number (digit-group commas allowed), exactly: an `int` when it is one
    (hashing a Fraction costs ten times more, and steps hash their numbers often); None past the
    digits Python converts (4300)."""
    digits = text.replace(",", "")
    try:
        if digits.isdecimal() or (digits[:1] == "-" and digits[1:].isdecimal()):
            return int(digits)
        return Fraction(digits)
    except ValueError:
        return None


def _magnitude(value: Number) -> Number:
    return -value if value < 0 else value


def _agrees(value: Fraction, right: Number, written: str) -> bool:
    """Is `right` (written as `written`) the value, or, with d decimals, the value rounded to d
    decimals?"""
    decimals = len(written.partition(".")[2])
    if not decimals:
        return value == right
    return abs(value - right) <= Fraction(1, 2 * 10**decimals)


def _as_number(text: str) -> Number | None:
    """The final answer as a number: `42`, `\\boxed{1,234.5}.`, or the one number of a short
    answer (`6 apples`, `x = 6`); else None."""
    text = text.strip()
    match = _FINAL_NUMBER.fullmatch(text)
    if match:
        return _number(match.group(1))
    if len(text) > _SHORT_ANSWER_CHARS:
        return None
    numbers = _ANY_NUMBER.findall(text)
    return _number(numbers[0]) if len(numbers) == 1 else None


@dataclass(frozen=True, slots=True)
class _Step:
    """One checked equation: its value, the numbers it uses, and where it stands. `key` is the
    same for the same numbers giving the same value, however written (`4 + 3 = 7.0`, `(3+4) = 7`)."""

    key: tuple[tuple[Number, ...], Number | None]
    result: Number | None
    operands: frozenset[Number]
    right: bool
    unit: int


def _number_list(text: str) -> list[Number]:
    """The unsigned decimal numbers written in `text`, in order (digit-group commas dropped)."""
    values = (_number(match) for match in _UNSIGNED_NUMBER.findall(text))
    return [value for value in values if value is not None]


@functools.lru_cache(maxsize=256)  # one question per group
def _question_numbers(question: str) -> frozenset[Number]:
    """The numbers a step may take from the question: as written, percentages as fractions too
    (`20%` is also 0.2), and number words (`three`, `a dozen`)."""
    known = set(_number_list(question))
    known |= {
        Fraction(value) / 100 for value in map(_number, _PERCENT.findall(question)) if value is not None
    }
    known |= {_NUMBER_WORDS[word] for word in _WORD.findall(question.lower()) if word in _NUMBER_WORDS}
    return frozenset(known)


def _units(reasoning: str) -> list[tuple[int, int]]:
    """Spans of the sentences and lines of the reasoning, empty ones left out."""
    spans, start = [], 0
    for match in _UNIT_BREAK.finditer(reasoning):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(reasoning)))
    return [(a, b) for a, b in spans if reasoning[a:b].strip(_UNIT_PUNCTUATION)]


def _steps(reasoning: str, units: Sequence[tuple[int, int]]) -> list[_Step]:
    starts = [start for start, _ in units]
    steps: list[_Step] = []
    for candidate, ((left_start, left_end), right_match) in enumerate(_equation_spans(reasoning)):
        if len(steps) >= _MAX_EQUATIONS or candidate >= _MAX_CANDIDATES:
            break
        expression = _expression(reasoning[left_start:left_end])
        left = _left_value(expression)
        if left is None:
            continue
        written = right_match.group(1)
        result = _number(written)
        numbers = _number_list(expression)
        steps.append(
            _Step(
                key=(tuple(sorted(numbers)), result),
                result=result,
                operands=frozenset(numbers),
                right=result is not None and _agrees(left, result, written),
                unit=max(0, bisect.bisect_right(starts, right_match.start()) - 1),
            )
        )
    return steps


def _grounded(steps: Sequence[_Step], question: str) -> list[bool]:
    """Whether each step uses only numbers of the question, results of earlier steps, or a few
    constants; without a question every step is grounded (there is nothing to check against)."""
    if not question.strip():
        return [True] * len(steps)
    known = set(_question_numbers(question) | GROUNDING_CONSTANTS)
    grounded = []
    for step in steps:
        grounded.append(step.operands <= known)
        if step.result is not None:
            known.add(_magnitude(step.result))
    return grounded


def _checks(steps: Sequence[_Step], final: Number | None) -> list[bool]:
    """Steps that check the answer after deriving it: they use the final answer, which an
    earlier step derived (`7 - 2 = 5`, then `5 + 2 = 7`). A check is neither the last derived
    value nor irrelevant, so verifying the answer never costs anything."""
    checks, derived = [], False
    for step in steps:
        checks.append(final is not None and derived and _magnitude(final) in step.operands)
        derived = derived or step.result == final
    return checks


def _relevant(steps: Sequence[_Step], checks: Sequence[bool], final: Number | None) -> list[bool]:
    """Which steps the answer depends on: from the step that derives it (the final answer when one
    does, else the last step) back through the steps whose results later steps use; checks count
    as relevant."""
    derivation = [step for step, check in zip(steps, checks, strict=True) if not check]
    results = {step.result for step in derivation}
    last = derivation[-1].result if derivation else None
    target = final if final is not None and final in results else last
    needed = {_magnitude(target)} if target is not None else set()
    relevant = list(checks)
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        if not checks[index] and step.result is not None and _magnitude(step.result) in needed:
            relevant[index] = True
            needed |= step.operands
    return relevant


def _padding(reasoning: str, units: Sequence[tuple[int, int]], steps: Sequence[_Step], question: str) -> int:
    """How many units pad the trace: they repeat an earlier unit or only repeat its steps (or steps
    that give back one of their own numbers, `7 * 1 = 7`), say nothing of the problem (no number,
    no word of the question), or restate the question (its words and only its numbers)."""
    question_words = set(_WORD.findall(question.lower()))
    question_numbers = _question_numbers(question)
    topic_words = question_words - STOPWORDS
    new_steps: dict[int, int] = {}
    repeated_steps: dict[int, int] = {}
    seen_keys: set[tuple[tuple[Number, ...], Number | None]] = set()
    for step in steps:
        idle = step.result is not None and _magnitude(step.result) in step.operands
        counts = repeated_steps if step.key in seen_keys or idle else new_steps
        counts[step.unit] = counts.get(step.unit, 0) + 1
        seen_keys.add(step.key)
    seen: set[str] = set()
    padding = 0
    for index, (start, end) in enumerate(units):
        text = reasoning[start:end].lower()
        normalized = " ".join(text.split()).strip(_UNIT_PUNCTUATION)
        words = _WORD.findall(text)
        has_step = index in new_steps or index in repeated_steps
        if normalized in seen or (index in repeated_steps and index not in new_steps):
            padding += 1
        elif not _DIGIT.search(text) and not (topic_words & set(words)):
            padding += 1  # filler: "let me double check", "I am confident"
        elif (
            question_words
            and not has_step
            and len(words) >= _RESTATED_MIN_WORDS
            and sum(word in question_words for word in words) >= _RESTATED_SHARE * len(words)
            and set(_number_list(text)) <= question_numbers  # "Ann has 5 apples left" concludes
        ):
            padding += 1  # the question said again
        # a unit that repeats a step inside itself ("3 + 4 = 7, 3 + 4 = 7") pads as well
        padding += max(0, repeated_steps.get(index, 0) - (0 if index in new_steps else 1))
        seen.add(normalized)
    return padding


def _reasoning_of(response: str) -> str:
    """Everything before the final answer block, `<think>` tags removed: every think block and
    any text between `</think>` and the answer is reasoning the judge sees."""
    block = final_answer_span(response)
    before = response[: block[0] - len(ANSWER_OPEN)] if block else response
    return before.replace("<think>", "\n").replace("</think>", "\n")


def judge_trace(response: str, question: str = "") -> RulesVerdict:
    """Score one response (`<think>...</think><answer>...</answer>` or plain reasoning) to
    `question` (the empty string when it is not known: then steps are not checked for grounding)."""
    response, question = normalized(response).translate(_OPERATOR_SIGNS), normalized(question)
    reasoning = _reasoning_of(response)
    units = _units(reasoning)
    steps = _steps(reasoning, units)
    block = final_answer_span(response)
    final = _as_number(response[block[0] : block[1]]) if block else None
    grounded = _grounded(steps, question)
    checks = _checks(steps, final)
    relevant = _relevant(steps, checks, final)
    checked = len(steps)
    correct = sum(step.right for step in steps)
    valid = sum(step.right and ok for step, ok in zip(steps, grounded, strict=True))
    irrelevant = relevant.count(False)
    padding = _padding(reasoning, units, steps, question)
    padding_share = min(1.0, padding / len(units)) if units else 0.0
    derived = [step.result for step, check in zip(steps, checks, strict=True) if not check]
    last_value = derived[-1] if derived else None
    contradicts = final is not None and last_value is not None and final != last_value
    directed = judge_directed(response)
    score = (
        (valid / checked if checked else NO_STEPS_SCORE)
        - PADDING_PENALTY * padding_share
        - (IRRELEVANT_PENALTY * irrelevant / checked if checked else 0.0)
        - (CONTRADICTION_PENALTY if contradicts else 0.0)
        - (JUDGE_DIRECTED_PENALTY if directed else 0.0)
    )
    return RulesVerdict(
        score=min(1.0, max(0.0, score)),
        checked=checked,
        correct=correct,
        ungrounded=grounded.count(False),
        irrelevant=irrelevant,
        padding_share=padding_share,
        contradicts_answer=contradicts,
        judge_directed=directed,
    )


def farmable_score(response: str) -> float:
    """The `farmable` profile: pays for length and confident wording, whatever the reasoning."""
    reasoning = _reasoning_of(response)
    length = min(1.0, len(reasoning.strip()) / FARMABLE_FULL_LENGTH)
    confident = 1.0 if _CONFIDENT.search(reasoning) else 0.0
    return min(1.0, FARMABLE_LENGTH_WEIGHT * length + (1.0 - FARMABLE_LENGTH_WEIGHT) * confident)


def _judge_all(inputs: Sequence[JudgeInput], profile: RulesProfile) -> list[JudgeOutcome]:
    outcomes = []
    for judge_input in inputs:
        if profile == "farmable":
            score = farmable_score(judge_input.reasoning)
            outcomes.append(JudgeOutcome(score=score, method="rules", raw=f"farmable {score:.2f}"))
            continue
        verdict = judge_trace(judge_input.reasoning, judge_input.question)
        outcomes.append(JudgeOutcome(score=verdict.score, method="rules", raw=verdict.describe()))
    return outcomes


IN_PLACE_CHARS = 32_768  # up to tens of milliseconds of judging when it is all equations


class RulesJudge:
    """The `rules` backend: `judge_trace` (profile `honest`) or `farmable_score` (profile
    `farmable`, for the reward-hacking ablation only) behind the `Judge` interface."""

    model = "rules"
    ready = True

    def __init__(self, profile: RulesProfile = "honest") -> None:
        self.profile = profile
        self.model_version = MODEL_VERSIONS[profile]

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def judge(self, inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
        # A batch of long responses takes milliseconds: one thread call for it, off the event loop.
        # A small batch is judged in place, where the thread hop (and the GIL hand-back to the
        # loop) would cost more than the work.
        if sum(len(judge_input.reasoning) for judge_input in inputs) <= IN_PLACE_CHARS:
            return _judge_all(inputs, self.profile)
        return await asyncio.to_thread(_judge_all, list(inputs), self.profile)
