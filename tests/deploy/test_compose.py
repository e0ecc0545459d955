"""docker-compose.yml (docs/architecture.md, Deployment): validity, GPU reservations, health,
profiles, Dockerfiles."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import (
    DEPLOY,
    ENV_EXAMPLE,
    REPO,
    TEST_API_KEY,
    compose_environ,
    parse_env_file,
    run_tool,
)
from tests.deploy.dockerfiles import stages, target_text, targets

GPU_STACK = {"thinking-reward", "outcome-verifier", "trainer", "prometheus", "grafana"}
CPU_STACK = {"thinking-reward-cpu", "tiny-policy", "outcome-verifier", "trainer-cpu", "prometheus", "grafana"}
ONE_SHOT = {"tiny-policy"}
DOCKERFILES = sorted((DEPLOY / "docker").glob("*.Dockerfile"))


def profile_services(raw: dict[str, Any], profile: str) -> set[str]:
    """Services that `docker compose --profile <profile> up` starts (those without profiles always)."""
    return {
        name for name, svc in raw["services"].items() if not svc.get("profiles") or profile in svc["profiles"]
    }


def gpu_devices(service: dict[str, Any]) -> list[dict[str, Any]]:
    reservations = service.get("deploy", {}).get("resources", {}).get("reservations", {})
    return [device for device in reservations.get("devices", []) if "gpu" in device.get("capabilities", [])]


def aliases(service: dict[str, Any]) -> set[str]:
    networks = service.get("networks") or {}
    if isinstance(networks, list):
        return set()
    return {alias for net in networks.values() if net for alias in net.get("aliases", [])}


@pytest.mark.needs_tool("docker-compose")
def test_compose_file_validates(compose_dir: Path) -> None:
    run_tool("docker-compose", "config", "-q", cwd=compose_dir, env=compose_environ())
    for profile in ("gpu", "cpu"):
        run_tool(
            "docker-compose", "--profile", profile, "config", "-q", cwd=compose_dir, env=compose_environ()
        )


def test_profiles_run_the_same_stack(raw_compose: dict[str, Any]) -> None:
    assert profile_services(raw_compose, "gpu") == GPU_STACK
    assert profile_services(raw_compose, "cpu") == CPU_STACK
    # The cpu stand-ins answer to the GPU services' names, so configs and scrape targets are shared.
    services = raw_compose["services"]
    assert "thinking-reward" in aliases(services["thinking-reward-cpu"])
    assert "trainer" in aliases(services["trainer-cpu"])
    cpu_thinking = services["thinking-reward-cpu"]["command"]
    assert cpu_thinking[cpu_thinking.index("--backend") + 1] in {"rules", "vllm"}
    assert "deploy/trainer/toy-compose.yaml" in services["trainer-cpu"]["command"]
    for name in profile_services(raw_compose, "cpu"):
        assert not gpu_devices(services[name]), f"{name} runs in the cpu profile but reserves a GPU"


@pytest.mark.needs_tool("docker-compose")
def test_gpus_are_reserved_by_device_ids_only(compose_config: dict[str, Any]) -> None:
    services = compose_config["services"]
    owners: dict[str, str] = {}
    for name, service in services.items():
        for device in gpu_devices(service):
            assert not ("count" in device and "device_ids" in device), (
                f"{name}: count together with device_ids"
            )
            assert device.get("device_ids"), f"{name}: a GPU service must name its GPUs with device_ids"
            assert device.get("driver") == "nvidia", name
            for gpu in device["device_ids"]:
                assert gpu not in owners, f"GPU {gpu} reserved by both {owners[gpu]} and {name}"
                owners[gpu] = name
    assert {name for name, svc in services.items() if gpu_devices(svc)} == {"thinking-reward", "trainer"}
    assert [d["device_ids"] for d in gpu_devices(services["thinking-reward"])] == [["0"]]


@pytest.mark.needs_tool("docker-compose")
def test_healthchecks_and_ordered_start(compose_config: dict[str, Any], raw_compose: dict[str, Any]) -> None:
    services = compose_config["services"]
    for name, service in services.items():
        if name not in ONE_SHOT:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, spec in (service.get("depends_on") or {}).items():
            wanted = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            assert spec.get("condition") == wanted, f"{name} -> {dependency}: {spec}"
            # a dependency must run in every profile its dependant runs in
            mine = set(raw_compose["services"][name].get("profiles", []))
            theirs = set(raw_compose["services"][dependency].get("profiles", []))
            assert not theirs or mine <= theirs, f"{name} ({mine}) depends on {dependency} ({theirs})"
    reward_checks = [services[n]["healthcheck"]["test"] for n in ("thinking-reward", "outcome-verifier")]
    assert all("/readyz" in " ".join(test) for test in reward_checks)
    assert services["trainer"]["depends_on"].keys() >= {"thinking-reward", "outcome-verifier"}


@pytest.mark.needs_tool("docker-compose")
def test_vllm_gets_shared_memory_and_the_model_cache(compose_config: dict[str, Any]) -> None:
    thinking = compose_config["services"]["thinking-reward"]
    assert thinking.get("shm_size"), "vLLM needs a larger /dev/shm"
    assert any(str(v).startswith("models:/models") for v in thinking["volumes"])
    assert "models" in compose_config["volumes"]


@pytest.mark.needs_tool("docker-compose")
def test_secrets_come_from_the_env_file(compose_config: dict[str, Any], raw_compose: dict[str, Any]) -> None:
    example = parse_env_file(ENV_EXAMPLE.read_text())
    assert {"REWARD_SERVER_API_KEY", "GF_SECURITY_ADMIN_PASSWORD"} <= example.keys()
    for name, service in raw_compose["services"].items():
        if name not in ONE_SHOT and not service["image"].startswith(("prom/", "grafana/")):
            assert service.get("env_file") == ".env", name  # ours: REWARD_SERVER_* / TRUST_GRPO_* tuning
        for key, value in (service.get("environment") or {}).items():
            if key.endswith(("_API_KEY", "_PASSWORD")):  # a required variable of .env, never a literal
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), f"{name}: {key} is written in the file"
    # compose read the key from .env into every reward service
    assert (
        compose_config["services"]["outcome-verifier"]["environment"]["REWARD_SERVER_API_KEY"] == TEST_API_KEY
    )
    tracked = subprocess.run(["git", "ls-files", ".env"], cwd=REPO, capture_output=True, text=True).stdout
    assert not tracked.strip(), ".env must not be committed"
    assert "cp deploy/env.example .env" in (DEPLOY / "README.md").read_text()


def test_prometheus_targets_exist_in_both_profiles(raw_compose: dict[str, Any]) -> None:
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    hosts = {
        target.rsplit(":", 1)[0]
        for job in prometheus["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    } - {"127.0.0.1", "localhost"}
    for profile in ("gpu", "cpu"):
        names = set()
        for name in profile_services(raw_compose, profile):
            names |= {name} | aliases(raw_compose["services"][name])
        assert hosts <= names, f"profile {profile}: no service answers to {hosts - names}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfiles_pin_their_base_and_drop_root(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    all_stages = stages(dockerfile)
    bases = re.findall(r"^ARG \w+_IMAGE=(\S+)$", text, flags=re.MULTILINE)
    stage_names = {stage.name for stage in all_stages}
    bases += [stage.base for stage in all_stages if "$" not in stage.base and stage.base not in stage_names]
    assert bases, "no base image"
    for base in bases:
        tag = base.rsplit(":", 1)[1] if ":" in base.split("/")[-1] else ""
        assert tag, f"{dockerfile.name}: base image {base} has no tag"
        assert tag != "latest", f"{dockerfile.name}: base image {base} is not pinned"
    for image in targets(dockerfile):  # every image it builds: the default and e.g. `tiny-models`
        built = target_text(dockerfile, image)
        users = re.findall(r"^USER (\S+)$", built, flags=re.MULTILINE)
        assert users, f"{dockerfile.name} ({image or 'default'}) never switches user"
        assert users[-1] not in {"root", "0"}, f"{dockerfile.name} ({image or 'default'}) runs as root"
        assert "ENTRYPOINT [" in built


def test_outcome_image_is_multi_stage_with_a_readiness_healthcheck() -> None:
    text = (DEPLOY / "docker" / "outcome-verifier.Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, flags=re.MULTILINE)) >= 2
    assert "python:3.11" in text
    healthcheck = text[text.index("HEALTHCHECK") :]
    assert "/readyz" in healthcheck.split("ENTRYPOINT")[0]


def test_thinking_image_uses_the_official_vllm_image() -> None:
    text = (DEPLOY / "docker" / "thinking-reward.Dockerfile").read_text()
    assert re.search(r"vllm/vllm-openai:v\d+\.\d+\.\d+", text)
    assert "--no-deps ." in text


def test_dockerignore_keeps_secrets_and_bulk_out() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "runs", "models"} <= ignored
