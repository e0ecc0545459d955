"""The response convention: the last closed `<answer>` block (reward_proto.response)."""

from __future__ import annotations

import time

import pytest
from reward_proto.response import final_answer_span


@pytest.mark.parametrize(
    ("response", "inside"),
    [
        ("<think>t</think><answer>7</answer>", "7"),
        ("<answer> 7 </answer>", " 7 "),
        ("<answer></answer>", ""),
        ("<answer>1</answer> then <answer>2</answer>", "2"),  # the last block
        ("<answer>1<answer>2</answer>", "2"),  # the last opener before the last closer
        ("<answer>1</answer><answer>2", "1"),  # an unclosed block after it is ignored
        ("<answer>1</answer></answer>", "1</answer>"),
    ],
)
def test_the_last_closed_block(response: str, inside: str) -> None:
    span = final_answer_span(response)
    assert span is not None
    assert response[span[0] : span[1]] == inside


@pytest.mark.parametrize(
    "response",
    ["", "7", "<answer>7", "7</answer>", "</answer><answer>7", "<ANSWER>7</ANSWER>", "< answer >7</answer>"],
)
def test_no_closed_block(response: str) -> None:
    assert final_answer_span(response) is None


def test_linear_on_many_tags() -> None:
    text = "<answer>" * 50_000 + "</answer>" * 50_000
    started = time.perf_counter()
    assert final_answer_span(text) == (len("<answer>") * 50_000, len(text) - len("</answer>"))
    assert final_answer_span("</answer>" * 100_000) is None
    assert time.perf_counter() - started < 2.0
