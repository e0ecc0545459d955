"""The outcome verifier: format policy, strict extraction, five answer types (DESIGN section 6)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from reward_proto import AnswerType, ItemStatus, OutcomeDetails, ScoreItem, ScoreResult, ScorerName

from reward_server.cache import LRUCache
from reward_server.config import Settings
from reward_server.metrics import ServerMetrics
from reward_server.scorers.base import Prepared
from reward_server.scorers.outcome import extract, fast, guards, normalize
from reward_server.scorers.outcome.pool import WorkerPool
from reward_server.scorers.outcome.worker import Job, JobKind

logger = logging.getLogger(__name__)

_EXTRACTED_CAP = 200
_SYMBOLIC_TYPES: dict[AnswerType, JobKind] = {
    AnswerType.MATH: "math",
    AnswerType.NUMERICAL: "numerical",
    AnswerType.OCR: "ocr",
    AnswerType.FREE_FORM: "free_form",
}


@dataclass(frozen=True, slots=True)
class _Graded:
    """Accuracy in [0, 1] with its reason, or a non-ok status with an error."""

    status: ItemStatus
    accuracy: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class _Payload:
    extraction: extract.Extraction
    job: Job


def _ok(accuracy: float, reason: str) -> _Graded:
    return _Graded(ItemStatus.OK, accuracy, reason)


class OutcomeScorer:
    """Grades final answers against ground truths; symbolic work runs in a worker pool."""

    name = ScorerName.OUTCOME
    model = "outcome-verifier"
    queues_fairly = True

    def __init__(self, settings: Settings, metrics: ServerMetrics) -> None:
        self._settings = settings
        policy = "gate" if settings.format_policy == "gate" else f"weighted{settings.format_weight:g}"
        container = "" if settings.answer_container == "answer_tag" else f"+{settings.answer_container}"
        self.model_version = f"rules-v2+{policy}{container}"
        self._pool = WorkerPool(
            workers=settings.verifier_workers,
            item_timeout_s=settings.item_timeout_s,
            memory_limit_bytes=settings.worker_memory_bytes,
            on_restart=metrics.observe_worker_restart,
        )
        self._metrics = metrics
        self._timed_out: LRUCache[str] = LRUCache(settings.remembered_timeouts)
        self._started = False

    @property
    def ready(self) -> bool:
        return self._started and bool(self._pool.worker_pids)

    @property
    def worker_pids(self) -> list[int]:
        return self._pool.worker_pids

    async def start(self) -> None:
        await self._pool.start()
        self._started = True

    async def close(self) -> None:
        self._started = False
        await self._pool.close()

    def prepare(self, item: ScoreItem) -> Prepared | ScoreResult:
        """Limits, extraction, policy and the fast paths; only items that need a worker go on."""
        settings = self._settings
        if len(item.response) > settings.max_response_chars:
            reason = f"response has {len(item.response)} characters (limit {settings.max_response_chars})"
            return _invalid(item.id, reason, None)
        refused = self._choices_refusal(item.choices)
        if refused:
            return _invalid(item.id, refused, None)
        extraction = extract.extract_answer(item.response, settings.answer_container)
        if item.ground_truth is None or not extract.strip_answer_tag(item.ground_truth):
            return _invalid(item.id, "ground_truth is required and must not be empty", extraction)
        if len(item.ground_truth) > settings.max_ground_truth_chars:
            limit = settings.max_ground_truth_chars
            reason = f"ground_truth has {len(item.ground_truth)} characters (limit {limit})"
            return _invalid(item.id, reason, extraction)
        truth = extract.strip_answer_tag(item.ground_truth)
        if extraction.answer is None:
            return self._result(item.id, extraction, _ok(0.0, extraction.reason or "no_answer"))
        decided = self._screen(item, extraction.answer, truth)
        if isinstance(decided, _Graded):
            return self._result(item.id, extraction, decided)
        key = json.dumps([extraction.format_ok, extraction.answer, truth, item.answer_type.value])
        cache_key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        return Prepared(
            item=item,
            tokens=(len(item.response) + len(truth)) // 4 + 1,
            group_key=item.group_id,
            cache_key=cache_key,
            payload=_Payload(extraction, decided),
        )

    async def score_batch(
        self,
        batch: Sequence[Prepared],
        deadlines: Sequence[float],
        origins: Sequence[Hashable],
        answers: Sequence[asyncio.Future[ScoreResult]] | None = None,
    ) -> list[ScoreResult]:
        async def settle(index: int) -> ScoreResult:
            try:
                result = await self._score(batch[index], deadlines[index], origins[index])
            except Exception as exc:  # one item's failure is that item's error, never the batch's
                logger.exception("grading item %s failed", batch[index].item.id)
                message = f"grading failed: {type(exc).__name__}: {exc}"[:300]
                result = ScoreResult(id=batch[index].item.id, status=ItemStatus.ERROR, error=message)
            if answers is not None and not answers[index].done():
                answers[index].set_result(result)
            return result

        tasks = [asyncio.ensure_future(settle(index)) for index in range(len(batch))]
        for answer, task in zip(answers or (), tasks, strict=False):
            answer.add_done_callback(_cancel_when_abandoned(task))
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        abandoned = "nobody waits for this item any more"
        return [
            outcome
            if isinstance(outcome, ScoreResult)
            else ScoreResult(id=prepared.item.id, status=ItemStatus.TIMEOUT, error=abandoned)
            for prepared, outcome in zip(batch, outcomes, strict=True)
        ]

    async def _score(self, prepared: Prepared, deadline: float, origin: Hashable) -> ScoreResult:
        payload = prepared.payload
        assert isinstance(payload, _Payload)
        key = prepared.cache_key or ""
        remembered = self._timed_out.get(key)
        if remembered is not None:
            self._metrics.remembered_timeouts.inc()
            graded = _Graded(ItemStatus.TIMEOUT, None, f"{remembered} (an earlier try; not graded again)")
        else:
            job_result = await self._pool.run(payload.job, deadline, origin)
            if job_result.over_limit:
                self._timed_out.put(key, job_result.reason)
            graded = _Graded(ItemStatus(job_result.status), job_result.accuracy, job_result.reason)
        return self._result(prepared.item.id, payload.extraction, graded)

    def _result(self, item_id: str, extraction: extract.Extraction, graded: _Graded) -> ScoreResult:
        details = _details(extraction, graded.accuracy, graded.reason)
        if graded.status is not ItemStatus.OK or graded.accuracy is None:
            return ScoreResult(id=item_id, status=graded.status, details=details, error=graded.reason)
        return ScoreResult(
            id=item_id,
            status=ItemStatus.OK,
            score=self._apply_format_policy(graded.accuracy, extraction.format_ok),
            details=details,
        )

    def _choices_refusal(self, choices: dict[str, str] | None) -> str | None:
        if not choices:
            return None
        settings = self._settings
        longest = max(max(len(letter), len(text)) for letter, text in choices.items())
        if longest > settings.max_choice_chars:
            return f"a choice has {longest} characters (limit {settings.max_choice_chars})"
        return None

    def _apply_format_policy(self, accuracy: float, format_ok: bool) -> float:
        if self._settings.format_policy == "gate":
            return accuracy if format_ok else 0.0
        weight = self._settings.format_weight
        return min(1.0, max(0.0, (1 - weight) * accuracy + weight * float(format_ok)))

    def _screen(self, item: ScoreItem, answer: str, truth: str) -> _Graded | Job:
        """A verdict when the server process can decide, else the job for a worker."""
        if item.answer_type is AnswerType.MULTIPLE_CHOICE:
            return self._grade_choice(answer, truth, item.choices)
        if item.answer_type in (AnswerType.MATH, AnswerType.NUMERICAL):
            return self._screen_math(item.answer_type, answer, truth)
        return Job(_SYMBOLIC_TYPES[item.answer_type], answer, truth, self._job_options(item.answer_type))

    def _screen_math(self, answer_type: AnswerType, answer: str, truth: str) -> _Graded | Job:
        """Policy and cheap decisions before any symbolic work: candidates, hostility, notation,
        fast paths; what is left is a job for a worker."""
        settings = self._settings
        candidate = extract.single_candidate(answer)
        stated = extract.single_candidate(truth)
        reference = (stated.joined() if stated.ambiguous else stated.text) or truth
        refused = guards.refusal_reason(reference, self._settings.max_ground_truth_chars)
        if refused:
            return _Graded(ItemStatus.INVALID, None, f"ground_truth refused: {refused}")
        reference = normalize.canonical_math(reference)
        text = candidate.text
        if candidate.ambiguous and extract.lists(reference):
            text = candidate.joined()  # `\boxed{1}, \boxed{2}` for the list `1, 2`
        elif candidate.ambiguous:
            text = None
        if text is None:
            return _ok(0.0, "multiple_candidates")
        refused = guards.refusal_reason(text, self._settings.max_answer_chars)
        if refused:
            return _Graded(ItemStatus.INVALID, None, f"answer refused: {refused}")
        if extract.negates(candidate.context):
            return _ok(0.0, "negated_answer")  # `It is not 3.`, `\boxed{3} is wrong; the answer is 4.`
        value, reference = normalize.align(normalize.canonical_math(text), reference, is_list=extract.lists)
        for side, limit, name in (
            (value, settings.max_answer_chars, "answer"),
            (reference, settings.max_ground_truth_chars, "ground_truth"),
        ):
            refused = guards.refusal_reason(side, limit)
            if refused:  # the rewrites may have made it (`2^{1,000,000,000}` is a power now)
                return _Graded(ItemStatus.INVALID, None, f"{name} refused: {refused}")
        if extract.hedges(candidate.context, value, reference):
            return _ok(0.0, "multiple_candidates")
        *earlier_sides, value = extract.equation_sides(value, reference)
        numbers = [fast.plain_number(side) for side in [*earlier_sides, value]]
        if earlier_sides and all(numbers) and len({number[0] for number in numbers if number}) > 1:
            return _ok(0.0, "multiple_candidates")  # `3 = 4`: a chain that contradicts itself
        if answer_type is AnswerType.MATH:
            verdict = fast.fast_math(value, reference)
        else:
            verdict = fast.fast_numerical(
                value, reference, self._settings.numerical_rel_tol, self._settings.numerical_abs_tol
            )
        if verdict is not None and (not earlier_sides or all(numbers)):
            return _ok(verdict.accuracy, verdict.reason)
        if extract.prose_words(value) >= 2:
            return _ok(0.0, "not_a_value")  # math-verify would pick a number out of the prose
        options = {**self._job_options(answer_type), "chain": earlier_sides}
        return Job(_SYMBOLIC_TYPES[answer_type], value, reference, options)

    def _grade_choice(self, answer: str, truth: str, choices: dict[str, str] | None) -> _Graded:
        expected = fast.choice_letters(extract.single_candidate(truth).text or truth, choices)
        if expected is None:
            return _Graded(ItemStatus.INVALID, None, "ground_truth does not name an option letter")
        candidate = extract.single_candidate(answer)
        if candidate.text is None or extract.has_alternatives(candidate.context):
            return _ok(0.0, "multiple_candidates")
        named_each = {fast.choice_letters(value, choices) for value in candidate.values or (candidate.text,)}
        if len(named_each) > 1:
            return _ok(0.0, "multiple_candidates")  # `Answer: B ... Answer: C`
        named = fast.choice_letters(candidate.text, choices)
        if named is None:
            return _ok(0.0, "not_a_choice")
        return _ok(1.0, "equivalent") if named == expected else _ok(0.0, "not_equivalent")

    def _job_options(self, answer_type: AnswerType) -> dict[str, object]:
        settings = self._settings
        if answer_type is AnswerType.NUMERICAL:
            return {"rel_tol": settings.numerical_rel_tol, "abs_tol": settings.numerical_abs_tol}
        if answer_type is AnswerType.OCR:
            return {"normalize": settings.ocr_normalize}
        if answer_type is AnswerType.FREE_FORM:
            return {"metric": settings.free_form_metric}
        return {}


def _cancel_when_abandoned(task: asyncio.Task[ScoreResult]) -> Callable[[asyncio.Future[ScoreResult]], None]:
    """Cancelling the task cancels its pool job, which a worker then skips."""

    def callback(answer: asyncio.Future[ScoreResult]) -> None:
        if answer.cancelled():
            task.cancel()

    return callback


def _details(extraction: extract.Extraction | None, accuracy: float | None, reason: str) -> OutcomeDetails:
    if extraction is None:
        return OutcomeDetails(format_ok=None, extracted=None, accuracy=None, reason=reason)
    extracted = extraction.answer[:_EXTRACTED_CAP] if extraction.answer is not None else None
    return OutcomeDetails(
        format_ok=extraction.format_ok, extracted=extracted, accuracy=accuracy, reason=reason
    )


def _invalid(item_id: str, reason: str, extraction: extract.Extraction | None) -> ScoreResult:
    return ScoreResult(
        id=item_id, status=ItemStatus.INVALID, details=_details(extraction, None, reason), error=reason
    )
