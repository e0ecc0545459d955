"""Cases from huggingface/trl's tests/test_rewards.py (accuracy_reward, reasoning_accuracy_reward and
the correctness sign of get_cosine_scaled_reward, all math-verify based).
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "trl"
_AT = "huggingface/trl@f2cd57710ae345ea6428ae95363267fcf38a3dc8 tests/test_rewards.py"

CASES = [
    PublicCase(
        f"{_AT}::TestAccuracyReward::test_accuracy_reward_correct_answer[0]",
        r"\boxed{\frac{63}{400}}",
        r"\frac{63}{400}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestAccuracyReward::test_accuracy_reward_correct_answer[1]",
        r"\boxed{\frac{63}{400}}",
        "63/400",
        True,
    ),
    PublicCase(
        f"{_AT}::TestAccuracyReward::test_accuracy_reward_wrong_answer",
        r"\boxed{\frac{64}{400}}",
        r"\frac{63}{400}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestAccuracyReward::test_accuracy_reward_wrong_answer_no_latex", r"\boxed{3}", "6", False
    ),
    PublicCase(
        f"{_AT}::TestAccuracyReward::test_accuracy_reward_in_worker_thread",
        r"\boxed{\frac{1}{3}}",
        r"\frac{1}{3}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_correct_answer_yields_unit_reward[0]",
        r"<think> Reasoning content </think> \boxed{\frac{63}{400}}",
        r"\frac{63}{400}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_correct_answer_yields_unit_reward[1]",
        r"Reasoning content </think> \boxed{\frac{63}{400}}",
        r"\frac{63}{400}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_correct_answer_with_custom_tags_yields_unit_reward",
        r"<REASONING_START> Reasoning content </REASONING_END> \boxed{\frac{63}{400}}",
        r"\frac{63}{400}",
        True,
        note=(
            "Peer test passes reasoning_delimiters=['</REASONING_END>'], so only the text "
            "after </REASONING_END> is graded."
        ),
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_incorrect_answer_yields_zero_reward",
        r"<think> Reasoning content </think> \boxed{\frac{64}{400}}",
        r"\frac{63}{400}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_correct_answer_in_reasoning_yields_zero_reward[0]",
        r"<think> My answer is \boxed{42} </think> Some other text.",
        r"\boxed{42}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_correct_answer_in_reasoning_yields_zero_reward[1]",
        r"<think> The answer is \boxed{42} </think> Here's a wrong answer: \boxed{43}.",
        r"\boxed{42}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_incomplete_reasoning_yields_zero_reward[0]",
        "<think> Incomplete reasoning without closing tag",
        r"\frac{63}{400}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestReasoningAccuracyReward::test_incomplete_reasoning_yields_zero_reward[1]",
        r"Correct answer \frac{63}{400} but completely missing reasoning content",
        r"\frac{63}{400}",
        False,
        note=(
            "The peer gives 0 because the completion has no reasoning delimiter (a format "
            "rule of reasoning_accuracy_reward); the text does state 63/400, though not "
            "boxed."
        ),
    ),
    PublicCase(
        f"{_AT}::TestCosineScaledReward::test_wrong_longer_penalized_less",
        r"\boxed{\frac{1}{2}}",
        r"\frac{1}{3}",
        False,
    ),
]
