"""Every command that compose, the Kubernetes manifests and the Dockerfiles run names a real entry
point with flags it accepts (`<command> --help` exits 0: click rejects unknown options before it
prints help), and its settings validate: `reward-server` flags and REWARD_SERVER_* variables build
a `Settings` (with the key the platform provides: compose's `.env`, a mounted Kubernetes Secret, or
for a bare image the key `docker run` would be given), `trust-grpo train` configs load with their
overrides.

The console scripts are looked up in the installed distribution's entry points and run in-process
(a subprocess per command costs 2-3 s of imports each): `reward-server`'s parser, the typer apps of
the others."""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from tests.deploy.conftest import (
    DEPLOY,
    REPO,
    TEST_API_KEY,
    VENV_BIN,
    filled_env_example,
    interpolate,
    parse_env_file,
)
from tests.deploy.dockerfiles import target_text, targets

if TYPE_CHECKING:
    from reward_server.config import Settings

IMAGE_WORKDIR = "/opt/app"  # trainer.Dockerfile's WORKDIR: relative config paths start here
COMPOSE_STOP_GRACE_S = 10.0  # compose's stop_grace_period when a service sets none
K8S_TERMINATION_GRACE_S = 30.0  # Kubernetes' terminationGracePeriodSeconds when a pod sets none


@dataclass(frozen=True)
class Command:
    where: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = field(default=())
    # Secret volumes the platform mounts: (mount path, file names in it)
    secret_mounts: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    # Seconds from SIGTERM to SIGKILL (compose stop_grace_period, k8s terminationGracePeriodSeconds);
    # None for a bare image: `docker stop` waits 10 s unless `docker run --stop-timeout` says otherwise
    stop_grace_s: float | None = None
    # Seconds of preStop hooks, which count against the grace period; None: cannot tell
    pre_stop_s: float | None = 0.0
    # Variables whose values the platform fills in at run time (k8s valueFrom; "envFrom": any at all)
    unresolved_env: tuple[str, ...] = field(default=())


def parse_duration(value: str | int | float) -> float:
    """Seconds of a compose duration (`60s`, `1m30s`, `500ms`; a bare number is seconds)."""
    if isinstance(value, int | float) or re.fullmatch(r"\d+(\.\d+)?", str(value)):
        return float(value)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", str(value))
    assert parts, f"not a duration: {value!r}"
    assert "".join(n + u for n, u in parts) == value, f"not a duration: {value!r}"
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}
    return sum(float(number) * scale[unit] for number, unit in parts)


def pre_stop_seconds(container: dict[str, Any]) -> float | None:
    """How long a container's preStop hook takes: `sleep: {seconds}` or an exec of `sleep N`; None
    for a hook whose duration cannot be read (an HTTP call, a script)."""
    hook = (container.get("lifecycle") or {}).get("preStop")
    if not hook:
        return 0.0
    if "sleep" in hook:
        return float(hook["sleep"]["seconds"])
    command = " ".join((hook.get("exec") or {}).get("command", []))
    found = re.fullmatch(r"(?:/bin/)?(?:sh -c )?(?:/bin/)?sleep (\d+(?:\.\d+)?)", command)
    return float(found[1]) if found else None


def dockerfile_instruction(dockerfile: Path, name: str, target: str | None = None) -> list[str]:
    """The exec-form ENTRYPOINT or CMD of the image a Dockerfile builds for `target` (default: its
    last stage), own or inherited from the stages it is built FROM, or []."""
    found = re.findall(rf"^{name} (\[.*\])\s*$", target_text(dockerfile, target), flags=re.MULTILINE)
    return list(json.loads(found[-1])) if found else []


