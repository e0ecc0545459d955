# ruff: noqa: E501
"""Cases from hendrycks/math's modeling/math_equivalence_test.py (unit tests of the MATH benchmark's string-normalising is_equiv)."""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "hendrycks-math"
_AT = "hendrycks/math@985bdc1696e88e8643f081a0ff4719da39f2ae2a modeling/math_equivalence_test.py"

CASES = [
    PublicCase(
        f"{_AT}::TestIsEquiv.test_fractions",
        r"\tfrac{1}{2} + \frac1{72}",
        r"\\frac{1}{2} + 2/3",
        False,
        note=r"The gold is written with a doubled backslash ('\\frac'), as in the peer's test; the values differ either way (1/2 + 1/72 vs 1/2 + 2/3).",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv.test_order",
        "10, 4, -2",
        "4, 10, -2",
        False,
        note="Peer treats a comma list as ordered: if the answer is a set of solutions, the same three values in another order would be equivalent.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv.test_order2", "10, 4, 2", "4, 12, 2", False),
    PublicCase(
        f"{_AT}::TestIsEquiv.test_dfrac",
        r"\tfrac{1}{2} +\! \frac1{72}",
        r"\\dfrac{1}{2} +\frac{1}{72}",
        True,
        note=r"The gold is written with a doubled backslash ('\\dfrac'); the peer's strip_string turns '\\' into '\' first. Read literally as LaTeX, '\\' is a line break.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv.test_units", r"10\text{ units}", "10 ", True),
    PublicCase(f"{_AT}::TestIsEquiv.test_units2", r"10\text{ units}", "100 ", False),
    PublicCase(f"{_AT}::TestIsEquiv.test_dollars", "10", r"\$10", True),
    PublicCase(
        f"{_AT}::TestIsEquiv.test_parentheses", r"\left(x-2\right)\left(x+2\right)", "(x-2)(x+2)", True
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv.test_decimals",
        "0.1, 4, 2",
        "4, .1, 2",
        False,
        note="Peer treats a comma list as ordered: as a set, {0.1, 4, 2} and {4, .1, 2} are the same values.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv.test_decimals2", "0.1", ".1", True),
    PublicCase(
        f"{_AT}::TestIsEquiv.test_percentage",
        r"10\%",
        "10",
        True,
        note=r"Peer drops the percent sign: 10\% = 0.1 as a number, so this counts only under the MATH convention that a percentage answer may be given without its sign.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv.test_sqrt", r"10\sqrt{3} + \sqrt4", r"10\sqrt3 + \sqrt{4}", True),
    PublicCase(f"{_AT}::TestIsEquiv.test_frac", r"\frac34i", r"\frac{3}{4}i", True),
    PublicCase(f"{_AT}::TestIsEquiv.test_tfrac", r"\tfrac83", r"\frac{8}{3}", True),
    PublicCase(f"{_AT}::TestIsEquiv.test_expression", "5x - 7y + 11z + 4 = 0", "x + y - z + 2 = 0", False),
    PublicCase(f"{_AT}::TestIsEquiv.test_half", "1/2", r"\frac{1}{2}", True),
]
