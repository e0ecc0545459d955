"""The `reward-server` command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reward_server.cli import SECRETS, flag, parse
from reward_server.config import Settings

from scripts.settings_table import README, with_table
from tests.servers import free_port, start_server


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reward_server", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_main_flags() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for expected in [
        "--scorer",
        "--host",
        "--port",
        "--api-key",
        "--max-batch-items",
        "--max-queue-items",
        "--item-timeout-s",
    ]:
        assert expected in result.stdout


def test_a_bad_value_is_a_clear_usage_error() -> None:
    result = run_cli("--scorer", "vibes")
    assert result.returncode == 2
    assert "vibes" in result.stderr


def test_an_out_of_range_setting_is_refused() -> None:
    result = run_cli("--max-batch-items", "0")
    assert result.returncode == 2
    assert "--max-batch-items" in result.stderr


def test_environment_variables_configure_the_server(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, env={"REWARD_SERVER_MAX_ITEMS_PER_REQUEST": "3", "REWARD_SERVER_VERIFIER_WORKERS": "1"}
    )
    try:
        assert server.client.get("/info").json()["limits"]["max_items_per_request"] == 3
    finally:
        server.stop()


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SERVER_PORT", "9000")
    assert Settings().port == 9000
    assert Settings(port=9100).port == 9100


def test_the_default_bind_address_is_loopback() -> None:
    assert Settings().host == "127.0.0.1"


def test_the_readme_settings_tables_are_generated_from_the_models() -> None:
    readme = README.read_text()
    assert with_table(readme) == readme, "regenerate them: .venv/bin/python scripts/settings_table.py"
    for name in Settings.model_fields:
        assert f"`REWARD_SERVER_{name.upper()}`" in readme, name


def test_help_covers_every_setting_with_its_description() -> None:
    shown = " ".join(run_cli("--help").stdout.split())
    for name, field in Settings.model_fields.items():
        if name in SECRETS:
            assert flag(name) + " " not in shown, f"a key must never be a flag: {name}"
            continue
        assert flag(name) in shown, name
        assert " ".join((field.description or "").split())[:40] in shown, name


def spellings(name: str) -> list[list[str]]:
    """Ways to put setting `name` on the command line (flags match without regard to case)."""
    key = "0123456789abcdef0123"
    shouted, mixed = flag(name).upper(), flag(name).title()
    return [[f"{flag(name)}={key}"], [flag(name), key], [f"{shouted}={key}"], [mixed, key]]


@pytest.mark.parametrize("argv", [argv for name in sorted(SECRETS) for argv in spellings(name)])
def test_a_key_on_the_command_line_is_refused(argv: list[str]) -> None:
    assert set(SECRETS) == {"api_key", "upstream_api_key"}
    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2


def test_the_refusal_names_where_the_key_goes_and_not_the_key() -> None:
    result = run_cli("--upstream-api-key=0123456789abcdef0123")
    assert result.returncode == 2
    assert "REWARD_SERVER_UPSTREAM_API_KEY" in result.stderr
    assert "0123456789abcdef0123" not in result.stderr


def test_flags_and_the_environment_compose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SERVER_MAX_BATCH_ITEMS", "7")
    monkeypatch.setenv("REWARD_SERVER_PORT", "9000")
    settings = parse(["--port", "9100", "--no-ocr-normalize", "--answer-container", "boxed"])
    assert (settings.port, settings.batching.max_batch_items) == (9100, 7)
    assert (settings.outcome.ocr_normalize, settings.outcome.answer_container) == (False, "boxed")


def test_the_console_script_and_the_readme_curl(tmp_path: Path) -> None:
    """`reward-server --scorer outcome --port N` becomes ready, and the README's curl grades 1.0.

    Time to ready is reported, not asserted (machines are noisy); docs/benchmarks.md has it.
    """
    port = free_port()
    script = Path(sys.executable).with_name("reward-server")
    log = (tmp_path / "server.log").open("wb")
    started = time.monotonic()
    server = subprocess.Popen(
        [str(script), "--scorer", "outcome", "--port", str(port)], stdout=log, stderr=log
    )
    try:
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            probe = subprocess.run(
                ["curl", "-sf", f"localhost:{port}/readyz"], capture_output=True, check=False, timeout=10
            )
            if probe.returncode == 0:
                break
            time.sleep(0.05)
        print(f"reward-server ready after {time.monotonic() - started:.2f} s")
        body = (
            '{"items":[{"id":"a","response":"<think>half</think><answer>0.5</answer>",'
            '"ground_truth":"\\\\frac{1}{2}"}]}'
        )
        curl = subprocess.run(
            ["curl", "-s", f"localhost:{port}/score", "-H", "content-type: application/json", "-d", body],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        (result,) = json.loads(curl.stdout)["results"]
        assert (result["id"], result["status"], result["score"]) == ("a", "ok", 1.0)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
