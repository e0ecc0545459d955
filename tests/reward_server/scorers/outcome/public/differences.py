# ruff: noqa: E501, RUF003
"""Where the verifier and math-verify disagree on the public cases, and who is right (by the peer's
label) and why; and the misses both share that no case note explains. `test_public_suites` fails
on any difference not listed here, and on any listed one that no longer differs. Keys are
`source:digest` of the case (`case_key`).

Regenerate after a deliberate change by listing the failures of that test, then check each by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Difference:
    right: Literal["ours", "math-verify", "neither"]
    why: str


BRACKET = "Geometry3K's answer marker: one bracketed value with no comma (`[90]`) is that value; math-verify reads a one-element list"
CHAIN = (
    "a chain whose sides disagree (`1/2 = 10/9`) offers two values; math-verify grades its right-hand side"
)
GT_PHRASE = "the reference says `the answer is sqrt(2)`; its value is read, as an answer's would be (the peer calls its own label a bad case)"
MC = "multiple choice: the letter the text settles on (`the answer is C`, `it's B`, `C (Red)`, `it can't be A or B`); math-verify parses math, not option letters"
MC_LOWER = "a lower-case letter names its option here; the peer's (derived) label refuses it"
SPACE_THOUSANDS = "`1 000` is one number (a space between digit groups)"
LAST_NUMBER = "no fallback to the last number of prose: the text states no final value; math-verify takes the last number"
PROSE_MATH = "one inline formula in prose is the answer (`Therefore $x \\geq 5$ is the solution.`); math-verify, with the text wrapped in `$...$`, parses the prose"
MIXED = "`3128 1/2` is the mixed number 3128.5"
STYLED = "`\\mathcal{B}` is the letter B in a font"
INDIAN = "`,\\!` groups digits in any grouping (`56,\\!01,\\!78`)"
PRIME = "`E'` is not `E`; math-verify drops the prime"
TOLERANCE = "`numerical` answers compare within a relative tolerance; math-verify rounds"
WORDS = "number words (`\\text{five}`) are numbers"
FINAL_IS = "a value closing the prose (`The sum is 55`) is its final value"
IMAGINARY = (
    "`i` is the imaginary unit where the reference has it (`i(2-i)` is `1+2i`); math-verify reads a symbol"
)
POSITIVE = "roots are compared over positive values, as answers assume (`\\sqrt{x}\\sqrt{y}` is `\\sqrt{xy}`)"
FREE_FORM = "a short text answer matches after normalization (case, articles, punctuation between words); math-verify parses words as products of symbols"
UNITS_GT = "a unit after the reference's number is no part of its value (`10 cm^2`)"
PYTHON = "Python and sympy spellings (`**`, `Eq(a, b)`) are read as math; math-verify extracts a lone number from them"
CONTAINER = "a whole completion whose final answer is in no `<answer>` block and no `\\boxed{}` after `</think>` has no answer for the service; math-verify reads the text anyway"
TIME = "times of day compare as clock times (`08:34 \\text{P.M.}` is `20:34`, `20:34:00` is `20:34`)"
DOUBLE_BACKSLASH = "a doubled backslash (`\\\\sqrt`, a LaTeX line break and then `sqrt`) is not the command; math-verify drops it"
LIST_MATRIX = "a list takes the shape of a one-column matrix reference (`[0.5, 1]`)"
TAGGED_COMPLETION = "a completion's `<answer>` block is its answer; math-verify, given the tags and text, parses something else"
STATED = "a stated answer (`the answer is +7`, `Final answer: {7 / 5}`) is the final value; math-verify reads another number"
PROSE_VALUE = "words around the value inside the math (`$? just about 1$`) leave no value to grade; math-verify takes the number"


DIFFERENCES: dict[str, Difference] = {
    # 'The angle is [90].' against '90'
    "areal:2e649c92": Difference("ours", BRACKET),
    # 'The length is [5.0].' against '5'
    "areal:ffcdface": Difference("ours", BRACKET),
    # 'The ratio is [1/2].' against '0.5'
    "areal:d6b42110": Difference("ours", BRACKET),
    # '[45 degrees]' against '45'
    "areal:17043d3d": Difference("ours", BRACKET),
    # '[$\\sqrt{4}$]' against '2'
    "areal:9d3c4a56": Difference("ours", BRACKET),
    # '[$10^4$]' against '10000'
    "areal:00f8b9ac": Difference("ours", BRACKET),
    # '[$\\sqrt{\\sqrt{16}}$]' against '2'
    "areal:334fa993": Difference("ours", BRACKET),
    # 'After simplification we get \\boxed{\\sqrt{2}}' against 'the answer is sqrt(2)'
    "areal:2542588f": Difference("math-verify", GT_PHRASE),
    # 'thinking about it I think the correct answer is C' against 'C'
    "lighteval:9b5d62b9": Difference("ours", MC),
    # "Let's think step by step. It's not A because it doesn't make" against 'B'
    "lighteval:884d1454": Difference("ours", MC),
    # "The answer is for sure D, it can't be A or B" against 'D'
    "lighteval:037fe159": Difference("ours", MC),
    # "The answer: D, it doesn't make sense for it to be A or B" against 'D'
    "lighteval:7633b298": Difference("ours", MC),
    # "D. it can't be A or B" against 'D'
    "lighteval:34485070": Difference("ours", MC),
    # 'Let me think about this step by step. France is a country in' against 'B'
    "lighteval:032759f5": Difference("ours", MC),
    # 'Let me think about this step by step. The planets in order f' against 'C'
    "lighteval:bf92646b": Difference("ours", MC),
    # 'Let me think about this step by step. 2 + 2 = 4, so the answ' against 'B'
    "lighteval:84a8a94c": Difference("ours", MC),
    # 'The primary colors are red, blue, and yellow. So the answer ' against 'C'
    "lighteval:1c682c49": Difference("ours", MC),
    # 'The chemical symbol for gold is Au, which comes from the Lat' against 'B'
    "lighteval:c55d6ad1": Difference("ours", MC),
    # 'A triangle is a polygon with three sides. So the answer is B' against 'B'
    "lighteval:89b4501c": Difference("ours", MC),
    # 'The opposite of hot is cold. So the answer is B.  Answer: B,' against 'B'
    "lighteval:e6f06914": Difference("ours", MC),
    # 'Jupiter is the largest planet in our solar system. So the an' against 'C'
    "lighteval:f4d905d8": Difference("math-verify", MC_LOWER),
    # 'The square root of 16 is 4, because 4 × 4 = 16. Therefore, t' against 'B'
    "lighteval:7535a939": Difference("ours", MC),
    # 'The capital of Japan is Tokyo. So the answer is "C".  Answer' against 'C'
    "lighteval:8374643b": Difference("ours", MC),
    # 'Dogs are mammals, while fish, birds, and reptiles are not. S' against 'C'
    "lighteval:781cd1e6": Difference("ours", MC),
    # 'Water is composed of two hydrogen atoms and one oxygen atom,' against 'B'
    "lighteval:0745908c": Difference("ours", MC),
    # 'The speed of light in a vacuum is approximately 186,000 mile' against 'C'
    "lighteval:ea4817d3": Difference("ours", MC),
    # 'Let me solve this step by step: 1. 15 × 3 = 45 2. This match' against 'C'
    "lighteval:445a6373": Difference("ours", MC),
    # 'Let me eliminate the wrong answers: - Apple is a fruit ✓ - C' against 'B'
    "lighteval:c09ed57c": Difference("ours", MC),
    # 'A synonym is a word that means the same or nearly the same a' against 'B'
    "lighteval:780aa70f": Difference("ours", MC),
    # 'Let me compare these fractions: 1/2 = 0.5 1/3 ≈ 0.333 1/4 = ' against 'A'
    "lighteval:605681dd": Difference("ours", MC),
    # 'World War II ended in 1945. Germany surrendered in May 1945,' against 'C'
    "lighteval:4747d46d": Difference("ours", MC),
    # 'The area of a circle is given by the formula A = πr². For ra' against 'B'
    "lighteval:03b79b41": Difference("ours", MC),
    # 'A hexagon has 6 sides, so the answer is C' against 'C'
    "lighteval:f82c8cd9": Difference("ours", MC),
    # 'The largest ocean is the Pacific Ocean. Final answer is C' against 'C'
    "lighteval:8f4862df": Difference("ours", MC),
    # '1.5' against '1 1/2'
    "mario-eval:cb644c85": Difference("ours", MIXED),
    # 'i(2-i)' against '1+2i'
    "mario-eval:acd5509b": Difference("ours", IMAGINARY),
    # '\\\\dfrac{2}{3} +\\frac{1}{72}' against '\\tfrac23 +\\frac1{72}'
    "mario-eval:329559ac": Difference("math-verify", DOUBLE_BACKSLASH),
    # '10' against '10 weeks'
    "mario-eval:6e8bbaa3": Difference("ours", UNITS_GT),
    # '10' against '10 cm^2'
    "mario-eval:5e04244c": Difference("ours", UNITS_GT),
    # '20:34:00' against '20:34'
    "mario-eval:dda70ded": Difference("ours", TIME),
    # '08:34 \\text{P.M.}' against '20:34'
    "mario-eval:f0e76e4b": Difference("ours", TIME),
    # '$\\\\sqrt{5}$' against '$\\sqrt{5}$'
    "mario-eval:14ed2f4f": Difference("math-verify", DOUBLE_BACKSLASH),
    # '$\\frac{v_0 \\cdot \\left(\\frac{r_0}{r + r_0}\\right)^{0.5}}{(r ' against '$\\frac{v_{0}}{r_{0}} \\frac{1}{\\left(1+r '
    "mario-eval:d8dcb079": Difference("ours", POSITIVE),
    # '[0.5, 1]' against '\\begin{matrix} \\frac12 \\\\ 1 \\end{matrix}'
    "mario-eval:38ffc943": Difference("ours", LIST_MATRIX),
    # '1 000' against '1000'
    "math-verify:ef988556": Difference("ours", SPACE_THOUSANDS),
    # 'the number is not 10 which is 1,000.99€' against '1000.99'
    "math-verify:7d0ca14b": Difference("math-verify", LAST_NUMBER),
    # 'so the number is 10 which is 1,000.99m²' against '1000.99'
    "math-verify:e35ad9b4": Difference("math-verify", PROSE_VALUE),
    # 'Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $' against '$10/9$'
    "math-verify:2e4506c0": Difference("math-verify", CHAIN),
    # 'Therefore $x \\geq 5$ is the solution.' against '$x >= 5$'
    "math-verify:9b201665": Difference("ours", PROSE_MATH),
    # 'We find that $x \\lt 3$.' against '$x < 3$'
    "math-verify:7bf6d571": Difference("ours", PROSE_MATH),
    # 'Thus $x <= 2$ is our answer.' against '$x \\leq 2$'
    "math-verify:956fcaa1": Difference("ours", PROSE_MATH),
    # 'We find that $x \\neq 3$.' against '$x != 3$'
    "math-verify:312d5fe9": Difference("ours", PROSE_MATH),
    # 'The identity matrix is $ \\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{p' against '$\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatr'
    "math-verify:f7f2d4d3": Difference("ours", PROSE_MATH),
    # 'Here is a zero matrix: $ \\begin{pmatrix}0 & 0 \\\\0 & 0\\end{pm' against '$\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatri'
    "math-verify:6b30c2e7": Difference("ours", PROSE_MATH),
    # 'Special matrix: $ \\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{a' against '$\\begin{pmatrix}1 & 2 \\\\3 & 4\\end{pmatri'
    "math-verify:a1519b06": Difference("ours", PROSE_MATH),
    # 'Matrix with fractions: $ \\begin{pmatrix}\\frac{1}{2} & \\frac{' against '$\\begin{pmatrix}\\frac{1}{2} & \\frac{3}{4'
    "math-verify:910a98ce": Difference("ours", PROSE_MATH),
    # 'The sum is $\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\be' against '$\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pma'
    "math-verify:d7610828": Difference("ours", PROSE_MATH),
    # 'and then Alice wins the game from that point on. The probabi' against '$2/3$'
    "math-verify:c786baa1": Difference("math-verify", LAST_NUMBER),
    # '<answer>84</answer>' against '\\boxed{84}'
    "ms-swift:5e8d0801": Difference("ours", TAGGED_COMPLETION),
    # 'Let me solve: Step 1: Calculate x = 10 Step 2: Calculate y =' against '\\boxed{54}'
    "ms-swift:d68ace76": Difference("ours", TAGGED_COMPLETION),
    # '<answer>84</answer>' against '<answer>\\boxed{84}</answer>'
    "ms-swift:f6af5fa4": Difference("ours", TAGGED_COMPLETION),
    # '<answer>100</answer>' against '\\boxed{100}'
    "ms-swift:0ff3c992": Difference("ours", TAGGED_COMPLETION),
    # '<answer>0.5</answer>' against '\\boxed{\\frac{1}{2}}'
    "ms-swift:fff846df": Difference("ours", TAGGED_COMPLETION),
    # '<answer>2</answer>' against '\\boxed{\\sqrt{4}}'
    "ms-swift:ef84c099": Difference("ours", TAGGED_COMPLETION),
    # '<answer>84</answer>' against '\n\n\\[\n\\boxed{84}\n\\]'
    "ms-swift:ebea4e29": Difference("ours", TAGGED_COMPLETION),
    # '<answer>3</answer>' against 'Therefore, the value of \\(a^2 - a + 2\\) '
    "ms-swift:25db83cc": Difference("ours", TAGGED_COMPLETION),
    # '<answer>100</answer>' against '\\[\\boxed{100}\\]'
    "ms-swift:3df5997a": Difference("ours", TAGGED_COMPLETION),
    # '\\boxed{Eq(x**2/16 + y**2/12, 1)}' against 'Eq(x**2/4 + y**2/3, 1)'
    "nemo-rl:931f68d4": Difference("ours", PYTHON),
    # 'Final answer: {7 / 5}' against '1.4'
    "nemo-rl:686ad2fa": Difference("math-verify", STATED),
    # '3128 1/2' against '3128.5'
    "nemo-skills:1b360ac7": Difference("ours", MIXED),
    # '3128.5' against '3128 1/2'
    "nemo-skills:060dd51d": Difference("ours", MIXED),
    # 'B' against '\\mathcal{B}'
    "nemo-skills:ddf7b899": Difference("ours", STYLED),
    # '\\mathcal{B}' against 'B'
    "nemo-skills:10534402": Difference("ours", STYLED),
    # '56,\\!01,\\!78,\\!95,\\!760' against '56017895760'
    "nemo-skills:8264e0e6": Difference("ours", INDIAN),
    # '56017895760' against '56,\\!01,\\!78,\\!95,\\!760'
    "nemo-skills:ff43e881": Difference("ours", INDIAN),
    # 'E' against "E'"
    "nemo-skills:de5538c2": Difference("ours", PRIME),
    # "E'" against 'E'
    "nemo-skills:ac77306c": Difference("ours", PRIME),
    # '<answer>New York City!</answer>' against 'new york city'
    "open-instruct:f2630482": Difference("ours", TAGGED_COMPLETION),
    # '<think>This is about geography</think><answer>The capital of' against 'capital of france is paris'
    "open-instruct:0d0ee44b": Difference("ours", FREE_FORM),
    # '<answer>42</answer>' against '42'
    "open-instruct:8258d184": Difference("ours", TAGGED_COMPLETION),
    # '<answer>hello world</answer>' against 'hello world'
    "open-instruct:a99eb09c": Difference("ours", TAGGED_COMPLETION),
    # '<think>Thinking...</think><answer>42</answer>' against '42'
    "open-instruct:2587dce4": Difference("ours", FREE_FORM),
    # '<think>Let me solve this step by step</think><answer>hello w' against 'hello world'
    "open-instruct:0cc1702f": Difference("ours", FREE_FORM),
    # 'A simple test.' against 'simple test'
    "open-instruct:3e8ccf07": Difference("ours", FREE_FORM),
    # 'Hello, world!' against 'hello world'
    "open-instruct:be467fb5": Difference("ours", FREE_FORM),
    # 'hello\tworld ' against 'hello world'
    "open-instruct:510910ba": Difference("ours", FREE_FORM),
    # '<answer>London</answer>' against 'london'
    "open-instruct:82398ce7": Difference("ours", TAGGED_COMPLETION),
    # '<answer>Albert Einstein</answer>' against 'albert einstein'
    "open-instruct:c57a5392": Difference("ours", TAGGED_COMPLETION),
    # '<answer>United States of America</answer>' against 'united states of america'
    "open-instruct:36a138c9": Difference("ours", TAGGED_COMPLETION),
    # 'Therefore the answer is +7' against '+7'
    "open-instruct:86935f1d": Difference("ours", STATED),
    # '3.14159' against '3.1416'
    "qwen-math:b35d508f": Difference("ours", TOLERANCE),
    # '\\text{five}' against '5'
    "qwen-math:1106df57": Difference("ours", WORDS),
    # "No explicit final. But here's some text 2 and 10" against '10'
    "qwen-math:8375bc07": Difference("math-verify", LAST_NUMBER),
    # 'The correct answer is A' against 'A'
    "qwen-math:04ae6d3c": Difference("ours", MC),
    # "I think it's (D)." against 'D'
    "qwen-math:79b250ee": Difference("ours", MC),
    # '**C**' against 'C'
    "qwen-math:6571b41c": Difference("ours", MC),
    # 'C.' against 'C'
    "qwen-math:fecf3cc8": Difference("ours", MC),
    # 'The sum is 55' against '55'
    "qwen-math:18c43788": Difference("ours", FINAL_IS),
    # 'The answer is B) Paris' against 'B'
    "qwen-math:43e4972b": Difference("ours", MC),
    # 'B) Pumps blood to the body' against 'B'
    "qwen-math:7eb3d0bb": Difference("ours", MC),
    # '<think>2 + 2 = 4</think> The answer is 4.' against '4'
    "rllm:c4828770": Difference("ours", CONTAINER),
    # '<think> My answer is \\boxed{42} </think> Some other text.' against '\\boxed{42}'
    "trl:91326f09": Difference("ours", CONTAINER),
    # 'Correct answer \\frac{63}{400} but completely missing reasoni' against '\\frac{63}{400}'
    "trl:b0166b93": Difference("ours", PROSE_VALUE),
}


# Peer labels that neither grader reaches and that carry no note in their case: why.
SHARED_MISSES: dict[str, str] = {
    "lighteval:9ea7dfac": "two solutions as `p=5,q=2;p=7,q=2` against a boxed `... \\text{and} ...`: no reading of a semicolon list of assignments",
    "mario-eval:081ba076": "a unit glued to the number (`10weeks`) reads as a product of symbols, as `3pi` or `2x` must",
    "mario-eval:44dac923": "degrees against radians (`\\sin(90^{\\circ}-x)`) are not converted",
    "mario-eval:982ee702": "a 13-digit rounding of `1/432` in `math`, where values compare exactly (`numerical` has a tolerance)",
    "mario-eval:c019d124": "`y = ...` against `f(x) = ...`: different left-hand sides; `y = 3` against `x = 3` must stay wrong",
    "open-instruct:c9c37fc2": "plain text after `</think>`, in no `<answer>` block and no box: no answer for the service (the peer grades the text after the think block)",
    "open-instruct:d6b3c574": "plain text after `</think>`, in no `<answer>` block and no box: no answer for the service (the peer grades the text after the think block)",
    "open-instruct:2032a0ee": "plain text after `</think>`, in no `<answer>` block and no box: no answer for the service (the peer grades the text after the think block)",
    "open-instruct:d6a2b2be": "plain text after `</think>`, in no `<answer>` block and no box: no answer for the service (the peer grades the text after the think block)",
    "qwen-math:94eaa92b": "`B is correct. Or maybe C. Actually let's finalize B`: a hedge, refused on purpose",
    "rllm:7cf84cba": "`\\boxed{4}`, then `\\boxed{5}`: two different boxes hedge, refused on purpose",
}
