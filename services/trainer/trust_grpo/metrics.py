"""Every trainer metric, declared once (docs/architecture.md, Metrics), on a registry owned by the run."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

GAMMA_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
STEP_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class TrainerMetrics:
    """The trainer's Prometheus metrics; one instance per run, each with its own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.step = Gauge("trainer_step", "Optimizer steps completed", registry=r)
        self.step_duration_seconds = Histogram(
            "trainer_step_duration_seconds",
            "Wall time of one optimizer step, generation and scoring included",
            buckets=STEP_BUCKETS,
            registry=r,
        )
        self.reward_wait_seconds = Histogram(
            "trainer_reward_wait_seconds",
            "Time a step spent blocked on reward results",
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.reward_wait_fraction = Gauge(
            "trainer_reward_wait_fraction",
            "Share of the last step's time spent waiting for rewards",
            registry=r,
        )
        self.gamma = Histogram(
            "trainer_gamma", "Trust multiplier gamma per scored group", buckets=GAMMA_BUCKETS, registry=r
        )
        self.outcome_reward_mean = Gauge(
            "trainer_outcome_reward_mean", "Mean outcome reward of the last step", registry=r
        )
        self.thinking_reward_mean = Gauge(
            "trainer_thinking_reward_mean",
            "Mean thinking reward of the last step, of correct and of wrong responses",
            ["set"],
            registry=r,
        )
        self.masked_items = Counter(
            "trainer_masked_items", "Responses left out of the loss, by reason", ["reason"], registry=r
        )
        self.dropped_groups = Counter(
            "trainer_dropped_groups", "Groups dropped for too few valid responses", registry=r
        )
        self.client_retries = Counter(
            "trainer_client_retries",
            "Reward requests retried, by endpoint and failure class",
            ["endpoint", "reason"],
            registry=r,
        )
        self.client_requests = Counter(
            "trainer_client_requests",
            "Reward requests sent, by endpoint and outcome",
            ["endpoint", "outcome"],
            registry=r,
        )
        self.client_ejections = Counter(
            "trainer_client_ejections",
            "Times an endpoint was ejected after failing",
            ["endpoint"],
            registry=r,
        )
        self.tokens_per_second = Gauge(
            "trainer_tokens_per_second", "Generated tokens per second of the last step", registry=r
        )

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Expose `/metrics` on `host:port` (0 picks a free port); returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(server.server_address[1])
