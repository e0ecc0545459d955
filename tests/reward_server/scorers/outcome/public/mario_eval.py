# ruff: noqa: E501
r"""Cases from MARIO-Math-Reasoning/MARIO_EVAL's math_evaluation/tests/test_is_equiv.py (its math grader is_equiv(ground_truth,
given), and a few asserts on its are_equal_under_sympy step). Each assert's first argument is the reference, the second
the answer. The Example:: doctest in math_evaluation/core/latex_parser.py is left out: it is not run by the suite, and its
LaTeX does not survive the docstring's escaping ('\\b' turns into a backspace).
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "mario-eval"
_AT = "MARIO-Math-Reasoning/MARIO_EVAL@13584f20b71ffc6e9873e86481054849ed015065 math_evaluation/tests/test_is_equiv.py"

CASES = [
    PublicCase(f"{_AT}::TestIsEquiv::test_are_equal_under_sympy[0]", "{x - 1, x}", "{x, x - 1}", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_are_equal_under_sympy[1]",
        "x + 1.414I",
        r"x + \sqrt2I",
        True,
        note="Arguably wrong: 1.414 is a rounding of sqrt(2), not sqrt(2); the peer accepts it by numeric tolerance.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[0]", "11111111100", r"11,\! 111,\! 111,\! 100", True
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[1]", "1.5", "1 1/2", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[2]", "4210_7", "4210_{7}", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[3]", "1.5", r"1\frac12", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[4]", "2.625", r"2\frac58", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[5]", "0.1, 4", ".1, 4.0", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[6]",
        "10",
        r"10\%",
        True,
        note="Peer drops the percent sign: 10% = 0.1 as a number (the next case accepts 0.1 too), so 10 counts only under the MATH convention that a percentage may be given without its sign.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[7]", "0.1", r"10\%", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[8]",
        "1/3, 1.732, 3.1416",
        r"\frac13, \sqrt3, \pi",
        True,
        note="Arguably wrong: 1.732 and 3.1416 are roundings of sqrt(3) and pi; the peer accepts them by numeric tolerance.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[9]",
        "125.663",
        r"40\pi",
        True,
        note="Arguably wrong: 125.663 is a rounding of 40*pi (125.6637...); the peer accepts it by numeric tolerance.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[10]", "1, 3, 2", "1, 2, 3", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[11]", "-5,-2,7", r"7, -2, \text{ and } -5", True
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[12]", "(1, 3, 2)", "[1, 2, 3]", False),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[13]",
        "[x, 1 + x]",
        "[x, x + 1]",
        True,
        note="Asserted on are_equal_under_sympy (the peer's sympy comparison step) rather than is_equiv.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_real_or_list[14]",
        "[x + 1, x]",
        "[x, x + 1]",
        False,
        note="Asserted on are_equal_under_sympy (the peer's sympy comparison step) rather than is_equiv.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_complex[0]",
        "i(2-i)",
        "1+2i",
        True,
        note="Asserted on are_equal_under_sympy (the peer's sympy comparison step) rather than is_equiv.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_fraction[0]",
        r"\\dfrac{2}{3} +\frac{1}{72}",
        r"\tfrac23 +\frac1{72}",
        True,
        note=r"The answer is written with a doubled backslash ('\\dfrac'), as in the peer's test; the peer's normalization turns '\\' into '\' first. Read literally as LaTeX, '\\' is a line break.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_fraction[1]", r"$\frac{\sqrt{17}}{17}$", r"$\frac{\sqrt{17}}{17}$", True
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_fraction[2]", r"$\frac{4\sqrt{5}}{5}$", r"$\frac{4\sqrt{5}}{5}$", True
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_fraction[3]", "0.8660254037844386", r"\frac{\sqrt{3}}{2}", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[0]", "10", r"10\text{ units}", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[1]", "10", "10 square units", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[2]", "10", r"10 \text{cm}", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[3]", "10", r"10\text{ cm}^2", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[4]", "10", r"10\text{ cm}^{2}", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[5]", "10", "10weeks", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[6]", "10", "10 weeks", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[7]", "10", "10 cm^2", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[8]", "20:34:00", "20:34", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[9]", r"08:34 \text{P.M.}", "20:34", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_units[10]",
        "10",
        "10cm",
        False,
        note=r"Arguably wrong, or at least inconsistent: the peer reads '10cm' without a space as the product 10*c*m rather than 10 centimetres (its test comment: a space is needed for a short unit), while it accepts '10 \text{cm}', '10 cm^2' and '10weeks' as 10.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_units[11]",
        "10",
        "10m",
        False,
        note=r"Arguably wrong, or at least inconsistent: the peer reads '10m' without a space as the product 10*m rather than 10 metres (its test comment: a space is needed for a short unit), while it accepts '10 \text{cm}' and '10 cm^2' as 10.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_units[12]", r"\$10", "10", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_parentheses[0]",
        "(x-2)(x+2)",
        r"\left(x-2\right)\left(x+2\right)",
        True,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_sqrt[0]", r"10\sqrt3 + \sqrt{4}", r"10\sqrt{3} + \sqrt4", True
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_sqrt[1]",
        r"$\\sqrt{5}$",
        r"$\sqrt{5}$",
        True,
        note=r"The answer is written with a doubled backslash ('\\sqrt'), as in the peer's test; the peer's normalization turns '\\' into '\' first. Read literally as LaTeX, '\\' is a line break.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_equation[0]", "x + y - z + 2 = 0", "5x - 7y + 11z + 4 = 0", False
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_equation[1]",
        r"\cos(x)=\frac{42}{59}",
        r"\sin(x)=\frac{42}{59}",
        False,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_expression[0]",
        r"$\frac{v_0 \cdot \left(\frac{r_0}{r + r_0}\right)^{0.5}}{(r + r_0)}$",
        r"$\frac{v_{0}}{r_{0}} \frac{1}{\left(1+r / r_{0}\right)^{3 / 2}}$",
        True,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_expression[1]", "11z^7(11z^7+5)", "11z^{7}(5+11z^{7})", True
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_expression[2]", "$4/3-7x/6$", r"$\frac{8-7x}{6}$", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_expression[3]",
        "(2x - 1)(2x + 1)(2x + 3)",
        "(2x+3)(2x -1)(2x+1)",
        True,
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_expression[4]", "2^6 3^5 5^4", "2^6 * 3^5 * 5^4", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_matrix[0]",
        r"\begin{pmatrix} 1 & 0.5 \\ 1/3 & 4 \end{pmatrix}",
        r"\begin{pmatrix} 1 & 1/2 \\ 1/3 & 4 \end{pmatrix}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_matrix[1]",
        r"\begin{matrix} x \\ \sqrt{3} + 2x \\ 0.5 \end{matrix}",
        r"\begin{matrix} x \\ \sqrt{3} + 2x  \\ \frac12 \end{matrix}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_matrix[2]",
        r"\begin{matrix} x \\ \sqrt{3} + 2I \\ 0.5 \end{matrix}",
        r"\\begin{matrix} x \\\\ \\sqrt{3} + 2I  \\\\ \\frac12 \\end{matrix}",
        True,
        note=r"The reference is written with doubled backslashes throughout ('\\begin', '\\\\', '\\frac'), as in the peer's test; the peer's normalization undoes the doubling first.",
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_matrix[3]",
        "[0.5, 1]",
        r"\begin{matrix} \frac12 \\ 1 \end{matrix}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_matrix[4]",
        r"\begin{cases} a+b=0.5\\ a-b=1.732\end{cases}",
        r"\begin{cases} a+b=\frac12 \\ a-b=\sqrt3 \end{cases}",
        True,
        note="Arguably wrong: 1.732 is a rounding of sqrt(3); the peer accepts it by numeric tolerance.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_trigonometric[0]", r"\frac1{\cos x}", r"\sec x", True),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_trigonometric[1]", r"\cos(x)", r"\sin(90^{\circ}-x)", True
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_scinot[0]",
        r"\frac{1}{432}",
        r"2.314814814815 \times 10^{-3}",
        True,
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_interval[0]", r"[1/2, \infty)", r"x \in [0.5, \infty)", True
    ),
    PublicCase(
        f"{_AT}::TestIsEquiv::test_is_equiv_interval[1]",
        r"[2^{\frac{1}{2^{1000}}}, \infty)",
        r"[1,+\infty)",
        True,
        note="Arguably wrong: 2^(1/2^1000) is slightly greater than 1, so the intervals differ (the answer excludes 1); the peer accepts it because the two endpoints agree in floating point.",
    ),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_interval[2]", "(-3,2)", "[-3,2]", False),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_interval[3]", "[x, y)", "[1, 2)", False),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_coordinate[0]", "1, 2, 3", "x = 1, y = 2, z = 3", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_function[0]", "2x + 3", "f(x) = 2x + 3", True),
    PublicCase(f"{_AT}::TestIsEquiv::test_is_equiv_function[1]", "y = 2x + 3", "f(x) = 2x + 3", True),
]
