"""Fixtures of the deployment tests: external tools, the resolved compose file, live scrapes.

Tests that need an external tool carry `@pytest.mark.needs_tool("promtool")`; where the tool is
missing they fail (never skip) and say how to install it: `bash scripts/install_deploy_tools.sh`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import RunningServer, start_server

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
VENV_BIN = Path(sys.executable).parent
INSTALL_HINT = "install the deployment test tools with `bash scripts/install_deploy_tools.sh`"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_tool(name): the test runs an external tool; it fails when the tool is missing"
    )


def tool_path(name: str) -> str:
    """The executable `name`, from .venv/bin or PATH; fails the test with a hint when absent."""
    venv_tool = VENV_BIN / name
    if venv_tool.exists():
        return str(venv_tool)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: {INSTALL_HINT}", pytrace=False)
    return found


@pytest.fixture(autouse=True)
def _required_tools(request: pytest.FixtureRequest) -> None:
    for marker in request.node.iter_markers("needs_tool"):
        for name in marker.args:
            tool_path(name)


def run_tool(*command: str | Path, cwd: Path | None = None, stdin: str | None = None) -> str:
    """Run a tool; fail the test with its output unless it exits 0. Returns stdout."""
    argv = [tool_path(str(command[0])), *map(str, command[1:])]
    result = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(argv)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}", pytrace=False
        )
    return result.stdout


# ------------------------------------------------------------------------------------ compose


@pytest.fixture(scope="session")
def compose_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project directory holding docker-compose.yml, deploy/ and a `.env` made from deploy/env.example.

    Compose v1 refuses a missing env_file, and `.env` is never committed, so the repository's own
    directory cannot be used as it is.
    """
    project = tmp_path_factory.mktemp("compose")
    shutil.copy(REPO / "docker-compose.yml", project / "docker-compose.yml")
    (project / "deploy").symlink_to(DEPLOY, target_is_directory=True)
    shutil.copy(DEPLOY / "env.example", project / ".env")
    return project


@pytest.fixture(scope="session")
def compose_config(compose_dir: Path) -> dict[str, Any]:
    """docker-compose.yml as compose resolves it (anchors merged, paths absolute, env files read)."""
    if shutil.which("docker-compose") is None:
        pytest.fail(f"`docker-compose` is not installed: {INSTALL_HINT}", pytrace=False)
    out = run_tool("docker-compose", "--profile", "gpu", "--profile", "cpu", "config", cwd=compose_dir)
    config: dict[str, Any] = yaml.safe_load(out)
    return config


@pytest.fixture(scope="session")
def raw_compose() -> dict[str, Any]:
    """docker-compose.yml as written (profiles, anchors merged by the YAML loader)."""
    config: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return config


# ------------------------------------------------------------------------------- live scrapes


@dataclass
class Scrape:
    """One /metrics page: its text, its families by name and type, the series names it declares."""

    text: str
    family_types: dict[str, str]
    sample_names: set[str]

    @property
    def series_names(self) -> set[str]:
        """Names a query can select: every sample's, plus those of declared families without samples
        yet (a labelled counter such as `reward_worker_restarts_total` before its first restart)."""
        suffixes = {
            "counter": ("_total",),
            "histogram": ("_bucket", "_sum", "_count"),
            "summary": ("_sum", "_count"),
        }
        names = set(self.sample_names)
        for family, kind in self.family_types.items():
            names |= {family + suffix for suffix in suffixes.get(kind, ("",))}
        return names

    @classmethod
    def parse(cls, text: str) -> Scrape:
        families = list(text_string_to_metric_families(text))
        return cls(
            text,
            {family.name: family.type for family in families},
            {sample.name for family in families for sample in family.samples},
        )


def _scrape(url: str) -> Scrape:
    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    return Scrape.parse(response.text)


@pytest.fixture(scope="session")
def thinking_rules_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(tmp_path_factory.mktemp("thinking"), "--scorer", "thinking", "--backend", "rules")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_scrapes(outcome_server: RunningServer, thinking_rules_server: RunningServer) -> dict[str, Scrape]:
    """/metrics of a live outcome server, a live thinking (rules) server and a trainer registry, each
    after some traffic so that every labelled series exists."""
    from trust_grpo.metrics import TrainerMetrics

    outcome_server.score(
        [
            {
                "id": "ok",
                "response": "<think>half</think><answer>0.5</answer>",
                "ground_truth": "\\frac{1}{2}",
            },
            {"id": "bad", "response": "no tags", "ground_truth": "1"},
        ]
    )
    thinking_rules_server.score(
        [
            {
                "id": "a",
                "group_id": "q1",
                "question": "How many apples?",
                "response": "<think>3 boxes of 12: 12*3 = 36</think><answer>36</answer>",
            }
        ]
    )
    # a 422 too, so that the request counter has more than one status
    httpx.post(f"{thinking_rules_server.url}/score", json={"items": [{"id": "x"}]}, timeout=10)

    trainer = TrainerMetrics()
    trainer.step.set(12)
    trainer.reward_wait_seconds.observe(0.4)
    trainer.reward_wait_fraction.set(0.1)
    trainer.gamma.observe(0.8)
    trainer.outcome_reward_mean.set(0.6)
    trainer.thinking_reward_mean.labels(set="correct").set(0.7)
    trainer.thinking_reward_mean.labels(set="wrong").set(0.4)
    trainer.masked_items.labels(reason="timeout").inc()
    trainer.dropped_groups.inc()
    trainer.client_retries.labels(endpoint="http://127.0.0.1:8101", reason="connect").inc()
    trainer.client_requests.labels(endpoint="http://127.0.0.1:8101", outcome="ok").inc()
    trainer.client_ejections.labels(endpoint="http://127.0.0.1:8101").inc()
    trainer.tokens_per_second.set(1234.0)
    port = trainer.serve(0)
    return {
        "outcome": _scrape(f"{outcome_server.url}/metrics"),
        "thinking": _scrape(f"{thinking_rules_server.url}/metrics"),
        "trainer": _scrape(f"http://127.0.0.1:{port}/metrics"),
    }
