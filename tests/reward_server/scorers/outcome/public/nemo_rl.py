# ruff: noqa: E501
r"""Cases from NVIDIA/NeMo-RL's tests/unit/environments/test_math_environment.py (MathEnvironment: the assistant messages
joined, graded by math-verify against the reference put in \boxed{}) and NVIDIA-NeMo/Gym's
resources_servers/math_with_judge/tests/test_app.py (the same math-verify check, migrated from NeMo-RL; its library verdict,
library_reward, is the label, since the LLM-judge verdicts in those tests are mocked). The timeout test, the empty-input
guards and the judge-only tests are left out.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "nemo-rl"
_AT_RL = (
    "NVIDIA/NeMo-RL@54bec9d169024696b922d040464863fc2746c9e6 tests/unit/environments/test_math_environment.py"
)
_AT_GYM = "NVIDIA-NeMo/Gym@07d6b0d07b22fcf530b4c211dae2ee23100428e4 resources_servers/math_with_judge/tests/test_app.py"

CASES = [
    PublicCase(f"{_AT_RL}::test_math_env_step_basic[0]", r"2 + 2 = \boxed{4}", "4", True),
    PublicCase(f"{_AT_RL}::test_math_env_step_basic[1]", r"3 * 4 = \boxed{12}", r"\boxed{12}", True),
    PublicCase(f"{_AT_RL}::test_math_env_step_basic[2]", r"10 - 5 = \boxed{5}", r"\boxed{5}", True),
    PublicCase(f"{_AT_RL}::test_math_env_step_mixed[0]", r"2 + 2 = \boxed{\frac{8}{2}}", "4.0", True),
    PublicCase(f"{_AT_RL}::test_math_env_step_mixed[1]", "3 * 4 = 13", r"\boxed{12}", False),
    PublicCase(f"{_AT_RL}::test_math_env_step_mixed[2]", r"10 - 5 = \boxed{5}", r"\boxed{5}", True),
    PublicCase(
        f"{_AT_RL}::test_math_env_step_multiple_assistant_messages[0]",
        r"Let me think...2 + 2 = \boxed{4}",
        "4",
        True,
        note="The conversation has two assistant messages; the peer's MathEnvironment joins them with no separator and grades the joined text, which is the answer here.",
    ),
    PublicCase(
        f"{_AT_RL}::test_math_env_step_multiple_assistant_messages[1]",
        r"I'll calculate that...3 * 4 = \boxed{12}",
        r"\boxed{12}",
        True,
        note="The conversation has two assistant messages; the peer's MathEnvironment joins them with no separator and grades the joined text, which is the answer here.",
    ),
    PublicCase(
        f"{_AT_RL}::test_math_env_various_batches",
        r"2 + 1.333 = \boxed{\frac{10}{3}}",
        "3.33333333",
        True,
        note="Arguably wrong: 3.33333333 is a rounding of 10/3, not 10/3; the peer (math-verify) accepts it because it rounds both numbers to 6 decimal places (its default float_rounding) before comparing. (The test runs the same pair at batch sizes 1 to 101.)",
    ),
    PublicCase(
        f"{_AT_RL}::test_math_exception_handling",
        r"\boxed{Eq(x**2/16 + y**2/12, 1)}",
        "Eq(x**2/4 + y**2/3, 1)",
        False,
        note="The test is about the verifier not crashing (its title: an exception in the verify function); the two ellipses differ (x^2/16 + y^2/12 = 1 vs x^2/4 + y^2/3 = 1), so 0 is right either way.",
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify[0]",
        "$1",
        "x + 1",
        False,
        note="The library verdict (library_reward); the test's mocked LLM judge also says not equal.",
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify[1]",
        "$1 + x$",
        "x + 1",
        True,
        note="The response has two output texts, '$1' and ' + x$'; the peer joins them with no separator and grades the joined text, which is the answer here.",
    ),
    PublicCase(f"{_AT_GYM}::TestApp::test_verify_answer[0]", r"3 + 5 = \boxed{8}", "8", True),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer[1]",
        "3",
        "2",
        False,
        note="The library verdict (library_reward); the test's mocked LLM judge also says not equal.",
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer[2]",
        "Final answer: {7 / 5}",
        "1.4",
        False,
        note="Arguably wrong: 7/5 = 1.4. The label is the peer's library verdict (library_reward 0: math-verify extracts 5); its overall reward in this test is 1, but that comes from a mocked LLM judge.",
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[0]", r"2 + 2 = \boxed{4}", "4", True
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[1]",
        r"3 * 4 = \boxed{12}",
        r"\boxed{12}",
        True,
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[2]",
        r"10 - 5 = \boxed{5}",
        r"\boxed{5}",
        True,
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[3]",
        r"2 + 2 = \boxed{\frac{8}{2}}",
        "4.0",
        True,
    ),
    PublicCase(
        f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[4]", "3 * 4 = 13", r"\boxed{12}", False
    ),
    PublicCase(f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[5]", "17", "17.001", False),
    PublicCase(f"{_AT_GYM}::TestApp::test_verify_answer_with_library_async[6]", "3", "3", True),
]
