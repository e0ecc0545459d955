"""Answer-equivalence cases taken from other projects' public grader test suites.

Each module holds the cases of one source (`SOURCE`, `CASES`). A case is the peer's own test
input and label, unchanged: `answer` is what the peer's test feeds its grader as the model's
answer (a bare value or a whole solution text), `ground_truth` the reference, `label` the peer's
verdict. An answer that holds a think block or `<answer>` tags is a whole completion (reward-function
suites grade those) and is sent as the response itself; any other answer is sent as
`<think>...</think><answer>{answer}</answer>`. The verifier runs with `ANSWER_CONTAINER=either`,
and its accuracy (before the format policy) and math-verify's verdict are compared with `label`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicCase:
    source: str
    """Repository, file and test, with the commit: `owner/repo@sha path::test`."""
    answer: str
    ground_truth: str
    label: bool
    """The peer's verdict: True when its test expects the answer to be graded correct."""
    answer_type: str = "math"
    choices: dict[str, str] | None = None
    note: str | None = None
    """Where the peer's label is arguably wrong, or the case needs context: why."""
