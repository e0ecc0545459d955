"""Cases from THUDM/slime's tests/test_rm_math.py (rm_hub math_utils: grade_answer_mathd,
grade_answer_sympy, grade_answer_verl) and tests/test_rm_math_dapo.py (math_dapo_utils: strict-box
and Minerva 'Answer:' verification, compute_score). Tests of extraction or normalization alone, and
the empty-ground-truth guard, give no answer/reference verdict and are left out.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "slime"
_AT_MATH = "THUDM/slime@624b824a898ab0ec1fcb4d373004c7f3852bf515 tests/test_rm_math.py"
_AT_DAPO = "THUDM/slime@624b824a898ab0ec1fcb4d373004c7f3852bf515 tests/test_rm_math_dapo.py"

CASES = [
    PublicCase(f"{_AT_MATH}::test_grade_answer_mathd_canonical_equivalences[0]", r"\frac{1}{2}", "0.5", True),
    PublicCase(
        f"{_AT_MATH}::test_grade_answer_mathd_canonical_equivalences[1]", r"\frac12", r"\frac{1}{2}", True
    ),
    PublicCase(f"{_AT_MATH}::test_grade_answer_mathd_canonical_equivalences[2]", r"45^\circ", "45", True),
    PublicCase(f"{_AT_MATH}::test_grade_answer_mathd_canonical_equivalences[3]", "3/4", r"\frac{3}{4}", True),
    PublicCase(f"{_AT_MATH}::test_grade_answer_mathd_rejects_different", "42", "43", False),
    PublicCase(f"{_AT_MATH}::test_grade_answer_sympy_equivalent_expressions", "x+1", "1+x", True),
    PublicCase(
        f"{_AT_MATH}::test_grade_answer_sympy_fraction_must_match_exactly",
        r"\frac{2}{4}",
        r"\frac{1}{2}",
        False,
        note=(
            "Arguably wrong: 2/4 equals 1/2. slime's grade_answer_sympy deliberately refuses "
            "to match an unreduced fraction against its reduced form."
        ),
    ),
    PublicCase(
        f"{_AT_MATH}::test_grade_answer_verl_extracts_both_sides_from_boxed",
        r"answer: \boxed{42}",
        r"\boxed{42}",
        True,
    ),
    PublicCase(
        f"{_AT_MATH}::test_grade_answer_verl_returns_false_on_missing_extraction",
        "just 42",
        "42",
        False,
        note=(
            r"The peer gives 0 because there is no \boxed{} to extract (format rule); the "
            "stated value 42 matches."
        ),
    ),
    PublicCase(f"{_AT_DAPO}::test_is_correct_strict_box_matches", r"long preamble … \boxed{42}", "42", True),
    PublicCase(
        f"{_AT_DAPO}::test_is_correct_strict_box_mismatch_returns_minus_one", r"\boxed{43}", "42", False
    ),
    PublicCase(
        f"{_AT_DAPO}::test_is_correct_strict_box_no_box_returns_minus_one",
        "plain 42",
        "42",
        False,
        note=(
            r"The peer gives 0 because there is no \boxed{} to extract (format rule); the "
            "stated value 42 matches."
        ),
    ),
    PublicCase(
        f"{_AT_DAPO}::test_is_correct_minerva_matches_int_answer", "Long solution. Answer: 42", "42", True
    ),
    PublicCase(
        f"{_AT_DAPO}::test_is_correct_minerva_takes_last_answer_match",
        ("Answer: 41 was a wrong guess.\nAnswer: 42"),
        "42",
        True,
    ),
    PublicCase(
        f"{_AT_DAPO}::test_is_correct_minerva_no_answer_marker_is_invalid",
        "just a number 42",
        "42",
        False,
        note=(
            "The peer gives 0 because there is no 'Answer:' line to extract (format rule); "
            "the stated value 42 matches."
        ),
    ),
    PublicCase(f"{_AT_DAPO}::test_verify_strict_box_dispatches_to_strict_box", r"\boxed{42}", "42", True),
    PublicCase(f"{_AT_DAPO}::test_verify_default_dispatches_to_minerva", "Answer: 42", "42", True),
    PublicCase(
        f"{_AT_DAPO}::test_compute_score_only_uses_last_300_chars",
        r"\boxed{42}" + (" filler" * 60),
        "42",
        False,
        note=(
            r"Arguably wrong: the only answer given, \boxed{42}, is correct; the peer scores "
            "-1 only because compute_score looks at the last 300 characters, and the box is "
            "followed by 420 characters of ' filler'."
        ),
    ),
]
