"""The metric names the dashboards and alerts rely on (docs/architecture.md, Metrics), in one place
for every test that checks them."""

from __future__ import annotations

SERVER_METRICS = frozenset(
    {
        "reward_requests_total",
        "reward_items_total",
        "reward_request_duration_seconds",
        "reward_queue_wait_seconds",
        "reward_batch_size_items",
        "reward_batch_size_tokens",
        "reward_batch_compute_seconds",
        "reward_queue_depth_items",
        "reward_queue_depth_tokens",
        "reward_queue_max_items",
        "reward_queue_max_tokens",
        "reward_cache_hits_total",
        "reward_score",
        "reward_truncated_total",
        "reward_parse_failures_total",
    }
)
TRAINER_METRICS = frozenset(
    {
        "trainer_step",
        "trainer_step_duration_seconds",
        "trainer_dropped_groups_total",
        "trainer_reward_wait_seconds",
        "trainer_reward_wait_fraction",
        "trainer_gamma",
        "trainer_outcome_reward_mean",
        "trainer_thinking_reward_mean",
        "trainer_masked_items_total",
        "trainer_client_retries_total",
        "trainer_tokens_per_second",
    }
)
