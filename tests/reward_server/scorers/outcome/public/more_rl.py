# ruff: noqa: E501
"""Cases from other RL projects' grader tests with fewer than 10 usable cases each, each case's source naming its repo and
file: PrimeIntellect-ai/verifiers tests/test_math_rubric.py (MathRubric's correct_answer, math-verify on the completion;
the timeout and exception-handling tests are left out) and Ascend/MindSpeed-RL tests/ut/models/test_verifier.py (a whole
<think>/<answer> completion under its rule_verifier accuracy rewards; MindSpeed-RL's other cases are in mindspeed_rl.py).
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "more-rl"
_AT_VF = "PrimeIntellect-ai/verifiers@a60a606ecc4d309247edf9ff92c3eabca362781f tests/test_math_rubric.py"
_AT_MS = "Ascend/MindSpeed-RL@05a90d77cb6cfad8999e2aee21068284db959579 tests/ut/models/test_verifier.py"

# The completion MindSpeed-RL's verifier test asserts under two accuracy rewards.
_PARALLELOGRAM = (
    "<think>"
    "\n"
    "First, we use the property of a parallelogram that opposite sides are equal in length. "
    "\n"
    "        Therefore, we have:"
    "\n"
    r"\[AB = CD \quad \text{and} \quad BC = AD\]"
    "\n"
    "\n"
    "From the given measurements:"
    "\n"
    "\\"
    "\n"
    r"        [AB = 38 \text{ cm}\]"
    "\n"
    r"\[BC = 3y^3 \text{ cm}\]"
    "\n"
    r"\[CD = 2x + 4 \text{ cm}\]"
    "\n"
    r"\[AD = 24 \text{ cm}\]"
    "\n"
    "\n"
    "\n"
    r"        Setting \(AB = CD\), we get:"
    "\n"
    r"\[38 = 2x + 4\]"
    "\n"
    "\n"
    r"Setting \(BC = AD\), we get:"
    "\n"
    r"\[3y^3 = 24\]"
    "\n"
    "\n"
    "Now, "
    "\n"
    r"        we solve each equation for \(x\) and \(y\)."
    "\n"
    "</think>"
    "\n"
    "<answer>"
    "\n"
    r"First, solve for \(x\):"
    "\n"
    r"\[38 = 2x + 4\]"
    "\n"
    "        "
    "\n"
    r"\[38 - 4 = 2x\]"
    "\n"
    r"\[34 = 2x\]"
    "\n"
    r"\[x = \frac{34}{2} = 17\]"
    "\n"
    "\n"
    r"Next, solve for \(y\):"
    "\n"
    r"\[3y^3 = 24\]"
    "\n"
    "\\"
    "\n"
    r"        [y^3 = \frac{24}{3} = 8\]"
    "\n"
    r"\[y = \sqrt[3]{8} = 2\]"
    "\n"
    "\n"
    r"Now, find the product of \(x\) and \(y\):"
    "\n"
    r"\[xy = "
    "\n"
    r"        17 \times 2 = 34\]"
    "\n"
    "\n"
    r"Therefore, the product of \(x\) and \(y\) is \(\boxed{34}\).</answer>"
)

CASES = [
    PublicCase(f"{_AT_VF}::TestMathRubric::test_score_valid_answers[0]", r"\boxed{1}", "1", True),
    PublicCase(f"{_AT_VF}::TestMathRubric::test_score_valid_answers[1]", r"\boxed{x + 1}", "1 + x", True),
    PublicCase(f"{_AT_VF}::TestMathRubric::test_score_valid_answers[2]", r"\boxed{\frac{1}{2}}", "0.5", True),
    PublicCase(f"{_AT_VF}::TestMathRubric::test_score_invalid_answers[0]", r"\boxed{1}", "2", False),
    PublicCase(
        f"{_AT_VF}::TestMathRubric::test_score_invalid_answers[1]", r"\boxed{\frac{1}{3}}", "0.5", False
    ),
    PublicCase(
        f"{_AT_MS}::TestVerifier::test_verifier[base_model_accuracy_reward]",
        _PARALLELOGRAM,
        "34",
        True,
        note="One completion asserted under two of the peer's accuracy rewards (the format and reasoning-step rewards of the same test are left out); the line breaks and indentation inside the text are the peer's, from a triple-quoted literal.",
    ),
    PublicCase(
        f"{_AT_MS}::TestVerifier::test_verifier[accuracy_reward]",
        _PARALLELOGRAM,
        "34",
        True,
        note="One completion asserted under two of the peer's accuracy rewards (the format and reasoning-step rewards of the same test are left out); the line breaks and indentation inside the text are the peer's, from a triple-quoted literal.",
    ),
]
