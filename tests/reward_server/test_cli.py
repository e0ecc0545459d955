"""The `reward-server` command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reward_server.config import Settings

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
