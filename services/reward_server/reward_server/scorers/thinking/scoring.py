"""Reading a score out of the judge: parsed text, or the expectation over score tokens."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

# Any decimal in [0, 1]: `0.75` must read as 0.75 (the released regex took one decimal only and
# turned 0.75 into 0).
_NUMBER = r"([01](?:\.\d+)?|\.\d+)"
_PATTERNS = (
    re.compile(rf"<answer>\s*{_NUMBER}\s*</answer>"),
    re.compile(rf"\\boxed\{{\s*{_NUMBER}\s*\}}"),
    re.compile(rf"^\s*{_NUMBER}\s*$"),
)

ANSWER_PREFIX = "<answer>"
LEADING_DIGITS = ("0", "1")
DECIMAL_DIGITS = tuple(str(digit) for digit in range(10))


def parse_score(text: str) -> float | None:
    """The judge's score from `<answer>0.7</answer>`, `\\boxed{0.6}` or a bare `0.75`; None when
    there is none, or it lies outside [0, 1]."""
    for pattern in _PATTERNS:
        matches = pattern.findall(text)
        if matches:
            value = float(matches[-1])
            return value if 0.0 <= value <= 1.0 else None
    return None


def _distribution(top_logprobs: Mapping[str, float], support: tuple[str, ...]) -> dict[str, float]:
    """Probabilities of `support` tokens among the top-k, renormalized; empty when none appear."""
    probabilities: dict[str, float] = {}
    for token, logprob in top_logprobs.items():
        key = token.strip()
        if key in support and math.isfinite(logprob):
            probabilities[key] = probabilities.get(key, 0.0) + math.exp(logprob)
    total = sum(probabilities.values())
    return {token: p / total for token, p in probabilities.items()} if total > 0 else {}


def expected_score(leading: Mapping[str, float], decimals: Mapping[str, float]) -> float | None:
    """E[score] from two one-token distributions (token text -> logprob):

    `leading` after `<answer>` (is the score `0.x` or `1`?) and `decimals` after `<answer>0.`
    (which tenth?). Digits are single tokens in Qwen-style tokenizers, so `0.7` spans three
    tokens and needs both. None when the judge puts no mass on score tokens.
    """
    first = _distribution(leading, LEADING_DIGITS)
    if not first:
        return None
    tenths = _distribution(decimals, DECIMAL_DIGITS)
    below_one = sum(p * int(digit) / 10 for digit, p in tenths.items()) if tenths else None
    if below_one is None:
        if first.get("0", 0.0) > 0:
            return None
        return 1.0
    score = first.get("1", 0.0) * 1.0 + first.get("0", 0.0) * below_one
    return min(1.0, max(0.0, score))
