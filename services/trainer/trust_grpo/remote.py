"""The reward services as TRL reward functions: one async callable per service.

`RemoteReward("outcome", urls)` is what TRL calls a reward function: `await reward(prompts=...,
completions=..., **dataset_columns)` returns one float per completion, `None` (NaN) where the service
could not score it, never 0. Plain `GRPOTrainer` users can pass two of them as `reward_funcs`;
`TrustGRPOTrainer` builds them itself and starts their requests early (`score`).
"""

from __future__ import annotations

import asyncio
import base64
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError
from reward_proto import ItemStatus, ScoreItem

from trust_grpo.client import DEFAULT_DNS_REFRESH_S, ItemScore, RewardClient
from trust_grpo.metrics import TrainerMetrics

# Dataset columns that travel to the services; every other column stays in the trainer.
ITEM_COLUMNS = ("ground_truth", "answer_type", "question", "images", "choices")


@dataclass(frozen=True)
class ClientOptions:
    """How a `RewardClient` calls one service (see `RewardClient` for each knob)."""

    api_key: str | None = None
    timeout_s: float = 120.0
    attempt_timeout_s: float | None = None
    max_retries: int = 4
    eject_after: int = 3
    eject_for_s: float = 5.0
    seed: int | None = None
    dns_refresh_s: float = DEFAULT_DNS_REFRESH_S


def completion_text(completion: Any) -> str:
    """A TRL completion as text: a string, or the content of a conversational completion."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        content = completion[-1].get("content", "")
        if isinstance(content, list):  # multimodal content parts
            return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
        return str(content)
    raise TypeError(f"cannot read a completion of type {type(completion).__name__}")


def question_text(prompt: Any) -> str | None:
    """The question a prompt asks: the prompt string, or its last user turn."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        for message in reversed(prompt):
            if isinstance(message, dict) and message.get("role") == "user":
                return completion_text([message])
    return None


def image_uri(image: Any) -> str:
    """A dataset image as the wire takes it: a data URI (a PIL image is PNG-encoded; a string is
    passed on as it is, for the service to accept or refuse)."""
    if isinstance(image, str):
        return image
    if hasattr(image, "save"):  # PIL, as TRL and `datasets` hand images over
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    raise TypeError(f"cannot send an image of type {type(image).__name__}")


def score_items(
    ids: Sequence[str],
    group_ids: Sequence[str],
    prompts: Sequence[Any],
    completions: Sequence[Any],
    columns: Mapping[str, Sequence[Any]],
) -> list[ScoreItem | ItemScore]:
    """One wire item per completion; a row the wire model refuses becomes an `invalid` score."""
    items: list[ScoreItem | ItemScore] = []
    for index, (item_id, group_id, prompt, completion) in enumerate(
        zip(ids, group_ids, prompts, completions, strict=True)
    ):
        fields = {key: columns[key][index] for key in ITEM_COLUMNS if key in columns}
        fields = {key: value for key, value in fields.items() if value is not None}
        fields.setdefault("question", question_text(prompt))
        if fields.get("ground_truth") is not None:
            fields["ground_truth"] = str(fields["ground_truth"])
        try:
            if "images" in fields:
                images = fields["images"]
                fields["images"] = [
                    image_uri(image) for image in (images if isinstance(images, list) else [images])
                ]
            items.append(
                ScoreItem(id=item_id, group_id=group_id, response=completion_text(completion), **fields)
            )
        except (ValidationError, TypeError) as error:
            reason = f"row {index} is not a valid score item: {error}".replace("\n", " ")[:300]
            items.append(ItemScore(id=item_id, score=math.nan, status=ItemStatus.INVALID, reason=reason))
    return items


class RemoteReward:
    """One reward service (all its replicas) as an async TRL reward function.

    The `RewardClient` is created on first use inside the event loop that calls it (TRL runs async
    reward functions on one daemon loop) and must be used from that loop only.
    """

    def __init__(
        self,
        name: str,
        urls: str | Sequence[str],
        options: ClientOptions | None = None,
        *,
        metrics: TrainerMetrics | None = None,
    ) -> None:
        self.__name__ = name  # TRL logs a reward function under its __name__
        self.name = name
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.options = options or ClientOptions()
        self.metrics = metrics
        self._client: RewardClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._calls = 0

    def client(self) -> RewardClient:
        loop = asyncio.get_running_loop()
        if self._client is None:
            options = asdict(self.options)
            self._client = RewardClient(self.urls, name=self.name, metrics=self.metrics, **options)
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError(f"the {self.name} reward client belongs to another event loop")
        return self._client

    async def score(self, items: Sequence[ScoreItem | ItemScore]) -> list[ItemScore]:
        """Scores in input order; items already failed locally pass through unsent."""
        sendable = [item for item in items if isinstance(item, ScoreItem)]
        answered = iter(await self.client().score(sendable) if sendable else [])
        return [next(answered) if isinstance(item, ScoreItem) else item for item in items]

    async def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        """TRL's reward-function signature; one call per batch, ids unique per call."""
        self._calls += 1
        ids = [f"c{self._calls}-{index}" for index in range(len(completions))]
        items = score_items(ids, ids, prompts, completions, columns)
        return [None if not result.ok else result.score for result in await self.score(items)]

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
