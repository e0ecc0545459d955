"""Training and evaluation problems: the toy task, or JSONL files of the user's own."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reward_proto import AnswerType

from trust_grpo import toy


@dataclass(frozen=True)
class TaskItem:
    """One prompt to train or evaluate on."""

    question: str
    ground_truth: str
    answer_type: AnswerType = AnswerType.MATH
    images: tuple[str, ...] = ()


def _from_toy(problem: toy.Problem) -> TaskItem:
    return TaskItem(problem.question, str(problem.answer), AnswerType.MATH)


def read_jsonl(path: Path) -> list[TaskItem]:
    """Problems from a JSONL file: `question`, `ground_truth`, optional `answer_type`, `images`."""
    items = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(
                TaskItem(
                    question=str(row["question"]),
                    ground_truth=str(row["ground_truth"]),
                    answer_type=AnswerType(row.get("answer_type", "math")),
                    images=tuple(row.get("images") or ()),
                )
            )
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a problem ({error!r})") from error
    if not items:
        raise ValueError(f"{path}: no problems")
    return items


def training_stream(dataset: str, seed: int, skip: int = 0) -> Iterator[TaskItem]:
    """Endless training problems; `skip` drops that many first (to resume where a run stopped)."""
    if dataset == "toy":
        stream: Iterator[TaskItem] = map(_from_toy, toy.training_problems(seed))
    else:
        stream = itertools.cycle(read_jsonl(Path(dataset)))
    return itertools.islice(stream, skip, None)


def evaluation_items(dataset: str, eval_dataset: str | None, count: int, seed: int) -> list[TaskItem]:
    """Held-out problems: `eval_dataset` if given, else the toy task's held-out split."""
    if eval_dataset is not None:
        return read_jsonl(Path(eval_dataset))[:count]
    if dataset != "toy":
        raise ValueError("eval_dataset is required when dataset is a file")
    return [_from_toy(problem) for problem in toy.held_out_problems(count, seed=seed + 12345)]
