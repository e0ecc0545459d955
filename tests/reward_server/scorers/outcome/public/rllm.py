r"""Cases from rllm-org/rllm: tests/rewards/test_math_reward.py (RewardMathFn: needs </think>, then
grades the last \boxed{}) and the math-evaluator tests of its cookbooks (math, geo3k,
agent_frameworks: last \boxed{} graded symbolically). Cases with a list of ground truths or none are
left out.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "rllm"
_AT = "rllm-org/rllm@9beb6e0f676a46d38858991fd79ac5f8e0b16d4c tests/rewards/test_math_reward.py"
_AT_MATH = "rllm-org/rllm@9beb6e0f676a46d38858991fd79ac5f8e0b16d4c cookbooks/math/test.py"
_AT_GEO3K = "rllm-org/rllm@9beb6e0f676a46d38858991fd79ac5f8e0b16d4c cookbooks/geo3k/test.py"
_AT_FRAMEWORKS = "rllm-org/rllm@9beb6e0f676a46d38858991fd79ac5f8e0b16d4c cookbooks/agent_frameworks/test.py"

CASES = [
    PublicCase(
        f"{_AT}::TestMathReward::test_correct_answer_simple",
        ("<think>2 + 2 = 4</think>" "\n" r"The answer is \boxed{4}."),
        "4",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_incorrect_answer",
        ("<think>2 + 2 = 5</think>" "\n" r"The answer is \boxed{5}."),
        "4",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_format_error_no_delimiter",
        "The answer is 4.",
        "4",
        False,
        note=(
            "The peer gives 0 as a format error: RewardMathFn requires a </think> delimiter. "
            "The stated value is correct, so this is not an equivalence verdict."
        ),
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_format_error_no_boxed_answer",
        ("<think>2 + 2 = 4</think>\nThe answer is 4."),
        "4",
        False,
        note=(
            r"The peer gives 0 because the answer is not in \boxed{} (format rule); the stated"
            " value is correct."
        ),
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_toolcall_bonus",
        ("<think>I'll use calculation tools</think>" "\n" r"The answer is \boxed{4}."),
        "4",
        True,
        note=("Peer expects reward 1.5 (correct_reward 1.0 plus toolcall_bonus 0.5) and is_correct True."),
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_complex_mathematical_expression",
        ("<think>Let me solve this quadratic equation</think>" "\n" r"The answer is \boxed{x = 2, x = -3}."),
        "x = 2, x = -3",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_answer_with_latex_in_ground_truth",
        ("<think>Let me calculate this carefully</think>" "\n" r"The answer is \boxed{24}."),
        r"\boxed{24}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_numerical_tolerance",
        ("<think>The answer is approximately pi</think>" "\n" r"The answer is \boxed{3.14159}."),
        "3.14159",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_fraction_equivalence",
        ("<think>Let me simplify this fraction</think>" "\n" r"The answer is \boxed{\frac{1}{2}}."),
        "1/2",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_custom_config_values[0]",
        ("<think>5 + 5 = 10</think>" "\n" r"The answer is \boxed{10}."),
        "10",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_custom_config_values[1]",
        ("<think>5 + 5 = 11</think>" "\n" r"The answer is \boxed{11}."),
        "10",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathReward::test_custom_config_values[2]",
        "The answer is 10.",
        "10",
        False,
        note=(
            "The peer gives 0 as a format error: RewardMathFn requires a </think> delimiter. "
            "The stated value is correct, so this is not an equivalence verdict."
        ),
    ),
    PublicCase(
        f"{_AT_MATH}::test_evaluator_correct_boxed_answer", r"After simplifying, \boxed{42}.", "42", True
    ),
    PublicCase(f"{_AT_MATH}::test_evaluator_wrong_boxed_answer", r"My answer is \boxed{41}.", "42", False),
    PublicCase(
        f"{_AT_MATH}::test_evaluator_no_boxed_answer",
        "The answer is 42.",
        "42",
        False,
        note=(
            "The peer gives 0 (reason no_answer_extracted) because the answer is not in "
            r"\boxed{}; the stated value is correct."
        ),
    ),
    PublicCase(
        f"{_AT_MATH}::test_evaluator_takes_last_boxed",
        r"First I thought \boxed{4}, but actually \boxed{5}.",
        "5",
        True,
    ),
    PublicCase(
        f"{_AT_MATH}::test_evaluator_latex_fraction_equivalence", r"\boxed{0.5}", r"\frac{1}{2}", True
    ),
    PublicCase(f"{_AT_MATH}::test_evaluator_handles_task_object", r"\boxed{7}", "7", True),
    PublicCase(f"{_AT_GEO3K}::test_evaluator_correct", r"The answer is \boxed{48}", "48", True),
    PublicCase(f"{_AT_GEO3K}::test_evaluator_wrong", r"The answer is \boxed{24}", "48", False),
    PublicCase(
        f"{_AT_GEO3K}::test_evaluator_no_boxed",
        "I think 48",
        "48",
        False,
        note=(r"The peer gives 0 because the answer is not in \boxed{}; the stated value is " "correct."),
    ),
    PublicCase(f"{_AT_FRAMEWORKS}::test_evaluator_correct", r"After computing, \boxed{10}", "10", True),
    PublicCase(f"{_AT_FRAMEWORKS}::test_evaluator_wrong", r"\boxed{9}", "10", False),
    PublicCase(
        f"{_AT_FRAMEWORKS}::test_evaluator_walks_back_past_empty_steps",
        r"The answer is \boxed{10}",
        "10",
        True,
        note=(
            "The answer is the last non-empty step's model_response of the episode (earlier "
            'steps: "I\'ll calculate 5 + 5" and an empty tool message).'
        ),
    ),
]
