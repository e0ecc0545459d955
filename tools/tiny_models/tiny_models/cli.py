"""`tiny-models`: build the tiny judges, the toy policy or a random-weight judge of the released
shape, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build tiny models offline (random weights, local tokenizers, no hub) for tests and the demo.",
)

Seed = Annotated[int, typer.Option(help="Seed of the weights and the tokenizer corpus.")]


@app.command()
def judge(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("models/tiny-judge"),
    seed: Seed = 0,
) -> None:
    """Build the tiny judge model (Qwen2, about 25 s)."""
    from tiny_models.judge import build_tiny_model

    typer.echo(build_tiny_model(out, seed=seed))


@app.command("vl-judge")
def vl_judge(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("models/tiny-vl-judge"),
    seed: Seed = 0,
) -> None:
    """Build the tiny vision-language judge model (BLIP-2 over a tiny Qwen2)."""
    from tiny_models.vl_judge import build_tiny_vl_model

    typer.echo(build_tiny_vl_model(out, seed=seed))


@app.command("released-judge")
def released_judge(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("models/judge-3b-shape"),
    text_only: Annotated[
        bool, typer.Option(help="Its language model alone, as a Qwen2 decoder (the transformers engine's).")
    ] = False,
    smoke: Annotated[bool, typer.Option(help="Every size shrunk, architecture kept: a CPU check.")] = False,
    seed: Seed = 0,
) -> None:
    """Build a random-weight model of the released judge's shape (Qwen2.5-VL-3B-Instruct's config,
    3.75B parameters, bfloat16; about 7.5 GB on disk) for GPU benchmarks."""
    from tiny_models.released import build_released_judge

    typer.echo(build_released_judge(out, text_only=text_only, smoke=smoke, seed=seed))


@app.command()
def policy(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("models/tiny-policy"),
    seed: Annotated[int, typer.Option(help="Seed of weights, tokenizer corpus and warm-up data.")] = 0,
    warmup_steps: Annotated[int, typer.Option(help="Supervised warm-up steps (batch 32).")] = 800,
    guess_share: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of warm-up targets that guess instead of reasoning."),
    ] = 0.6,
    reuse: Annotated[
        bool,
        typer.Option(help="Keep a complete policy already in OUT that was built with these settings."),
    ] = False,
) -> None:
    """Build the toy task's tiny policy (local tokenizer, random init, warm-up on a mix of
    reasoned and guessed answers; about 3 minutes on 2 cores)."""
    from tiny_models.policy import build_tiny_policy, built_policy_matches

    if reuse and built_policy_matches(out, seed=seed, warmup_steps=warmup_steps, guess_share=guess_share):
        typer.echo(f"{out} (reused: built with the same settings)")
        return
    typer.echo(build_tiny_policy(out, seed=seed, warmup_steps=warmup_steps, guess_share=guess_share))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
