"""Prometheus config, alert rules and their unit tests (promtool), and promtool's lint of live /metrics."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, Scrape, run_tool
from tests.deploy.promql import base_name, metric_names

PROMETHEUS = DEPLOY / "prometheus"
REQUIRED_ALERTS = {
    "RewardQueueSaturated",
    "RewardItemErrorRate",
    "RewardLatencyP99High",
    "TrainerRewardWaitHigh",
    "RewardNoScores",
}


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


@pytest.mark.needs_tool("promtool")
def test_promtool_check_config(tmp_path: Path) -> None:
    # promtool insists that credentials_file exists; in compose it is written at start-up from .env,
    # so check a copy that points at a stand-in file (everything else unchanged).
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    stand_in = tmp_path / "reward_api_key"
    stand_in.write_text("test-key")
    credential_files = set()
    for job in config["scrape_configs"]:
        authorization = job.get("authorization")
        if authorization:
            credential_files.add(authorization["credentials_file"])
            authorization["credentials_file"] = str(stand_in)
    assert credential_files == {"/run/prometheus-secrets/reward_api_key"}
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    run_tool("promtool", "check", "config", tmp_path / "prometheus.yml")


def test_every_reward_job_sends_the_bearer_token() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {"thinking-reward", "outcome-verifier", "trainer"} <= jobs.keys()
    for name in ("thinking-reward", "outcome-verifier"):
        assert jobs[name]["authorization"]["credentials_file"], name


@pytest.mark.needs_tool("promtool")
def test_promtool_check_rules() -> None:
    run_tool("promtool", "check", "rules", PROMETHEUS / "alerts.yml")


@pytest.mark.needs_tool("promtool")
def test_promtool_test_rules() -> None:
    run_tool("promtool", "test", "rules", "alerts_test.yml", cwd=PROMETHEUS)


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    names = {rule["alert"] for rule in alert_rules()}
    assert names >= REQUIRED_ALERTS
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())["tests"]
    cases = [case for test in tests for case in test.get("alert_rule_test", [])]
    for name in names:
        mine = [case for case in cases if case["alertname"] == name]
        assert any(case["exp_alerts"] for case in mine), f"{name}: no test where it fires"
        assert any(not case["exp_alerts"] for case in mine), f"{name}: no test where it stays quiet"
    latency = next(rule for rule in alert_rules() if rule["alert"] == "RewardLatencyP99High")
    assert "reward_request_duration_seconds_bucket" in latency["expr"]
    wait = next(rule for rule in alert_rules() if rule["alert"] == "TrainerRewardWaitHigh")
    assert "trainer_reward_wait_fraction > 0.2" in wait["expr"]


def test_alerts_use_only_exported_metrics(live_scrapes: dict[str, Scrape]) -> None:
    exported = set().union(*(scrape.series_names for scrape in live_scrapes.values())) | {"up"}
    histograms = {
        name
        for scrape in live_scrapes.values()
        for name, kind in scrape.family_types.items()
        if kind == "histogram"
    }
    for rule in alert_rules():
        for name in metric_names(rule["expr"]):
            assert name in exported or base_name(name, histograms) in histograms, f"{rule['alert']}: {name}"


@pytest.mark.needs_tool("promtool")
@pytest.mark.parametrize("source", ["outcome", "thinking", "trainer"])
def test_promtool_check_metrics_on_live_scrapes(live_scrapes: dict[str, Scrape], source: str) -> None:
    scrape = live_scrapes[source]
    prefix = "trainer_" if source == "trainer" else "reward_"
    assert any(name.startswith(prefix) for name in scrape.family_types)
    run_tool("promtool", "check", "metrics", stdin=scrape.text)
