"""A rich progress bar over training steps with the numbers people watch (replaces TRL's tqdm)."""

from __future__ import annotations

from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments


def _shown(logs: dict[str, Any], key: str, form: str) -> str:
    value = logs.get(key)
    return "-" if value is None else format(value, form)


def status_line(logs: dict[str, Any]) -> str:
    """The step's headline numbers from a TRL log record."""
    return (
        f"outcome {_shown(logs, 'trust/outcome_reward_mean', '.2f')}  "
        f"think ✓{_shown(logs, 'trust/thinking_reward_correct', '.2f')} "
        f"✗{_shown(logs, 'trust/thinking_reward_wrong', '.2f')}  "
        f"gamma {_shown(logs, 'trust/gamma_mean', '.2f')}  "
        f"wait {_shown(logs, 'trust/reward_wait_fraction', '.0%')}  "
        f"step {_shown(logs, 'trust/step_seconds', '.1f')}s"
    )


class StepProgress(TrainerCallback):
    """One bar for the run, on the main process only."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        self._progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self._task = self._progress.add_task(
            "train", total=state.max_steps, completed=state.global_step, status=""
        )
        self._progress.start()

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=state.global_step)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # the run's closing record (train_runtime, ...) has none of the step's numbers: keep the last
        if self._progress is not None and self._task is not None and logs and "loss" in logs:
            self._progress.update(self._task, status=status_line(logs))

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
