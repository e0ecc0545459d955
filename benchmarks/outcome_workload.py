"""A realistic, reproducible mix of outcome-verifier items (unique, so no cache hits).

Shares: 45% plain-number math (GSM8K-like), 20% symbolic math (fractions, roots, intervals,
polynomials), 10% numerical, 15% multiple choice, 5% OCR, 5% free form; about a third wrong.
"""

from __future__ import annotations

import random
from typing import Any

Item = dict[str, Any]

_WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "seven",
    "cats",
    "watch",
    "from",
    "high",
    "walls",
]


def _respond(answer: str, rng: random.Random) -> str:
    steps = " ".join(f"{rng.randint(2, 99)}*{rng.randint(2, 9)} = ?" for _ in range(rng.randint(1, 4)))
    return f"<think>Let me compute. {steps}</think><answer>{answer}</answer>"


def _plain(n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    value = n * 7 + 3
    answer = str(value if rng.random() < 0.65 else value + rng.randint(1, 9))
    if rng.random() < 0.2:
        answer = f"{int(answer):,}"
    return answer, str(value), {}


def _symbolic(n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    k = n % 97 + 2
    forms = [
        (f"\\frac{{{k}}}{{{2 * k + 1}}}", f"\\frac{{{2 * k}}}{{{4 * k + 2}}}"),
        (f"{k}\\sqrt{{2}}", f"\\sqrt{{{2 * k * k}}}"),
        (f"[{k}, {k + 3})", f"[{k},{k + 3})"),
        (f"x^2 + {2 * k}x + {k * k}", f"(x+{k})^2"),
        (f"\\frac{{\\pi}}{{{k}}}", f"\\pi/{k}"),
    ]
    answer, truth = forms[n % len(forms)]
    if rng.random() < 0.3:
        answer = answer.replace(str(k), str(k + 1), 1)
    return answer, truth, {}


def _numerical(n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    value = (n % 1000) / 7 + 1
    answer = f"{value * (1 + rng.choice([0, 0, 0.00001, 0.01])):.6f}"
    if rng.random() < 0.3:
        answer = f"\\frac{{{n % 1000 + 7}}}{{7}}"
    return answer, f"{value:.5f}", {"answer_type": "numerical"}


def _choice(n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    truth = "ABCD"[n % 4]
    answer = rng.choice([truth, f"({truth})", f"Answer: {truth}", "ABCD"[(n + 1) % 4]])
    choices = {letter: f"option {letter.lower()} {n}" for letter in "ABCD"}
    return answer, truth, {"answer_type": "multiple_choice", "choices": choices}


def _ocr(n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    words = [rng.choice(_WORDS) for _ in range(12)] + [str(n)]
    read = [word if rng.random() < 0.9 else word[::-1] for word in words]
    return " ".join(read), " ".join(words), {"answer_type": "ocr"}


def _free_form(n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    truth = [rng.choice(_WORDS) for _ in range(15)] + [str(n)]
    answer = [word for word in truth if rng.random() < 0.8] + [rng.choice(_WORDS)]
    return " ".join(answer), " ".join(truth), {"answer_type": "free_form"}


_MIX = [
    (0.45, _plain),
    (0.20, _symbolic),
    (0.10, _numerical),
    (0.15, _choice),
    (0.05, _ocr),
    (0.05, _free_form),
]


def mixed_items(count: int, seed: int = 0, prefix: str = "item") -> list[Item]:
    """`count` unique items in the mix above, deterministic for a seed."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        pick, acc = rng.random(), 0.0
        make = _MIX[-1][1]
        for share, candidate in _MIX:
            acc += share
            if pick < acc:
                make = candidate
                break
        answer, truth, extra = make(n + seed * 1_000_003, rng)
        items.append(
            {"id": f"{prefix}-{n}", "response": _respond(answer, rng), "ground_truth": truth, **extra}
        )
    return items


def power_towers(count: int, prefix: str = "tower") -> list[Item]:
    towers = ["9^9^9^9^9", "10**10**10**10", "2^{2^{2^{2^{2^{100}}}}}", "10^{10^{10}}", "99999!"]
    return [
        {
            "id": f"{prefix}-{n}",
            "response": _respond(towers[n % len(towers)], random.Random(n)),
            "ground_truth": "1",
        }
        for n in range(count)
    ]


# An answer no static guard refuses whose exact evaluation takes about 5 s of sympy on these
# machines: it exercises the per-item wall-clock limit that the parent enforces.
SLOW_ANSWER = "\\prod_{k=1}^{800} (1+\\frac{1}{k^2})"
SLOW_TRUTH = "3"


def slow_item(item_id: str = "slow", variant: int = 0) -> Item:
    """`SLOW_ANSWER`; another `variant` is a different product (no cache or timeout memory applies)."""
    answer = SLOW_ANSWER.replace("^{800}", f"^{{{800 + variant}}}")
    return {
        "id": item_id,
        "response": f"<think>t</think><answer>{answer}</answer>",
        "ground_truth": SLOW_TRUTH,
    }
