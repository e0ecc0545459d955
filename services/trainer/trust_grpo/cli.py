"""`trust-grpo`: train with a YAML config, or build the toy task's tiny policy."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from trl.scripts.utils import TrlParser

    from trust_grpo.config import TrustGRPOConfig
    from trust_grpo.run import RunArguments

TRAIN_USAGE = """\
trust-grpo train --config FILE [--KEY VALUE ...]

  --config FILE   YAML with any of the keys below (TRL's GRPOConfig names, the run's and
                  Trust-GRPO's); flags given after it override the file.
  --resume        continue from the newest checkpoint in output_dir.
  --no-progress   no progress bar.
Exit codes: 0 done, 2 bad config or nothing to resume, 3 the reward services failed (a checkpoint
was written; rerun with --resume).
"""

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Trust-GRPO trainer.")


def parse_train_args(argv: Sequence[str]) -> tuple[RunArguments, TrustGRPOConfig]:
    """`--config FILE` (YAML in TRL's names plus ours) and `--key value` overrides, TRL's way.

    Raises `ValueError` for a config that is not valid; argparse exits 2 on malformed flags.
    """
    from trust_grpo.config import TrustGRPOConfig
    from trust_grpo.run import RunArguments

    argv = list(argv)
    if "--config" in argv[:-1]:
        _refuse_unknown_keys(Path(argv[argv.index("--config") + 1]), RunArguments, TrustGRPOConfig)
    run, config = train_parser().parse_args_and_config(argv)
    return run, config


def train_parser() -> TrlParser:
    """TRL's parser over the run's keys and `TrustGRPOConfig` (TRL's and ours)."""
    warnings.filterwarnings("ignore", message="TRL currently supports vLLM versions")
    from trl.scripts.utils import TrlParser

    from trust_grpo.config import TrustGRPOConfig
    from trust_grpo.run import RunArguments

    return TrlParser([RunArguments, TrustGRPOConfig], prog="trust-grpo train")  # type: ignore[list-item]


def _refuse_unknown_keys(path: Path, *models: type) -> None:
    import yaml

    raw = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the config must be a mapping of keys to values")
    known = {item.name for model in models for item in fields(model)} | {"env"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{path}: unknown keys {', '.join(unknown)} (see `trust-grpo train --help`)")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def train(ctx: typer.Context) -> None:
    """Train with Trust-GRPO: `trust-grpo train --config FILE [--resume] [--KEY VALUE ...]`.

    Every key of TRL's GRPOConfig, of Trust-GRPO and of the run (`policy`, `dataset`, ...) can be
    set in the YAML file or as a flag; `trust-grpo train --help` lists them. Exit codes: 2 for a
    bad config, 3 when the reward services failed (a checkpoint was written; rerun with --resume).
    """
    if {"-h", "--help"} & set(ctx.args):
        typer.echo(TRAIN_USAGE)
        typer.echo(train_parser().format_help())
        return
    from trust_grpo.run import RunRefused, run_training
    from trust_grpo.trainer import TrainingStopped

    try:
        run, config = parse_train_args(ctx.args)
    except (ValueError, TypeError, OSError) as error:
        typer.secho(f"invalid config: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    try:
        summary = run_training(run, config, show_progress=run.progress)
    except TrainingStopped as stopped:
        typer.secho(str(stopped), fg="red", err=True)
        raise typer.Exit(3) from stopped
    except (FileNotFoundError, RunRefused) as error:
        typer.secho(str(error), fg="red", err=True)
        raise typer.Exit(2) from error
    if "accuracy_before" in summary and "accuracy_after" in summary:
        gain = 100 * (summary["accuracy_after"] - summary["accuracy_before"])
        typer.echo(
            f"held-out accuracy {summary['accuracy_before']:.1%} -> {summary['accuracy_after']:.1%} "
            f"({gain:+.1f} points)"
        )
    typer.echo(f"run directory: {config.output_dir}")


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
