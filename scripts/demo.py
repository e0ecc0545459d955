"""Demo: the whole stack on this machine.

Starts the outcome verifier (127.0.0.1:8101) and the thinking-reward service with the `rules`
judge (127.0.0.1:8102), builds the tiny toy policy on first use, trains it with Trust-GRPO on
arithmetic word problems through `TrustGRPOTrainer` (TRL), prints held-out accuracy before and
after, and stops the services. Extra arguments override the toy config (`--max_steps 10`).
Outputs under runs/toy/: metrics.jsonl, rewards.png, checkpoints, final/, summary.json.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "services" / "trainer" / "configs" / "toy.yaml"
POLICY = ROOT / "models" / "tiny-policy"
OUTCOME_PORT = int(os.environ.get("DEMO_OUTCOME_PORT", "8101"))
THINKING_PORT = int(os.environ.get("DEMO_THINKING_PORT", "8102"))
console = Console()


@contextmanager
def service(scorer: str, port: int, *extra: str) -> Iterator[str]:
    """Run `reward-server --scorer <scorer>` on 127.0.0.1:<port> until the block ends."""
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "reward_server", "--scorer", scorer, "--port", str(port), *extra]
    log = (ROOT / "runs" / f"{scorer}-server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = time.monotonic()
        with console.status(f"starting the {scorer} service on {url}"):
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the {scorer} service exited (is port {port} free?); see {log.name}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        console.print(f"{scorer} service ready in {time.monotonic() - started:.1f} s at {url}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def main() -> int:
    from tiny_models.policy import build_tiny_policy
    from trust_grpo.cli import parse_train_args
    from trust_grpo.run import run_training

    (ROOT / "runs").mkdir(exist_ok=True)
    if not (POLICY / "config.json").exists():
        with console.status("building the tiny policy (random init + supervised warm-up, about 2 min)"):
            build_tiny_policy(POLICY)
    with ExitStack() as stack:
        outcome_url = stack.enter_context(service("outcome", OUTCOME_PORT))
        thinking_url = stack.enter_context(service("thinking", THINKING_PORT, "--backend", "rules"))
        run, config = parse_train_args(
            [
                "--config", str(CONFIG),
                "--policy", str(POLICY),
                "--output_dir", str(ROOT / "runs" / "toy"),
                "--outcome_url", outcome_url,
                "--thinking_url", thinking_url,
                *sys.argv[1:],
            ]
        )  # fmt: skip
        console.print(
            f"[bold]training[/bold] the toy policy with TrustGRPOTrainer: {config.max_steps} steps of "
            f"{config.per_device_train_batch_size // config.num_generations} prompts x "
            f"{config.num_generations} responses"
        )
        summary = run_training(run, config)
    before, after = summary["accuracy_before"], summary["accuracy_after"]
    console.print(
        f"[bold]held-out accuracy[/bold] {before:.1%} -> {after:.1%} ({100 * (after - before):+.1f} points)"
    )
    run_dir = Path(config.output_dir)
    console.print(f"metrics: {run_dir / 'metrics.jsonl'}\nplot:    {run_dir / 'rewards.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
