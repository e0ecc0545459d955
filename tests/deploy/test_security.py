"""Secrets and shutdown of the deployment: no key that a server accepts ships in env.example, compose
stops early without one, Kubernetes gives the servers the key as a mounted file, no key travels on a
command line, images need a key (or an explicit opt-out) to serve, and every place that bounds how
long a reward server may take to stop covers its drain: shutdown_timeout_s + 15 s (+ preStop)."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from tests.deploy.conftest import (
    COMPOSE_FILE,
    DEPLOY,
    ENV_EXAMPLE,
    TEST_API_KEY,
    TEST_ENV_VALUES,
    compose_environ,
    filled_env_example,
    interpolate,
    make_compose_project,
    parse_env_file,
    required_compose_variables,
    tool_path,
)
from tests.deploy.test_commands import (
    COMMANDS,
    Command,
    dockerfile_env,
    dockerfile_instruction,
    image_dockerfiles,
    is_reward_server,
    pod_commands,
    reward_settings,
)

K8S = DEPLOY / "k8s"
README = DEPLOY / "README.md"
# After shutdown_timeout_s: 5 s to flush the answers, ~10 s to close the engine or the worker pool.
SHUTDOWN_MARGIN_S = 15.0
# Secret-bearing flags: `--api-key`, `--upstream-api-key`, `--api-key=...` (but `--api-key-file`).
SECRET_FLAG = re.compile(r"(?<![\w-])--(?:[\w-]+-)?api-key(?![\w-])")
REWARD_SECRET = {"name": "reward-api-key", "key": "api-key"}

REWARD_COMMANDS = [command for command in COMMANDS if is_reward_server(command)]
STOPPED_BY_PLATFORM = [command for command in REWARD_COMMANDS if command.stop_grace_s is not None]
REWARD_DOCKERFILES = sorted(
    path
    for path in (DEPLOY / "docker").glob("*.Dockerfile")
    if dockerfile_instruction(path, "ENTRYPOINT")[:1] == ["reward-server"]
)


def deploy_text_files() -> list[Path]:
    files = [COMPOSE_FILE]
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            try:
                path.read_text()
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


def k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"k8s/{path.name}", doc)
        for path in sorted(K8S.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def reward_workloads() -> list[tuple[str, dict[str, Any]]]:
    """Kubernetes workloads whose containers run `reward-server`."""
    images = image_dockerfiles(yaml.safe_load(COMPOSE_FILE.read_text()))
    return [
        (where, doc)
        for where, doc in k8s_documents()
        if doc["kind"] in {"Deployment", "StatefulSet", "DaemonSet"}
        and any(is_reward_server(command) for command in pod_commands(where, doc, images))
    ]


# ------------------------------------------------------------------------------- grace periods


def test_every_reward_server_stop_is_checked() -> None:
    places = sorted(command.where for command in STOPPED_BY_PLATFORM)
    assert places == [
        "compose/outcome-verifier",
        "compose/thinking-reward",
        "compose/thinking-reward-cpu",
        "k8s/outcome-verifier.yaml/outcome-verifier",
        "k8s/thinking-reward.yaml/thinking-reward",
    ]


@pytest.mark.usefixtures("clean_server_env")
@pytest.mark.parametrize(
    "command", STOPPED_BY_PLATFORM, ids=[command.where for command in STOPPED_BY_PLATFORM]
)
def test_grace_period_covers_the_shutdown(command: Command, tmp_path: Path) -> None:
    # shutdown_timeout_s as that server sees it: the default, or REWARD_SERVER_SHUTDOWN_TIMEOUT_S /
    # --shutdown-timeout-s wherever the image, .env, compose or the manifest sets it (the key is
    # checked elsewhere: here only the timeout matters)
    unreadable = {"REWARD_SERVER_SHUTDOWN_TIMEOUT_S", "envFrom"} & set(command.unresolved_env)
    assert not unreadable, (
        f"{command.where}: the shutdown timeout may come from {unreadable}; set it as a value"
    )
    shutdown_s = reward_settings(command, tmp_path, allow_unauthenticated=True).shutdown_timeout_s
    assert command.pre_stop_s is not None, f"{command.where}: cannot tell how long its preStop hook takes"
    needed = command.pre_stop_s + shutdown_s + SHUTDOWN_MARGIN_S
    assert command.stop_grace_s is not None
    assert command.stop_grace_s >= needed, (
        f"{command.where}: {command.stop_grace_s:g} s from SIGTERM to SIGKILL, but the server needs"
        f" preStop {command.pre_stop_s:g} s + shutdown_timeout_s {shutdown_s:g} s + {SHUTDOWN_MARGIN_S:g} s"
    )


@pytest.mark.usefixtures("clean_server_env")
def test_grace_period_check_follows_the_manifest(tmp_path: Path) -> None:
    """The check above reads a shutdown timeout or preStop set in a manifest, not only the default."""
    images = image_dockerfiles(yaml.safe_load(COMPOSE_FILE.read_text()))
    (where, deployment), *_ = reward_workloads()
    changed = copy.deepcopy(deployment)
    container = changed["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "REWARD_SERVER_SHUTDOWN_TIMEOUT_S", "value": "120"})
    container["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}}}
    (command,) = [c for c in pod_commands(where, changed, images) if is_reward_server(c)]
    assert reward_settings(command, tmp_path).shutdown_timeout_s == 120
    assert command.pre_stop_s == 5
    assert command.stop_grace_s is not None
    assert command.stop_grace_s < 5 + 120 + SHUTDOWN_MARGIN_S, "the check would not notice"


def test_documented_docker_stop_timeouts_cover_the_shutdown() -> None:
    """`docker run`/`docker stop` outside compose: the timeouts the docs and Dockerfiles give."""
    from reward_server.config import Settings

    default_s = Settings.model_fields["shutdown_timeout_s"].default
    found = []
    for path in [README, *REWARD_DOCKERFILES]:
        for seconds in re.findall(r"(?:--stop-timeout[ =]|docker stop -t )(\d+)", path.read_text()):
            found.append(seconds)
            assert int(seconds) >= default_s + SHUTDOWN_MARGIN_S, f"{path.name}: stop timeout {seconds} s"
    assert found, "the README must say how long `docker stop` has to wait for a reward server"


# ---------------------------------------------------------------------- env.example and compose


@pytest.mark.usefixtures("clean_server_env")
def test_env_example_ships_no_working_secret() -> None:
    """Every key-like value in env.example is empty; an empty or placeholder key refuses to start."""
    from reward_server.config import Settings

    example = parse_env_file(ENV_EXAMPLE.read_text())
    secrets = {
        name: value for name, value in example.items() if re.search(r"KEY|PASSWORD|TOKEN|SECRET", name)
    }
    assert {"REWARD_SERVER_API_KEY", "GF_SECURITY_ADMIN_PASSWORD"} <= secrets.keys()
    for name, value in secrets.items():
        assert value == "", f"env.example ships a value for {name}"
    for name, value in example.items():
        if name.endswith("API_KEY"):
            with pytest.raises(ValidationError, match=r"empty|placeholder|characters"):
                Settings(api_key=value)
    # the former value, should an old .env still hold it
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(api_key="change-me")
    assert "openssl rand -hex 32" in ENV_EXAMPLE.read_text()


def test_compose_requires_every_secret_of_env_example() -> None:
    required = required_compose_variables()
    secrets = {name for name in required if re.search(r"KEY|PASSWORD|TOKEN|SECRET", name)}
    assert secrets == {"REWARD_SERVER_API_KEY", "GF_SECURITY_ADMIN_PASSWORD"}
    example = parse_env_file(ENV_EXAMPLE.read_text())
    assert required <= example.keys(), f"env.example must list {required - example.keys()}"
    assert secrets <= TEST_ENV_VALUES.keys()
    # the rest (the GPU layout, the models) ship working values: only the secrets are left to fill in
    assert all(example[name] for name in required - secrets)


@pytest.mark.needs_tool("docker-compose")
@pytest.mark.parametrize("missing", ["REWARD_SERVER_API_KEY", "GF_SECURITY_ADMIN_PASSWORD"])
@pytest.mark.parametrize("profile", ["gpu", "cpu"])
def test_compose_stops_early_without_a_secret(tmp_path: Path, missing: str, profile: str) -> None:
    env_text = re.sub(rf"^{missing}=.*$", f"{missing}=", filled_env_example(), flags=re.MULTILINE)
    project = make_compose_project(tmp_path, env_text)
    result = subprocess.run(
        [tool_path("docker-compose"), "--profile", profile, "config", "-q"],
        cwd=project,
        env=compose_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0, f"compose accepted an empty {missing}"
    assert f"set {missing} in .env" in result.stderr, result.stderr
    assert "openssl rand" in result.stderr, result.stderr


@pytest.mark.needs_tool("docker-compose")
def test_compose_gives_every_consumer_the_one_key(compose_config: dict[str, Any]) -> None:
    services = compose_config["services"]
    reward_services = {
        c.where.removeprefix("compose/") for c in REWARD_COMMANDS if c.where.startswith("compose/")
    }
    assert reward_services == {"thinking-reward", "thinking-reward-cpu", "outcome-verifier"}
    for name, service in services.items():
        env = service.get("environment") or {}
        assert "REWARD_SERVER_ALLOW_UNAUTHENTICATED" not in env, f"{name} serves without a key"
        assert "REWARD_SERVER_API_KEY_FILE" not in env, f"{name}: both a key and a key file"
        if name in reward_services:
            assert env.get("REWARD_SERVER_API_KEY") == TEST_API_KEY, name
    for trainer in ("trainer", "trainer-cpu"):
        assert services[trainer]["environment"]["TRUST_GRPO_API_KEY"] == TEST_API_KEY, trainer
    # Prometheus writes it to the file its scrape jobs send; Grafana gets no reward key at all
    assert services["prometheus"]["environment"] == {"REWARD_SERVER_API_KEY": TEST_API_KEY}
    assert "REWARD_SERVER_API_KEY" not in services["grafana"].get("environment", {})
    assert (
        services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
        == TEST_ENV_VALUES["GF_SECURITY_ADMIN_PASSWORD"]
    )


@pytest.mark.needs_tool("docker-compose")
def test_commands_see_the_environment_compose_resolves(compose_config: dict[str, Any]) -> None:
    """tests/deploy/test_commands.py resolves compose's env itself; it agrees with `docker-compose config`."""
    for command in COMMANDS:
        if not command.where.startswith("compose/"):
            continue
        resolved = compose_config["services"][command.where.removeprefix("compose/")].get("environment") or {}
        env = dict(command.env)
        for key, value in resolved.items():
            assert env.get(key) == str(value), f"{command.where}: {key}"


