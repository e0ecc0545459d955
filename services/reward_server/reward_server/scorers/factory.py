"""Settings to a scoring service, its scorer and its judge: the one place besides `create_app` that
sees every section, handing each part only its own (docs/architecture.md, Parts). Registries, so
a new scorer or engine is one entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reward_server.config import Backend, JudgeSettings, ScorerKind, Settings, UpstreamSettings
from reward_server.metrics import ServerMetrics
from reward_server.scorers.base import Scorer
from reward_server.scorers.thinking.engines.base import ChatEngine
from reward_server.scorers.thinking.judge import Judge
from reward_server.service import ScoringService

ScorerFactory = Callable[[Settings, ServerMetrics], Scorer[Any]]
JudgeFactory = Callable[[JudgeSettings, UpstreamSettings], Judge]
EngineFactory = Callable[[str, JudgeSettings, UpstreamSettings], ChatEngine]


def build_service(settings: Settings, metrics: ServerMetrics) -> ScoringService[Any]:
    """The scoring service for `settings`, around the scorer they name (not started)."""
    scorer = build_scorer(settings, metrics)
    return ScoringService(scorer, settings.service, settings.batching, settings.limits, metrics)


def build_scorer(settings: Settings, metrics: ServerMetrics) -> Scorer[Any]:
    """The scorer named by `settings.scorer`."""
    return SCORERS[settings.scorer](settings, metrics)


def build_judge(judge: JudgeSettings, upstream: UpstreamSettings) -> Judge:
    """The judge named by `judge.backend`."""
    return JUDGES[judge.backend](judge, upstream)


def _outcome_scorer(settings: Settings, metrics: ServerMetrics) -> Scorer[Any]:
    from reward_server.scorers.outcome import OutcomeScorer

    return OutcomeScorer(settings.limits, settings.outcome, metrics)


def _thinking_scorer(settings: Settings, metrics: ServerMetrics) -> Scorer[Any]:
    from reward_server.scorers.thinking import ThinkingScorer

    judge = build_judge(settings.judge, settings.upstream)
    return ThinkingScorer(
        judge, metrics, settings.limits, zero_judge_directed=settings.judge.zero_judge_directed
    )


def _rules_judge(judge: JudgeSettings, upstream: UpstreamSettings) -> Judge:
    from reward_server.scorers.thinking.rules import RulesJudge

    return RulesJudge(judge.rules_profile)


def _on_engine(build_engine: EngineFactory) -> JudgeFactory:
    """A language-model judge on the engine `build_engine` makes."""

    def build(judge: JudgeSettings, upstream: UpstreamSettings) -> Judge:
        from reward_server.scorers.thinking.lm_judge import LMJudge

        if judge.model is None:
            raise ValueError(f"--model is required with --backend {judge.backend}")
        return LMJudge(
            build_engine(judge.model, judge, upstream),
            mode=judge.score_mode,
            top_logprobs=judge.top_logprobs,
            max_new_tokens=judge.judge_max_new_tokens,
        )

    return build


def _vllm_engine(model: str, judge: JudgeSettings, upstream: UpstreamSettings) -> ChatEngine:
    from reward_server.scorers.thinking.engines.vllm_engine import VLLMEngine

    return VLLMEngine(
        model,
        max_model_len=judge.max_model_len,
        gpu_memory_utilization=judge.gpu_memory_utilization,
        tensor_parallel_size=judge.tensor_parallel_size,
        dtype=judge.dtype,
    )


def _transformers_engine(model: str, judge: JudgeSettings, upstream: UpstreamSettings) -> ChatEngine:
    from reward_server.scorers.thinking.engines.transformers_engine import TransformersEngine

    return TransformersEngine(
        model,
        max_model_len=judge.max_model_len,
        dtype=judge.dtype,
        attn_implementation=judge.attn_implementation,
    )


def _openai_engine(model: str, judge: JudgeSettings, upstream: UpstreamSettings) -> ChatEngine:
    from reward_server.scorers.thinking.engines.openai_engine import OpenAIEngine

    if upstream.upstream_url is None:
        raise ValueError("--upstream-url is required with --backend openai")
    key = upstream.upstream_api_key
    return OpenAIEngine(
        upstream.upstream_url,
        model,
        api_key=key.get_secret_value() if key is not None else None,
        timeout_s=upstream.upstream_timeout_s,
        retries=upstream.upstream_retries,
        max_model_len=judge.max_model_len,
    )


SCORERS: dict[ScorerKind, ScorerFactory] = {
    "outcome": _outcome_scorer,
    "thinking": _thinking_scorer,
}
JUDGES: dict[Backend, JudgeFactory] = {
    "rules": _rules_judge,
    "vllm": _on_engine(_vllm_engine),
    "transformers": _on_engine(_transformers_engine),
    "openai": _on_engine(_openai_engine),
}
