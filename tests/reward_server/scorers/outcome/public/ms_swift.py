# ruff: noqa: E501
r"""Cases from modelscope/ms-swift's tests/utils/test_rewards.py::TestMathAccuracy (swift.rewards.orm.MathAccuracy, the
math-verify based accuracy reward: an <answer> block or the last \boxed{} of the completion against the solution). The
empty-solution guard and the TestMathORM tests (a patched parser) give no answer/reference verdict and are left out.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "ms-swift"
_AT = "modelscope/ms-swift@3602360a562313afbf2ef6065fdf61f271a2c5b9 tests/utils/test_rewards.py"

CASES = [
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_pure_latex_format", r"The answer is \boxed{42}", r"\boxed{42}", True
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_latex_in_long_text",
        r"After careful calculation, the final answer is \boxed{100}",
        r"\boxed{100}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_multiple_steps_with_boxed",
        (
            "Let me solve step by step:"
            "\n"
            "1. First we have x = 2"
            "\n"
            "2. Then y = 3x = 6"
            "\n"
            "3. Finally z = x + y = 8"
            "\n"
            "\n"
            r"Final answer: \boxed{8}"
        ),
        r"\boxed{8}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_wrong_answer_no_tag",
        r"The answer is \boxed{42}",
        r"\boxed{100}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_batch_processing_no_tag[0]", r"\boxed{42}", r"\boxed{42}", True
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_batch_processing_no_tag[1]", r"\boxed{100}", r"\boxed{100}", True
    ),
    PublicCase(f"{_AT}::TestMathAccuracy::test_batch_processing_no_tag[2]", r"\boxed{8}", r"\boxed{8}", True),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_answer_tag_with_plain_number",
        "<answer>84</answer>",
        r"\boxed{84}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_answer_tag_with_latex",
        r"<answer>\boxed{100}</answer>",
        r"\boxed{100}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_long_text_with_answer_tag",
        "Let me solve:\nStep 1: Calculate x = 10\nStep 2: Calculate y = 20\nStep 3: Sum = 30\n\n<answer>54</answer>",
        r"\boxed{54}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_answer_tag_with_complex_expression",
        r"<answer>\frac{1}{2}</answer>",
        r"\boxed{\frac{1}{2}}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_solution_with_answer_tag",
        "<answer>84</answer>",
        r"<answer>\boxed{84}</answer>",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_answer_tag_wrong_answer", "<answer>42</answer>", r"\boxed{100}", False
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_mixed_batch_with_and_without_tags[0]",
        r"\boxed{42}",
        r"\boxed{42}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_mixed_batch_with_and_without_tags[1]",
        "<answer>100</answer>",
        r"\boxed{100}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_mixed_batch_with_and_without_tags[2]",
        r"The answer is \boxed{8}",
        r"\boxed{8}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_malformed_latex",
        r"\boxed{42",
        r"\boxed{42}",
        False,
        note=r"The peer gives 0 because the unclosed \boxed{42 cannot be extracted (format rule); the intended value 42 matches.",
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_answer_tag_with_extra_whitespace",
        "<answer>  84  </answer>",
        r"\boxed{84}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_multiple_answer_tags",
        "<answer>42</answer> Some text <answer>100</answer>",
        r"\boxed{42}",
        True,
        note="Arguably wrong: the completion gives two different answers in two <answer> blocks (42, then 100); the peer grades the first block and accepts, so a hedge passes.",
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_real_world_example_from_user",
        (
            r"We are given a geometric sequence $\{a_n\}$ with:"
            "\n"
            "\n"
            "- $a_3 = 2$"
            "\n"
            "- $a_5 = 6$"
            "\n"
            "\n"
            "We are to find $a_9$."
            "\n"
            "\n"
            "---"
            "\n"
            "\n"
            "### Step 1: Recall the formula"
            "\n"
            "\n"
            r"$$a_n = a_1 \cdot r^{n-1}$$"
            "\n"
            "\n"
            "---"
            "\n"
            "\n"
            "### Step 2: Use the given terms"
            "\n"
            "\n"
            r"$$a_3 = a_1 \cdot r^2 = 2$$"
            "\n"
            r"$$a_5 = a_1 \cdot r^4 = 6$$"
            "\n"
            "\n"
            "Divide equation (2) by equation (1):"
            "\n"
            "$$r^2 = 3$$"
            "\n"
            "\n"
            "---"
            "\n"
            "\n"
            "### Step 3: Find $a_9$"
            "\n"
            "\n"
            r"$$a_9 = a_1 \cdot r^8 = \frac{2}{3} \cdot 81 = 54$$"
            "\n"
            "\n"
            "### ✅ Final Answer:"
            "\n"
            "\n"
            "<answer>54</answer>"
        ),
        r"\boxed{54}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_equivalent_fractions",
        "<answer>0.5</answer>",
        r"\boxed{\frac{1}{2}}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_different_forms_same_answer",
        "<answer>2</answer>",
        r"\boxed{\sqrt{4}}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_latex_inline_math_delimiters[0]",
        "<answer>84</answer>",
        ("\n" "\n" r"\[" "\n" r"\boxed{84}" "\n" r"\]"),
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_latex_inline_math_delimiters[1]",
        "<answer>3</answer>",
        r"Therefore, the value of \(a^2 - a + 2\) is \(\boxed{3}\).",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_latex_display_math_delimiters",
        "<answer>100</answer>",
        r"\[\boxed{100}\]",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathAccuracy::test_mixed_latex_delimiters",
        r"<answer>\(x = 42\)</answer>",
        r"\[\boxed{x = 42}\]",
        True,
    ),
]
