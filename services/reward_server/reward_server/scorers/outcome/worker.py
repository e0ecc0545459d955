"""Code that runs inside verifier worker processes: symbolic math, OCR and free-form metrics.

Imported by the parent only for the job types and `worker_main`; the heavy libraries are imported
by the forkserver (preload) and inside the functions, never at module import.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import re
import resource
import signal
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal

from reward_proto import ItemStatus

from reward_server.scorers.outcome import normalize
from reward_server.scorers.outcome.grade import Grade

JobKind = Literal["math", "numerical", "ocr", "free_form"]

PRELOAD_MODULES = ["math_verify", "sympy", "jiwer", "rouge_score.rouge_scorer"]


@dataclass(frozen=True, slots=True)
class Job:
    kind: JobKind
    answer: str
    truth: str
    options: dict[str, Any] = field(default_factory=dict)


class UnusableGroundTruth(ValueError):
    """The reference answer itself cannot be graded against (the item is invalid)."""


def run_job(job: Job) -> Grade:
    """Grade one job in this process; exceptions become `error`, never a score."""
    try:
        accuracy, reason = _HANDLERS[job.kind](job)
    except UnusableGroundTruth as exc:
        return Grade.failed(ItemStatus.INVALID, str(exc))
    except MemoryError:
        return Grade.failed(ItemStatus.ERROR, "memory limit exceeded while grading")
    except RecursionError:
        return Grade.failed(ItemStatus.INVALID, "expression nested too deeply")
    except Exception as exc:
        return Grade.failed(ItemStatus.ERROR, f"{type(exc).__name__}: {exc}"[:300])
    return Grade.ok(accuracy, reason)


def _parse(text: str) -> list[Any]:
    from math_verify import parse

    return list(parse(f"${text}$", parsing_timeout=None))


def _is_undefined(value: Any) -> bool:
    import sympy

    return isinstance(value, sympy.Basic) and (value.has(sympy.zoo) or value.has(sympy.nan))


_IDENTITY_POINTS = 6
_IDENTITY_MAX_SYMBOLS = 6
_IDENTITY_DIGITS = 50
# Seeded per process from the OS: an answer cannot be forged to agree on known points.
_IDENTITY_RANDOM = __import__("random").Random(int.from_bytes(os.urandom(8), "little"))


def _same_at_random_points(left: Any, right: Any, *, positive: bool = False) -> bool | None:
    """Schwartz-Zippel style identity test for expressions in variables.

    Evaluates the difference at random rational points (fresh per process): exactly where the
    expressions are rational, else with 50 significant digits. A difference at any point proves
    the expressions differ; agreement at every point is taken as equivalence (a false match needs
    two different expressions to agree at six random points to 40 digits). None when the test
    does not apply or cannot be evaluated, so that math-verify's symbolic comparison decides.
    This skips sympy's `simplify`, which is where the slow tail of symbolic grading lives.
    """
    import sympy

    if not (isinstance(left, sympy.Expr) and isinstance(right, sympy.Expr)):
        return None
    symbols = sorted(left.free_symbols | right.free_symbols, key=str)
    if not symbols or len(symbols) > _IDENTITY_MAX_SYMBOLS:
        return None
    # Decimals as written are exact (`0.25x + 0.5` is `(x+2)/4`); binary floats are not.
    left, right = (
        side.xreplace({f: sympy.Rational(str(f)) for f in side.atoms(sympy.Float)}) for side in (left, right)
    )
    rng = _IDENTITY_RANDOM
    for _ in range(_IDENTITY_POINTS):
        low = 1 if positive else -997
        point = {symbol: sympy.Rational(rng.randint(low, 997), rng.randint(1, 97)) for symbol in symbols}
        try:
            a = left.xreplace(point)
            b = right.xreplace(point)
            if a.is_Rational and b.is_Rational:
                if a != b:
                    return False
                continue
            a_value = complex(a.evalf(_IDENTITY_DIGITS))
            b_value = complex(b.evalf(_IDENTITY_DIGITS))
            scale = max(1.0, abs(a_value), abs(b_value))
            difference = abs(complex((a - b).evalf(_IDENTITY_DIGITS)))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return None
        if not all(math.isfinite(part) for part in (a_value.real, a_value.imag, b_value.real, b_value.imag)):
            return None
        if difference > 1e-40 * scale:
            return False
    return True


def _grade_math(job: Job) -> tuple[float, str]:
    truth = _parse(job.truth)
    if not truth:
        # Text answers ("Yes", "north-east"): compare normalized strings.
        same = _normalize_text(job.answer) == _normalize_text(job.truth)
        return (1.0, "text_match") if same else (0.0, "text_mismatch")
    if _is_undefined(truth[0]):
        raise UnusableGroundTruth("ground_truth is undefined (for example a division by zero)")
    answer = _parse(job.answer)
    if not answer:
        return 0.0, "unparseable_answer"
    if _is_undefined(answer[0]):
        return 0.0, "undefined_value"
    for side in job.options.get("chain", ()):
        # `\sqrt{9} = 3`: every side must be the value, or the chain offers several.
        parsed = [_with_constants(value) for value in _parse(side)]
        if not parsed or not _equivalent(
            parsed, [_with_constants(value) for value in answer], identity_decides=False
        ):
            return 0.0, "multiple_candidates"
    return (1.0, "equivalent") if _equivalent(truth, answer) else (0.0, "not_equivalent")


def _same_by_convention(truth: Any, answer: Any) -> bool:
    """Equal as answers are usually meant: over positive values when roots are involved
    (`\\sqrt{x}\\sqrt{y}` is `\\sqrt{xy}`), or with `i` as the imaginary unit (`i(2-i)` is `1+2i`)."""
    import sympy

    powers = [power for side in (truth, answer) for power in side.atoms(sympy.Pow)]
    if any(not power.exp.is_integer for power in powers) and _same_at_random_points(
        truth, answer, positive=True
    ):
        return True
    if not any(symbol.name == "i" for symbol in truth.free_symbols):
        return False
    truth, answer = _with_constants(truth), _with_constants(answer)
    if truth.free_symbols or answer.free_symbols:
        return bool(_same_at_random_points(truth, answer))
    try:
        difference = abs(complex((truth - answer).evalf(_IDENTITY_DIGITS)))
        scale = max(1.0, abs(complex(truth.evalf(_IDENTITY_DIGITS))))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return difference <= 1e-40 * scale


def _with_constants(value: Any) -> Any:
    """`e^{i\\pi}` with `i` and `e` as the constants (math-verify parses them as symbols)."""
    import sympy

    if not isinstance(value, sympy.Basic):
        return value
    constants = {"i": sympy.I, "e": sympy.E}
    return value.xreplace(
        {symbol: constants[symbol.name] for symbol in value.free_symbols if symbol.name in constants}
    )


def _equivalent(truth: list[Any], answer: list[Any], *, identity_decides: bool = True) -> bool:
    """The random-point identity test for expressions in variables, else math-verify's `verify`,
    overruled where it calls two different constants equal (it rounds to 6 decimals, so
    `3^{-80}` would equal `3^{-79}`). Without `identity_decides`, only the test's "equal" is
    final and math-verify judges the rest (its readings of `i` and `e` are more lenient)."""
    from math_verify import verify

    identical = _same_at_random_points(truth[0], answer[0])
    if identical is False:
        identical = _same_by_convention(truth[0], answer[0])
    if identical or (identical is not None and identity_decides):
        return identical
    if not verify(truth, answer, timeout_seconds=None):
        return False
    return not _different_constants(truth[0], answer[0])


def _different_constants(left: Any, right: Any) -> bool:
    """Both are numbers whose values differ by more than 1e-5 of the larger: the comparison is
    relative, so values near zero are told apart."""
    import sympy

    if not (isinstance(left, sympy.Expr) and isinstance(right, sympy.Expr)):
        return False
    if left.free_symbols or right.free_symbols or not (left.is_number and right.is_number):
        return False
    if left.is_Rational and right.is_Rational:
        return bool(left != right)
    try:
        a, b = complex(left.evalf(20)), complex(right.evalf(20))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    scale = max(abs(a), abs(b))
    if math.isfinite(scale) and scale > 1e-280:
        return abs(a - b) > 1e-5 * scale
    try:
        # In sympy's floats, whose exponents do not underflow (`1/500!` is not 0 here).
        difference = sympy.Abs(left - right).evalf(_IDENTITY_DIGITS)
        scale = sympy.Max(sympy.Abs(left), sympy.Abs(right)).evalf(_IDENTITY_DIGITS)
        return bool(scale.is_positive) and bool(difference > scale * sympy.Rational(1, 10**5))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False


def _numeric_value(text: str) -> tuple[float, bool] | None:
    """The value, and whether it is an integer as written (no decimal point, no expression)."""
    import sympy

    parsed = _parse(text)
    if not parsed or not isinstance(parsed[0], sympy.Basic):
        return None
    expression = parsed[0]
    if isinstance(expression, sympy.Eq):
        expression = expression.rhs
    if not isinstance(expression, sympy.Expr) or expression.free_symbols:
        return None
    try:
        return float(sympy.N(expression, 20)), isinstance(expression, sympy.Integer)
    except (TypeError, ValueError):
        return None


def _grade_numerical(job: Job) -> tuple[float, str]:
    expected = _numeric_value(job.truth)
    if expected is None or not math.isfinite(expected[0]):
        raise UnusableGroundTruth("ground_truth is not a finite number")
    value = _numeric_value(job.answer)
    if value is None:
        return 0.0, "not_a_number"
    for side in job.options.get("chain", ()):
        side_value = _numeric_value(side)
        if side_value is None or not math.isclose(side_value[0], value[0], rel_tol=1e-12):
            return 0.0, "multiple_candidates"
    # An integer reference compares exactly; only a decimal one has a tolerance.
    rel_tol, abs_tol = (0.0, 0.0) if expected[1] else (job.options["rel_tol"], job.options["abs_tol"])
    close = math.isfinite(value[0]) and math.isclose(value[0], expected[0], rel_tol=rel_tol, abs_tol=abs_tol)
    return (1.0, "within_tolerance") if close else (0.0, "outside_tolerance")


_SCRIPT = re.compile(r"[_^]\{?([\w+-]+)\}?")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_EDGE_PUNCTUATION = " \t\n.,;:!?\"'\u201c\u201d\u2018\u2019()[]"


def _normalize_text(text: str, *, case: bool = True) -> str:
    text = " ".join(normalize.unwrap_text(unicodedata.normalize("NFC", text)).split())
    return text.lower() if case else text


def _free_form_text(text: str) -> str:
    """Notation out of a short answer: NFKC (`CO₂` is `CO2`), LaTeX scripts (`H_2O`), number words,
    case, a leading article and the punctuation around it."""
    text = _SCRIPT.sub(r"\1", normalize.unwrap_text(unicodedata.normalize("NFKC", text)))
    text = normalize.words_to_digits(" ".join(text.split())).lower().strip(_EDGE_PUNCTUATION)
    return _LEADING_ARTICLE.sub("", text).strip(_EDGE_PUNCTUATION)


def _grade_ocr(job: Job) -> tuple[float, str]:
    import jiwer

    normalize_case = bool(job.options.get("normalize", True))
    if normalize_case:
        # Trailing sentence punctuation is not a transcribed word.
        truth, answer = (_normalize_text(text).rstrip(".,;:!?") for text in (job.truth, job.answer))
    else:
        truth, answer = (unicodedata.normalize("NFC", text) for text in (job.truth, job.answer))
    if not truth.strip():
        raise UnusableGroundTruth("ground_truth is empty")
    if not answer.strip():
        return 0.0, "empty_answer"
    error_rate = jiwer.wer(truth, answer)
    return math.exp(-error_rate), f"wer={error_rate:.4f}"


_PUNCTUATION = re.compile(r"[^\w\s]")
# Punctuation between words, not inside a number.
_WORD_PUNCTUATION = re.compile(r"[.,;:!?\"'()\[\]](?!\d)|(?<!\d)[.,;:!?\"'()\[\]]")


def _grade_free_form(job: Job) -> tuple[float, str]:
    answer, truth = _free_form_text(job.answer), _free_form_text(job.truth)
    if job.options.get("metric", "rouge") == "exact":
        same = _PUNCTUATION.sub("", answer) == _PUNCTUATION.sub("", truth)
        return (1.0, "exact_match") if same else (0.0, "exact_mismatch")
    if _WORD_PUNCTUATION.sub("", answer) == _WORD_PUNCTUATION.sub("", truth):
        return 1.0, "exact_match"  # `Hello, world!` is `hello world`; `3.14` is not `314`
    scorer = _rouge_scorer()
    scores = scorer.score(truth, answer)
    names = ["rouge1", "rouge2", "rougeL"]
    if len(_WordTokenizer().tokenize(truth)) < 2:
        names.remove("rouge2")  # no bigram in a one-word reference: ROUGE-2 is undefined, not 0
    f1 = [scores[name].fmeasure for name in names]
    return sum(f1) / len(f1), "rouge_f1=" + "/".join(
        f"{name[5:]}:{scores[name].fmeasure:.3f}" for name in names
    )


_ROUGE: list[Any] = []
# Unicode words, signed numbers with decimals, and any other symbol: rouge-score's default keeps
# only ASCII letters and digits, so `-5` equalled `5`, `3.14` equalled `3 14`, and Chinese scored 0.
_WORD = re.compile(r"[-+]?\d+(?:[.,]\d+)*|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+|[^\w\s]")


class _WordTokenizer:
    def tokenize(self, text: str) -> list[str]:
        return _WORD.findall(text.lower())


def _rouge_scorer() -> Any:
    if not _ROUGE:
        from rouge_score import rouge_scorer

        _ROUGE.append(
            rouge_scorer.RougeScorer(
                ["rouge1", "rouge2", "rougeL"], use_stemmer=False, tokenizer=_WordTokenizer()
            )
        )
    return _ROUGE[0]


_HANDLERS: dict[JobKind, Callable[[Job], tuple[float, str]]] = {
    "math": _grade_math,
    "numerical": _grade_numerical,
    "ocr": _grade_ocr,
    "free_form": _grade_free_form,
}


_WARM_UP_MATH = [
    ("\\frac{1}{2}", "0.5"),
    ("x^2 + 2x + 1", "(x+1)^2"),
    ("2\\sqrt{2}", "\\sqrt{8}"),
    ("\\frac{\\pi}{3}", "\\pi/3"),
    ("[1, 2)", "(1,2]"),
    ("\\{1,2\\}", "\\{2,1\\}"),
    ("x = 3", "3"),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"),
    ("10 \\text{ cm}", "10"),
]


def _warm_up() -> None:
    """Pay first-call costs (lazy imports, parser caches) before serving, then freeze what exists
    so the garbage collector stops rescanning the libraries' objects on every full collection."""
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    for answer, truth in _WARM_UP_MATH:
        run_job(Job("math", answer, truth))
    run_job(Job("numerical", "\\sqrt{2}", "1.414", {"rel_tol": 1e-3, "abs_tol": 0.0}))
    run_job(Job("ocr", "a b", "a b"))
    run_job(Job("free_form", "a b", "a b"))
    gc.collect()
    gc.freeze()


def worker_main(connection: Connection, memory_limit_bytes: int) -> None:
    """Serve jobs from `connection` until it closes or sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    _warm_up()
    connection.send("ready")
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        connection.send(run_job(job))
