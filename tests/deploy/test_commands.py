"""Every command that compose, the Kubernetes manifests and the Dockerfiles run names a real entry
point with flags it accepts (`<command> --help` exits 0: click rejects unknown options before it
prints help), and its settings validate: `reward-server` flags and REWARD_SERVER_* variables build
a `Settings`, `trust-grpo train` configs load with their overrides.

The console scripts are looked up in the installed distribution's entry points and their typer
apps are invoked in-process (a subprocess per command costs 2-3 s of imports each)."""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from tests.deploy.conftest import DEPLOY, REPO, VENV_BIN

IMAGE_WORKDIR = "/opt/app"  # trainer.Dockerfile's WORKDIR: relative config paths start here


@dataclass(frozen=True)
class Command:
    where: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = field(default=())


def dockerfile_instruction(dockerfile: Path, name: str) -> list[str]:
    """The exec-form ENTRYPOINT or CMD of a Dockerfile (the last one), or []."""
    found = re.findall(rf"^{name} (\[.*\])\s*$", dockerfile.read_text(), flags=re.MULTILINE)
    return list(json.loads(found[-1])) if found else []


def dockerfile_env(dockerfile: Path) -> dict[str, str]:
    """ENV key=value pairs (continued lines joined)."""
    text = dockerfile.read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", text, flags=re.MULTILINE):
        env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def image_dockerfiles(compose: dict[str, Any]) -> dict[str, Path]:
    """Image repository (no tag) -> the Dockerfile compose builds it from."""
    images = {}
    for service in compose["services"].values():
        build = service.get("build")
        if isinstance(build, dict) and "image" in service:
            images[service["image"].rsplit(":", 1)[0]] = REPO / build["dockerfile"]
    return images


def collect() -> list[Command]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    commands = []
    for dockerfile in sorted((DEPLOY / "docker").glob("*.Dockerfile")):
        argv = dockerfile_instruction(dockerfile, "ENTRYPOINT") + dockerfile_instruction(dockerfile, "CMD")
        commands.append(Command(dockerfile.name, tuple(argv), tuple(dockerfile_env(dockerfile).items())))
    for name, service in compose["services"].items():
        build = service.get("build")
        if not isinstance(build, dict):
            continue  # third-party images (prometheus, grafana)
        dockerfile = REPO / build["dockerfile"]
        # as in `docker run --entrypoint`: a new entrypoint drops the image's CMD
        entrypoint = service.get("entrypoint") or dockerfile_instruction(dockerfile, "ENTRYPOINT")
        default_cmd = [] if "entrypoint" in service else dockerfile_instruction(dockerfile, "CMD")
        argv = [*entrypoint, *(service.get("command") or default_cmd)]
        env = {
            **dockerfile_env(dockerfile),
            **{k: str(v) for k, v in (service.get("environment") or {}).items()},
        }
        commands.append(Command(f"compose/{name}", tuple(argv), tuple(env.items())))
    images = image_dockerfiles(compose)
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc["kind"] not in {"Deployment", "Job"}:
                continue
            for container in doc["spec"]["template"]["spec"]["containers"]:
                dockerfile = images[container["image"].rsplit(":", 1)[0]]
                # Kubernetes: `command` replaces ENTRYPOINT and drops CMD; `args` replaces CMD
                entrypoint = container.get("command") or dockerfile_instruction(dockerfile, "ENTRYPOINT")
                default_cmd = [] if "command" in container else dockerfile_instruction(dockerfile, "CMD")
                argv = [*entrypoint, *(container.get("args") or default_cmd)]
                env = {**dockerfile_env(dockerfile)}
                env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
                commands.append(
                    Command(f"k8s/{path.name}/{doc['metadata']['name']}", tuple(argv), tuple(env.items()))
                )
    return commands


COMMANDS = collect()


@functools.cache
def run_help(argv: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=120, env=env)


@functools.cache
def console_script(program: str) -> typer.Typer:
    """The typer app behind an installed console script (`reward-server`, `trust-grpo`)."""
    (entry_point,) = entry_points(group="console_scripts", name=program)
    module = importlib.import_module(entry_point.module)
    assert callable(getattr(module, entry_point.attr)), entry_point
    assert (VENV_BIN / program).exists(), f"{program} is not installed in {VENV_BIN}"
    apps = [value for value in vars(module).values() if isinstance(value, typer.Typer)]
    assert len(apps) == 1, f"{entry_point.module}: expected one typer app"
    return apps[0]


