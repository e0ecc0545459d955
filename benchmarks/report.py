"""How the benchmarks print a table: Markdown for docs/benchmarks.md, or a terminal table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

console = Console()


def show(title: str, headers: Sequence[str], lines: Sequence[Sequence[str]], markdown: bool) -> None:
    if markdown:
        print(f"**{title}**\n")
        print("| " + " | ".join(headers) + " |")
        print("|" + "---|" * len(headers))
        for line in lines:
            print("| " + " | ".join(line) + " |")
        print()
        return
    table = Table(title=title)
    for index, header in enumerate(headers):
        table.add_column(header, justify="left" if index == 0 else "right", overflow="fold")
    for line in lines:
        table.add_row(*line)
    (console if console.is_terminal else Console(width=200)).print(table)  # piped: do not squeeze


def note(text: str, markdown: bool) -> None:
    if markdown:
        print(f"- {text}")
    else:
        console.print(f"- {text}")
