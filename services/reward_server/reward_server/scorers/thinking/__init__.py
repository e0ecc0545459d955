"""Thinking scorer: a judge model (or the rules judge) scores the whole reasoning trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reward_server.scorers.thinking.engines.base import ChatEngine
from reward_server.scorers.thinking.judge import Judge
from reward_server.scorers.thinking.scorer import ThinkingScorer

if TYPE_CHECKING:
    from reward_server.config import Settings

__all__ = ["Judge", "ThinkingScorer", "build_judge"]


def build_judge(settings: Settings) -> Judge:
    """The judge named by `settings.backend`."""
    if settings.backend == "rules":
        from reward_server.scorers.thinking.rules import RulesJudge

        return RulesJudge(settings.rules_profile)
    from reward_server.scorers.thinking.lm_judge import LMJudge

    if settings.model is None:
        raise ValueError(f"--model is required with --backend {settings.backend}")
    engine: ChatEngine
    if settings.backend == "vllm":
        from reward_server.scorers.thinking.engines.vllm_engine import VLLMEngine

        engine = VLLMEngine(
            settings.model,
            max_model_len=settings.max_model_len,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            tensor_parallel_size=settings.tensor_parallel_size,
            dtype=settings.dtype,
        )
    elif settings.backend == "transformers":
        from reward_server.scorers.thinking.engines.transformers_engine import TransformersEngine

        engine = TransformersEngine(
            settings.model, max_model_len=settings.max_model_len, dtype=settings.dtype
        )
    elif settings.backend == "openai":
        from reward_server.scorers.thinking.engines.openai_engine import OpenAIEngine

        if settings.upstream_url is None:
            raise ValueError("--upstream-url is required with --backend openai")
        engine = OpenAIEngine(
            settings.upstream_url,
            settings.model,
            api_key=settings.upstream_api_key.get_secret_value() if settings.upstream_api_key else None,
            timeout_s=settings.upstream_timeout_s,
            retries=settings.upstream_retries,
            max_model_len=settings.max_model_len,
        )
    else:
        raise NotImplementedError(f"backend {settings.backend!r} is not available yet")
    return LMJudge(
        engine,
        mode=settings.score_mode,
        top_logprobs=settings.top_logprobs,
        max_new_tokens=settings.judge_max_new_tokens,
    )
