"""The outcome verifier: format policy, strict extraction, five answer types
(docs/architecture.md, Outcome verifier)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reward_proto import AnswerType, ItemStatus, OutcomeDetails, ScoreItem, ScoreResult, ScorerName

from reward_server.batcher import Work
from reward_server.cache import LRUCache
from reward_server.config import OutcomeSettings, RequestLimits
from reward_server.metrics import ServerMetrics
from reward_server.scorers.base import Prepared
from reward_server.scorers.outcome import extract, fast, guards, normalize
from reward_server.scorers.outcome.grade import Grade
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
class Pending:
    """An answer that needs a worker: what was extracted, the job, and its cache key (which also
    remembers items that ran out of time)."""

    extraction: extract.Extraction
    job: Job
    key: str


class OutcomeScorer:
    """Grades final answers against ground truths; symbolic work runs in a worker pool."""

    name = ScorerName.OUTCOME
    model = "outcome-verifier"
    queues_fairly = True

    def __init__(self, limits: RequestLimits, settings: OutcomeSettings, metrics: ServerMetrics) -> None:
        self._limits = limits
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

    def prepare(self, item: ScoreItem) -> Prepared[Pending] | ScoreResult:
        """Limits, extraction, policy and the fast paths; only items that need a worker go on."""
        limits = self._limits
        if len(item.response) > limits.max_response_chars:
            reason = f"response has {len(item.response)} characters (limit {limits.max_response_chars})"
            return _invalid(item.id, reason, None)
        refused = self._choices_refusal(item.choices)
        if refused:
            return _invalid(item.id, refused, None)
        extraction = extract.extract_answer(item.response, self._settings.answer_container)
        if item.ground_truth is None or not extract.strip_answer_tag(item.ground_truth):
            return _invalid(item.id, "ground_truth is required and must not be empty", extraction)
        if len(item.ground_truth) > limits.max_ground_truth_chars:
            limit = limits.max_ground_truth_chars
            reason = f"ground_truth has {len(item.ground_truth)} characters (limit {limit})"
            return _invalid(item.id, reason, extraction)
        truth = extract.strip_answer_tag(item.ground_truth)
        if extraction.answer is None:
            return self._result(item.id, extraction, Grade.ok(0.0, extraction.reason or "no_answer"))
        decided = self._screen(item, extraction.answer, truth)
        if isinstance(decided, Grade):
            return self._result(item.id, extraction, decided)
        key = json.dumps([extraction.format_ok, extraction.answer, truth, item.answer_type.value])
        cache_key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        return Prepared(
            tokens=(len(item.response) + len(truth)) // 4 + 1,
            group_key=item.group_id,
            cache_key=cache_key,
            payload=Pending(extraction, decided, cache_key),
        )

    async def score_batch(self, batch: Sequence[Work[Pending]]) -> None:
        """Each item is graded on its own and answered as soon as it is; an abandoned one's pool
        job is cancelled, which a worker then skips."""
        tasks = [asyncio.ensure_future(self._settle(work)) for work in batch]
        for work, task in zip(batch, tasks, strict=True):
            work.future.add_done_callback(_cancel_when_abandoned(task))
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _settle(self, work: Work[Pending]) -> None:
        try:
            result = self._result(work.id, work.payload.extraction, await self._grade(work))
        except Exception as exc:  # one item's failure is that item's error, never the batch's
            logger.exception("grading item %s failed", work.id)
            message = f"grading failed: {type(exc).__name__}: {exc}"[:300]
            result = ScoreResult(id=work.id, status=ItemStatus.ERROR, error=message)
        if not work.future.done():
            work.future.set_result(result)

    async def _grade(self, work: Work[Pending]) -> Grade:
        key = work.payload.key
        remembered = self._timed_out.get(key)
        if remembered is not None:
            self._metrics.remembered_timeouts.inc()
            return Grade.failed(ItemStatus.TIMEOUT, f"{remembered} (an earlier try; not graded again)")
        grade = await self._pool.run(work.payload.job, work.deadline, work.origin)
        if grade.over_limit:
            self._timed_out.put(key, grade.reason)
        return grade

    def _result(self, item_id: str, extraction: extract.Extraction, graded: Grade) -> ScoreResult:
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
        limit = self._limits.max_choice_chars
        longest = max(max(len(letter), len(text)) for letter, text in choices.items())
        if longest > limit:
            return f"a choice has {longest} characters (limit {limit})"
        return None

    def _apply_format_policy(self, accuracy: float, format_ok: bool) -> float:
        if self._settings.format_policy == "gate":
            return accuracy if format_ok else 0.0
        weight = self._settings.format_weight
        return min(1.0, max(0.0, (1 - weight) * accuracy + weight * float(format_ok)))

    def _screen(self, item: ScoreItem, answer: str, truth: str) -> Grade | Job:
        """A verdict when the server process can decide, else the job for a worker."""
        if item.answer_type is AnswerType.MULTIPLE_CHOICE:
            return self._grade_choice(answer, truth, item.choices)
        if item.answer_type in (AnswerType.MATH, AnswerType.NUMERICAL):
            return self._screen_math(item.answer_type, answer, truth)
        return Job(_SYMBOLIC_TYPES[item.answer_type], answer, truth, self._job_options(item.answer_type))

    def _screen_math(self, answer_type: AnswerType, answer: str, truth: str) -> Grade | Job:
        """Policy and cheap decisions before any symbolic work: candidates, hostility, notation,
        fast paths; what is left is a job for a worker."""
        settings, truth_limit = self._settings, self._limits.max_ground_truth_chars
        candidate = extract.single_candidate(answer)
        stated = extract.single_candidate(truth)
        reference = (stated.joined() if stated.ambiguous else stated.text) or truth
        refused = guards.refusal_reason(reference, truth_limit)
        if refused:
            return Grade.failed(ItemStatus.INVALID, f"ground_truth refused: {refused}")
        reference = normalize.canonical_math(reference)
        text = candidate.text
        if candidate.ambiguous and extract.lists(reference):
            text = candidate.joined()  # `\boxed{1}, \boxed{2}` for the list `1, 2`
        elif candidate.ambiguous:
            text = None
        if text is None:
            return Grade.ok(0.0, "multiple_candidates")
        refused = guards.refusal_reason(text, settings.max_answer_chars)
        if refused:
            return Grade.failed(ItemStatus.INVALID, f"answer refused: {refused}")
        if extract.negates(candidate.context):
            return Grade.ok(0.0, "negated_answer")  # `It is not 3.`, `\boxed{3} is wrong; the answer is 4.`
        value, reference = normalize.align(normalize.canonical_math(text), reference, is_list=extract.lists)
        for side, limit, name in (
            (value, settings.max_answer_chars, "answer"),
            (reference, truth_limit, "ground_truth"),
        ):
            refused = guards.refusal_reason(side, limit)
            if refused:  # the rewrites may have made it (`2^{1,000,000,000}` is a power now)
                return Grade.failed(ItemStatus.INVALID, f"{name} refused: {refused}")
        if extract.hedges(candidate.context, value, reference):
            return Grade.ok(0.0, "multiple_candidates")
        *earlier_sides, value = extract.equation_sides(value, reference)
        numbers = [fast.plain_number(side) for side in [*earlier_sides, value]]
        if earlier_sides and all(numbers) and len({number[0] for number in numbers if number}) > 1:
            return Grade.ok(0.0, "multiple_candidates")  # `3 = 4`: a chain that contradicts itself
        if answer_type is AnswerType.MATH:
            verdict = fast.fast_math(value, reference)
        else:
            verdict = fast.fast_numerical(
                value, reference, self._settings.numerical_rel_tol, self._settings.numerical_abs_tol
            )
        if verdict is not None and (not earlier_sides or all(numbers)):
            return verdict
        if extract.prose_words(value) >= 2:
            return Grade.ok(0.0, "not_a_value")  # math-verify would pick a number out of the prose
        options = {**self._job_options(answer_type), "chain": earlier_sides}
        return Job(_SYMBOLIC_TYPES[answer_type], value, reference, options)

    def _grade_choice(self, answer: str, truth: str, choices: dict[str, str] | None) -> Grade:
        expected = fast.choice_letters(extract.single_candidate(truth).text or truth, choices)
        if expected is None:
            return Grade.failed(ItemStatus.INVALID, "ground_truth does not name an option letter")
        candidate = extract.single_candidate(answer)
        if candidate.text is None or extract.has_alternatives(candidate.context):
            return Grade.ok(0.0, "multiple_candidates")
        named_each = {fast.choice_letters(value, choices) for value in candidate.values or (candidate.text,)}
        if len(named_each) > 1:
            return Grade.ok(0.0, "multiple_candidates")  # `Answer: B ... Answer: C`
        named = fast.choice_letters(candidate.text, choices)
        if named is None:
            return Grade.ok(0.0, "not_a_choice")
        return Grade.ok(1.0, "equivalent") if named == expected else Grade.ok(0.0, "not_equivalent")

    def _job_options(self, answer_type: AnswerType) -> dict[str, object]:
        settings = self._settings
        if answer_type is AnswerType.NUMERICAL:
            return {"rel_tol": settings.numerical_rel_tol, "abs_tol": settings.numerical_abs_tol}
        if answer_type is AnswerType.OCR:
            return {"normalize": settings.ocr_normalize}
        if answer_type is AnswerType.FREE_FORM:
            return {"metric": settings.free_form_metric}
        return {}


def _cancel_when_abandoned(task: asyncio.Future[None]) -> Callable[[asyncio.Future[ScoreResult]], None]:
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
