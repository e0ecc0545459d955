"""A progress bar over training steps with the numbers people watch."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class StepProgress:
    """`with StepProgress(total, start) as bar: bar.advance(record)`; silent when disabled."""

    def __init__(self, total: int, start: int, *, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            disable=not enabled,
        )
        self._task = self._progress.add_task("train", total=total, completed=start, status="")

    def __enter__(self) -> StepProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def advance(self, record: dict[str, Any]) -> None:
        def shown(key: str, form: str) -> str:
            value = record.get(key)
            return "-" if value is None else format(value, form)

        status = (
            f"acc {shown('train_accuracy', '.0%')}  outcome {shown('outcome_reward_mean', '.2f')}  "
            f"think ✓{shown('thinking_reward_correct', '.2f')} ✗{shown('thinking_reward_wrong', '.2f')}  "
            f"gamma {shown('gamma_mean', '.2f')}  wait {shown('reward_wait_fraction', '.0%')}"
        )
        self._progress.update(self._task, advance=1, status=status)
