# ruff: noqa: E501
"""Cases from huggingface/Math-Verify's tests/*.py (its regression suites for extracting a final answer from
LaTeX or plain text and checking it against a gold answer: numbers, fractions, units, percent, intervals, sets,
tuples, matrices, equations, inequalities, text answers and boxed answers inside long solutions)."""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "math-verify"
_AT = "huggingface/Math-Verify@5d148cfaaf99214c2e4ffb4bc497ab042c592a7a"
_ALL = f"{_AT} tests/test_all.py"
_BOXED = f"{_AT} tests/test_boxed.py"
_NUMINA = f"{_AT} tests/test_numina_cases.py"
_OPEN_THOUGHTS = f"{_AT} tests/test_open_thoughts.py"
_STRICT = f"{_AT} tests/test_strict.py"
_YUJIANLL = f"{_AT} tests/test_yujianll.py"

CASES = [
    # tests/test_all.py::test_number_extraction
    PublicCase(f"{_ALL}::test_number_extraction", "-5", "-5", True),
    PublicCase(f"{_ALL}::test_number_extraction", "7,425,000", "7425000", True),
    PublicCase(f"{_ALL}::test_number_extraction", "1 000", "1000", True),
    PublicCase(f"{_ALL}::test_number_extraction", "1000.0", "1000", True),
    PublicCase(f"{_ALL}::test_number_extraction", "1,000.0", "1000.0", True),
    PublicCase(f"{_ALL}::test_number_extraction", ".4", "0.4", True),
    PublicCase(f"{_ALL}::test_number_extraction", "1,000.99", "1000.99", True),
    PublicCase(f"{_ALL}::test_number_extraction", "$1,000.99", "1000.99", True),
    PublicCase(f"{_ALL}::test_number_extraction", "the number is not 10 which is 1,000.99€", "1000.99", True),
    PublicCase(f"{_ALL}::test_number_extraction", "so the number is 10 which is 1,000.99m²", "1000.99", True),
    PublicCase(f"{_ALL}::test_number_extraction", "AZYUK2A", "2", False),
    # tests/test_all.py::test_simple_fraction_notation
    PublicCase(f"{_ALL}::test_simple_fraction_notation", r"\frac{10}{9}", "10/9", True),
    PublicCase(f"{_ALL}::test_simple_fraction_notation", r"-\frac{10}{9}", "-10/9", True),
    # tests/test_all.py::test_sets_handling
    PublicCase(f"{_ALL}::test_sets_handling", "$[0,1)$", "$[0,1)$", True),
    PublicCase(f"{_ALL}::test_sets_handling", "$[0,1)$", "$[0,9)$", False),
    PublicCase(f"{_ALL}::test_sets_handling", "$[0,9)$", "$(0,9)$", False),
    PublicCase(f"{_ALL}::test_sets_handling", "$-[0,1)$", "$1$", False),
    # tests/test_all.py::test_latex_notation
    PublicCase(f"{_ALL}::test_latex_notation", r"Answer \[ 9 \]", "$9$", True),
    PublicCase(f"{_ALL}::test_latex_notation", "Answer $ 9 $", "$9$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"Answer \( 9 \)", "$9$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"Answer \( (9+1) \)", "$10$", True),
    PublicCase(f"{_ALL}::test_latex_notation", "Answer \\[ \n 9 \n \\]", "$9$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"Answer $ \frac{1}{2} \$ = \frac{10}{9} $", "$10/9$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"$\frac13 $", "$1/3$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"$\sqrt3 $", r"$\sqrt{3}$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"$\dfrac{1}{3} $", "$1/3$", True),
    PublicCase(f"{_ALL}::test_latex_notation", "$ 1/3 $", "$1/3$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"$\left( \frac{1}{3} \right)$", "$1/3$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"$\frac{1}{3} \text{meters}$", "$1/3$", True),
    PublicCase(f"{_ALL}::test_latex_notation", r"$k = \frac{1}{3}$", "$1/3$", True),
    # tests/test_all.py::test_percent_notation
    PublicCase(f"{_ALL}::test_percent_notation", "28 percent", r"$28\%$", True),
    PublicCase(f"{_ALL}::test_percent_notation", "28 %", r"$28\%$", True),
    PublicCase(f"{_ALL}::test_percent_notation", "$28$ %", r"$28\%$", True),
    PublicCase(f"{_ALL}::test_percent_notation", r"$\boxed{28}$ pct", r"$28\%$", True),
    PublicCase(f"{_ALL}::test_percent_notation", r"$\boxed{28 pct}", r"$28\%$", True),
    PublicCase(f"{_ALL}::test_percent_notation", r"$\boxed{28 percentage}", r"$28\%$", True),
    # tests/test_all.py::test_latex_notation_math
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"Since $x<2$, it follows that $|x-2|=2-x$. If $2-x=p$, then $x=2-p$. Thus $x-p=\boxed{2-2p}$.",
        "$2-2p$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        "\\boxed{\n\\begin{pmatrix} 0 & 3 \\\\ 0 & -1 \\end{pmatrix}\n}.\n\\end{align*}",
        "\\boxed{\n\\begin{pmatrix} 0 & 3 \\\\ 0 & -1 \\end{pmatrix}\n}.\n\\end{align*}",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"Evelyn covered more distance in less time than Briana, Debra and Angela, so her average speed is greater than any of their average speeds. Evelyn went almost as far as Carla in less than half the time that it took Carla, so Evelyn's average speed is also greater than Carla's. Therefore, $\boxed{\text{Evelyn}}$ is our answer.",
        r"$\text{Evelyn}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"For the first line, let $t = 2x = 3y = -z.$  Then \[\begin{pmatrix} x \\ y \\ z \end{pmatrix} = \begin{pmatrix} t/2 \\ t/3 \\ -t \end{pmatrix} = \frac{t}{6} \begin{pmatrix} 3 \\ 2 \\ -6 \end{pmatrix}.\]Thus, the direction vector of the first line is $\begin{pmatrix} 3 \\ 2 \\ -6 \end{pmatrix}.$ For the second line, let $t = 6x = -y = -4z.$  Then \[\begin{pmatrix} x \\ y \\ z \end{pmatrix} = \begin{pmatrix} t/6 \\ -t \\ -t/4 \end{pmatrix} = \frac{t}{12} \begin{pmatrix} 2 \\ -12 \\ -3 \end{pmatrix}.\]Thus, the direction vector of the first line is $\begin{pmatrix} 2 \\ -12 \\ -3 \end{pmatrix}.$ Note that \[\begin{pmatrix} 3 \\ 2 \\ -6 \end{pmatrix} \cdot \begin{pmatrix} 2 \\ -12 \\ -3 \end{pmatrix} = 0.\]Hence, the angle between the lines is $\boxed{90^\circ}.$",
        r"$90^\circ$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"We use the distance formula:  \begin{align*} \sqrt{(2 - (-4))^2 + ((-6) - 3)^2} &= \sqrt{6^2 + (-9)^2}\\ & = \sqrt{36 + 81}\\ & = \sqrt{117} = \boxed{3\sqrt{13}}. \end{align*}",
        r"$3\sqrt{13}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"The shaded triangle has a base of length $10\text{ cm}.$ Since the triangle is enclosed in a rectangle of height $3\text{ cm},$ then the height of the triangle is $3\text{ cm}.$ (We know that the enclosing shape is a rectangle, because any figure with four sides, including two pairs of equal opposite sides, and two right angles must be a rectangle.) Therefore, the area of the triangle is $$\frac{1}{2}\times 3 \times 10 = \boxed{15\mbox{ cm}^2}.$$",
        r"$15\mbox{ cm}^2$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"By the Integer Root Theorem, the possible integer roots are all the divisors of 14 (including negative divisors), which are $-14,$ $-7,$ $-2,$ $-1,$ $1,$ $2,$ $7,$ and $14.$  Checking, we find that the only integer roots are $\boxed{-2,1}.$",
        "$-2,1$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"We use the property that $a \equiv b \pmod{m}$ implies $a^c \equiv b^c \pmod{m}$. Since $129 \equiv -3 \pmod{11}$ and $96 \equiv -3 \pmod{11}$, we have  $$129^{34}+96^{38} \equiv (-3)^{34}+(-3)^{38} \equiv 3^{34}+3^{38} \pmod{11}.$$ Since $3^5 \equiv 1 \pmod{11},$ we can see that $3^{34} = (3^5)^{6} \cdot 3^4$ and $3^{38} = (3^5)^{7} \cdot 3^3.$ Then, $129^{34}+96^{38} \equiv \boxed{9} \pmod{11}.$",
        "$9$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"We may carry out long division in base 5 just as in base 10. We have  \[ \begin{array}{c|ccc} \multicolumn{2}{r}{2} & 0 & 4 \\ \cline{2-4} 2 & 4 & 1 & 3 \\ \multicolumn{2}{r}{4} & \downarrow & \\ \cline{2-2} \multicolumn{2}{r}{0} & 1 & \\ \multicolumn{2}{r}{} & 0 & \downarrow \\ \cline{3-3} \multicolumn{2}{r}{} & 1 & 3 \\ \multicolumn{2}{r}{} & 1 & 3 \\ \cline{3-4} \multicolumn{2}{r}{} & & 0 \end{array} \]for a quotient of $\boxed{204_5}$. Note that in the above calculation we have used that $13_5$ divided by $2_5$ is $4_5$, which follows from $4_5\times2_5=8_{10}=13_5$.",
        "$204_5$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"This simplifies to $64y + 1920 = 0,$ so $y = -30.$ Then $x^2 - 2x - 48 = -30,$ or $x^2 - 2x - 18 = 0.$ By the quadratic formula, $x = \boxed{1 \pm \sqrt{19}}.$",
        r"$1 \pm \sqrt{19}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"The roots of $P(x)$ are $-2$ and $1 \pm \sqrt{5}$, so the answer is $\boxed{\{1\pm\sqrt{5},-2\}}.$",
        r"$\{1\pm\sqrt{5},-2\}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        'The graph of $f(x) = x^2 + bx + c$ is an upward-facing parabola, and the condition\n\\[f(2 + t) = f(2 - t)\\]tells us that the axis of symmetry of the parabola is the line $x = 2.$  Thus, $f(x)$ is an increasing function of $|x - 2|.$  In other words, the farther $x$ is from 2, the greater $f(x)$ is.\n\n[asy]\nunitsize(1.5 cm);\n\nreal parab (real x) {\n  return (x^2/4);\n}\n\ndraw(graph(parab,-2,2),red);\ndraw((0,-0.5)--(0,2),dashed);\n\nlabel("$x = 2$", (0,2), N);\ndot("$(2,f(2))$", (0,0), SE);\ndot("$(1,f(1))$", (-0.8,parab(-0.8)), SW);\ndot("$(4,f(4))$", (1.6,parab(1.6)), SE);\n[/asy]\n\nHence, $\\boxed{f(2) < f(1) < f(4)}.$',
        "$f(2) < f(1) < f(4)$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        "By sum-to-product,\n\\[\\sin (a + b) - \\sin (a - b) = \\boxed{2 \\sin b \\cos a}.\\]",
        r"$2 \sin b \cos a$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"The distance is $\boxed{125\textnormal{ miles}}.$",
        "$125$ miles",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math",
        r"The solution set is $\boxed{[-1, -\tfrac12) \cup (-\tfrac12, 0) \cup (0, 1) \cup (1, \infty)}.$",
        r"$[-1, -\frac{1}{2}) \cup (-\frac{1}{2}, 0) \cup (0, 1) \cup (1, \infty)$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_latex_notation_math", r"Therefore $\boxed{\frac94\pi}$.", r"$\frac{9}{4}\pi$", True
    ),
    # tests/test_all.py::test_relations_math
    PublicCase(f"{_ALL}::test_relations_math", r"Therefore $x \geq 5$ is the solution.", "$x >= 5$", True),
    PublicCase(f"{_ALL}::test_relations_math", r"We find that $x \lt 3$.", "$x < 3$", True),
    PublicCase(f"{_ALL}::test_relations_math", "Thus $x <= 2$ is our answer.", r"$x \leq 2$", True),
    PublicCase(f"{_ALL}::test_relations_math", r"We find that $x \neq 3$.", "$x != 3$", True),
    PublicCase(f"{_ALL}::test_relations_math", "Therefore $x < 5$ is the solution.", "$x > 5$", False),
    PublicCase(f"{_ALL}::test_relations_math", r"The solution is $x \leq 5$", r"$x \geq 5$", False),
    PublicCase(f"{_ALL}::test_relations_math", r"$5 \geq x$", r"$x \leq 5$", True),
    PublicCase(f"{_ALL}::test_relations_math", r"$5 \leq x$", r"$x \geq 5$", True),
    PublicCase(
        f"{_ALL}::test_relations_math",
        "$x = 5+5+1 = 7 =11$",
        "$x = 11$",
        True,
        note="Context: the answer's chain has a false step (5+5+1 = 7); the peer only compares the final value 11.",
    ),
    PublicCase(f"{_ALL}::test_relations_math", "$11a+c$", "$7 = 11a+c$", False),
    PublicCase(
        f"{_ALL}::test_relations_math",
        r"$x = 5+5+1 = 1/3 \approx 11$",
        "$x = 1/3$",
        True,
        note="Arguably wrong label: the answer's chain is false (5+5+1 is not 1/3) and ends in 'approx 11'; the peer keeps the value before the approximation, 1/3.",
    ),
    PublicCase(f"{_ALL}::test_relations_math", "$x=11$", "$11$", True),
    PublicCase(
        f"{_ALL}::test_relations_math",
        r"$x=1/3\approx1.3$",
        "$1/3$",
        True,
        note="Context: the answer's approximation is wrong (1/3 is not about 1.3); the peer ignores the part after \\approx.",
    ),
    PublicCase(f"{_ALL}::test_relations_math", "$-x > -1$", "$x < 1$", True),
    PublicCase(f"{_ALL}::test_relations_math", "$x > -1$", "$x < 1$", False),
    PublicCase(f"{_ALL}::test_relations_math", "$0$", "$a +3z = 0$", False),
    PublicCase(
        f"{_ALL}::test_relations_math",
        "$0$",
        r"$1 = \zzz = x = 0$",
        True,
        note="Arguably wrong label: the gold is a contradictory chain (1 = ... = 0); the peer only keeps the last right-hand side, 0.",
    ),
    PublicCase(f"{_ALL}::test_relations_math", "$1$", "$2x + z = 1$", False),
    PublicCase(f"{_ALL}::test_relations_math", "$k=1$", "$1$", True),
    PublicCase(
        f"{_ALL}::test_relations_math",
        "$z = 3+3 = 2$",
        "$z = 1 + 1 = 2$",
        True,
        note="Arguably wrong label: the answer's working is false (3+3 is not 2); the peer only compares the final value 2.",
    ),
    PublicCase(f"{_ALL}::test_relations_math", r"$y=-\frac{1}{2}x+\frac{3}{4}$", "$2x+4y-3=0$", True),
    PublicCase(f"{_ALL}::test_relations_math", "$x^2/16 + y^2/12 = 1/4$", "$x^2/4 + y^2/3 = 1$", True),
    # tests/test_all.py::test_matrix_extraction
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        "9=189.\n\nTherefore, answer is 189.\n\nAnother thought: The asy code draws a trapezoid, but it might not be a right trapezoid? Wait, no, two right angles are drawn at (0,0) and (0,9). So sides AD and DC are perpendicular. So it's a right trapezoid.\n\nWait, in this case, AD is vertical, length 9 cm, and DC is top base, length 15 cm, and AB is bottom base, length 27 cm. So area is (15 +27)/2 *9=189.\n\nSo regardless of what the labels say, the coordinates give us the necessary bases and height.\n\nAlternatively, thinking that maybe the 5 cm is a different component. Let me think, if the height is 3 cm, but the coordinate says 9. No, that's conflicting.\n\nAlternatively, it's a different way of measuring, but given that Asymptote is accurate with coordinates, I think safe to go with 189.\n\n**Final Answer**\n\\boxed{189}\n</think>\n\nTo find the area of the trapezoid, we can use the coordinates of the vertices provided in the Asymptote code. The vertices are A(0,0), B(27,0), C(15,9), and D(0,9).\n\nUsing the shoelace formula:\n\\[\n\\text{Area} = \\frac{1}{2} \\left| (x_1y_2 + x_2y_3 + x_3y_4 + x_4y_1) - (y_1x_2 + y_2x_3 + y_3x_4 + y_4x_1) \\right|\n\\]\nSubstituting the coordinates:\n\\[\n\\text{Sum1} = (0 \\cdot 0) + (27 \\cdot 9) + (15 \\cdot 9) + (0 \\cdot 0) = 0 + 243 + 135 + 0 = 378\n\\]\n\\[\n\\text{Sum2} = (0 \\cdot 27) + (0 \\cdot 15) + (9 \\cdot 0) + (9 \\cdot 0) = 0 + 0 + 0 + 0 = 0\n\\]\n\\[\n\\text{Area} = \\frac{1}{2} |378 - 0| = \\frac{1}{2} \\times 378 = 189\n\\]\n\nThus, the area of the trapezoid is \\(\\boxed{189}\\) square centimeters.",
        "$189$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        r"The identity matrix is $ \begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix} $.",
        r"$\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        r"Here is a zero matrix: $ \begin{pmatrix}0 & 0 \\0 & 0\end{pmatrix} $",
        r"$\begin{bmatrix}0 & 0 \\0 & 0\end{bmatrix}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        r"Special matrix: $ \left[\begin{array}{cc}1 & 2 \\3 & 4\end{array}\right] $",
        r"$\begin{pmatrix}1 & 2 \\3 & 4\end{pmatrix}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        r"Matrix with fractions: $ \begin{pmatrix}\frac{1}{2} & \frac{3}{4} \\ \frac{5}{6} & \frac{7}{8}\end{pmatrix} $",
        r"$\begin{pmatrix}\frac{1}{2} & \frac{3}{4} \\ \frac{5}{6} & \frac{7}{8}\end{pmatrix}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        r"The sum is $\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} + \begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$",
        r"$\begin{pmatrix}6 & 8 \\ 10 & 12\end{pmatrix}$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_matrix_extraction",
        r"The matrix is $\begin{pmatrix}1 & 2 \\ 3 & 5\end{pmatrix}$",
        r"$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}$",
        False,
    ),
    # tests/test_all.py::test_complex_math_expressions
    PublicCase(
        f"{_ALL}::test_complex_math_expressions",
        "$0.0833333333333333$",
        r"$\frac{1}{12}$",
        True,
        note="Arguably lenient: a 16-digit truncated decimal is accepted for 1/12 (math-verify rounds to 6 digits).",
    ),
    PublicCase(f"{_ALL}::test_complex_math_expressions", "$(1,4.5)$", r"$(1,\frac{9}{2})$", True),
    PublicCase(
        f"{_ALL}::test_complex_math_expressions", r"$\frac{x}{7}+\frac{2}{7}$", r"$\frac{x+2}{7}$", True
    ),
    PublicCase(f"{_ALL}::test_complex_math_expressions", r"$\sec^2(y)$", r"$\tan^2(y)+1$", True),
    PublicCase(
        f"{_ALL}::test_complex_math_expressions",
        r"$\begin{pmatrix}\frac{1}{3x^{2/3}}&0&0\\0&1&0\\-\sin(x)&0&0\end{pmatrix}$",
        r"$\begin{pmatrix}\frac{1}{3\sqrt[3]{x}^2}&0&0\\0&1&0\\-\sin(x)&0&0\\\end{pmatrix}$",
        True,
    ),
    PublicCase(f"{_ALL}::test_complex_math_expressions", "$-34x-45y+20z-100=0$", "$34x+45y-20z+100=0$", True),
    PublicCase(
        f"{_ALL}::test_complex_math_expressions",
        r"$\frac{\sqrt{\sqrt{11}+\sqrt{194}}}{2\sqrt{33}+15}$",
        r"$\frac{\sqrt{\sqrt{11}+\sqrt{194}}}{15+2\sqrt{33}}$",
        True,
    ),
    PublicCase(f"{_ALL}::test_complex_math_expressions", "$(+5)(b+2)$", "$(a+5)(b+2)$", False),
    PublicCase(f"{_ALL}::test_complex_math_expressions", r"$\frac{1+\sqrt{5}}{2}$", "$2$", False),
    PublicCase(
        f"{_ALL}::test_complex_math_expressions", r"$\frac{34}{16}+\frac{\sqrt{1358}}{16}$", "$4$", False
    ),
    PublicCase(f"{_ALL}::test_complex_math_expressions", "$1$", r"$1\sqrt{19}$", False),
    PublicCase(f"{_ALL}::test_complex_math_expressions", "$x+1$", "$x+2n+1$", False),
    # tests/test_all.py::test_math_extraction_edge_cases
    PublicCase(
        f"{_ALL}::test_math_extraction_edge_cases",
        "and then Alice wins the game from that point on. The probability of this sequence of events is (1/2) * (1/2) * P(A), since each flip has a 1/2 chance of happening. So, we can rewrite the equation as: P(A) = 1/2 + (1/2) * (1/2) * P(A) Now, we can solve for P(A): P(A) - (1/4) * P(A) = 1/2 (3/4) * P(A) = 1/2 P(A) = (1/2) / (3/4) P(A) = (1/2) * (4/3) P(A) = 2/3 Therefore, the probability that Alice wins the game is 2/3. <|im_start|>user",
        "$2/3$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_edge_cases",
        r"For the function $q(x)$ to be defined, both the numerator and the denominator must be real numbers, and the denominator must not be zero. 1. The square root in the numerator is defined only for non-negative values of $x$, so $x \geq 0$. 2. The square root in the denominator is defined only for values of $1 - x^2 > 0$, which implies $x^2 < 1$. This gives $-1 < x < 1$. 3. The denominator cannot be zero, so $1 - x^2 \neq 0$, which implies $x \neq \pm 1$. Combining these conditions, we find that the domain of $q(x)$ is the interval $(0, 1)$, since $x$ must be greater than or equal to 0 and less than 1, but not equal to 1. Final Answer: The final answer is $(0, 1)$. I hope it is correct. <|im_start|>user",
        "$[0,1)$",
        False,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_edge_cases",
        r"To find the domain of the function $\sqrt{6-x-x^2}$, we need to determine for which values of $x$ the expression inside the square root is non-negative, i.e., $6-x-x^2 \ge 0$. First, let's find the roots of the quadratic equation $x^2 + x - 6 = 0$. We can factor this equation as $(x+3)(x-2) = 0$. So, the roots are $x = -3$ and $x = 2$. Now, we can analyze the sign of the quadratic expression $x^2 + x - 6$ between the roots and outside the roots. Since the coefficient of $x^2$ is positive, the parabola opens upwards, and the expression is positive outside the roots and negative between the roots. Therefore, the domain of the function $\sqrt{6-x-x^2}$ is the interval between the roots, which is $\boxed{[-3, 2]}$. Final Answer: The final answer is $[-3, 2]$. I hope it is correct. I apologize for the mistake in the previous solution. Let me correct it. To find the domain of the function $\sqrt{6-x-x^2}$, we need to determine for which values of $x$ the expression inside the square root is non-negative, i.e., $6-x-x^2 \ge 0$. First, let's find the roots of the quadratic equation $x^2 + x - 6 = 0$. We can factor this equation as $(x+3)(x-2) = 0$. So, the roots are $x = -3$ and $x = 2$. Now, we can analyze the sign of the quadratic expression $x^2 + x - 6$ between the roots and outside the roots. Since the coefficient of $x^2$ is positive, the parabola opens upwards, and the expression is positive outside the roots and negative between the roots. Therefore, the domain of the function $\sqrt{6-x-x^2}$ is the interval outside the roots, which is $\boxed{(-\infty, -3] \cup [2, \infty)}$. Final Answer: The final answer is $(-\infty, -3] \cup [2, \infty)$. I hope it is correct. <|im_start|>user",
        "$[-3,2]$",
        False,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_edge_cases",
        r"To find the integers congruent to 3 (mod 7), we can find the remainder when each integer is divided by 7. For 85, the remainder is $85 \mod 7 = 1$. For 49,479, the remainder is $49,\!479 \mod 7 = 3$. For -67, the remainder is $-67 \mod 7 = 4$. For 12,000,003, the remainder is $12,\!000,\!003 \mod 7 = 5$. For -3, the remainder is $-3 \mod 7 = 4$. The only integer congruent to 3 (mod 7) is 49,479. Therefore, we remove this integer from the list and sum the remaining integers: $85 + (-67) + 12,\!000,\!003 + (-3) = 12,\!000,\!023$. Final Answer: The final answer is 12,000,023. I hope it is correct. <|im_start|>user",
        "12000023",
        True,
    ),
    # tests/test_all.py::test_math_extraction_additional_cases
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"Let the line through $A$ intersect $\overline{CD}$ at point $E$. Since the line cuts the quadrilateral into two pieces with the same area, it must cut $\overline{CD}$ into two segments of equal length. Let $x$ be the $x$-coordinate of $E$, so the $y$-coordinate of $E$ is $0$. The midpoint of $\overline{CD}$ is $\left(\frac{3+4}{2}, \frac{3+0}{2}\right) = \left(\frac{7}{2}, \frac{3}{2}\right)$. Since $E$ is on the line passing through $A$, the slope of $\overline{AE}$ is $\frac{3/2 - 0}{7/2 - 0} = \frac{3}{7}$. The equation of the line passing through $A$ and $E$ is then $y = \frac{3}{7}x$. Since $E$ has $y$-coordinate $0$, we have $0 = \frac{3}{7}x$, so $x = 0$. Therefore, the point where the line intersects $\overline{CD}$ is $\boxed{(0, 0)}$. Final Answer: The final answer is $(0, 0)$. I hope it is correct. <|im_start|>user",
        r"$(\tfrac{27}{8},\tfrac{15}{8})$",
        False,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases", "Final Answer: The largest $n$ is 34.", "$34$", True
    ),
    PublicCase(f"{_ALL}::test_math_extraction_additional_cases", "${1,3}$", "$(3,1)$", False),
    PublicCase(f"{_ALL}::test_math_extraction_additional_cases", "${1,3}$", "$(1,3)$", True),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"Thus, the values of \( k \) for which the quadratic has real roots are: \[ \boxed{[-4, 0]} \]",
        "$[-4,0]$",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"To find the product \( ab \) where \( a = 2012_3 \) and \( b = 201_3 \), we first convert these base-three numbers to base ten. For \( a = 2012_3 \): \[ a = 2 \cdot 3^3 + 0 \cdot 3^2 + 1 \cdot 3^1 + 2 \cdot 3^0 = 2 \cdot 27 + 0 \cdot 9 + 1 \cdot 3 + 2 \cdot 1 = 54 + 0 + 3 + 2 = 59_{10} \] For \( b = 201_3 \): \[ b = 2 \cdot 3^2 + 0 \cdot 3^1 + 1 \cdot 3^0 = 2 \cdot 9 + 0 \cdot 3 + 1 \cdot 1 = 18 + 0 + 1 = 19_{10} \] Now, calculate the product in base ten: \[ ab = 59 \times 19 \] Perform the multiplication: \[ 59 \times 19 = 59 \times (20 - 1) = 59 \times 20 - 59 \times 1 = 1180 - 59 = 1121 \] Next, convert \( 1121_{10} \) to base three. We do this by dividing by 3 and recording the remainders: \[ 1121 \div 3 = 373 \quad \text{remainder } 2 \] \[ 373 \div 3 = 124 \quad \text{remainder } 1 \] \[ 124 \div 3 = 41 \quad \text{remainder } 1 \] \[ 41 \div 3 = 13 \quad \text{remainder } 2 \] \[ 13 \div 3 = 4 \quad \text{remainder } 1 \] \[ 4 \div 3 = 1 \quad \text{remainder } 1 \] \[ 1 \div 3 = 0 \quad \text{remainder } 1 \] Reading the remainders from last to first, we find: \[ 1121_{10} = 1112122_3 \] Thus, the product \( ab \) expressed in the base-three number system is \(\boxed{1112122_3}\).",
        "$1112112_3$",
        False,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"$\boxed{\text{(C)}}.$",
        r"\(\boxed{\text{C}}\).",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"is $\boxed{11,\! 111,\! 111,\! 100}$",
        r" So the answer is: \[ \boxed{11111111100} \]",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"is $\boxed{32,\! 349}$",
        r" So the answer is: \[ \boxed{32349} \]",
        True,
    ),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases",
        r"is $\boxed{32, 349}$",
        r" So the answer is: \[ \boxed{32349} \]",
        False,
    ),
    PublicCase(f"{_ALL}::test_math_extraction_additional_cases", "$E$", r"$\text{E}$", True),
    PublicCase(
        f"{_ALL}::test_math_extraction_additional_cases", r"$\boxed{1,2}$", r"$\boxed{1}\boxed{2}$", True
    ),
    # tests/test_all.py::test_set_rel_assymetry
    PublicCase(
        f"{_ALL}::test_set_rel_assymetry",
        r"$x \in [-2,7]$",
        r"$-2 \\le x \\le 7$",
        True,
        note="The peer's raw string has doubled backslashes (\\\\le), kept as given; the peer ran this with allow_set_relation_comp=False (the default).",
    ),
    PublicCase(
        f"{_ALL}::test_set_rel_assymetry",
        r"$-2 \\le x \\le 7$",
        r"$x \in [-2,7]$",
        False,
        note="Arguably wrong label: x in [-2,7] and -2 <= x <= 7 describe the same set; math-verify only matches them with allow_set_relation_comp=True. The peer's raw string has doubled backslashes (\\\\le), kept as given.",
    ),
    # tests/test_all.py::test_sqrt_precision
    PublicCase(
        f"{_ALL}::test_sqrt_precision",
        r"$4\sqrt{2}$",
        "$4$",
        False,
        note="The peer ran this with float_rounding=5; the verdict does not depend on it.",
    ),
    # tests/test_boxed.py::test_boxed
    PublicCase(
        f"{_BOXED}::test_boxed",
        "${35 cm,4}$",
        r"$\\boxed{35 cm} ++++++ \\boxed{4}$",
        True,
        note="The peer's raw string has doubled backslashes (\\\\boxed), kept as given; here the gold is the boxed text and the answer a bare list.",
    ),
    PublicCase(
        f"{_BOXED}::test_boxed",
        "$004$",
        r" the answer should be \\boxed{004}.\n\nBut let me check again: the sum is 2,552,004. The last three digits are 004. Therefore, when divided by 1000, the remainder is 004. So, \\boxed{004} is the correct answer.\n\n**Final Answer**\n\\boxed{004}",
        True,
        note="The peer's raw string has doubled backslashes and literal backslash-n sequences, kept as given.",
    ),
    PublicCase(
        f"{_BOXED}::test_boxed",
        "$840$",
        r"SoHi YES.\n\n could answer therefore\\boxed{840}.,but let me put this after explain.\n\n**Final Answer**\n\\boxed{840}",
        True,
        note="The peer's raw string has doubled backslashes and literal backslash-n sequences, kept as given.",
    ),
    # tests/test_numina_cases.py::test_numina_cases
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        r"$\boxed{(3, 37, 3, 13), (3, 17, 3, 7), (3, 3, 2, 3), (3,17,3,7), (17,3,3,7), (37,3,3,13)}$",
        "$(37,3,3,13),(17,3,3,7),(3,37,3,13),(3,17,3,7),(3,3,2,3)$",
        True,
    ),
    PublicCase(f"{_NUMINA}::test_numina_cases", "$(3,2)$", "$(p,q)=(3,2)$", True),
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        r"\boxed{(4, 0, 6), (4, -2, 6), (0, 0, 6), (0, -2, 6), (4, 0, 0), (4, -2, 0), (0, 0, 0), (0, -2, 0)}",
        "$(0;0;0),(0;-2;0),(0;0;6),(0;-2;6),(4;0;0),(4;-2;0),(4;0;6),(4;-2;6)$",
        True,
    ),
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        r"$z \in \left[-\frac{3}{2}, -1\right] \cup \left[1, \frac{3}{2}\right]$",
        r"$1\leq|z|\leq \frac{3}{2}$",
        True,
    ),
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        r"$\boxed{\{-12, -11, -10, -8, -7, -6\}}$",
        "$-12;-11;-10;-8;-7;-6$",
        True,
    ),
    PublicCase(f"{_NUMINA}::test_numina_cases", r"$\boxed{(7,11),\ (11,7)}$", "$(11,7)or(7,11)$", True),
    PublicCase(f"{_NUMINA}::test_numina_cases", r"$\boxed{7:32}$", "$S_{MBCN}:S=7:32$", True),
    PublicCase(f"{_NUMINA}::test_numina_cases", "$(5,2),(7,2)$", "$p=5,q=2;p=7,q=2$", True),
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        "solutions are:\n\n\\[\n\\boxed{(1, 2)}, \\boxed{(2, 1)}, \\boxed{(-1, -20)}, \\boxed{(-20, -1)}\n\\]",
        "$(2,1),(1,2),(-1,-20),(-20,-1)$",
        True,
    ),
    PublicCase(
        f"{_NUMINA}::test_numina_cases", r"$\boxed{-2,1}$.", r"\(\boxed{1}\) and \(\boxed{-2}\).", True
    ),
    PublicCase(f"{_NUMINA}::test_numina_cases", r"$\text{E}$", "$d$", False),
    PublicCase(f"{_NUMINA}::test_numina_cases", r"$\boxed{1,2,3}$", "$1$ and $2$ and $3$", True),
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        r"$\boxed{(3, 37, 3, 13), (3, 17, 3, 7), (3, 3, 2, 3), (3,17,3,7), (17,3,3,7), (37,3,3,13)}$",
        "$(37,3,3),(17,3,3,7),(3,37,3,13),(3,17,3,7),(3,3,2,3)$",
        False,
    ),
    PublicCase(f"{_NUMINA}::test_numina_cases", r"$\boxed{-10,-8,4}$", r"\boxed{a=4,\,-8,\,-10}", True),
    PublicCase(f"{_NUMINA}::test_numina_cases", "$21,16,11$", "$21,16$ or $11$", True),
    PublicCase(
        f"{_NUMINA}::test_numina_cases",
        "$(0,1)$",
        "$0<f(x)<1$",
        True,
        note="Context: the gold is the inequality 0<f(x)<1 and the answer the interval (0,1) it describes.",
    ),
    # tests/test_open_thoughts.py::test_open_thoughts
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        "$${2, 3, 5, 7, 13}$$",
        r"$$\boxed{2}, \boxed{3}, \boxed{5}, \boxed{7}, \boxed{13}$$",
        True,
    ),
    PublicCase(f"{_OPEN_THOUGHTS}::test_open_thoughts", "$$(-793, 10)$$", "$$-793 < a < 10$$", True),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{a_{37} = 19, \quad a_3 = 2}$$",
        "$$a_3 = 2, a_{37} = 19$$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{(2, 2), (1, 3), (3, 3)}$$",
        "$$(2, 2), (1, 3), (3, 3)$$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{13}}{4}}$$",
        r"$$x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{13}}{4}$$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{(x, y) = (5, 8) \quad \text{and} \quad (8, 5)}$$",
        "$$(5, 8), (8, 5)$$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{6 \text{ and } 8}$$",
        r"$$6 \text{ and } 8$$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{(2, 2)} \quad \text{and} \quad \boxed{(6, 2)}$$",
        "$$(2, 2), (6, 2)$$",
        True,
    ),
    PublicCase(f"{_OPEN_THOUGHTS}::test_open_thoughts", r"$$\boxed{k \ge 2}$$", r"$$k \ge 2$$", True),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$$\boxed{k = 45} \quad \text{and} \quad \boxed{n = 2}$$",
        "$$k = 45, n = 2$$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts", r"\boxed{1} and \boxed{2} and \boxed{3}", "$${1,2,3}$$", True
    ),
    PublicCase(f"{_OPEN_THOUGHTS}::test_open_thoughts", "$$1$$", "$$|AB|=1$$", True),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"\($y_1 = \boxed{-2(x - 1)^2 + 5} \) and \( y_2 = \boxed{3(x + 2)^2 - 2} \) ",
        "$y_{1}=-2 x^{2}+4 x+3, y_{2}=3 x^{2}+12 x+10$",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$\boxed{1,2}$",
        r"\boxed{1} papers and \boxed{2} bins",
        True,
    ),
    PublicCase(
        f"{_OPEN_THOUGHTS}::test_open_thoughts",
        r"$\boxed{1,2}$",
        r"\boxed{1} no no no no no \boxed{2}",
        False,
        note="Context: the gold has two boxed values (1 and 2) with filler text between them; math-verify then keeps only one, so [1, 2] is rejected, while the similar 'papers and ... bins' gold is accepted. Arguably both should be equivalent to {1, 2}.",
    ),
    # tests/test_strict.py::test_strict_variable_comparison
    PublicCase(f"{_STRICT}::test_strict_variable_comparison", "$f(y)$", "$f(x)$", False),
    # tests/test_yujianll.py::test_string_extraction
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$n=1, 2, 3$", "$n=1, 2, 3$", True),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$n=1, 2, 3$", "$n=2, 3, 4$", False),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$D = (0, 1)$", "$D = (0, 1)$", True),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$D = (0, 1.5)$", "$D = (0, 1)$", False),
    PublicCase(
        f"{_YUJIANLL}::test_string_extraction",
        r"$F_n = \sum_{k=0}^{n-2} F_k F_{n-k-2}$",
        r"$F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}$",
        False,
    ),
    PublicCase(
        f"{_YUJIANLL}::test_string_extraction",
        r"$F_n = \sum_{k=0}^{n-1} F_{n-k-1} F_k$",
        r"$F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}$",
        True,
    ),
    PublicCase(
        f"{_YUJIANLL}::test_string_extraction", r"$19, 46, \text{ and } 82$", "$19, 46, and 82$", True
    ),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$21, 36, and 82$", "$19, 46, and 82$", False),
    PublicCase(
        f"{_YUJIANLL}::test_string_extraction",
        r"$1 - \frac{1}{\mathrm{e}}$",
        r"$1 - \frac{1}{\mathrm{e}}$",
        True,
    ),
    PublicCase(
        f"{_YUJIANLL}::test_string_extraction",
        r"$1 + \frac{1}{\mathrm{e}}$",
        r"$1 - \frac{1}{\mathrm{e}}$",
        True,
        note="Arguably wrong label: 1 + 1/e is not 1 - 1/e (the sign differs); the peer still expects a match.",
    ),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$2021$", r"$\pm 2021$", False),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "${-2021, 2021}$", r"$\pm 2021$", True),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$1:00$", "$12:00$", False),
    PublicCase(f"{_YUJIANLL}::test_string_extraction", "$12:00$", "$12:00$", True),
]
