"""Thinking scorer: a judge model (or the rules judge) scores the whole reasoning trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reward_server.scorers.thinking.judge import Judge
from reward_server.scorers.thinking.scorer import ThinkingScorer

if TYPE_CHECKING:
    from reward_server.config import Settings

__all__ = ["Judge", "ThinkingScorer", "build_judge"]


def build_judge(settings: Settings) -> Judge:
    """The judge named by `settings.backend`."""
    if settings.backend == "rules":
        from reward_server.scorers.thinking.rules import RulesJudge

        return RulesJudge()
    raise NotImplementedError(f"backend {settings.backend!r} is not available yet")
