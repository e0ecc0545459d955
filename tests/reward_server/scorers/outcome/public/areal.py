"""Cases from inclusionAI/AReaL's tests/test_math_verify_reward.py (gsm8k_reward_fn and
geometry3k_reward_fn, both on AReaL's math-verify worker with 6-digit float rounding; geometry3k
grades the last [bracketed] span, else the last number). Tests that only assert the reward is a
float are left out.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "areal"
_AT = "inclusionAI/AReaL@4aef98d8d818af55b43621aaadba047ae10f4e77 tests/test_math_verify_reward.py"

CASES = [
    PublicCase(f"{_AT}::TestGSM8KRewardFn::test_gsm8k_exact_match", "The answer is 4", "4", True),
    PublicCase(
        f"{_AT}::TestGSM8KRewardFn::test_gsm8k_symbolic_equivalence", "The answer is 0.5", "1/2", True
    ),
    PublicCase(f"{_AT}::TestGSM8KRewardFn::test_gsm8k_boxed_format", r"Step 1: 2+2=4. \boxed{4}", "4", True),
    PublicCase(f"{_AT}::TestGSM8KRewardFn::test_gsm8k_incorrect_answer", "The answer is 5", "4", False),
    PublicCase(f"{_AT}::TestGSM8KRewardFn::test_gsm8k_empty_answer", "", "4", False),
    PublicCase(f"{_AT}::TestGSM8KRewardFn::test_gsm8k_latex_expression", r"$\sqrt{4} = 2$", "2", True),
    PublicCase(
        f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_bracket_format",
        "The angle is [90].",
        "90",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_numerical_equivalence",
        "The length is [5.0].",
        "5",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_incorrect_bracket_format",
        "The angle is [60].",
        "90",
        False,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_no_bracket_fallback",
        "The answer is 90 degrees.",
        "90",
        True,
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_symbolic_fraction",
        "The ratio is [1/2].",
        "0.5",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_empty_completion", "", "90", False),
    PublicCase(
        f"{_AT}::TestGeometry3KRewardFn::test_geometry3k_whitespace_handling",
        "The angle is [ 90 ].",
        "90",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestRewardEdgeCases::test_gsm8k_malformed_expression",
        "The answer is !!!invalid!!!",
        "4",
        False,
    ),
    PublicCase(f"{_AT}::TestGSM8KAdvanced::test_gsm8k_exponents", "The answer is 8", "2^3", True),
    PublicCase(f"{_AT}::TestGSM8KAdvanced::test_gsm8k_square_root", r"The answer is $\sqrt{16}$", "4", True),
    PublicCase(
        f"{_AT}::TestGSM8KAdvanced::test_gsm8k_complex_fraction", r"The answer is $\frac{5}{6}$", "5/6", True
    ),
    PublicCase(f"{_AT}::TestGSM8KAdvanced::test_gsm8k_negative_numbers", "-15", "-15", True),
    PublicCase(f"{_AT}::TestGSM8KAdvanced::test_gsm8k_equation_form", "x = 3", "3", True),
    PublicCase(
        f"{_AT}::TestGSM8KAdvanced::test_gsm8k_multiline_solution",
        ("Step 1: Calculate\nStep 2: Simplify\nFinal answer: 42"),
        "42",
        True,
    ),
    PublicCase(f"{_AT}::TestGSM8KAdvanced::test_gsm8k_scientific_notation", "$10^3$", "1000", True),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_angle_units",
        "[45 degrees]",
        "45",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_fraction_angle",
        "[45]",
        "45",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_negative_coordinate",
        "[-3]",
        "-3",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_square_root_answer",
        r"[$\sqrt{4}$]",
        "2",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_multiple_brackets",
        "First try [30], second try [45].",
        "45",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_scientific_notation",
        "[$10^4$]",
        "10000",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestGeometry3KAdvanced::test_geometry3k_nested_sqrt",
        r"[$\sqrt{\sqrt{16}}$]",
        "2",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(f"{_AT}::TestMathVerifyRobustness::test_gsm8k_unicode_math_symbols", "42", "42", True),
    PublicCase(
        f"{_AT}::TestMathVerifyRobustness::test_gsm8k_very_large_number",
        "999999999999999",
        "999999999999999",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyRobustness::test_gsm8k_very_small_decimal", "0.0000001", "0.0000001", True
    ),
    PublicCase(f"{_AT}::TestMathVerifyRobustness::test_gsm8k_division_order[0]", "4", "12/3", True),
    PublicCase(f"{_AT}::TestMathVerifyRobustness::test_gsm8k_division_order[1]", "4", "3/12", False),
    PublicCase(f"{_AT}::TestMathVerifyRobustness::test_gsm8k_commutativity", "3+2", "5", True),
    PublicCase(f"{_AT}::TestMathVerifyRobustness::test_gsm8k_inequality_handling", "x = 4", "4", True),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_complex_exponent", r"$e^{i\pi} = -1$", "-1", True
    ),
    PublicCase(f"{_AT}::TestComplexLatexFormulas::test_gsm8k_power_notation", "$10^3 = 1000$", "1000", True),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_scientific_latex", r"$1 \times 10^3$", "1000", True
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_matrix_determinant",
        r"$\begin{vmatrix} 2 & 1 \\ 1 & 2 \end{vmatrix} = 3$",
        "3",
        True,
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_fraction_chain",
        r"$\frac{\frac{1}{2}}{\frac{3}{4}} = \frac{2}{3}$",
        "2/3",
        True,
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_binomial_coefficient",
        r"$\binom{5}{2} = 10$",
        "10",
        True,
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_greek_letters_in_formula",
        r"$\sin\left(\frac{\pi}{2}\right) = 1$",
        "1",
        True,
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_geometry3k_pythagorean_theorem",
        r"[$\sqrt{3^2 + 4^2}$] = [5]",
        "5",
        True,
        note=(
            "geometry3k_reward_fn grades the last [bracketed] span (Geometry3K's answer "
            "marker, not an interval or list); with no brackets it falls back to the last "
            "number."
        ),
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_limit_notation",
        r"$\lim_{x \to 0} \frac{\sin x}{x} = 1$",
        "1",
        True,
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_partial_derivative", "The result is $3$", "3", True
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_absolute_value_complex",
        r"$\left| 3 - 5 \right| = 2$",
        "2",
        True,
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_modulo_operation", r"$17 \bmod 5 = 2$", "2", True
    ),
    PublicCase(
        f"{_AT}::TestComplexLatexFormulas::test_gsm8k_logarithm_change_base", r"$\log_2(8) = 3$", "3", True
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerRoundingCases::test_worker_rounding_none_answer_fails",
        r"\boxed{0.0667}",
        "None",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerRoundingCases::test_worker_rounding_matches_six_decimal_places",
        r"\boxed{0.0666668}",
        r"\boxed{0.066666793}",
        True,
        note=(
            "Accepted only through AReaL's float_rounding=6 tolerance: 0.0666668 and "
            "0.066666793 differ in the 7th decimal."
        ),
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerRoundingCases::test_worker_rounding_matches_three_decimal_places",
        r"\boxed{0.067}",
        r"\boxed{0.066793}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerRoundingCases::test_worker_rounding_allows_extra_precision",
        r"\boxed{2.232}",
        r"\boxed{2.23}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerRoundingCases::test_worker_rounding_allows_less_precision",
        r"\boxed{2.23}",
        r"\boxed{2.232}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerTextWrappedAnswers::test_worker_text_embedded_fraction",
        r"The final answer is \boxed{2/3}.",
        "answer is 0.6666667",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerTextWrappedAnswers::test_worker_text_embedded_sqrt",
        r"After simplification we get \boxed{\sqrt{2}}",
        "the answer is sqrt(2)",
        False,
        note=(
            r"Arguably wrong: \sqrt{2} and sqrt(2) are the same number. The peer comments "
            "'This is a BAD case' and pins the 0 because its math-verify setup cannot parse "
            "the text-embedded 'sqrt(2)' gold."
        ),
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerTextWrappedAnswers::test_worker_text_embedded_latex_power",
        r"Area equals \boxed{10^4} square units",
        "answer is 10000",
        True,
    ),
    PublicCase(
        f"{_AT}::TestMathVerifyWorkerTextWrappedAnswers::test_worker_text_embedded_nested_expr",
        r"Result: \boxed{(1/2)^{2} + \sqrt{9}}",
        "answer is 0.25 + 3",
        True,
    ),
]
