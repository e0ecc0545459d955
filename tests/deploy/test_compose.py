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
    filled_env_example,
    make_compose_project,
    parse_env_file,
    run_tool,
)
from tests.deploy.dockerfiles import stages, target_text, targets

GPU_STACK = {"thinking-reward", "rollout", "outcome-verifier", "trainer", "prometheus", "grafana"}
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


def gpu_owners(config: dict[str, Any]) -> dict[str, list[str]]:
    """GPU index -> the services that reserve it, from a resolved compose file. A `device_ids` entry may
    list several GPUs with commas (one .env value), as Docker passes it to NVIDIA_VISIBLE_DEVICES."""
    owners: dict[str, list[str]] = {}
    for name, service in config["services"].items():
        for device in gpu_devices(service):
            for entry in device.get("device_ids", []):
                for gpu in str(entry).split(","):
                    owners.setdefault(gpu.strip(), []).append(name)
    return owners


def env_gpus(env: dict[str, str]) -> list[str]:
    """Every GPU an env file assigns (its `*_GPUS` variables), with repeats."""
    return [gpu.strip() for key, value in env.items() if key.endswith("_GPUS") for gpu in value.split(",")]


def resolved_compose(directory: Path, env_text: str) -> dict[str, Any]:
    directory.mkdir()
    make_compose_project(directory, env_text)
    config: dict[str, Any] = yaml.safe_load(
        run_tool("docker-compose", "config", cwd=directory, env=compose_environ())
    )
    return config


@pytest.mark.needs_tool("docker-compose")
@pytest.mark.parametrize("stack", ["gpu", "cpu"])
def test_compose_file_validates_for_each_stack(compose_dir: Path, stack: str) -> None:
    run_tool("docker-compose", "config", "-q", cwd=compose_dir, env=compose_environ())
    # the laptop's command: COMPOSE_PROFILES from the shell, over .env's
    run_tool(
        "docker-compose",
        "config",
        "-q",
        cwd=compose_dir,
        env={**compose_environ(), "COMPOSE_PROFILES": stack},
    )


def test_a_plain_up_starts_the_gpu_stack_and_the_laptop_command_the_cpu_stack(
    raw_compose: dict[str, Any],
) -> None:
    default = parse_env_file(ENV_EXAMPLE.read_text())["COMPOSE_PROFILES"]
    assert profile_services(raw_compose, default) == GPU_STACK
    readme = (DEPLOY / "README.md").read_text()
    assert "docker compose up -d --build" in readme
    assert "COMPOSE_PROFILES=cpu docker compose up -d --build" in readme


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
    for name, service in services.items():
        for device in gpu_devices(service):
            assert not ("count" in device and "device_ids" in device), (
                f"{name}: count together with device_ids"
            )
            assert device.get("device_ids"), f"{name}: a GPU service must name its GPUs with device_ids"
            assert device.get("driver") == "nvidia", name
    assert {name for name, svc in services.items() if gpu_devices(svc)} == {
        "thinking-reward",
        "rollout",
        "trainer",
    }


@pytest.mark.needs_tool("docker-compose")
def test_every_gpu_of_the_env_file_goes_to_exactly_one_service(compose_config: dict[str, Any]) -> None:
    env = parse_env_file(ENV_EXAMPLE.read_text())
    owners = gpu_owners(compose_config)
    assigned = env_gpus(env)
    assert len(assigned) == len(set(assigned)), f"env.example names a GPU twice: {assigned}"
    assert sorted(owners, key=int) == sorted(assigned, key=int) == [str(gpu) for gpu in range(8)]
    shared = {gpu: names for gpu, names in owners.items() if len(names) != 1}
    assert not shared, f"GPUs claimed by more than one service: {shared}"
    assert owners["0"] == ["thinking-reward"]
    assert owners["1"] == ["rollout"]
    assert {gpu for gpu, names in owners.items() if names == ["trainer"]} == {"2", "3", "4", "5", "6", "7"}
    # tensor parallelism spans exactly the GPUs each vLLM server gets
    judge = compose_config["services"]["thinking-reward"]
    assert int(judge["environment"]["REWARD_SERVER_TENSOR_PARALLEL_SIZE"]) == len(
        env["JUDGE_GPUS"].split(",")
    )
    rollout = compose_config["services"]["rollout"]["command"]
    assert int(rollout[rollout.index("--tensor-parallel-size") + 1]) == len(env["ROLLOUT_GPUS"].split(","))


@pytest.mark.needs_tool("docker-compose")
def test_the_gpu_check_catches_a_shared_gpu_and_the_paper_layout_passes(tmp_path: Path) -> None:
    overlapping = re.sub(r"(?m)^TRAINER_GPUS=.*$", "TRAINER_GPUS=1,2,3,4,5,6,7", filled_env_example())
    owners = gpu_owners(resolved_compose(tmp_path / "overlap", overlapping))
    assert owners["1"] == ["rollout", "trainer"]
    # the paper's tensor parallelism of 2: judge on 0-1, rollouts on 2, trainer on 3-7
    paper = filled_env_example()
    for key, value in {"JUDGE_GPUS": "0,1", "JUDGE_TENSOR_PARALLEL_SIZE": "2", "ROLLOUT_GPUS": "2",
                       "TRAINER_GPUS": "3,4,5,6,7"}.items():  # fmt: skip
        paper = re.sub(rf"(?m)^{key}=.*$", f"{key}={value}", paper)
    owners = gpu_owners(resolved_compose(tmp_path / "paper", paper))
    assert all(len(names) == 1 for names in owners.values())
    assert owners["0"] == owners["1"] == ["thinking-reward"]


@pytest.mark.needs_tool("docker-compose")
def test_the_rollout_server_serves_the_policy_the_trainer_trains(compose_config: dict[str, Any]) -> None:
    services = compose_config["services"]
    rollout, trainer = services["rollout"], services["trainer"]
    assert rollout["entrypoint"] == ["trl", "vllm-serve"]
    assert rollout["image"] == trainer["image"]  # TRL and vLLM in one environment on both sides
    model = rollout["command"][rollout["command"].index("--model") + 1]
    assert trainer["command"][trainer["command"].index("--policy") + 1] == model
    assert model == parse_env_file(ENV_EXAMPLE.read_text())["POLICY_MODEL"]
    paper = yaml.safe_load((REPO / "services/trainer/configs/paper.yaml").read_text())
    port = rollout["command"][rollout["command"].index("--port") + 1]
    assert paper["vllm_server_base_url"] == f"http://rollout:{port}"
    assert paper["use_vllm"] is True
    assert paper["vllm_mode"] == "server"
    assert trainer["depends_on"]["rollout"]["condition"] == "service_healthy"
    assert "/health" in " ".join(rollout["healthcheck"]["test"])
    # accelerate starts one process per GPU it sees: no process count to keep in step with TRAINER_GPUS
    assert trainer["entrypoint"][:2] == ["accelerate", "launch"]
    assert "--num_processes" not in trainer["entrypoint"]


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
