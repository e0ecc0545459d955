"""The ablation benchmark's two-step smoke run (`python -m benchmarks.ablation --smoke`): every
arm trains through TrustGRPOTrainer against the real services, and the report and plots are written.
The full run is a benchmark (docs/ablation.md), not a test."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARMS = ["outcome_only", "naive/honest", "trust/honest", "naive/farmable", "trust/farmable"]
ARMS.append("release/farmable")


@pytest.mark.slow
def test_the_ablation_smoke_run(tiny_policy: Path, tmp_path: Path) -> None:
    out = tmp_path / "ablation"
    command = [sys.executable, "-m", "benchmarks.ablation", "--smoke", "--policy", str(tiny_policy)]
    completed = subprocess.run([*command, "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    rows = json.loads((out / "results.json").read_text())
    assert [row["arm"] for row in rows] == ARMS
    assert all(row["steps"] == 2 and row["seed"] == 0 for row in rows)
    by_arm = {row["arm"]: row for row in rows}
    assert math.isnan(by_arm["outcome_only"]["train_thinking_correct"])  # no judge asked
    assert math.isnan(by_arm["outcome_only"]["gamma_mean"])
    for arm in ARMS[1:]:
        assert 0.0 <= by_arm[arm]["gamma_mean"] <= 1.0, arm
        assert by_arm[arm]["train_thinking_correct"] >= 0 or by_arm[arm]["train_thinking_wrong"] >= 0, arm
    assert all(row["gamma_mean"] == 1.0 for row in rows if row["arm"].startswith("naive/"))
    for row in rows:  # one seed, one held-out set, the same policy: one starting point
        assert row["accuracy_before"] == rows[0]["accuracy_before"]
        # NaN when no held-out response gave an answer (the test policy barely learned the format)
        assert math.isnan(row["guess_rate_after"]) or 0.0 <= row["guess_rate_after"] <= 1.0
    report = (out / "report.md").read_text()
    assert "python -m benchmarks.ablation" in report
    assert all(f"| `{arm}` |" in report for arm in ARMS)
    for plot in ("accuracy.png", "training.png"):
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"
    assert "items failed" not in completed.stdout + completed.stderr  # every service call answered
