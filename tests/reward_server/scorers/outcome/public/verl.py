"""Cases from volcengine/verl's tests/utils/reward_score/test_sandbox_on_cpu.py::test_prime_math
(default_compute_score with data_source 'numina_aops_forum', i.e. verl's prime_math grader). verl's
other reward tests at this commit are code rewards or mock compute_score, so they give no verdicts.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "verl"
_AT = (
    "volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7 tests/utils/reward_score/test_sandbox_on_cpu.py"
)

CASES = [
    PublicCase(
        f"{_AT}::test_prime_math[0]",
        (
            r"\begin{bmatrix}"
            "\n"
            r" -7 & 6 & -8 \\"
            "\n"
            r" 11 & -9 & 12 \\"
            "\n"
            " 15 & -16 & 19 "
            "\n"
            r" \end{bmatrix}"
        ),
        (
            r"\begin{pmatrix}"
            "\n"
            r" -7 & 6 & -8 \\"
            "\n"
            r" 11 & -9 & 12 \\"
            "\n"
            " 15 & -16 & 19"
            "\n"
            r" \end{pmatrix}"
        ),
        True,
    ),
    PublicCase(f"{_AT}::test_prime_math[1]", r"\frac{\sqrt{505}}{7}", r"\frac{\sqrt{505}}{7}", True),
    PublicCase(f"{_AT}::test_prime_math[2]", "x^2 + y^2 + 4x - 6y + 13", "(x + 2)^2 + (y - 3)^2 ", True),
]
