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

A trace with no step to check earns nothing, so an empty or one-word trace scores 0.

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
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from reward_server.scorers.thinking.injection import JudgeDirected, judge_directed
from reward_server.scorers.thinking.judge import JudgeInput, JudgeOutcome

RulesProfile = Literal["honest", "farmable"]
MODEL_VERSIONS: dict[RulesProfile, str] = {"honest": "rules-v4", "farmable": "rules-farmable-v1"}

# A trace with nothing to check earns nothing. A neutral 0.5 was tried: a GRPO policy then learned
# to drop its steps (thinking reward of wrong answers 0.05 -> 0.5) and its accuracy collapsed.
NO_STEPS_SCORE = 0.0
PADDING_PENALTY = 0.6  # times the share of sentences that pad
IRRELEVANT_PENALTY = 0.4  # times the share of steps the answer does not depend on
CONTRADICTION_PENALTY = 0.3
JUDGE_DIRECTED_PENALTY = 0.5
GROUNDING_CONSTANTS = frozenset(Fraction(value) for value in (1, 2, 10, 100))
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
# A sentence ends at `.`, `!`, `?` or `;` before whitespace (not inside `3.5`), or at a line break.
_UNIT_BREAK = re.compile(r"\n|(?<=[.!?;])\s+")
_UNIT_PUNCTUATION = " \t\r\n.!?;:,"
_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_QUESTION_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")

_NUMBER = r"-?\d+(?:\.\d+)?"
# An equation is what this regex would find with finditer:
#   ((?:[\d.\s()+\-*/\u00d7÷x^]|\\times|\\cdot|\\div){1,80}?)\s*=\s*(NUMBER)(?!\d|\.\d)
# It is not run as such: from every start its lazy left side is retried up to 80 times, each
# retry scanning the whitespace before `=` again (minutes on 12,000 spaces). `_equations` finds
# the same matches from the `=` signs instead.
_MAX_LEFT_UNITS = 80
_LEFT_CHARS = frozenset(".()+-*/\u00d7÷x^")
_LEFT_COMMANDS = ("\\times", "\\cdot", "\\div")
_RIGHT = re.compile(rf"=\s*({_NUMBER})(?!\d|\.\d)")
_HAS_OPERATION = re.compile(r"\d\s*[-+*/]\s*[\d(]|\)\s*[-+*/]")
# Applied to the stripped answer, so that no two whitespace runs are adjacent; possessive, since
# what they match cannot be given back to a match that then succeeds.
_FINAL_NUMBER = re.compile(r"\\?+(?:boxed\{)?+\s*+(-?[\d,]*\d(?:\.\d+)?)\s*+\}?+\s*+\.?+")
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
    """(left side, right-hand number) of each equation, in order, as the regex above finds them."""
    for left, right in _equation_spans(text):
        yield text[left[0] : left[1]], right.group(1)


