# ruff: noqa: E501
"""Cases from openai/simple-evals's common.py EQUALITY_TEMPLATE (the few-shot Yes/No examples of the LLM equality checker its MATH eval uses)."""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "simple-evals"
_AT = "openai/simple-evals@ee3b0318d8d1d9d72755a4120879be65f7c07e9e common.py"

CASES = [
    PublicCase(f"{_AT}::EQUALITY_TEMPLATE", "$3+2x$", "$2x+3$", True),
    PublicCase(f"{_AT}::EQUALITY_TEMPLATE", "1.5", "3/2", True),
    PublicCase(f"{_AT}::EQUALITY_TEMPLATE", "$y^2+2y+1$", "$x^2+2x+1$", False),
    PublicCase(f"{_AT}::EQUALITY_TEMPLATE", "$(x+1)^2$", "$x^2+2x+1$", True),
    PublicCase(
        f"{_AT}::EQUALITY_TEMPLATE",
        "649",
        "3245/5",
        False,
        note="The values are equal (3245/5 = 649); the peer's judge prompt says No only because it allows just trivial simplifications. A math-equivalence verifier would accept it.",
    ),
    PublicCase(f"{_AT}::EQUALITY_TEMPLATE", "-2/3", "2/(-3)", True),
    PublicCase(
        f"{_AT}::EQUALITY_TEMPLATE",
        "72",
        "72 degrees",
        True,
        note="Peer gives the benefit of the doubt to a dropped unit.",
    ),
    PublicCase(
        f"{_AT}::EQUALITY_TEMPLATE",
        "64 square feet",
        "64",
        True,
        note="Peer gives the benefit of the doubt to an added unit.",
    ),
]
