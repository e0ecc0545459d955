"""A deterministic thinking judge without a model (DESIGN section 5), for demos and CPU tests.

It scores math-like traces: the share of checkable intermediate equations (`12*3 = 36`) that are
right, minus penalties for repeated lines (padding) and for a final answer that contradicts the
last value the trace derived. Microseconds per item.

Arithmetic is exact. The left-hand side is evaluated with fractions (`0.1 + 0.2` is 3/10) and
compared with the number on the right as written:

- an integer on the right must be the exact value (`8833*4739 = 41859600` is wrong, the product
  is 41859587; `7/2 = 3` is wrong);
- a number written with d decimals must be the value rounded to d decimals, either neighbour on
  an exact tie (`10/3 = 3.33` and `1/8 = 0.12` or `0.13` are right; `10/3 = 3.34` and the
  truncated `2/3 = 0.66` are wrong).

The final answer contradicts the last derived value unless the two numbers are equal.

Every scan is linear in the length of the response, whatever it holds (runs of spaces, digits or
`=` signs): see `_equations`.
"""

from __future__ import annotations

import ast
import asyncio
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reward_server.scorers.thinking.judge import JudgeInput, JudgeOutcome

# A trace with nothing to check earns nothing. A neutral 0.5 was tried: a GRPO policy then learned
# to drop its steps (thinking reward of wrong answers 0.05 -> 0.5) and its accuracy collapsed.
NO_STEPS_SCORE = 0.0
REPEAT_PENALTY = 0.6  # times the share of lines that repeat an earlier line
CONTRADICTION_PENALTY = 0.3
_MAX_EQUATIONS = 200
_MAX_MAGNITUDE = 10**15

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
    score: float
    checked: int
    correct: int
    repeated_share: float
    contradicts_answer: bool

    def describe(self) -> str:
        return f"equations {self.correct}/{self.checked} right, {self.repeated_share:.0%} repeated lines" + (
            ", answer contradicts the last derived value" if self.contradicts_answer else ""
        )


def _equations(text: str) -> Iterator[tuple[str, str]]:
    """(left side, right-hand number) of each equation, in order, as the regex above finds them.

    That regex's match is the leftmost: for the first `=` (from where the last match ended) that
    is followed by a number and preceded by at least one left-side unit, the left side reaches
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
                yield text[left[0] : left[1]], right.group(1)
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


def judge_trace(response: str) -> RulesVerdict:
    """Score one response (`<think>...</think><answer>...</answer>` or plain reasoning)."""
    start, end = response.find("<think>"), response.find("</think>")
    if start >= 0:
        reasoning = response[start + len("<think>") : end if end > start else len(response)]
    else:
        reasoning = response[: response.find("<answer>")] if "<answer>" in response else response
    checked = correct = 0
    last_value: Fraction | None = None
    for left_side, right_side in _equations(reasoning):
        if checked >= _MAX_EQUATIONS:
            break
        left = _left_value(left_side)
        if left is None:
            continue
        checked += 1
        right = _number(right_side)
        if right is not None and _agrees(left, right, right_side):
            correct += 1
        last_value = right
    lines = [" ".join(line.split()).lower() for line in reasoning.splitlines()]
    lines = [line for line in lines if line]
    repeated_share = (len(lines) - len(set(lines))) / len(lines) if lines else 0.0
    close = response.rfind("</answer>")
    opening = response.rfind("<answer>", 0, close) if close >= 0 else -1
    final = _as_number(response[opening + len("<answer>") : close]) if opening >= 0 else None
    contradicts = final is not None and last_value is not None and final != last_value
    base = correct / checked if checked else NO_STEPS_SCORE
    score = base - REPEAT_PENALTY * repeated_share - (CONTRADICTION_PENALTY if contradicts else 0.0)
    return RulesVerdict(min(1.0, max(0.0, score)), checked, correct, repeated_share, contradicts)


def _judge_all(inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
    outcomes = []
    for judge_input in inputs:
        verdict = judge_trace(judge_input.reasoning)
        outcomes.append(JudgeOutcome(score=verdict.score, method="rules", raw=verdict.describe()))
    return outcomes


IN_PLACE_CHARS = 32_768  # about a millisecond of judging


class RulesJudge:
    """The `rules` backend: `judge_trace` behind the `Judge` interface."""

    model = "rules"
    model_version = "rules-v3"
    ready = True

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def judge(self, inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
        # A batch of long responses takes milliseconds: one thread call for it, off the event loop.
        # A small batch is judged in place, where the thread hop (and the GIL hand-back to the
        # loop) would cost more than the work.
        if sum(len(judge_input.reasoning) for judge_input in inputs) <= IN_PLACE_CHARS:
            return _judge_all(inputs)
        return await asyncio.to_thread(_judge_all, list(inputs))