def _equation_spans(text: str) -> Iterator[tuple[tuple[int, int], re.Match[str]]]:
    """Span of the left side and match of the right side of each equation, in order.

    The regex above finds the leftmost match: for the first `=` (from where the last match ended)
    that is followed by a number and preceded by at least one left-side unit, the left side reaches
    back over the whitespace before `=` and then up to 80 units (characters of the class, or
    `\\times`, `\\cdot`, `\\div`), which is as far as the lazy group can. A left side that is only
    whitespace is its first character. Each `=` and each character is looked at a bounded number
    of times.
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
    while spaces > lowest and text[spaces - 1].isspace():
        spaces -= 1
    start = spaces
    for _ in range(_MAX_LEFT_UNITS):
        if start <= lowest:
            break
        char = text[start - 1]
        if char in _LEFT_CHARS or char.isdecimal() or char.isspace():
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


def _evaluate(node: ast.AST, source: str) -> Fraction:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, source)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return Fraction(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        # The literal as written: the float 0.1 is not one tenth.
        return Fraction(ast.get_source_segment(source, node) or repr(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, source)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        value = _OPERATORS[type(node.op)](_evaluate(node.left, source), _evaluate(node.right, source))
        if abs(value) > _MAX_MAGNITUDE:
            raise ValueError("value out of range")
        return value
    raise ValueError("not arithmetic")


def _left_value(expression: str) -> Fraction | None:
    """The exact value of an arithmetic left-hand side with at least one operator, else None."""
    text = (
        expression.strip()
        .lstrip(".")
        .strip()
        .replace("\\times", "*")
        .replace("\\cdot", "*")
        .replace("\\div", "/")
    )
    text = text.replace("\u00d7", "*").replace("÷", "/").replace("x", "*")
    if not _HAS_OPERATION.search(text) or "^" in text or "**" in text:
        return None
    try:
        return _evaluate(ast.parse(text, mode="eval"), text)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return None


def _number(text: str) -> Fraction | None:
    """A written decimal number, exactly; None past the digits Python converts (4300)."""
    try:
        return Fraction(text)
    except ValueError:
        return None


def _agrees(value: Fraction, right: Fraction, written: str) -> bool:
    """Is `right` (written as `written`) the value, or, with d decimals, the value rounded to d
    decimals?"""
    decimals = len(written.partition(".")[2])
    if not decimals:
        return value == right
    return abs(value - right) <= Fraction(1, 2 * 10**decimals)


def _as_number(text: str) -> Fraction | None:
    """The final answer as a number (`42`, `\\boxed{1,234.5}.`), else None."""
    match = _FINAL_NUMBER.fullmatch(text.strip())
    return _number(match.group(1).replace(",", "")) if match else None


@dataclass(frozen=True, slots=True)
class _Step:
    """One checked equation: its value, the numbers it uses, and where it stands."""

    key: str
    result: Fraction | None
    operands: frozenset[Fraction]
    right: bool
    unit: int


def _numbers(text: str) -> set[Fraction]:
    """The unsigned decimal numbers written in `text` (thousands separators dropped)."""
    values = (_number(match.replace(",", "")) for match in _QUESTION_NUMBER.findall(text))
    return {value for value in values if value is not None}


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
    for (left_start, left_end), right_match in _equation_spans(reasoning):
        if len(steps) >= _MAX_EQUATIONS:
            break
        left_text = reasoning[left_start:left_end]
        left = _left_value(left_text)
        if left is None:
            continue
        written = right_match.group(1)
        result = _number(written)
        steps.append(
            _Step(
                key="".join(left_text.split()) + "=" + written,
                result=result,
                operands=frozenset(_numbers(left_text)),
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
    known = _numbers(question) | GROUNDING_CONSTANTS
    grounded = []
    for step in steps:
        grounded.append(step.operands <= known)
        if step.result is not None:
            known.add(abs(step.result))
    return grounded


def _relevant(steps: Sequence[_Step], final: Fraction | None) -> list[bool]:
    """Which steps the answer depends on: from the step that derives it (the final answer when one
    does, else the last step) back through the steps whose results later steps use."""
    results = {step.result for step in steps}
    target = final if final is not None and final in results else (steps[-1].result if steps else None)
    needed = {abs(target)} if target is not None else set()
    relevant = [False] * len(steps)
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        if step.result is not None and abs(step.result) in needed:
            relevant[index] = True
            needed |= step.operands
    return relevant


def _padding(reasoning: str, units: Sequence[tuple[int, int]], steps: Sequence[_Step], question: str) -> int:
    """How many units pad the trace: they repeat an earlier unit or only repeat its steps (or steps
    that give back one of their own numbers, `7 * 1 = 7`), say nothing of the problem (no number,
    no word of the question), or restate the question."""
    question_words = set(_WORD.findall(question.lower()))
    topic_words = question_words - STOPWORDS
    new_steps: dict[int, int] = {}
    repeated_steps: dict[int, int] = {}
    seen_keys: set[str] = set()
    for step in steps:
        idle = step.result is not None and abs(step.result) in step.operands
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
        ):
            padding += 1  # the question said again
        # a unit that repeats a step inside itself ("3 + 4 = 7, 3 + 4 = 7") pads as well
        padding += max(0, repeated_steps.get(index, 0) - (0 if index in new_steps else 1))
        seen.add(normalized)
    return padding


def _reasoning_of(response: str) -> str:
    start, end = response.find("<think>"), response.find("</think>")
    if start >= 0:
        return response[start + len("<think>") : end if end > start else len(response)]
    return response[: response.find("<answer>")] if "<answer>" in response else response


def _final_answer(response: str) -> Fraction | None:
    close = response.rfind("</answer>")
    opening = response.rfind("<answer>", 0, close) if close >= 0 else -1
    return _as_number(response[opening + len("<answer>") : close]) if opening >= 0 else None


def judge_trace(response: str, question: str = "") -> RulesVerdict:
    """Score one response (`<think>...</think><answer>...</answer>` or plain reasoning) to
    `question` (the empty string when it is not known: then steps are not checked for grounding)."""
    reasoning = _reasoning_of(response)
    units = _units(reasoning)
    steps = _steps(reasoning, units)
    final = _final_answer(response)
    grounded = _grounded(steps, question)
    relevant = _relevant(steps, final)
    checked = len(steps)
    correct = sum(step.right for step in steps)
    valid = sum(step.right and ok for step, ok in zip(steps, grounded, strict=True))
    irrelevant = relevant.count(False)
    padding = _padding(reasoning, units, steps, question)
    padding_share = min(1.0, padding / len(units)) if units else 0.0
    last_value = steps[-1].result if steps else None
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


IN_PLACE_CHARS = 32_768  # about a millisecond of judging


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
