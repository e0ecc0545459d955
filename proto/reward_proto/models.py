"""Wire contract v1 of the reward services: the only definition of the JSON API."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reward_proto import limits

API_VERSION = "v1"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerType(StrEnum):
    """How the outcome verifier compares an answer with the ground truth."""

    MATH = "math"
    NUMERICAL = "numerical"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_FORM = "free_form"
    OCR = "ocr"


class ItemStatus(StrEnum):
    """Per-item outcome. Only `ok` carries a score; the others are never a score of 0."""

    OK = "ok"
    INVALID = "invalid"
    TIMEOUT = "timeout"
    ERROR = "error"


class ScorerName(StrEnum):
    THINKING = "thinking"
    OUTCOME = "outcome"


class ScoreItem(_Wire):
    """One response to score. Results are matched to items by `id`, never by position."""

    id: Annotated[str, Field(min_length=1, max_length=256)]
    group_id: Annotated[str | None, Field(max_length=256)] = None
    question: str | None = None
    images: list[str] | None = Field(
        default=None,
        max_length=limits.MAX_IMAGES_PER_ITEM,
        description="data:image/...;base64,... URIs only; remote URLs are refused",
    )
    response: str = Field(description="The full model response, usually <think>..</think><answer>..</answer>")
    ground_truth: str | None = Field(
        default=None,
        description="Reference answer (outcome scorer); a wrapping <answer> tag is stripped",
    )
    answer_type: AnswerType = AnswerType.MATH
    choices: dict[str, str] | None = Field(
        default=None,
        max_length=limits.MAX_CHOICES,
        description="Option letter -> option text, for multiple choice",
    )


class ScoreRequest(_Wire):
    items: Annotated[list[ScoreItem], Field(min_length=1)]
    deadline_ms: Annotated[int | None, Field(gt=0, le=3_600_000)] = Field(
        default=None,
        description="Budget for the whole request; unfinished items come back `timeout`",
    )

    @model_validator(mode="after")
    def _ids_are_unique(self) -> ScoreRequest:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"duplicate item id {item.id!r}: ids must be unique within a request")
            seen.add(item.id)
        return self


class OutcomeDetails(_Wire):
    format_ok: bool | None = Field(
        default=None, description="None when the response was refused before it was examined"
    )
    extracted: str | None = Field(default=None, description="The answer string that was graded (capped)")
    accuracy: float | None = Field(default=None, description="Correctness in [0, 1] before the format policy")
    reason: str = Field(description="Why the item got its score, e.g. `equivalent`, `no_answer_tag`")


class ThinkingDetails(_Wire):
    raw: str | None = Field(default=None, description="Judge output text (capped)")
    method: Literal["logprob", "parsed", "rules"]
    truncated: bool = False
    judge_directed: list[Literal["addresses_judge", "score_tag", "chat_markup", "prompt_markup"]] = Field(
        default_factory=list,
        description="Text in the response addressed to the judge rather than the problem (reported; "
        "scored 0 only when the server is set to)",
    )


class ScoreResult(_Wire):
    id: str
    status: ItemStatus
    score: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    details: OutcomeDetails | ThinkingDetails | None = None
    error: str | None = Field(default=None, description="Reason for a status other than `ok`")

    @model_validator(mode="after")
    def _score_only_when_ok(self) -> ScoreResult:
        if (self.status is ItemStatus.OK) != (self.score is not None):
            raise ValueError("a result carries a score exactly when its status is `ok`")
        return self


class ScoreResponse(_Wire):
    scorer: ScorerName
    model: str
    model_version: str
    results: list[ScoreResult]


class ErrorBody(_Wire):
    type: str = Field(description="Machine-readable error kind, e.g. `queue_full`")
    message: str


class ErrorEnvelope(_Wire):
    """The body of every whole-request error (4xx/5xx)."""

    error: ErrorBody


class Limits(_Wire):
    max_items_per_request: int
    max_body_bytes: int
    max_response_chars: int
    max_ground_truth_chars: int
    max_question_chars: int
    max_choices: int = limits.MAX_CHOICES
    max_choice_chars: int
    max_images_per_item: int = limits.MAX_IMAGES_PER_ITEM
    max_image_bytes: int
    max_image_pixels: int
    per_item_timeout_s: float


class InfoResponse(_Wire):
    scorer: ScorerName
    model: str
    model_version: str
    version: str
    api_version: str = API_VERSION
    limits: Limits


class HealthResponse(_Wire):
    status: Literal["ok", "not_ready"]
    detail: str | None = None