def dockerfile_env(dockerfile: Path, target: str | None = None) -> dict[str, str]:
    """ENV key=value pairs of the image built for `target`, inherited ones included."""
    text = target_text(dockerfile, target)
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", text, flags=re.MULTILINE):
        env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def image_dockerfiles(compose: dict[str, Any]) -> dict[str, tuple[Path, str | None]]:
    """Image repository (no tag) -> the Dockerfile compose builds it from, and the build target."""
    images = {}
    for service in compose["services"].values():
        build = service.get("build")
        if isinstance(build, dict) and "image" in service:
            images[service["image"].rsplit(":", 1)[0]] = (REPO / build["dockerfile"], build.get("target"))
    return images


def pod_commands(
    where: str, doc: dict[str, Any], images: dict[str, tuple[Path, str | None]]
) -> list[Command]:
    """The commands of a Kubernetes workload's containers, as the kubelet starts them."""
    pod = doc["spec"]["template"]["spec"]
    secret_volumes = {
        volume["name"]: volume["secret"] for volume in pod.get("volumes", []) if "secret" in volume
    }
    commands = []
    for container in pod["containers"]:
        dockerfile, target = images[container["image"].rsplit(":", 1)[0]]
        # Kubernetes: `command` replaces ENTRYPOINT and drops CMD; `args` replaces CMD
        entrypoint = container.get("command") or dockerfile_instruction(dockerfile, "ENTRYPOINT", target)
        default_cmd = [] if "command" in container else dockerfile_instruction(dockerfile, "CMD", target)
        argv = [*entrypoint, *(container.get("args") or default_cmd)]
        env = {**dockerfile_env(dockerfile, target)}
        env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
        mounts = []
        for mount in container.get("volumeMounts", []):
            secret = secret_volumes.get(mount["name"])
            if secret is not None:
                names = [item["path"] for item in secret.get("items", [])] or ["api-key"]
                mounts.append((mount["mountPath"].rstrip("/"), tuple(names)))
        commands.append(
            Command(
                f"{where}/{doc['metadata']['name']}",
                tuple(argv),
                tuple(env.items()),
                secret_mounts=tuple(mounts),
                stop_grace_s=float(pod.get("terminationGracePeriodSeconds", K8S_TERMINATION_GRACE_S)),
                pre_stop_s=pre_stop_seconds(container),
                unresolved_env=tuple(
                    [e["name"] for e in container.get("env", []) if "value" not in e]
                    + (["envFrom"] if container.get("envFrom") else [])
                ),
            )
        )
    return commands


def collect() -> list[Command]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    dot_env = parse_env_file(filled_env_example())  # compose's `.env`, filled in as the README says
    commands = []
    for dockerfile in sorted((DEPLOY / "docker").glob("*.Dockerfile")):
        for image in targets(dockerfile):  # the default image, and e.g. trainer.Dockerfile:tiny-models
            argv = dockerfile_instruction(dockerfile, "ENTRYPOINT", image)
            argv += dockerfile_instruction(dockerfile, "CMD", image)
            where = dockerfile.name if image is None else f"{dockerfile.name}:{image}"
            commands.append(Command(where, tuple(argv), tuple(dockerfile_env(dockerfile, image).items())))
    for name, service in compose["services"].items():
        build = service.get("build")
        if not isinstance(build, dict):
            continue  # third-party images (prometheus, grafana)
        dockerfile, target = REPO / build["dockerfile"], build.get("target")
        # as in `docker run --entrypoint`: a new entrypoint drops the image's CMD
        entrypoint = service.get("entrypoint") or dockerfile_instruction(dockerfile, "ENTRYPOINT", target)
        default_cmd = [] if "entrypoint" in service else dockerfile_instruction(dockerfile, "CMD", target)
        argv = [
            interpolate(str(word), dot_env)
            for word in [*entrypoint, *(service.get("command") or default_cmd)]
        ]
        # image ENV, then env_file, then `environment` (interpolated from .env), as compose does
        env = {
            **dockerfile_env(dockerfile, target),
            **(dot_env if service.get("env_file") == ".env" else {}),
            **{k: interpolate(str(v), dot_env) for k, v in (service.get("environment") or {}).items()},
        }
        grace = parse_duration(service.get("stop_grace_period", COMPOSE_STOP_GRACE_S))
        commands.append(Command(f"compose/{name}", tuple(argv), tuple(env.items()), stop_grace_s=grace))
    images = image_dockerfiles(compose)
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
                commands.extend(pod_commands(f"k8s/{path.name}", doc, images))
    return commands