def invoke_help(program: str, args: tuple[str, ...]) -> tuple[int, str]:
    result = CliRunner().invoke(
        console_script(program), [*args, "--help"], terminal_width=200, env={"NO_COLOR": "1"}
    )
    return result.exit_code, result.output


def flags(args: tuple[str, ...]) -> dict[str, str | None]:
    """`--name value` and `--switch` pairs of an argument list (positional words dropped)."""
    found: dict[str, str | None] = {}
    for index, word in enumerate(args):
        if word.startswith("--"):
            name, _, inline = word.partition("=")
            following = args[index + 1] if index + 1 < len(args) else None
            value = inline or (following if following is not None and not following.startswith("-") else None)
            found[name] = value
    return found


def local_program(argv: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(program, its arguments) with `accelerate launch ... -m trust_grpo.cli` unwrapped to trust-grpo."""
    if argv[0] == "accelerate":
        assert argv[1] == "launch", argv
        module_at = argv.index("-m")
        assert argv[module_at + 1] == "trust_grpo.cli", argv
        result = run_help((str(VENV_BIN / "accelerate"), "launch"))
        assert result.returncode == 0, result.stderr
        for name in flags(argv[2:module_at]):
            assert name in result.stdout, f"accelerate launch has no flag {name}"
        return "trust-grpo", argv[module_at + 2 :]
    return argv[0], argv[1:]


def test_every_deployment_command_was_collected() -> None:
    places = {command.where.split("/")[0] for command in COMMANDS}
    assert {"compose", "k8s"} <= places
    assert sum(command.where.startswith("compose/") for command in COMMANDS) == 6


@pytest.mark.parametrize("command", COMMANDS, ids=[command.where for command in COMMANDS])
def test_command_runs_a_real_entry_point_with_valid_settings(command: Command) -> None:
    assert command.argv, f"{command.where}: no command"
    program, args = local_program(command.argv)
    assert program in {"reward-server", "trust-grpo"}, f"{command.where}: unknown program {program}"
    exit_code, output = invoke_help(program, args)
    assert exit_code == 0, f"{command.where}: `{program} {' '.join(args)}` rejected:\n{output}"
    for name in flags(args):
        assert name in output, f"{command.where}: {name} is not in `{program} --help`"

    if program == "reward-server":
        from reward_server.config import Settings

        env = dict(command.env)
        fields = Settings.model_fields
        values: dict[str, Any] = {}
        for key, value in env.items():
            if key.startswith("REWARD_SERVER_"):
                name = key.removeprefix("REWARD_SERVER_").lower()
                assert name in fields, f"{command.where}: {key} is no setting"
                values[name] = value
        for flag, flag_value in flags(args).items():
            values[flag.removeprefix("--").replace("-", "_")] = flag_value
        settings = Settings(**values)
        assert settings.host == "0.0.0.0", f"{command.where}: a container must listen on all interfaces"
        assert settings.port == 8000
    elif args[0] == "train":
        from trust_grpo.config import TrainConfig

        given = flags(args)
        config_path = str(given["--config"])
        assert not config_path.startswith("/"), "configs are read from the image's working directory"
        assert config_path.startswith(("services/trainer/configs/", "deploy/trainer/")), (
            "not copied into the image"
        )
        overrides: dict[str, Any] = {}
        if given.get("--output-dir"):
            overrides["output_dir"] = given["--output-dir"]
        if given.get("--metrics-port"):
            overrides["metrics_port"] = int(str(given["--metrics-port"]))
        config = TrainConfig.from_yaml(REPO / config_path, **overrides)
        assert config.metrics_port == 9400, f"{command.where}: Prometheus scrapes the trainer on 9400"
        for url in [*config.services.thinking_urls, *config.services.outcome_urls]:
            assert url.endswith(":8000"), f"{command.where}: {url} is not a service on port 8000"


def test_image_workdir_matches_relative_config_paths() -> None:
    text = (DEPLOY / "docker" / "trainer.Dockerfile").read_text()
    assert f"WORKDIR {IMAGE_WORKDIR}" in text
    assert "COPY services ./services" in text
    assert "COPY deploy/trainer ./deploy/trainer" in text
