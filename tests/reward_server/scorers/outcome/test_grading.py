"""The outcome verifier over HTTP on the hand-written cases, and how it differs from math-verify."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from math_verify import parse, verify

from tests.reward_server.scorers.outcome.cases import CASES, Case
from tests.servers import RunningServer


@pytest.fixture(scope="module")
def graded(outcome_server: RunningServer) -> dict[str, dict[str, Any]]:
    body = outcome_server.score([case.item() for case in CASES])
    assert body["scorer"] == "outcome"
    return {result["id"]: result for result in body["results"]}


def test_there_are_at_least_150_cases_across_all_types() -> None:
    assert len(CASES) >= 150
    assert {case.answer_type for case in CASES} == {
        "math",
        "numerical",
        "multiple_choice",
        "ocr",
        "free_form",
    }
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_case(case: Case, graded: dict[str, dict[str, Any]]) -> None:
    result = graded[case.id]
    assert result["details"]["reason"], result
    if case.expect in ("invalid", "timeout", "error"):
        assert result["status"] == case.expect, result
        assert "score" not in result
        assert result["error"]
        return
    assert result["status"] == "ok", result
    if case.expect == "between":
        assert 0.0 < result["score"] < 1.0, result
    else:
        assert result["score"] == pytest.approx(case.expect, abs=1e-9), result


def _math_verify_verdict(case: Case) -> bool:
    """math-verify as a typical reward function calls it: first <answer> tag, else the whole text."""
    match = re.search(r"<answer>(.*?)</answer>", case.response, re.DOTALL)
    text = f"${match.group(1)}$" if match else case.response
    truth = re.sub(r"^<answer>(.*)</answer>$", r"\1", case.ground_truth)
    return bool(verify(parse(f"${truth}$"), parse(text)))


def test_differences_from_math_verify_are_exactly_the_documented_ones() -> None:
    """Hostile cases are left out: some of them would not terminate inside math-verify."""
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    comparable = [
        case for case in CASES if case.answer_type in ("math", "numerical") and isinstance(case.expect, float)
    ]
    assert len(comparable) > 100
    differing = {case.id for case in comparable if _math_verify_verdict(case) != (case.expect == 1.0)}
    documented = {case.id for case in comparable if case.mv}
    assert differing == documented
