"""Thinking scorer: a judge model (or the rules judge) scores the whole reasoning trace."""

from reward_server.scorers.thinking.judge import Judge
from reward_server.scorers.thinking.scorer import ThinkingScorer

__all__ = ["Judge", "ThinkingScorer"]
