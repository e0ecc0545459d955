"""Wire contract of the reward services (pydantic v2 models)."""

from reward_proto.models import (
    API_VERSION,
    AnswerType,
    ErrorBody,
    ErrorEnvelope,
    HealthResponse,
    InfoResponse,
    ItemStatus,
    Limits,
    OutcomeDetails,
    ScoreItem,
    ScoreRequest,
    ScoreResponse,
    ScoreResult,
    ScorerName,
    ThinkingDetails,
)

__all__ = [
    "API_VERSION",
    "AnswerType",
    "ErrorBody",
    "ErrorEnvelope",
    "HealthResponse",
    "InfoResponse",
    "ItemStatus",
    "Limits",
    "OutcomeDetails",
    "ScoreItem",
    "ScoreRequest",
    "ScoreResponse",
    "ScoreResult",
    "ScorerName",
    "ThinkingDetails",
]
