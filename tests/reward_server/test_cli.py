"""The `reward-server` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from reward_server.config import Settings

from tests.servers import start_server


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
    for flag in [
        "--scorer",
        "--host",
        "--port",
        "--api-key",
        "--max-batch-items",
        "--max-queue-items",
        "--item-timeout-s",
    ]:
        assert flag in result.stdout


def test_a_bad_value_is_a_clear_usage_error() -> None:
    result = run_cli("--scorer", "vibes")
    assert result.returncode == 2
    assert "vibes" in result.stderr


def test_an_out_of_range_setting_is_refused() -> None:
    result = run_cli("--max-batch-items", "0")
    assert result.returncode == 2
    assert "max_batch_items" in result.stderr


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


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`REWARD_SERVER_{name.upper()}`" in readme, name
