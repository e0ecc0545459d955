"""Texts for the scan tests: random texts from tokens, and a deterministic complexity check.

`random_texts` draws reproducible texts for comparing a rewritten scan with its reference.
The complexity check counts how many characters Python code reads from a text.

Timing assertions are flaky on shared machines; a count is not. `CountingText` counts the
characters that indexing, slicing and iteration hand out and those that `find`/`rfind` pass
over, which is how the quadratic scans of the past read their text (a scan per exponent, a
slice per layer, a `find` to the end per box). What regexes read inside the engine is not
counted: the tests at the documented limits cover those (a quadratic regex there runs for
minutes).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import SupportsIndex


def random_texts(tokens: Sequence[str], count: int, max_tokens: int, seed: int) -> Iterator[str]:
    """`count` texts of 0 to `max_tokens` tokens drawn from `tokens`, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(tokens) for _ in range(rng.randint(0, max_tokens)))


class CountingText(str):
    reads: int

    def __new__(cls, text: str) -> CountingText:
        self = super().__new__(cls, text)
        self.reads = 0
        return self

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        item = str.__getitem__(self, key)
        self.reads += len(item)
        return item

    def __iter__(self) -> Iterator[str]:
        self.reads += len(self)
        return str.__iter__(self)

    def find(self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None, /) -> int:
        found = str.find(self, sub, start, end)
        first, last, _ = slice(start, end).indices(len(self))
        self.reads += max(0, (found + len(sub) if found >= 0 else last) - first)
        return found

    def rfind(self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None, /) -> int:
        found = str.rfind(self, sub, start, end)
        first, last, _ = slice(start, end).indices(len(self))
        self.reads += max(0, last - (found if found >= 0 else first))
        return found


def reads(function: Callable[[str], object], text: str) -> int:
    counting = CountingText(text)
    function(counting)
    return counting.reads


def assert_linear_reads(function: Callable[[str], object], make: Callable[[int], str], n: int) -> None:
    """Doubling the input at most doubles the characters read (a quadratic scan quadruples them)."""
    small, large = reads(function, make(n)), reads(function, make(2 * n))
    assert large <= 2.2 * small + 64, f"{small} characters read for n={n}, {large} for 2n"
