"""`trust-grpo train`: one run from a YAML config and flags. Every key, its help and its default
come from the config models (`RunArguments`, `TrustGRPOConfig`) through TRL's own parser."""

from __future__ import annotations

import argparse
import functools
import inspect
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:  # TRL loads on use: `trust-grpo --help` does not need it
    from trl.scripts.utils import TrlParser

    from trust_grpo.config import TrustGRPOConfig
    from trust_grpo.run import RunArguments

app = typer.Typer(add_completion=False, no_args_is_help=True)


_VLLM_VERSION_WARNING = "TRL currently supports vLLM versions"  # TRL's, on import: not ours to act on


@app.callback()
def trainer() -> None:
    """Trust-GRPO trainer."""
    warnings.filterwarnings("ignore", message=_VLLM_VERSION_WARNING)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The command's docstring as written, then every key with its help and default."""


def _dests(parser: argparse.ArgumentParser) -> set[str]:
    """The keys a config file may set: every argument's `dest`, subparsers' too (as TRL applies them)."""
    found = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                found |= _dests(subparser)
        else:
            found.add(action.dest)
    return found


def refuse_unknown_config_keys(parser: argparse.ArgumentParser, args: Sequence[str]) -> None:
    """Raise `ValueError` naming the keys of the `--config FILE` in `args` that no argument has.

    Runs before TRL reads the file, which sets its `env:` block in os.environ first and hands the
    unknown keys back only after parsing (a misspelt `polcy:` would surface as a missing `--policy`).
    A missing file raises `OSError` here as it would there; one that is no mapping is left to TRL.
    """
    if "--config" not in args or args.index("--config") + 1 >= len(args):
        return
    import yaml

    with open(args[args.index("--config") + 1]) as file:
        config = yaml.safe_load(file)
    if not isinstance(config, dict):
        return
    known = _dests(parser) | {"env"}  # TRL's own key: environment variables to set
    unknown = sorted(str(key) for key in config if key not in known)
    if unknown:
        raise ValueError(
            f"unknown keys in the config file: {', '.join(unknown)} (see `trust-grpo train --help`)"
        )


@functools.cache
def _train_parser_class() -> type[TrlParser]:
    from trl.scripts.utils import TrlParser

    class TrainParser(TrlParser):
        """TRL's parser, refusing config-file keys that no model has before it applies anything
        of the file (`refuse_unknown_config_keys`)."""

        def parse_args_and_config(
            self,
            args: Iterable[str] | None = None,
            return_remaining_strings: bool = False,
            fail_with_unknown_args: bool = True,
            separate_remaining_strings: bool = False,
        ) -> tuple[Any, ...]:
            args = list(args) if args is not None else sys.argv[1:]
            refuse_unknown_config_keys(self, args)
            return super().parse_args_and_config(
                args, return_remaining_strings, fail_with_unknown_args, separate_remaining_strings
            )

    return TrainParser


def train_parser() -> TrlParser:
    """The parser over the run's keys and `TrustGRPOConfig`'s (TRL's and ours); its help is the
    `train` command's docstring followed by the models' fields. Loads TRL."""
    warnings.filterwarnings("ignore", message=_VLLM_VERSION_WARNING)
    from trust_grpo.config import TrustGRPOConfig
    from trust_grpo.run import RunArguments

    return _train_parser_class()(
        [RunArguments, TrustGRPOConfig],  # type: ignore[list-item]
        prog="trust-grpo train",
        usage=argparse.SUPPRESS,  # the docstring's first line is the usage; argparse's would list every flag
        description=inspect.cleandoc(train.__doc__ or ""),
        formatter_class=_HelpFormatter,
    )


def parse_train_args(argv: Sequence[str]) -> tuple[RunArguments, TrustGRPOConfig]:
    """`--config FILE` and `--key value` flags, TRL's way: the file sets keys, flags override them.

    Raises `ValueError` for an unknown key or flag and for a value the models refuse; argparse
    exits 2 on malformed flags.
    """
    run, config, unused = train_parser().parse_args_and_config(list(argv), return_remaining_strings=True)
    if unused:
        raise ValueError(f"unknown flags: {' '.join(unused)} (see `trust-grpo train --help`)")
    return run, config


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def train(ctx: typer.Context) -> None:
    """Train with Trust-GRPO: `trust-grpo train --config FILE [--KEY VALUE ...]`.

    FILE is YAML whose keys are the options below (TRL's GRPOConfig, Trust-GRPO's and the run's),
    with an optional `env:` mapping of environment variables to set; flags given after it override
    the file. Keys and flags alike are refused when no model has them.

    Exit codes: 0 done, 2 a bad config or nothing to resume, 3 the reward services failed (a
    checkpoint was written; rerun with --resume).
    """
    if {"-h", "--help"} & set(ctx.args):
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


MOVED_MAKE_POLICY = "moved: use `tiny-models policy` (tools/tiny_models)"


@app.command(
    "make-policy",
    hidden=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def make_policy() -> None:
    """The toy policy's builder left the trainer: say where it went, whatever the arguments."""
    typer.secho(MOVED_MAKE_POLICY, fg="red", err=True)
    raise typer.Exit(2)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
