"""Rewrite the README's settings tables from the server's settings models.

    .venv/bin/python scripts/settings_table.py

`tests/reward_server/test_cli.py` fails while the README and the models disagree.
"""

from __future__ import annotations

from pathlib import Path

from reward_server.cli import settings_table

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = "<!-- settings: generated from reward_server.config by scripts/settings_table.py; do not edit -->\n"
END = "<!-- /settings -->\n"


def with_table(text: str) -> str:
    """`text` with the block between the markers replaced by the generated tables."""
    head, begin, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{README}: the settings markers are missing")
    return f"{head}{BEGIN}{settings_table()}{END}{tail}"


if __name__ == "__main__":
    README.write_text(with_table(README.read_text()))
