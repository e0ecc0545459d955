"""Fixtures of the deployment tests: external tools, the resolved compose file, live scrapes.

Tests that need an external tool carry `@pytest.mark.needs_tool("promtool")`; where the tool is
missing they fail (never skip) and say how to install it: `bash scripts/install_deploy_tools.sh`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
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
# Where scripts/install_deploy_tools.sh unpacks tools that are not installed system-wide.
TOOL_DIRS = (REPO / ".tools" / "prometheus" / "usr" / "bin",)
INSTALL_HINT = "install the deployment test tools with `bash scripts/install_deploy_tools.sh`"
ENV_EXAMPLE = DEPLOY / "env.example"
COMPOSE_FILE = REPO / "docker-compose.yml"

# What a user puts into env.example's empty values (stand-ins for `openssl rand -hex 32` / `-hex 16`).
TEST_API_KEY = "4f3c2a1b" * 8
TEST_ENV_VALUES = {"REWARD_SERVER_API_KEY": TEST_API_KEY, "GF_SECURITY_ADMIN_PASSWORD": "9e8d7c6b" * 4}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_tool(name): the test runs an external tool; it fails when the tool is missing"
    )


def tool_path(name: str) -> str:
    """The executable `name`, from .venv/bin, the project's tools (`prometheus`, `promtool`) or PATH;
    fails the test with a hint when absent."""
    for directory in (VENV_BIN, *TOOL_DIRS):
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: {INSTALL_HINT}", pytrace=False)
    return found


@pytest.fixture(autouse=True)
def _required_tools(request: pytest.FixtureRequest) -> None:
    for marker in request.node.iter_markers("needs_tool"):
        for name in marker.args:
            tool_path(name)


def run_tool(
    *command: str | Path,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a tool; fail the test with its output unless it exits 0. Returns stdout."""
    argv = [tool_path(str(command[0])), *map(str, command[1:])]
    result = subprocess.run(
        argv,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=None if env is None else dict(env),
    )
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(argv)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}", pytrace=False
        )
    return result.stdout


@pytest.fixture
def clean_server_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No REWARD_SERVER_* from the shell running the tests: `Settings()` reads the process environment."""
    for name in list(os.environ):
        if name.startswith("REWARD_SERVER_"):
            monkeypatch.delenv(name)


# ------------------------------------------------------------------------------------ compose

_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=value lines of an env file (comments and blank lines skipped)."""
    return dict(
        line.split("=", 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def compose_variables() -> set[str]:
    """Every variable docker-compose.yml interpolates (`${NAME...}`)."""
    return {m["name"] for m in _INTERPOLATION.finditer(COMPOSE_FILE.read_text()) if m["name"]}


def required_compose_variables() -> set[str]:
    """Variables docker-compose.yml requires (`${NAME:?message}`): compose stops while they are empty."""
    return set(re.findall(r"\$\{(\w+):?\?", COMPOSE_FILE.read_text()))


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's substitution in one value: `$$`, `${X}`, `${X:-d}`, `${X-d}`, `${X:?e}`, `${X?e}`."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        found, op = variables.get(match["name"]), match["op"] or ""
        missing = found is None or (op.startswith(":") and not found)
        if missing and op.endswith("-"):
            return match["arg"]
        if missing and op.endswith("?"):
            raise ValueError(f"{match['name']}: {match['arg']}")
        return found or ""

    return _INTERPOLATION.sub(replace, value)


def filled_env_example() -> str:
    """deploy/env.example with its empty values filled in, as the README tells a user to."""
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and not value and name in TEST_ENV_VALUES:
            line = f"{name}={TEST_ENV_VALUES[name]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def compose_environ() -> dict[str, str]:
    """The test process's environment without the variables compose interpolates, so that only `.env`
    decides them (in a shell, an exported value would win over `.env`)."""
    names = compose_variables()
    return {key: value for key, value in os.environ.items() if key not in names}


def make_compose_project(directory: Path, env_text: str) -> Path:
    """docker-compose.yml, deploy/ (a link) and `.env` with `env_text` in `directory`."""
    shutil.copy(COMPOSE_FILE, directory / "docker-compose.yml")
    (directory / "deploy").symlink_to(DEPLOY, target_is_directory=True)
    env_file = directory / ".env"
    env_file.write_text(env_text)
    env_file.chmod(0o600)
    return directory


@pytest.fixture(scope="session")
def compose_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project directory holding docker-compose.yml, deploy/ and a `.env` made from deploy/env.example
    with its empty values filled in (compose refuses to start without them).

    Compose v1 refuses a missing env_file, and `.env` is never committed, so the repository's own
    directory cannot be used as it is.
    """
    return make_compose_project(tmp_path_factory.mktemp("compose"), filled_env_example())


@pytest.fixture(scope="session")
def compose_config(compose_dir: Path) -> dict[str, Any]:
    """docker-compose.yml as compose resolves it (anchors merged, paths absolute, env files read)."""
    if shutil.which("docker-compose") is None:
        pytest.fail(f"`docker-compose` is not installed: {INSTALL_HINT}", pytrace=False)
    out = run_tool(
        "docker-compose",
        "--profile",
        "gpu",
        "--profile",
        "cpu",
        "config",
        cwd=compose_dir,
        env=compose_environ(),
    )
    config: dict[str, Any] = yaml.safe_load(out)
    return config


@pytest.fixture(scope="session")
def raw_compose() -> dict[str, Any]:
    """docker-compose.yml as written (profiles, anchors merged by the YAML loader)."""
    config: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
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