COMMANDS = collect()


@functools.cache
def run_help(argv: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=120, env=env)


@functools.cache
def console_script(program: str) -> typer.Typer:
    """The typer app behind an installed console script (`trust-grpo`, `tiny-models`)."""
    (entry_point,) = entry_points(group="console_scripts", name=program)
    module = importlib.import_module(entry_point.module)
    assert callable(getattr(module, entry_point.attr)), entry_point
    assert (VENV_BIN / program).exists(), f"{program} is not installed in {VENV_BIN}"
    apps = [value for value in vars(module).values() if isinstance(value, typer.Typer)]
    assert len(apps) == 1, f"{entry_point.module}: expected one typer app"
    return apps[0]


def invoke_help(program: str, args: tuple[str, ...]) -> tuple[int, str]:
    if program == "trl":  # TRL's own CLI (`trl vllm-serve`): argparse in a process of its own
        assert args[:1] == ("vllm-serve",), f"trl {' '.join(args)}: only vllm-serve is deployed"
        result = run_help((str(VENV_BIN / "trl"), *args))
        return result.returncode, result.stdout + result.stderr
    if program == "reward-server":  # argparse, from the settings models
        from reward_server.cli import parse

        shown = io.StringIO()
        with contextlib.redirect_stdout(shown), pytest.raises(SystemExit) as exited:
            parse([*args, "--help"])
        return int(exited.value.code or 0), shown.getvalue()
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


def reward_settings(command: Command, secrets_dir: Path, **given: Any) -> Settings:
    """The `Settings` the reward server of `command` starts with: image ENV, the platform's env and
    flags. Secret volumes are written under `secrets_dir` (holding a valid key) and paths into them
    redirected there; `given` adds settings from outside (`docker run -e ...`)."""
    from reward_server.config import Settings

    env = dict(command.env)
    for mount, names in command.secret_mounts:
        local = secrets_dir / mount.strip("/").replace("/", "_")
        local.mkdir(parents=True, exist_ok=True)
        for file_name in names:
            (local / file_name).write_text(TEST_API_KEY + "\n")  # kubectl --from-file keeps the newline
        env = {
            k: f"{local}{v.removeprefix(mount)}" if v.startswith(f"{mount}/") else v for k, v in env.items()
        }
    values: dict[str, Any] = {}
    for key, value in env.items():
        if key.startswith("REWARD_SERVER_"):
            name = key.removeprefix("REWARD_SERVER_").lower()
            assert name in Settings.model_fields, f"{command.where}: {key} is no setting"
            values[name] = value
    _program, args = local_program(command.argv)
    for flag, flag_value in flags(args).items():
        values[flag.removeprefix("--").replace("-", "_")] = flag_value
    return Settings(**{**values, **given})


def is_reward_server(command: Command) -> bool:
    return bool(command.argv) and local_program(command.argv)[0] == "reward-server"


def test_every_deployment_command_was_collected() -> None:
    places = {command.where.split("/")[0] for command in COMMANDS}
    assert {"compose", "k8s"} <= places
    assert sum(command.where.startswith("compose/") for command in COMMANDS) == 7


