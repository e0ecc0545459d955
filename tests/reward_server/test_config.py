"""Settings in sections: every field in exactly one, the flat names kept, registries complete."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel
from reward_proto import ScorerName
from reward_server.config import (
    SECTIONS,
    Backend,
    Batching,
    JudgeSettings,
    OutcomeSettings,
    RequestLimits,
    ScorerKind,
    ServerSettings,
    ServiceSettings,
    Settings,
    UpstreamSettings,
)
from reward_server.scorers.factory import JUDGES, SCORERS

# Every variable of the flat settings before they were split into sections: each must still work.
FLAT_NAMES = [
    "scorer",
    "host",
    "port",
    "api_key",
    "api_key_file",
    "allow_unauthenticated",
    "backend",
    "log_level",
    "max_items_per_request",
    "max_body_bytes",
    "max_response_chars",
    "max_ground_truth_chars",
    "max_question_chars",
    "max_choice_chars",
    "max_image_bytes",
    "max_image_pixels",
    "header_read_timeout_s",
    "body_read_timeout_s",
    "default_deadline_ms",
    "max_batch_items",
    "max_batch_tokens",
    "max_wait_ms",
    "max_concurrent_batches",
    "max_queue_items",
    "max_queue_tokens",
    "ready_high_water",
    "retry_after_s",
    "cache_entries",
    "added_latency_ms",
    "shutdown_timeout_s",
    "item_timeout_s",
    "remembered_timeouts",
    "verifier_workers",
    "worker_memory_bytes",
    "format_policy",
    "format_weight",
    "answer_container",
    "max_answer_chars",
    "numerical_rel_tol",
    "numerical_abs_tol",
    "ocr_normalize",
    "free_form_metric",
    "model",
    "score_mode",
    "top_logprobs",
    "rules_profile",
    "zero_judge_directed",
    "judge_max_new_tokens",
    "max_model_len",
    "gpu_memory_utilization",
    "tensor_parallel_size",
    "dtype",
    "attn_implementation",
    "upstream_url",
    "upstream_api_key",
    "upstream_timeout_s",
    "upstream_retries",
]

# One setting per section: the flat variable, and the value its section must then hold.
ONE_PER_SECTION: list[tuple[str, type[BaseModel], str, str, object]] = [
    ("server", ServerSettings, "port", "9001", 9001),
    ("limits", RequestLimits, "max_items_per_request", "17", 17),
    ("service", ServiceSettings, "cache_entries", "3", 3),
    ("batching", Batching, "max_batch_items", "5", 5),
    ("outcome", OutcomeSettings, "format_policy", "weighted", "weighted"),
    ("judge", JudgeSettings, "zero_judge_directed", "true", True),
    ("upstream", UpstreamSettings, "upstream_retries", "7", 7),
]


def test_every_flat_name_is_in_exactly_one_section() -> None:
    names = [name for section in SECTIONS for name in section.model_fields]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(Settings.model_fields) == sorted(FLAT_NAMES)
    assert {section for _, section, *_ in ONE_PER_SECTION} == set(SECTIONS)


@pytest.mark.parametrize(("attribute", "section", "name", "variable", "value"), ONE_PER_SECTION)
def test_a_section_reads_its_flat_environment_variable(
    attribute: str,
    section: type[BaseModel],
    name: str,
    variable: str,
    value: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"REWARD_SERVER_{name.upper()}", variable)
    view = getattr(Settings(), attribute)
    assert type(view) is section
    assert getattr(view, name) == value


def test_the_batcher_defaults_are_the_servers() -> None:
    """One definition: the batcher once had defaults of its own (2 concurrent batches, not 8)."""
    assert Batching() == Settings().batching


def test_every_scorer_and_backend_has_a_factory() -> None:
    assert set(SCORERS) == set(get_args(ScorerKind)) == {name.value for name in ScorerName}
    assert set(JUDGES) == set(get_args(Backend))


def test_a_model_backend_without_a_model_is_refused() -> None:
    settings = Settings(scorer=ScorerName.THINKING, backend="vllm")
    with pytest.raises(ValueError, match="--model is required"):
        JUDGES[settings.judge.backend](settings.judge, settings.upstream)
