# ruff: noqa: E501
"""Cases from Ascend/MindSpeed-RL: tests/ut/utils/test_grader.py (its math_eval_toolkit grader, math_equal(prediction,
reference)) and tests/ut/models/test_math_dapo.py (the DAPO math reward: strict-box and Minerva 'Answer:' verification,
verify, compute_score). Tests of extraction or normalization alone, a custom answer pattern and pause-token indices are
left out. The whole-completion case of tests/ut/models/test_verifier.py is in more_rl.py (a module of completions).
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "mindspeed-rl"
_AT_GRADER = "Ascend/MindSpeed-RL@05a90d77cb6cfad8999e2aee21068284db959579 tests/ut/utils/test_grader.py"
_AT_DAPO = "Ascend/MindSpeed-RL@05a90d77cb6cfad8999e2aee21068284db959579 tests/ut/models/test_math_dapo.py"

CASES = [
    PublicCase(f"{_AT_GRADER}::TestGrader::test_math_equal[0]", "x+1", "x+2n+1", False),
    PublicCase(f"{_AT_GRADER}::TestGrader::test_math_equal[1]", "x+1", "x+1", True),
    PublicCase(f"{_AT_GRADER}::TestGrader::test_math_equal[2]", "x+1", "x+2", False),
    PublicCase(f"{_AT_GRADER}::TestGrader::test_math_equal[3]", "1", "1.0", True),
    PublicCase(
        f"{_AT_GRADER}::TestGrader::test_math_equal[4]",
        "1",
        "1.0001",
        True,
        note="Arguably wrong: 1 and 1.0001 are different numbers; the peer's math_equal accepts them by its relative tolerance of 1e-4.",
    ),
    PublicCase(f"{_AT_GRADER}::TestGrader::test_math_equal[5]", "1", "1.1", False),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_is_correct_minerva_incorrect",
        r"The answer is \boxed{2x + 4}",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_is_correct_minerva_no_answer", "No answer here", "2x + 3", False
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_is_correct_strict_box_correct",
        r"Some text \boxed{2x + 3}",
        "2x + 3",
        True,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_is_correct_strict_box_incorrect",
        r"Some text \boxed{2x + 4}",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_is_correct_strict_box_no_box",
        "Some text without boxed answer",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_verify_minerva_incorrect",
        r"The answer is \boxed{2x + 4}",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_verify_strict_box_correct",
        r"Some text \boxed{2x + 3}",
        "2x + 3",
        True,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_verify_strict_box_incorrect",
        r"Some text \boxed{2x + 4}",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_compute_score_correct",
        r"Some text \boxed{2x + 3}",
        "2x + 3",
        False,
        note=r"The peer scores -1 for a format reason: compute_score with strict_box_verify=False grades Minerva-style, so it reads only an 'Answer:' line, and a \boxed{} answer alone counts as no answer; the boxed value, 2x + 3, matches.",
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_compute_score_incorrect",
        r"Some text \boxed{2x + 4}",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_compute_score_strict_box_correct",
        r"Some text \boxed{2x + 3}",
        "2x + 3",
        True,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_compute_score_strict_box_incorrect",
        r"Some text \boxed{2x + 4}",
        "2x + 3",
        False,
    ),
    PublicCase(
        f"{_AT_DAPO}::TestMathDapo::test_compute_score_long_solution",
        ("Some text " * 100) + r"\boxed{2x + 3}",
        "2x + 3",
        False,
        note=r"The peer scores -1 for a format reason: compute_score with strict_box_verify=False grades Minerva-style, so it reads only an 'Answer:' line, and a \boxed{} answer alone counts as no answer; the boxed value, 2x + 3, matches. (compute_score also keeps only the last 300 characters.)",
    ),
]