@pytest.mark.usefixtures("clean_server_env")
@pytest.mark.parametrize("command", COMMANDS, ids=[command.where for command in COMMANDS])
def test_command_runs_a_real_entry_point_with_valid_settings(command: Command, tmp_path: Path) -> None:
    assert command.argv, f"{command.where}: no command"
    program, args = local_program(command.argv)
    assert program in {"reward-server", "trust-grpo", "tiny-models", "trl"}, (
        f"{command.where}: unknown program {program}"
    )
    exit_code, output = invoke_help(program, args)
    assert exit_code == 0, f"{command.where}: `{program} {' '.join(args)}` rejected:\n{output}"
    for name in flags(args):
        assert name in output, f"{command.where}: {name} is not in `{program} --help`"

    if program == "reward-server":
        given: dict[str, Any] = {}
        if command.where.endswith(".Dockerfile"):
            # a bare image has no key (it must not): give it one as `docker run -e ..._API_KEY_FILE` would
            key_file = tmp_path / "api-key"
            key_file.write_text(TEST_API_KEY)
            given["api_key_file"] = key_file
        settings = reward_settings(command, tmp_path, **given)
        assert settings.host == "0.0.0.0", f"{command.where}: a container must listen on all interfaces"
        assert settings.port == 8000
        assert settings.bearer_token == TEST_API_KEY.encode(), f"{command.where}: no API key in force"
        assert not settings.allow_unauthenticated, f"{command.where}: serves without authentication"
    elif args[0] == "train":
        from trust_grpo.cli import parse_train_args

        given = flags(args)
        config_path = str(given["--config"])
        assert not config_path.startswith("/"), "configs are read from the image's working directory"
        assert config_path.startswith(("services/trainer/configs/", "deploy/trainer/")), (
            "not copied into the image"
        )
        trainer_args = [arg for arg in args[1:] if arg != "--no-progress"]
        trainer_args[trainer_args.index("--config") + 1] = str(REPO / config_path)
        # bf16 needs a GPU, which this check does not have; everything else is parsed as the image would
        _, config = parse_train_args([*trainer_args, "--bf16", "false"])
        assert config.metrics_port == 9400, f"{command.where}: Prometheus scrapes the trainer on 9400"
        assert config.metrics_host == "0.0.0.0", f"{command.where}: Prometheus cannot reach 127.0.0.1"
        for url in [*(config.thinking_url or []), *(config.outcome_url or [])]:
            assert url.endswith(":8000"), f"{command.where}: {url} is not a service on port 8000"


def test_image_workdir_matches_relative_config_paths() -> None:
    text = (DEPLOY / "docker" / "trainer.Dockerfile").read_text()
    assert f"WORKDIR {IMAGE_WORKDIR}" in text
    assert "COPY services ./services" in text
    assert "COPY deploy/trainer ./deploy/trainer" in text


def readme_commands(section: str) -> dict[str, str]:
    """Service -> the command deploy/README.md's table in `section` shows for it (a trailing `...`
    marks a shortened one)."""
    text = (DEPLOY / "README.md").read_text()
    body = text[text.index(section) :]
    found = {}
    for row in re.findall(r"^\| `([\w-]+)` \|[^|\n]*\| `([^`]+)` \|", body, flags=re.MULTILINE):
        found.setdefault(row[0], row[1])
    return found


def shown(argv: list[str]) -> str:
    """A compose command as the README writes it: `${NAME:?message}` as `$NAME`."""
    return " ".join(re.sub(r"\$\{(\w+)[^}]*\}", r"$\1", str(word)) for word in argv)


def test_the_readme_shows_the_commands_compose_runs() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    documented = readme_commands("#### GPU layout")
    assert documented.keys() >= {"thinking-reward", "rollout", "trainer", "outcome-verifier"}
    for name, command in documented.items():
        service = compose["services"][name]
        dockerfile = REPO / service["build"]["dockerfile"]
        entrypoint = service.get("entrypoint") or dockerfile_instruction(
            dockerfile, "ENTRYPOINT", service["build"].get("target")
        )
        actual = shown([*entrypoint, *service["command"]])
        differs = f"{name}: README `{command}`, compose `{actual}`"
        if command.endswith(" ..."):
            assert actual.startswith(command.removesuffix(" ...")), differs
        else:
            assert actual == command, differs
