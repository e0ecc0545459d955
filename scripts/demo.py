"""Demo: the whole stack on this machine.

Starts the outcome verifier (127.0.0.1:8101) and the thinking-reward service with the `rules`
judge (127.0.0.1:8102), builds the tiny toy policy on first use, trains it with Trust-GRPO on
arithmetic word problems, prints held-out accuracy before and after, and stops the services.
Outputs: runs/<name>/metrics.jsonl, runs/<name>/rewards.png, checkpoints, summary.json.
"""

from __future__ import annotations

import asyncio
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
    from trust_grpo.config import TrainConfig
    from trust_grpo.tiny_policy import build_tiny_policy
    from trust_grpo.train import Trainer

    (ROOT / "runs").mkdir(exist_ok=True)
    if not (POLICY / "config.json").exists():
        with console.status("building the tiny policy (random init + supervised warm-up, about 1 min)"):
            build_tiny_policy(POLICY)
    with ExitStack() as stack:
        outcome_url = stack.enter_context(service("outcome", OUTCOME_PORT))
        thinking_url = stack.enter_context(service("thinking", THINKING_PORT, "--backend", "rules"))
        config = TrainConfig.from_yaml(
            CONFIG,
            policy=str(POLICY),
            output_dir=str(ROOT / "runs"),
            services={"outcome_urls": [outcome_url], "thinking_urls": [thinking_url]},
        )
        console.print(
            f"[bold]training[/bold] {config.name}: {config.total_steps} steps of "
            f"{config.prompts_per_step} prompts x {config.group_size} responses"
        )
        summary = asyncio.run(Trainer(config).run())
    before, after = summary["accuracy_before"], summary["accuracy_after"]
    console.print(
        f"[bold]held-out accuracy[/bold] {before:.1%} -> {after:.1%} ({100 * (after - before):+.1f} points)"
    )
    console.print(f"metrics: {config.run_dir / 'metrics.jsonl'}\nplot:    {config.run_dir / 'rewards.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
