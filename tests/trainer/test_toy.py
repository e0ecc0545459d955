"""The toy task: held-out problems never appear in training, and reference answers grade correct."""

from __future__ import annotations

import itertools

from reward_proto import ItemStatus
from trust_grpo import toy
from trust_grpo.data import evaluation_items, training_stream

from tests.servers import RunningServer


def test_held_out_problems_never_appear_in_training() -> None:
    held_out = {problem.question for problem in toy.held_out_problems(300)}
    training = {problem.question for problem in itertools.islice(toy.training_problems(0), 20_000)}
    assert len(held_out) == 300
    assert not held_out & training


def test_the_streams_are_reproducible() -> None:
    first = list(itertools.islice(training_stream("toy", 7), 50))
    assert first == list(itertools.islice(training_stream("toy", 7), 50))
    assert first[10:] == list(itertools.islice(training_stream("toy", 7, skip=10), 40))


def test_every_template_is_used() -> None:
    questions = [problem.question for problem in itertools.islice(toy.training_problems(0), 400)]
    for marker in ("gets", "gives away", "boxes with", "then gives away"):
        assert any(marker in question for question in questions)


def test_reference_answers_grade_correct_and_a_wrong_one_does_not(outcome_server: RunningServer) -> None:
    items = evaluation_items("toy", None, 40, seed=0)
    references = {
        problem.question: problem.reference_response for problem in toy.held_out_problems(40, 12345)
    }
    payload = []
    for index, item in enumerate(items):
        payload.append(
            {"id": f"right{index}", "response": references[item.question], "ground_truth": item.ground_truth}
        )
        wrong = f"<think>guess</think><answer>{int(item.ground_truth) + 1}</answer>"
        payload.append({"id": f"wrong{index}", "response": wrong, "ground_truth": item.ground_truth})
    results = outcome_server.score(payload)["results"]
    assert all(result["status"] == ItemStatus.OK for result in results)
    scores = {result["id"]: result["score"] for result in results}
    assert all(scores[f"right{index}"] == 1.0 for index in range(40))
    assert all(scores[f"wrong{index}"] == 0.0 for index in range(40))


def test_no_held_out_problems_asked_none_given() -> None:
    assert toy.held_out_problems(0) == []


def test_the_guess_rate_check_tells_derivations_from_guesses() -> None:
    question = "Ann has 3 apples, gets 4 more, then gives away 2. How many apples are left?"
    derived = "<think>3 + 4 = 7. 7 - 2 = 5.</think><answer>5</answer>"
    assert toy.has_valid_derivation(question, derived) is True
    for guess in (
        "<think>It is probably 5.</think><answer>5</answer>",  # no step
        "<think>0 + 5 = 5.</think><answer>5</answer>",  # a number the question does not have
        "<think>3 + 4 = 8. 8 - 2 = 6.</think><answer>6</answer>",  # a wrong step
        "<think>3 + 4 = 7. 7 - 2 = 5.</think><answer>6</answer>",  # an answer the steps do not give
        "<think>3 + 4 = 7.</think><answer>5</answer>",
    ):
        assert toy.has_valid_derivation(question, guess) is False, guess
    assert toy.has_valid_derivation(question, "<think>3 + 4 = 7.</think>") is None  # no answer given
    for problem in toy.held_out_problems(50):
        assert toy.has_valid_derivation(problem.question, problem.reference_response), problem
