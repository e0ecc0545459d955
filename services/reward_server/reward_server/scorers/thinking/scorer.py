"""The thinking scorer: renders the SophiaVL judge prompt and asks a judge
(docs/architecture.md, Thinking scorer)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from reward_proto import ItemStatus, ScoreItem, ScoreResult, ScorerName, ThinkingDetails

from reward_server.batcher import Work
from reward_server.config import RequestLimits
from reward_server.metrics import ServerMetrics
from reward_server.scorers.base import Prepared, invalid
from reward_server.scorers.thinking.images import ImageRefused, check_image
from reward_server.scorers.thinking.injection import KINDS, JudgeDirected, judge_directed
from reward_server.scorers.thinking.judge import Judge, JudgeInput, JudgeOutcome
from reward_server.scorers.thinking.prompt import prepare_question, prepare_reasoning, template

RAW_CAP = 200
_TEMPLATE_TOKENS = len(template()) // 4


def _add_field(digest: hashlib.blake2b, data: bytes) -> None:
    # Length first: no byte inside a field can move the boundary between two fields (a NUL
    # separator once let one caller plant the score another caller received).
    digest.update(len(data).to_bytes(8, "little"))
    digest.update(data)


class ThinkingScorer:
    """Scores whole reasoning traces in [0, 1] with a judge.

    Each response is scanned for text addressed to the judge (`injection.judge_directed`) first:
    what is found goes into `details.judge_directed` and the metric, and with
    `zero_judge_directed` such an item scores 0 without a judge call.
    """

    name = ScorerName.THINKING
    queues_fairly = False

    def __init__(
        self,
        judge: Judge,
        metrics: ServerMetrics,
        limits: RequestLimits,
        *,
        zero_judge_directed: bool = False,
    ) -> None:
        self._judge = judge
        self._metrics = metrics
        metrics.start_at_zero(metrics.judge_directed, "kind", KINDS)
        self._limits = limits
        self._zero_judge_directed = zero_judge_directed
        self.model = judge.model
        self.model_version = judge.model_version

    @property
    def ready(self) -> bool:
        return self._judge.ready

    async def start(self) -> None:
        await self._judge.start()

    async def close(self) -> None:
        await self._judge.close()

    def prepare(self, item: ScoreItem) -> Prepared[JudgeInput] | ScoreResult:
        limits = self._limits
        if len(item.response) > limits.max_response_chars:
            return invalid(
                item.id, f"response has {len(item.response)} characters (limit {limits.max_response_chars})"
            )
        if item.question is not None and len(item.question) > limits.max_question_chars:
            return invalid(
                item.id, f"question has {len(item.question)} characters (limit {limits.max_question_chars})"
            )
        images = item.images or []
        digest = hashlib.blake2b(digest_size=16)
        for index, uri in enumerate(images):
            try:
                data = check_image(uri, limits.max_image_bytes, limits.max_image_pixels)
            except ImageRefused as exc:
                return invalid(item.id, f"images[{index}]: {exc}")
            _add_field(digest, data)
        question = prepare_question(item.question, has_image=bool(images))
        reasoning = prepare_reasoning(item.response)
        for part in (self.model_version, question, reasoning):
            _add_field(digest, part.encode("utf-8", "surrogatepass"))
        return Prepared(
            tokens=_TEMPLATE_TOKENS + (len(question) + len(reasoning)) // 4 + 1,
            group_key=item.group_id,
            cache_key=digest.hexdigest(),
            # SophiaVL's judge sees the first image only.
            payload=JudgeInput(question=question, reasoning=reasoning, image=images[0] if images else None),
        )

    async def score_batch(self, batch: Sequence[Work[JudgeInput]]) -> None:
        """The judge answers a whole batch at once."""
        inputs = [work.payload for work in batch]
        directed = [judge_directed(judge_input.reasoning) for judge_input in inputs]
        for kinds in directed:
            for kind in kinds:
                self._metrics.observe_judge_directed(kind)
        outcomes = await self._judge.judge(inputs)
        if len(outcomes) != len(batch):  # misaligned scores would go to the wrong items
            raise RuntimeError(f"the judge returned {len(outcomes)} outcomes for {len(batch)} items")
        for work, outcome, kinds in zip(batch, outcomes, directed, strict=True):
            result = self._result(work.id, outcome, kinds)  # counted even if nobody waits for it
            if not work.future.done():
                work.future.set_result(result)

    def _result(self, item_id: str, outcome: JudgeOutcome, kinds: Sequence[JudgeDirected]) -> ScoreResult:
        if outcome.truncated:
            self._metrics.truncated.inc()
        if outcome.parse_failure:
            self._metrics.parse_failures.inc()
        self._metrics.judge_prompt_tokens.inc(outcome.prompt_tokens)
        self._metrics.judge_cached_tokens.inc(outcome.cached_tokens)
        details = ThinkingDetails(
            raw=outcome.raw[:RAW_CAP] if outcome.raw is not None else None,
            method=outcome.method,
            truncated=outcome.truncated,
            judge_directed=list(kinds),
        )
        if kinds and self._zero_judge_directed and outcome.score is not None:
            # The judge is still asked, so `raw` shows what the response would have earned.
            outcome = dataclasses.replace(outcome, score=0.0)
        if outcome.score is None:
            error = outcome.error or "the judge gave no score"
            return ScoreResult(id=item_id, status=ItemStatus.ERROR, details=details, error=error)
        return ScoreResult(id=item_id, status=ItemStatus.OK, score=outcome.score, details=details)
