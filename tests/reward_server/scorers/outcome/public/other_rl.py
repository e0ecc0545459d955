"""Cases from other RL/eval projects' grader tests, each case's source naming its repo and file: open-
compass/opencompass tests/datasets/test_aime2025_eval.py (pairs its author lists as mathematically
equivalent).
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "other-rl"
_AT_OC = (
    "open-compass/opencompass@a5acc4bba3b658f151617a3b393602110fb7a740 tests/datasets/test_aime2025_eval.py"
)

CASES = [
    PublicCase(
        f"{_AT_OC}::TestAime2025EvalResultValidation::test_mathematical_equivalence[0]",
        r"\boxed{\frac{1}{2}}",
        r"\frac{1}{2}",
        True,
        note=(
            "The opencompass test states these pairs as equivalent (rule_result 'correct': "
            "True, 'Would be determined by math_verify') but runs no grader on them; the "
            "label is the test author's."
        ),
    ),
    PublicCase(
        f"{_AT_OC}::TestAime2025EvalResultValidation::test_mathematical_equivalence[1]",
        r"\boxed{x^2 + 2x + 1}",
        "(x+1)^2",
        True,
        note=(
            "The opencompass test states these pairs as equivalent (rule_result 'correct': "
            "True, 'Would be determined by math_verify') but runs no grader on them; the "
            "label is the test author's."
        ),
    ),
    PublicCase(
        f"{_AT_OC}::TestAime2025EvalResultValidation::test_mathematical_equivalence[2]",
        r"\boxed{2+2}",
        "4",
        True,
        note=(
            "The opencompass test states these pairs as equivalent (rule_result 'correct': "
            "True, 'Would be determined by math_verify') but runs no grader on them; the "
            "label is the test author's."
        ),
    ),
    PublicCase(
        f"{_AT_OC}::TestAime2025EvalResultValidation::test_mathematical_equivalence[3]",
        r"\boxed{\sqrt{16}}",
        "4",
        True,
        note=(
            "The opencompass test states these pairs as equivalent (rule_result 'correct': "
            "True, 'Would be determined by math_verify') but runs no grader on them; the "
            "label is the test author's."
        ),
    ),
]
