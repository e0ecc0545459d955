"""The shape of a scored response, `<think>...</think><answer>...</answer>` (`ScoreItem.response`).

Standard library only: the wire contract imports nothing but itself.
"""

from __future__ import annotations

ANSWER_OPEN = "<answer>"
ANSWER_CLOSE = "</answer>"


def final_answer_span(response: str) -> tuple[int, int] | None:
    """`(start, end)` of the text inside the last closed `<answer>...</answer>` of `response`, or
    None when it has none: the last `</answer>` and the last `<answer>` before it (so in
    `<answer>1<answer>2</answer>` the block is `2`; an `<answer>` after the last `</answer>` is
    not closed and is ignored). Tags are exact (lower case, no spaces); linear time."""
    close = response.rfind(ANSWER_CLOSE)
    opening = response.rfind(ANSWER_OPEN, 0, close) if close >= 0 else -1
    return (opening + len(ANSWER_OPEN), close) if opening >= 0 else None
