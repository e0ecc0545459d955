"""Bracket scanning for the outcome verifier: depth, the top level, and matching groups.

Every function here is one pass of one regex over the text (linear time whatever it holds:
brackets that never close, closers without openers, hundreds of thousands of characters).

Depth counts `(`, `[` and `{` alike as one level in and `)`, `]` and `}` as one level out, kinds
unmatched and never clamped: a closer without an opener takes the depth below 0, where nothing
is at the top level until an opener brings it back, and an opener that never closes keeps the
rest of the text inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

_OPENERS = "([{"
_CLOSERS = ")]}"


@lru_cache(maxsize=16)
def _pattern(characters: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(characters)}]")


def _depths(text: str, separators: str) -> Iterator[tuple[int, str, int]]:
    """`(index, character, depth)` for every bracket and separator of `text`, in order: a
    bracket's depth after it, a separator's depth where it stands."""
    if any(char in _OPENERS + _CLOSERS for char in separators):
        raise ValueError(f"a bracket cannot be a separator: {separators!r}")
    depth = 0
    for match in _pattern(_OPENERS + _CLOSERS + separators).finditer(text):
        char = match.group()
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        yield match.start(), char, depth


def top_level_positions(text: str, separators: str) -> Iterator[int]:
    """Indices of the characters of `separators` in `text` that stand outside every bracket."""
    for index, char, depth in _depths(text, separators):
        if depth == 0 and char in separators:
            yield index


def top_level_split(text: str, separators: str) -> list[str]:
    """`text` split at each top-level character of `separators` (`\\sum_{k=1}^n k = 5` at `=`
    is two parts, not three); the parts are not stripped."""
    parts, start = [], 0
    for index in top_level_positions(text, separators):
        parts.append(text[start:index])
        start = index + 1
    parts.append(text[start:])
    return parts


def max_depth(text: str) -> int:
    """The deepest bracket nesting of `text` by the depth count above (0 without brackets)."""
    return max(0, max((depth for _, _, depth in _depths(text, "")), default=0))


def group_ends(text: str, open_char: str = "{", close_char: str = "}") -> dict[int, int]:
    """Opener index -> index just past its closer, for every opener in `text`; openers that
    never close are absent. `open_char` and `close_char` may name several brackets each
    (`"{("`, `"})"`), which then close each other alike.

    One pass with a stack, so that callers look groups up in O(1): a scan per lookup is quadratic
    on a text full of groups that never close.
    """
    ends: dict[int, int] = {}
    stack: list[int] = []
    for match in _pattern(open_char + close_char).finditer(text):
        if match.group() in open_char:
            stack.append(match.start())
        elif stack:
            ends[stack.pop()] = match.end()
    return ends
