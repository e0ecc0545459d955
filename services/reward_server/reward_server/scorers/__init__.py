"""Scorers turn items into engine work and engine output into results."""

from reward_server.scorers.base import Prepared, Scorer

__all__ = ["Prepared", "Scorer"]
