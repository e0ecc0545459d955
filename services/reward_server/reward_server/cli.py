"""`reward-server`: serve one scorer over HTTP. Flags override `REWARD_SERVER_*` variables."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from reward_proto import ScorerName

from reward_server.app import create_app
from reward_server.config import Settings
from reward_server.runtime import serve as run_server

cli = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode="rich")


@cli.command()
def serve(
    scorer: Annotated[ScorerName | None, typer.Option(help="Scorer to serve.")] = None,
    backend: Annotated[
        str | None, typer.Option(help="Thinking judge: rules | transformers | vllm | openai.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Judge model path or name.")] = None,
    score_mode: Annotated[str | None, typer.Option(help="logprob | parsed.")] = None,
    rules_profile: Annotated[
        str | None, typer.Option(help="rules judge: honest | farmable (the ablation's hackable judge).")
    ] = None,
    upstream_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible judge URL (--backend openai).")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8000).")] = None,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            help="Require `Authorization: Bearer <key>` with the key in this file"
            " (or env REWARD_SERVER_API_KEY; never on the command line, where `ps` shows it)."
        ),
    ] = None,
    max_items_per_request: Annotated[int | None, typer.Option(help="Items per request; more: 413.")] = None,
    max_batch_items: Annotated[int | None, typer.Option(help="A batch closes at this many items.")] = None,
    max_batch_tokens: Annotated[int | None, typer.Option(help="... or this many estimated tokens.")] = None,
    max_wait_ms: Annotated[float | None, typer.Option(help="... or after this long.")] = None,
    max_queue_items: Annotated[int | None, typer.Option(help="Queue bound in items; past it, 429.")] = None,
    max_queue_tokens: Annotated[int | None, typer.Option(help="Queue bound in tokens; past it, 429.")] = None,
    item_timeout_s: Annotated[
        float | None, typer.Option(help="Hard wall-clock limit per graded item.")
    ] = None,
    verifier_workers: Annotated[
        int | None, typer.Option(help="Verifier processes (default: CPU count).")
    ] = None,
    format_policy: Annotated[str | None, typer.Option(help="gate | weighted.")] = None,
    answer_container: Annotated[str | None, typer.Option(help="answer_tag | boxed | either.")] = None,
    log_level: Annotated[str | None, typer.Option(help="debug | info | warning | error.")] = None,
) -> None:
    """Start the reward server. Every setting is documented in the README."""
    overrides: dict[str, Any] = {
        name: value for name, value in locals().items() if value is not None and name != "overrides"
    }
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from None
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run_server(create_app(settings), settings)


def main() -> None:
    cli()
