"""A deterministic thinking judge without a model (DESIGN section 5), for demos and CPU tests.

It scores math-like traces: the share of checkable intermediate equations (`12*3 = 36`) that are
right, minus penalties for repeated lines (padding) and for a final answer that contradicts the
last value the trace derived. Microseconds per item.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reward_server.scorers.thinking.judge import JudgeInput, JudgeOutcome

# A trace with nothing to check earns nothing. A neutral 0.5 was tried: a GRPO policy then learned
# to drop its steps (thinking reward of wrong answers 0.05 -> 0.5) and its accuracy collapsed.
NO_STEPS_SCORE = 0.0
REPEAT_PENALTY = 0.6  # times the share of lines that repeat an earlier line
CONTRADICTION_PENALTY = 0.3
_MAX_EQUATIONS = 200
_MAX_MAGNITUDE = 1e15

_NUMBER = r"-?\d+(?:\.\d+)?"
# The left side is bounded so that a long run of digits and spaces with no `=` stays linear.
_EQUATION = re.compile(
    rf"((?:[\d.\s()+\-*/\u00d7÷x^]|\\times|\\cdot|\\div){{1,80}}?)\s*=\s*({_NUMBER})(?!\d|\.\d)"
)
_OPERATORS = {
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


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        value = _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
        if abs(value) > _MAX_MAGNITUDE:
            raise ValueError("value out of range")
        return float(value)
    raise ValueError("not arithmetic")


def _left_value(expression: str) -> float | None:
    """The value of an arithmetic left-hand side with at least one operator, else None."""
    text = (
        expression.strip()
        .lstrip(".")
        .strip()
        .replace("\\times", "*")
        .replace("\\cdot", "*")
        .replace("\\div", "/")
    )
    text = text.replace("\u00d7", "*").replace("÷", "/").replace("x", "*")
    if not re.search(r"\d\s*[-+*/]\s*[\d(]|\)\s*[-+*/]", text) or "^" in text or "**" in text:
        return None
    try:
        return _evaluate(ast.parse(text, mode="eval"))
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return None


def _as_number(text: str) -> float | None:
    match = re.fullmatch(r"\s*\\?(?:boxed\{)?\s*(-?[\d,]*\d(?:\.\d+)?)\s*\}?\s*\.?\s*", text)
    if not match:
        return None
    try:
        return float(match.group(1).replace(",", ""))
    except ValueError:
        return None


def judge_trace(response: str) -> RulesVerdict:
    """Score one response (`<think>...</think><answer>...</answer>` or plain reasoning)."""
    start, end = response.find("<think>"), response.find("</think>")
    if start >= 0:
        reasoning = response[start + len("<think>") : end if end > start else len(response)]
    else:
        reasoning = response[: response.find("<answer>")] if "<answer>" in response else response
    checked = correct = 0
    last_value: float | None = None
    for match in _EQUATION.finditer(reasoning):
        if checked >= _MAX_EQUATIONS:
            break
        left = _left_value(match.group(1))
        if left is None:
            continue
        right = float(match.group(2))
        checked += 1
        if math.isclose(left, right, rel_tol=1e-6, abs_tol=1e-9):
            correct += 1
        last_value = right
    lines = [" ".join(line.split()).lower() for line in reasoning.splitlines()]
    lines = [line for line in lines if line]
    repeated_share = (len(lines) - len(set(lines))) / len(lines) if lines else 0.0
    close = response.rfind("</answer>")
    opening = response.rfind("<answer>", 0, close) if close >= 0 else -1
    final = _as_number(response[opening + len("<answer>") : close]) if opening >= 0 else None
    contradicts = (
        final is not None and last_value is not None and not math.isclose(final, last_value, rel_tol=1e-6)
    )
    base = correct / checked if checked else NO_STEPS_SCORE
    score = base - REPEAT_PENALTY * repeated_share - (CONTRADICTION_PENALTY if contradicts else 0.0)
    return RulesVerdict(min(1.0, max(0.0, score)), checked, correct, repeated_share, contradicts)


class RulesJudge:
    """The `rules` backend: `judge_trace` behind the `Judge` interface."""

    model = "rules"
    model_version = "rules-v2"
    ready = True

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def judge(self, inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
        outcomes = []
        for judge_input in inputs:
            verdict = judge_trace(judge_input.reasoning)
            outcomes.append(JudgeOutcome(score=verdict.score, method="rules", raw=verdict.describe()))
        return outcomes
