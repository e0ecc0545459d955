"""Training and evaluation problems: the toy task, or JSONL files of the user's own."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def as_dataset(items: Sequence[TaskItem]) -> Any:
    """A `datasets.Dataset` in TRL's conversational prompt format, with the columns the reward
    services read (`question`, `ground_truth`, `answer_type`, and `images` when any item has some)."""
    from datasets import Dataset

    rows: dict[str, list[Any]] = {
        "prompt": [[{"role": "user", "content": item.question}] for item in items],
        "question": [item.question for item in items],
        "ground_truth": [item.ground_truth for item in items],
        "answer_type": [str(item.answer_type) for item in items],
    }
    if any(item.images for item in items):
        rows["images"] = [list(item.images) for item in items]
    return Dataset.from_dict(rows)


def training_items(dataset: str, count: int, seed: int) -> list[TaskItem]:
    """`count` training problems of the toy task, or every problem of a JSONL file."""
    if dataset == "toy":
        return list(itertools.islice(training_stream(dataset, seed), count))
    return read_jsonl(Path(dataset))
