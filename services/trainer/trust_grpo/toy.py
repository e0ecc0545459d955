"""The toy task: arithmetic word problems with ground truths and step-by-step reference traces.

Problems come from a few templates (add, take away, groups of, two steps) over small numbers.
A fixed, hash-chosen share of all problems is held out: `training_problems` never yields them,
`held_out_problems` yields only them, so an accuracy gain on the held-out set is not memorisation
of training prompts.
"""

from __future__ import annotations

import hashlib
import operator
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reward_proto.response import final_answer_span

NAMES = ("Ann", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ida", "Jon", "Kai", "Lea")
THINGS = ("apples", "pens", "stamps", "books", "cards", "shells", "coins", "eggs", "cups", "rocks")
HELD_OUT_PERCENT = 20


@dataclass(frozen=True)
class Problem:
    """One word problem: its text, the integer answer, and a correct reasoning trace."""

    question: str
    answer: int
    steps: tuple[str, ...]

    @property
    def reference_response(self) -> str:
        """The response a perfect policy gives: `<think>steps</think><answer>n</answer>`."""
        return f"<think>{' '.join(self.steps)}</think><answer>{self.answer}</answer>"


def _add(rng: random.Random) -> Problem:
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a, b = rng.randint(1, 6), rng.randint(1, 6)
    return Problem(
        f"{name} has {a} {thing} and gets {b} more. How many {thing} does {name} have now?",
        a + b,
        (f"{a} + {b} = {a + b}.",),
    )


def _take_away(rng: random.Random) -> Problem:
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a = rng.randint(2, 10)
    b = rng.randint(1, a - 1)
    return Problem(
        f"{name} has {a} {thing} and gives away {b}. How many {thing} are left?",
        a - b,
        (f"{a} - {b} = {a - b}.",),
    )


def _groups_of(rng: random.Random) -> Problem:
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a, b = rng.randint(2, 5), rng.randint(2, 5)
    return Problem(
        f"{name} buys {a} boxes with {b} {thing} in each. How many {thing} is that?",
        a * b,
        (f"{a} * {b} = {a * b}.",),
    )


def _two_steps(rng: random.Random) -> Problem:
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a, b = rng.randint(1, 5), rng.randint(1, 5)
    c = rng.randint(1, a + b - 1)
    return Problem(
        f"{name} has {a} {thing}, gets {b} more, then gives away {c}. How many {thing} are left?",
        a + b - c,
        (f"{a} + {b} = {a + b}.", f"{a + b} - {c} = {a + b - c}."),
    )


TEMPLATES: tuple[Callable[[random.Random], Problem], ...] = (_add, _take_away, _groups_of, _two_steps)


def is_held_out(problem: Problem) -> bool:
    """Whether a problem belongs to the held-out evaluation set (a stable hash of its text)."""
    digest = hashlib.sha256(problem.question.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def _problems(seed: int, held_out: bool) -> Iterator[Problem]:
    rng = random.Random(seed)
    while True:
        problem = rng.choice(TEMPLATES)(rng)
        if is_held_out(problem) == held_out:
            yield problem


def training_problems(seed: int) -> Iterator[Problem]:
    """An endless stream of training problems (never a held-out one)."""
    return _problems(seed, held_out=False)


def held_out_problems(count: int, seed: int = 12345) -> list[Problem]:
    """`count` distinct held-out problems, the same for the same seed."""
    seen: dict[str, Problem] = {}
    if count <= 0:
        return []
    for problem in _problems(seed, held_out=True):
        seen.setdefault(problem.question, problem)
        if len(seen) == count:
            break
    return list(seen.values())


_EQUATION = re.compile(r"(\d+)\s*([-+*])\s*(\d+)\s*=\s*(\d+)")
_NUMBER = re.compile(r"\d+")
_OPERATIONS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def _answer(response: str) -> int | None:
    block = final_answer_span(response)
    text = response[block[0] : block[1]].strip() if block else ""
    return int(text) if text.isdecimal() and len(text) < 10 else None


def has_valid_derivation(question: str, response: str) -> bool | None:
    """Whether the response's answer follows from a valid derivation; None when it gives no answer.

    Valid: the reasoning holds at least one equation `a op b = c`, every one of them is right and
    uses only numbers of the question or results of earlier equations, and the last result is the
    answer given. A guess (`It is probably 9.`) or a made-up step (`0 + 9 = 9`) is not valid, so
    the share of answers without one is the policy's guess rate.
    """
    answer = _answer(response)
    if answer is None:
        return None
    reasoning = response[: response.find("</think>")] if "</think>" in response else response
    known = {int(number) for number in _NUMBER.findall(question)}
    result = None
    for left, operation, right, written in _EQUATION.findall(reasoning):
        a, b, c = int(left), int(right), int(written)
        if a not in known or b not in known or _OPERATIONS[operation](a, b) != c:
            return False
        known.add(c)
        result = c
    return result is not None and result == answer
