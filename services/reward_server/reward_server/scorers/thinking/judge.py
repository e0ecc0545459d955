"""What the thinking scorer asks of a judge, whatever runs it (rules, transformers, vLLM, OpenAI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Method = Literal["logprob", "parsed", "rules"]


@dataclass(frozen=True, slots=True)
class JudgeInput:
    """One trace to judge. `reasoning` is the response with `$` removed; `question` has the
    `<image>` tag when an image is attached."""

    question: str
    reasoning: str
    image: str | None = None


@dataclass(frozen=True, slots=True)
class JudgeOutcome:
    """A score in [0, 1], or an error message (never both)."""

    score: float | None
    method: Method
    raw: str | None = None
    truncated: bool = False
    error: str | None = None
    parse_failure: bool = False
    prompt_tokens: int = 0
    cached_tokens: int = 0


class Judge(Protocol):
    model: str
    model_version: str

    @property
    def ready(self) -> bool:
        """Loaded and able to answer (an upstream judge may come and go)."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def judge(self, inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
        """One outcome per input, in order. Inputs of one group arrive next to each other."""
        ...
