"""Every server metric, declared once (docs/architecture.md, Metrics). One registry per app instance."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
_TOKEN_BUCKETS = (16, 64, 256, 1024, 4096, 16384, 65536, 262144)
_SCORE_BUCKETS = tuple(round(0.1 * step, 1) for step in range(11))


class ServerMetrics:
    """The reward server's metrics, labelled with the scorer they belong to."""

    def __init__(self, scorer: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r, s = self.registry, {"scorer": scorer}
        self.requests = Counter(
            "reward_requests", "Score requests by HTTP status", ["scorer", "status"], registry=r
        )
        self.items = Counter("reward_items", "Scored items by item status", ["scorer", "status"], registry=r)
        self.request_duration = Histogram(
            "reward_request_duration_seconds",
            "Time to answer a score request",
            ["scorer"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        ).labels(**s)
        self.queue_wait = Histogram(
            "reward_queue_wait_seconds",
            "Time items wait in the queue",
            ["scorer"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        ).labels(**s)
        self.batch_items = Histogram(
            "reward_batch_size_items",
            "Items per batch",
            ["scorer"],
            buckets=_SIZE_BUCKETS,
            registry=r,
        ).labels(**s)
        self.batch_tokens = Histogram(
            "reward_batch_size_tokens",
            "Estimated tokens per batch",
            ["scorer"],
            buckets=_TOKEN_BUCKETS,
            registry=r,
        ).labels(**s)
        self.batch_compute = Histogram(
            "reward_batch_compute_seconds",
            "Time to score one batch",
            ["scorer"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        ).labels(**s)
        self.queue_depth_items = Gauge(
            "reward_queue_depth_items", "Items waiting in the queue", ["scorer"], registry=r
        ).labels(**s)
        self.queue_depth_tokens = Gauge(
            "reward_queue_depth_tokens",
            "Estimated tokens waiting in the queue",
            ["scorer"],
            registry=r,
        ).labels(**s)
        self.queue_max_items = Gauge(
            "reward_queue_max_items",
            "Bound on queued items (max_queue_items): past it requests get 429",
            ["scorer"],
            registry=r,
        ).labels(**s)
        self.queue_max_tokens = Gauge(
            "reward_queue_max_tokens",
            "Bound on queued estimated tokens (max_queue_tokens): past it requests get 429",
            ["scorer"],
            registry=r,
        ).labels(**s)
        self.cache_hits = Counter(
            "reward_cache_hits", "Items answered from the result cache", ["scorer"], registry=r
        ).labels(**s)
        self.score = Histogram(
            "reward_score", "Scores of `ok` items", ["scorer"], buckets=_SCORE_BUCKETS, registry=r
        ).labels(**s)
        self.truncated = Counter(
            "reward_truncated", "Items truncated to fit the judge context", ["scorer"], registry=r
        ).labels(**s)
        self.parse_failures = Counter(
            "reward_parse_failures",
            "Judge outputs that could not be read as a score",
            ["scorer"],
            registry=r,
        ).labels(**s)
        self.judge_directed = Counter(
            "reward_judge_directed",
            "Responses with text addressed to the judge, by kind (one item can count in several)",
            ["scorer", "kind"],
            registry=r,
        )
        self.judge_prompt_tokens = Counter(
            "reward_judge_prompt_tokens", "Prompt tokens sent to the judge engine", ["scorer"], registry=r
        ).labels(**s)
        self.judge_cached_tokens = Counter(
            "reward_judge_cached_prompt_tokens",
            "Prompt tokens the judge engine took from its prefix cache instead of computing",
            ["scorer"],
            registry=r,
        ).labels(**s)
        self.worker_restarts = Counter(
            "reward_worker_restarts",
            "Verifier worker processes replaced, by reason",
            ["scorer", "reason"],
            registry=r,
        )
        self.remembered_timeouts = Counter(
            "reward_remembered_timeouts",
            "Items answered `timeout` at once because the same item hit the per-item limit before",
            ["scorer"],
            registry=r,
        ).labels(**s)
        self._scorer = scorer

    def start_at_zero(self, counter: Counter, label: str, values: Iterable[object]) -> None:
        """Create `counter`'s series for these `label` values at 0: a series born at its first
        increment shows nothing in rate() or increase(), so alerts would miss a first burst."""
        for value in values:
            counter.labels(**{"scorer": self._scorer, label: str(value)})

    def observe_request(self, http_status: int, duration_s: float) -> None:
        self.requests.labels(scorer=self._scorer, status=str(http_status)).inc()
        self.request_duration.observe(duration_s)

    def observe_item(self, status: str, score: float | None) -> None:
        self.items.labels(scorer=self._scorer, status=status).inc()
        if score is not None:
            self.score.observe(score)

    def observe_judge_directed(self, kind: str) -> None:
        self.judge_directed.labels(scorer=self._scorer, kind=kind).inc()

    def observe_worker_restart(self, reason: str) -> None:
        self.worker_restarts.labels(scorer=self._scorer, reason=reason).inc()

    # BatchObserver
    def on_dequeue(self, wait_s: float) -> None:
        self.queue_wait.observe(wait_s)

    def on_batch(self, items: int, tokens: int, compute_s: float) -> None:
        self.batch_items.observe(items)
        self.batch_tokens.observe(tokens)
        self.batch_compute.observe(compute_s)

    def on_depth(self, items: int, tokens: int) -> None:
        self.queue_depth_items.set(items)
        self.queue_depth_tokens.set(tokens)
