"""`reward-server`: serve one scorer over HTTP.

Every setting of `reward_server.config.Settings` is a flag (`--max-batch-items 64`) and an
environment variable (`REWARD_SERVER_MAX_BATCH_ITEMS=64`); a flag wins over the variable. The
flags, their help and their choices come from the settings models, so nothing is restated here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from enum import Enum
from typing import NoReturn

from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import CliApp

from reward_server.app import create_app
from reward_server.config import SECTIONS, Settings
from reward_server.runtime import serve

# Keys on the command line show in `ps`: they come from the environment or a file only.
SECRETS = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
)


_SECRET_SOURCES = {
    "api_key": "set REWARD_SERVER_API_KEY in the environment, or pass --api-key-file",
    "upstream_api_key": "set REWARD_SERVER_UPSTREAM_API_KEY in the environment",
}


def flag(name: str) -> str:
    """The command-line flag of the setting `name`."""
    return "--" + name.replace("_", "-")


def settings_table() -> str:
    """The README's settings tables, one per section, from the models (tests keep them in sync)."""
    blocks = []
    for section in SECTIONS:
        rows = ["| environment variable | flag | default | meaning |", "|---|---|---|---|"]
        for name, field in section.model_fields.items():
            shown = "" if name in SECRETS else f"`{flag(name)}`"
            if shown and field.annotation is bool:
                shown += f" / `--no-{flag(name)[2:]}`"
            meaning = (field.description or "").replace("|", "\\|")
            rows.append(f"| `REWARD_SERVER_{name.upper()}` | {shown} | {_default(field)} | {meaning} |")
        title = (section.__doc__ or section.__name__).strip()
        blocks.append(f"**{section.__name__.removesuffix('Settings')}**: {title}\n\n" + "\n".join(rows))
    return "\n\n".join(blocks) + "\n"


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return (field.default_factory.__doc__ or "computed").split(" (")[0]
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value.value if isinstance(value, Enum) else value}`"


def parse(argv: Sequence[str]) -> Settings:
    """The settings for `argv` and the environment; `SystemExit(2)` with a message when they are
    not valid (argparse's own exit for malformed flags, ours for values a setting refuses)."""
    # Flags are matched without regard to case (the settings are case-insensitive), so these are too.
    given = {arg.partition("=")[0].lower().replace("_", "-") for arg in argv}
    for name in sorted(SECRETS):
        if flag(name) in given:
            _usage_error(f"{flag(name)} is not a flag: {_SECRET_SOURCES[name]}")
    try:
        return CliApp.run(Settings, cli_args=list(argv))
    except ValidationError as exc:
        _usage_error("; ".join(_describe(error) for error in exc.errors(include_url=False)))


def _describe(error: ErrorDetails) -> str:
    """One refused setting, by its flag and variable; the value too, unless it is a key."""
    name = str(error["loc"][0]) if error["loc"] else ""
    if name not in Settings.model_fields:
        return _message(error)  # a check across settings: its message names them
    given = "" if name in SECRETS else f" {error['input']!r}"
    return f"{flag(name)} (REWARD_SERVER_{name.upper()}){given}: {_message(error)}"


def _message(error: ErrorDetails) -> str:
    return error["msg"].removeprefix("Value error, ")


def _usage_error(message: str) -> NoReturn:
    print(f"reward-server: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    serve(create_app(settings), settings.server)
