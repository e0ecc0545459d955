"""Server settings: environment variables with the `REWARD_SERVER_` prefix, or CLI flags."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from reward_proto import ScorerName, limits


class Settings(BaseSettings):
    """Every setting of the reward server. Passed into `create_app`, never read globally."""

    model_config = SettingsConfigDict(env_prefix="REWARD_SERVER_", extra="forbid", frozen=True)

    # --- what is served
    scorer: ScorerName = Field(ScorerName.OUTCOME, description="Which scorer this process serves")
    host: str = Field("127.0.0.1", description="Bind address; set 0.0.0.0 deliberately to expose it")
    port: int = Field(8000, ge=0, le=65535, description="TCP port (0 picks a free one)")
    api_key: SecretStr | None = Field(
        None,
        description="When set, every route but /healthz and /readyz needs `Authorization: Bearer <key>`",
    )
    backend: Literal["rules", "transformers", "vllm", "openai"] = Field(
        "rules", description="Thinking judge engine: rules (no model), transformers, vllm or openai"
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Server log level")

    # --- request limits
    max_items_per_request: int = Field(limits.MAX_ITEMS_PER_REQUEST, ge=1, description="More items: 413")
    max_body_bytes: int = Field(limits.MAX_BODY_BYTES, ge=1024, description="Larger bodies: 413")
    max_response_chars: int = Field(
        limits.MAX_RESPONSE_CHARS, ge=1, description="Longer responses: item `invalid`"
    )
    max_ground_truth_chars: int = Field(
        limits.MAX_GROUND_TRUTH_CHARS, ge=1, description="Longer: item `invalid`"
    )
    max_image_bytes: int = Field(
        limits.MAX_IMAGE_BYTES, ge=1, description="Decoded image size limit (thinking)"
    )
    default_deadline_ms: int = Field(60_000, gt=0, description="Deadline for requests that set none")

    # --- batching and queueing
    max_batch_items: int = Field(256, ge=1, description="A batch closes at this many items")
    max_batch_tokens: int = Field(65_536, ge=1, description="... or this many (estimated) tokens")
    max_wait_ms: float = Field(2.0, ge=0, description="... or after waiting this long for more items")
    max_concurrent_batches: int = Field(8, ge=1, description="Batches handed to the engine at once")
    max_queue_items: int = Field(16_384, ge=1, description="Queue bound in items; past it, 429")
    max_queue_tokens: int = Field(8_000_000, ge=1, description="Queue bound in tokens; past it, 429")
    ready_high_water: float = Field(
        0.9,
        gt=0,
        le=1,
        description="/readyz fails while the queue is above this share of its bound",
    )
    retry_after_s: int = Field(1, ge=1, description="`Retry-After` sent with 429")
    cache_entries: int = Field(65_536, ge=0, description="Result cache size (0 disables it)")
    added_latency_ms: float = Field(
        0.0,
        ge=0,
        description="Each /score request waits this long first (emulates a slow judge in benchmarks)",
    )
    shutdown_timeout_s: float = Field(30.0, ge=0, description="Time to finish queued work on SIGTERM")

    # --- outcome verifier
    item_timeout_s: float = Field(2.0, gt=0, description="Hard wall-clock limit per graded item")
    verifier_workers: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, description="Verifier processes"
    )
    worker_memory_bytes: int = Field(
        4 * 1024**3, ge=0, description="Address-space limit of each verifier process (0: none)"
    )
    format_policy: Literal["gate", "weighted"] = Field(
        "gate", description="gate: wrong format scores 0; weighted: (1-w)*accuracy + w*format"
    )
    format_weight: float = Field(0.1, ge=0, le=1, description="w of the weighted policy")
    max_answer_chars: int = Field(1_000, ge=1, description="Longer math answers are refused (`invalid`)")
    numerical_rel_tol: float = Field(1e-4, ge=0, description="Relative tolerance of `numerical` answers")
    numerical_abs_tol: float = Field(
        0.0, ge=0, description="Absolute tolerance of `numerical` answers (0: relative only, safe for 1e-34)"
    )
    ocr_normalize: bool = Field(True, description="Lower-case and collapse whitespace before WER")
    free_form_metric: Literal["rouge", "exact"] = Field("rouge", description="Mean ROUGE-1/2/L F1, or exact")

    # --- thinking judge
    model: str | None = Field(
        None, description="Judge model path or name (transformers, vllm; openai: served name)"
    )
    score_mode: Literal["logprob", "parsed"] = Field(
        "logprob", description="logprob: expected score over score tokens; parsed: read the generated number"
    )
    top_logprobs: int = Field(20, ge=1, le=20, description="Top tokens read per step in logprob mode")
    judge_max_new_tokens: int = Field(16, ge=1, description="Tokens the judge may generate in parsed mode")
    max_model_len: int | None = Field(None, ge=256, description="Judge context length (default: the model's)")
    gpu_memory_utilization: float = Field(
        0.9, gt=0, le=1, description="vLLM memory share for weights and KV cache (on CPU: share of RAM)"
    )
    tensor_parallel_size: int = Field(1, ge=1, description="vLLM tensor parallelism (2 as in the paper)")
    dtype: str = Field("auto", description="Judge weights dtype (auto, bfloat16, float32, ...)")
    upstream_url: str | None = Field(
        None, description="OpenAI-compatible judge endpoint, e.g. http://host:8000/v1"
    )
    upstream_api_key: SecretStr | None = Field(None, description="Bearer token for the upstream judge")
    upstream_timeout_s: float = Field(60.0, gt=0, description="Per-call deadline to the upstream judge")
    upstream_retries: int = Field(2, ge=0, description="Retries on connect errors, 5xx and 429")