def test_interpolation_helper() -> None:
    assert interpolate("${A:-x}-${B-y}-$${C}", {"A": ""}) == "x-y-${C}"
    with pytest.raises(ValueError, match="set A"):
        interpolate("${A:?set A}", {"A": ""})


# ---------------------------------------------------------------------------------- Kubernetes


@pytest.mark.parametrize(
    ("where", "doc"), reward_workloads(), ids=[where for where, _doc in reward_workloads()]
)
def test_k8s_reward_servers_read_the_key_from_a_mounted_secret(where: str, doc: dict[str, Any]) -> None:
    pod = doc["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    for container in pod["containers"]:
        env = {item["name"]: item for item in container.get("env", [])}
        assert "REWARD_SERVER_API_KEY" not in env, f"{where}: the key as an env var, not a file"
        assert "REWARD_SERVER_ALLOW_UNAUTHENTICATED" not in env, f"{where}: serves without a key"
        key_file = env["REWARD_SERVER_API_KEY_FILE"]["value"]
        mounts = [
            m
            for m in container.get("volumeMounts", [])
            if key_file.startswith(m["mountPath"].rstrip("/") + "/")
        ]
        assert len(mounts) == 1, f"{where}: {key_file} is on no (or several) volume mounts"
        (mount,) = mounts
        assert mount.get("readOnly") is True, where
        assert "subPath" not in mount, f"{where}: a subPath mount never sees a rotated key"
        secret = volumes[mount["name"]].get("secret")
        assert secret is not None, f"{where}: {key_file} is not on a Secret volume"
        assert secret["secretName"] == REWARD_SECRET["name"], where
        file_name = key_file.removeprefix(mount["mountPath"].rstrip("/") + "/")
        items = {item["path"]: item["key"] for item in secret.get("items", [])}
        assert items.get(file_name, file_name if not items else None) == REWARD_SECRET["key"], where
        # A Secret volume's files belong to root (group: the pod's fsGroup): the server's non-root
        # user reads the key through its group, and nobody else can
        mode = secret.get("defaultMode", 0o644)
        assert not mode & 0o007, f"{where}: key file mode {mode:o} lets every user of the container read it"
        assert mode & 0o040, f"{where}: key file mode {mode:o}: the server's group cannot read it"
        assert pod.get("securityContext", {}).get("fsGroup") is not None, f"{where}: no fsGroup owns the key"


def test_one_secret_for_servers_trainer_and_readme() -> None:
    (job,) = [doc for _where, doc in k8s_documents() if doc["kind"] == "Job"]
    (trainer,) = job["spec"]["template"]["spec"]["containers"]
    ref = {item["name"]: item for item in trainer["env"]}["TRUST_GRPO_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert ref == REWARD_SECRET
    readme = README.read_text()
    assert (
        f"kubectl create secret generic {REWARD_SECRET['name']} --from-literal={REWARD_SECRET['key']}="
        in readme
    )


# ---------------------------------------------------------------------- command lines and images


@pytest.mark.parametrize("path", deploy_text_files(), ids=lambda p: str(p.relative_to(COMPOSE_FILE.parent)))
def test_no_key_on_a_command_line(path: Path) -> None:
    found = SECRET_FLAG.findall(path.read_text())
    assert not found, f"{path.name} passes a key as a flag ({found}): it shows in the process list"


def test_no_collected_command_takes_a_key_flag() -> None:
    for command in COMMANDS:
        assert not any(SECRET_FLAG.fullmatch(word.split("=", 1)[0]) for word in command.argv), command.where


@pytest.mark.usefixtures("clean_server_env")
@pytest.mark.parametrize("dockerfile", REWARD_DOCKERFILES, ids=lambda p: p.name)
def test_image_serves_with_a_key_and_refuses_without(dockerfile: Path, tmp_path: Path) -> None:
    env = dockerfile_env(dockerfile)
    assert env.get("REWARD_SERVER_HOST") == "0.0.0.0"
    assert not {
        "REWARD_SERVER_ALLOW_UNAUTHENTICATED",
        "REWARD_SERVER_API_KEY",
        "REWARD_SERVER_API_KEY_FILE",
    } & (env.keys()), f"{dockerfile.name} bakes authentication settings into the image"
    (image,) = [c for c in COMMANDS if c.where == dockerfile.name]
    # `docker run IMAGE`: refuses, and says how to fix it
    with pytest.raises(
        ValidationError, match=r"REWARD_SERVER_API_KEY_FILE.*REWARD_SERVER_ALLOW_UNAUTHENTICATED"
    ):
        reward_settings(image, tmp_path)
    # `docker run -v ...:/run/secrets/reward-api-key:ro -e REWARD_SERVER_API_KEY_FILE=...`
    key_file = tmp_path / "api-key"
    key_file.write_text(TEST_API_KEY + "\n")
    assert reward_settings(image, tmp_path, api_key_file=key_file).bearer_token == TEST_API_KEY.encode()
    # `docker run -e REWARD_SERVER_ALLOW_UNAUTHENTICATED=true`: the documented way to serve without a key
    open_settings = reward_settings(image, tmp_path, allow_unauthenticated="true")
    assert open_settings.bearer_token is None


def test_readme_documents_secrets_grace_and_the_opt_out() -> None:
    readme = README.read_text()
    for phrase in (
        "openssl rand -hex 32",
        "REWARD_SERVER_API_KEY_FILE",
        "REWARD_SERVER_ALLOW_UNAUTHENTICATED=true",
        "terminationGracePeriodSeconds",
        "stop_grace_period",
        "REWARD_SERVER_SHUTDOWN_TIMEOUT_S",
    ):
        assert phrase in readme, f"deploy/README.md does not mention {phrase}"


@pytest.mark.usefixtures("clean_server_env")
@pytest.mark.needs_tool("docker-compose", "openssl")
def test_readme_one_liner_makes_a_working_env(tmp_path: Path) -> None:
    """The README's `(umask 077 && sed ... deploy/env.example > .env)` gives a `.env` that compose and the
    servers accept."""
    from reward_server.config import Settings

    (line,) = [line for line in README.read_text().splitlines() if line.startswith("(umask 077 && sed ")]
    (tmp_path / "deploy").symlink_to(DEPLOY, target_is_directory=True)
    subprocess.run(["bash", "-c", line], cwd=tmp_path, check=True, timeout=60, env=compose_environ())
    env_file = tmp_path / ".env"
    assert env_file.stat().st_mode & 0o077 == 0, ".env is readable by other users"
    values = parse_env_file(env_file.read_text())
    Settings(api_key=values["REWARD_SERVER_API_KEY"])
    assert len(values["GF_SECURITY_ADMIN_PASSWORD"]) >= 16
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    subprocess.run(
        [tool_path("docker-compose"), "--profile", "gpu", "--profile", "cpu", "config", "-q"],
        cwd=tmp_path,
        env=compose_environ(),
        check=True,
        timeout=120,
    )
