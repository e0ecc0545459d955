"""Cases from huggingface/open-r1's tests/test_rewards.py (math-verify accuracy_reward, and the
correctness sign of its cosine-scaled and length rewards).
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "open-r1"
_AT = "huggingface/open-r1@1416fa0cf21595d2083b399a2a0bbddd7f6e9563 tests/test_rewards.py"

CASES = [
    PublicCase(
        f"{_AT}::TestRewards::test_accuracy_reward_correct_answer",
        r"\boxed{\frac{63}{400}}",
        r"\frac{63}{400}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestRewards::test_accuracy_reward_wrong_answer",
        r"\boxed{\frac{64}{400}}",
        r"\frac{63}{400}",
        False,
    ),
    PublicCase(f"{_AT}::TestRewards::test_accuracy_reward_wrong_answer_no_latex", r"\boxed{3}", "6", False),
    PublicCase(
        f"{_AT}::TestRewards::test_cosine_scaled_reward[1]",
        r"\boxed{\frac{63}{400}}" + " " * 58,
        r"\frac{63}{400}",
        True,
        note="Completion padded with trailing spaces to 80 characters, as in the peer test.",
    ),
    PublicCase(
        f"{_AT}::TestRewards::test_cosine_scaled_reward[3]",
        r"\boxed{\frac{64}{400}}" + " " * 58,
        r"\frac{63}{400}",
        False,
        note="Completion padded with trailing spaces to 80 characters, as in the peer test.",
    ),
]
