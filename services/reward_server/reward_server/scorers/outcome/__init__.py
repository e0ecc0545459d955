"""Outcome verifier: checks final answers (math, numerical, multiple choice, OCR, free form)."""

from reward_server.scorers.outcome.scorer import OutcomeScorer

__all__ = ["OutcomeScorer"]
