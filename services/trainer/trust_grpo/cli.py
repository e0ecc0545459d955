"""`trust-grpo`: train with a YAML config, or build the toy task's tiny policy."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Trust-GRPO trainer.")


@app.command()
def train(
    config: Annotated[Path, typer.Option("--config", "-c", exists=True, dir_okay=False, help="YAML config.")],
    resume: Annotated[bool, typer.Option(help="Continue from the run's latest checkpoint.")] = False,
    name: Annotated[str | None, typer.Option(help="Override the run name.")] = None,
    policy: Annotated[str | None, typer.Option(help="Override the policy model path.")] = None,
    total_steps: Annotated[int | None, typer.Option(help="Override total_steps.")] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Override output_dir.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus /metrics on this port.")] = None,
    metrics_host: Annotated[
        str | None, typer.Option(help="Address of /metrics (0.0.0.0 in a container).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Run Trust-GRPO training as the config says; outputs go to <output_dir>/<name>/."""
    from trust_grpo.config import TrainConfig
    from trust_grpo.train import Trainer, TrainingStopped

    overrides: dict[str, object] = {
        "name": name,
        "policy": policy,
        "total_steps": total_steps,
        "output_dir": output_dir,
        "metrics_port": metrics_port,
        "metrics_host": metrics_host,
    }
    try:
        settings = TrainConfig.from_yaml(config, **overrides)
    except (ValidationError, ValueError) as error:
        typer.secho(f"invalid config {config}:\n{error}", fg="red", err=True)
        raise typer.Exit(2) from error
    if settings.services.api_key is None and os.environ.get("TRUST_GRPO_API_KEY"):
        settings = settings.model_copy(
            update={
                "services": settings.services.model_copy(update={"api_key": os.environ["TRUST_GRPO_API_KEY"]})
            }
        )
    try:
        summary = asyncio.run(Trainer(settings, resume=resume, show_progress=progress).run())
    except TrainingStopped as stopped:
        typer.secho(str(stopped), fg="red", err=True)
        raise typer.Exit(3) from stopped
    except FileNotFoundError as error:
        typer.secho(str(error), fg="red", err=True)
        raise typer.Exit(2) from error
    if "accuracy_before" in summary and "accuracy_after" in summary:
        gain = 100 * (summary["accuracy_after"] - summary["accuracy_before"])
        typer.echo(
            f"held-out accuracy {summary['accuracy_before']:.1%} -> {summary['accuracy_after']:.1%} "
            f"({gain:+.1f} points)"
        )
    typer.echo(f"run directory: {settings.run_dir}")


@app.command("make-policy")
def make_policy(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("models/tiny-policy"),
    seed: Annotated[int, typer.Option(help="Seed of weights, tokenizer corpus and warm-up data.")] = 0,
    warmup_steps: Annotated[int, typer.Option(help="Supervised warm-up steps (batch 32).")] = 800,
    guess_share: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of warm-up targets that guess instead of reasoning."),
    ] = 0.6,
) -> None:
    """Build the toy task's tiny policy (local tokenizer, random init, warm-up on a mix of
    reasoned and guessed answers; about 3 minutes on 2 cores)."""
    from trust_grpo.tiny_policy import build_tiny_policy

    typer.echo(build_tiny_policy(out, seed=seed, warmup_steps=warmup_steps, guess_share=guess_share))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
