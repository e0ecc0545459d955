"""Scorers turn items into engine work and engine output into results."""

from reward_server.scorers.base import Prepared, Scorer, build_scorer

__all__ = ["Prepared", "Scorer", "build_scorer"]
