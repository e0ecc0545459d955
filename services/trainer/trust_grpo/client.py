"""Async client of the reward services (DESIGN sections 3 and 7).

One pooled `httpx.AsyncClient` per replica, a deadline per `score` call that retries never run past,
retries on transient failures with jittered exponential backoff (on another replica when there are
several), least-outstanding routing with ejection of failing replicas, and results matched by id.
Items that cannot be scored come back as NaN with a reason, never as 0.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from reward_proto import ErrorEnvelope, ItemStatus, ScoreItem, ScoreResult

from trust_grpo.metrics import TrainerMetrics

logger = logging.getLogger(__name__)

NAN = float("nan")
_OK, _ERROR, _TIMEOUT = ItemStatus.OK.value, ItemStatus.ERROR.value, ItemStatus.TIMEOUT.value

# The server gets a slightly smaller deadline than the client so that it can still answer with
# per-item `timeout` results (and keep the items it finished) before the client gives up on it.
_SERVER_MARGIN_S = 0.25
_SERVER_MARGIN_FRACTION = 0.1
# A replica that drops packets would otherwise hold each attempt until the call's deadline.
_CONNECT_TIMEOUT_S = 5.0
_RETRYABLE_STATUS = frozenset({408, 429})
_MAX_REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class ItemScore:
    """The score of one item: `score` is a float only when `status == "ok"`, else NaN with a `reason`."""

    id: str
    score: float
    status: str
    reason: str | None = None
    details: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == _OK


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why one attempt at one chunk failed."""

    status: str  # the status its items get if this is the last attempt
    reason: str  # the reason its items get
    kind: str  # metric label: connect, network, timeout, http_503, ...
    retryable: bool
    replica_fault: bool  # counts towards ejecting the replica
    retry_after_s: float | None = None


class _ResultsBody(BaseModel):
    """A 200 body, read leniently: each result is validated on its own so one bad result fails one item."""

    model_config = ConfigDict(extra="ignore")
    results: list[Any]


class _Replica:
    __slots__ = ("client", "ejected_until", "failures", "hold_reason", "not_before", "outstanding", "url")

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url = url
        self.client = client
        self.outstanding = 0
        self.failures = 0  # consecutive failures
        self.ejected_until = 0.0  # monotonic time; ejected while now < ejected_until
        self.not_before = 0.0  # monotonic time before which a Retry-After asked us not to come back
        self.hold_reason = ""  # the answer that came with that Retry-After


def _split_endpoints(endpoints: str | Sequence[str]) -> list[str]:
    raw = endpoints.split(",") if isinstance(endpoints, str) else list(endpoints)
    urls = [url.strip().rstrip("/") for url in raw if url.strip()]
    if not urls:
        raise ValueError("at least one reward endpoint is required")
    if len(set(urls)) != len(urls):
        raise ValueError(f"duplicate reward endpoints in {urls}")
    return urls


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 3] + "..."


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _http_failure(response: httpx.Response) -> _Failure:
    code = response.status_code
    try:
        body = ErrorEnvelope.model_validate_json(response.content).error
        message = f"{body.type}: {body.message}"
    except ValidationError:
        message = response.text or response.reason_phrase
    retryable = code >= 500 or code in _RETRYABLE_STATUS
    return _Failure(
        status=_ERROR,
        reason=_clip(f"http {code}: {message}"),
        kind=f"http_{code}",
        retryable=retryable,
        # 408 and 429 mean busy, not broken: they are retried elsewhere but do not eject
        replica_fault=code >= 500,
        retry_after_s=_retry_after(response.headers.get("retry-after")) if retryable else None,
    )


def _transport_failure(exc: httpx.HTTPError, url: str) -> _Failure:
    described = _clip(f"{type(exc).__name__}: {exc} ({url})")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return _Failure(_ERROR, f"unreachable: {described}", "connect", True, True)
    if isinstance(exc, httpx.PoolTimeout):
        # our own connection pool is full: not the replica's fault
        return _Failure(_TIMEOUT, "timeout", "timeout", True, False)
    if isinstance(exc, httpx.TimeoutException):
        return _Failure(_TIMEOUT, "timeout", "timeout", True, True)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        # the replica went away mid-request; scoring is idempotent, so sending it again is safe
        return _Failure(_ERROR, f"network: {described}", "network", True, True)
    return _Failure(_ERROR, f"error: {described}", "client_error", False, False)


def _failed(item_id: str, failure: _Failure | None) -> ItemScore:
    if failure is None:
        return ItemScore(item_id, NAN, _TIMEOUT, "timeout")
    return ItemScore(item_id, NAN, failure.status, failure.reason)


def _from_result(raw: dict[str, Any]) -> ItemScore:
    # `details` passes through as sent: the server omits its null fields (exclude_none) while
    # `OutcomeDetails` declares them without defaults, so validating them would refuse valid answers.
    details = raw.get("details")
    details = details if isinstance(details, dict) else None
    result = ScoreResult.model_validate({**raw, "details": None})
    if result.status is ItemStatus.OK and result.score is not None:
        return ItemScore(result.id, float(result.score), _OK, None, details)
    reason = f"{result.status.value}: {result.error}" if result.error else result.status.value
    return ItemScore(result.id, NAN, result.status.value, _clip(reason), details)


def _match(chunk: Sequence[ScoreItem], content: bytes) -> list[ItemScore] | _Failure:
    """Match a 200 body to the chunk by id; a missing, duplicated or malformed result fails its item."""
    try:
        body = _ResultsBody.model_validate_json(content)
    except ValidationError as exc:
        reason = _clip(f"bad response: {exc.errors()[0]['msg']}")
        return _Failure(_ERROR, reason, "bad_response", retryable=False, replica_fault=False)
    wanted = {item.id for item in chunk}
    seen: Counter[str] = Counter()
    parsed: dict[str, ItemScore] = {}
    for raw in body.results:
        item_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(item_id, str) or item_id not in wanted:
            continue  # unknown ids (or none) belong to no item of ours
        seen[item_id] += 1
        try:
            parsed[item_id] = _from_result(raw)
        except ValidationError as exc:
            msg = exc.errors()[0]["msg"]
            parsed[item_id] = ItemScore(item_id, NAN, _ERROR, _clip(f"bad result: {msg}"))
    scores = []
    for item in chunk:
        count = seen[item.id]
        if count == 0:
            scores.append(ItemScore(item.id, NAN, _ERROR, "missing: no result for this id"))
        elif count > 1:
            scores.append(ItemScore(item.id, NAN, _ERROR, f"duplicate: {count} results for this id"))
        else:
            scores.append(parsed[item.id])
    return scores


class RewardClient:
    """Async client of one reward service, spread over one or more replicas.

    `score` never runs past its deadline (`timeout_s`, retries included) and never raises for a
    failed item: such items come back NaN with a reason. Connect errors, timeouts before the
    deadline, dropped connections, 5xx, 408 and 429 (after its `Retry-After`) are retried with
    jittered exponential backoff, on another replica when there is one. Requests go to the replica
    with the fewest in flight (ties in turn); one that fails `eject_after` times in a row gets no
    traffic for `eject_for_s`, after which one more failure ejects it again and a success restores
    it. Use it from one event loop.
    """

    def __init__(
        self,
        endpoints: str | Sequence[str],
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        backoff_base_s: float = 0.05,
        backoff_max_s: float = 2.0,
        eject_after: int = 3,
        eject_for_s: float = 5.0,
        max_items_per_request: int = 256,
        metrics: TrainerMetrics | None = None,
        name: str = "reward",
        transport: httpx.AsyncBaseTransport | None = None,
        seed: int | None = None,
    ) -> None:
        """`endpoints`: base URLs (a list, or one string, comma-separated for several)."""
        urls = _split_endpoints(endpoints)
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if max_retries < 0 or eject_after < 1 or max_items_per_request < 1:
            raise ValueError("max_retries must be >= 0, eject_after and max_items_per_request >= 1")
        if backoff_base_s < 0 or backoff_max_s < 0 or eject_for_s < 0:
            raise ValueError("backoff_base_s, backoff_max_s and eject_for_s must be >= 0")
        self.name = name
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.eject_after = eject_after
        self.eject_for_s = eject_for_s
        self.max_items_per_request = max_items_per_request
        self._metrics = metrics
        self._rng = random.Random(seed)
        headers = {"user-agent": "trust-grpo-reward-client"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self._replicas = [
            _Replica(url, httpx.AsyncClient(base_url=url, headers=headers, transport=transport))
            for url in urls
        ]
        self._next = 0  # round-robin position for ties
        self._closed = False

    @property
    def endpoints(self) -> list[str]:
        return [replica.url for replica in self._replicas]

    def outstanding(self) -> dict[str, int]:
        """Requests in flight per endpoint."""
        return {replica.url: replica.outstanding for replica in self._replicas}

    async def score(self, items: Sequence[ScoreItem], *, timeout_s: float | None = None) -> list[ItemScore]:
        """Score `items` within `timeout_s` (default: the client's), retries included; input order.

        Raises `ValueError` for duplicate ids (results are matched by id), never for failed items.
        """
        if self._closed:
            raise RuntimeError(f"{self.name} client is closed")
        budget = self.timeout_s if timeout_s is None else timeout_s
        if not budget > 0:
            raise ValueError(f"timeout_s must be positive, got {budget}")
        items = list(items)
        if not items:
            return []
        counts = Counter(item.id for item in items)
        duplicates = [item_id for item_id, count in counts.items() if count > 1]
        if duplicates:
            raise ValueError(f"duplicate item ids {duplicates[:5]}: results are matched by id")
        deadline = time.monotonic() + budget
        size = self.max_items_per_request
        parts = await asyncio.gather(
            *(
                self._score_chunk(items[start : start + size], deadline)
                for start in range(0, len(items), size)
            )
        )
        return [item_score for part in parts for item_score in part]

    async def score_group(
        self, items: Sequence[ScoreItem], *, timeout_s: float | None = None
    ) -> torch.Tensor:
        """`score` as a float64 tensor in input order, NaN where an item failed."""
        scores = await self.score(items, timeout_s=timeout_s)
        return torch.tensor([item_score.score for item_score in scores], dtype=torch.float64)

    async def aclose(self) -> None:
        """Close every connection pool; the client cannot score afterwards."""
        self._closed = True
        await asyncio.gather(*(replica.client.aclose() for replica in self._replicas))

    async def __aenter__(self) -> RewardClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _score_chunk(self, chunk: Sequence[ScoreItem], deadline: float) -> list[ItemScore]:
        items = [item.model_dump(mode="json", exclude_none=True) for item in chunk]
        tries: Counter[str] = Counter()
        last: _Replica | None = None
        failure: _Failure | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self._backoff(attempt)
                if time.monotonic() + delay >= deadline:
                    break
                await asyncio.sleep(delay)
            replica = self._pick(tries, last)
            hold = replica.not_before - time.monotonic()
            if hold > 0:
                if time.monotonic() + hold >= deadline:
                    # it asked us to stay away past the deadline: give up with its answer
                    failure = failure or _Failure(_ERROR, replica.hold_reason, "busy", False, False)
                    break
                await asyncio.sleep(hold)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if last is not None and failure is not None and self._metrics is not None:
                self._metrics.client_retries.labels(endpoint=last.url, reason=failure.kind).inc()
            outcome = await self._attempt(replica, chunk, items, remaining)
            if not isinstance(outcome, _Failure):
                return outcome
            failure, last = outcome, replica
            tries[replica.url] += 1
            if not failure.retryable:
                break
        final = [_failed(item.id, failure) for item in chunk]
        logger.warning("%s: %d items failed: %s", self.name, len(chunk), final[0].reason)
        return final

    async def _attempt(
        self, replica: _Replica, chunk: Sequence[ScoreItem], items: list[dict[str, Any]], remaining: float
    ) -> list[ItemScore] | _Failure:
        margin = min(_SERVER_MARGIN_S, remaining * _SERVER_MARGIN_FRACTION)
        deadline_ms = min(3_600_000, max(1, int((remaining - margin) * 1000)))
        outcome: list[ItemScore] | _Failure
        replica.outstanding += 1
        try:
            # httpx timeouts are per operation; the outer bound makes `remaining` hold for the whole attempt
            async with asyncio.timeout(remaining):
                response = await replica.client.post(
                    "/score",
                    json={"items": items, "deadline_ms": deadline_ms},
                    timeout=httpx.Timeout(remaining, connect=min(remaining, _CONNECT_TIMEOUT_S)),
                )
        except TimeoutError:
            outcome = _Failure(_TIMEOUT, "timeout", "timeout", retryable=True, replica_fault=True)
        except httpx.HTTPError as exc:
            outcome = _transport_failure(exc, replica.url)
        else:
            outcome = _match(chunk, response.content) if response.is_success else _http_failure(response)
        finally:
            replica.outstanding -= 1
        self._record(replica, outcome)
        return outcome

    def _record(self, replica: _Replica, outcome: list[ItemScore] | _Failure) -> None:
        now = time.monotonic()
        kind = outcome.kind if isinstance(outcome, _Failure) else "ok"
        if self._metrics is not None:
            self._metrics.client_requests.labels(endpoint=replica.url, outcome=kind).inc()
        if not isinstance(outcome, _Failure):
            if replica.failures >= self.eject_after:
                logger.info("%s: replica %s answers again", self.name, replica.url)
            replica.failures = 0
            replica.ejected_until = 0.0
            return
        if outcome.retry_after_s is not None:
            replica.not_before = max(replica.not_before, now + outcome.retry_after_s)
            replica.hold_reason = outcome.reason
        if not outcome.replica_fault:
            return
        replica.failures += 1
        if replica.failures >= self.eject_after and replica.ejected_until <= now:
            replica.ejected_until = now + self.eject_for_s
            if self._metrics is not None:
                self._metrics.client_ejections.labels(endpoint=replica.url).inc()
            logger.warning(
                "%s: ejecting %s for %.1f s after %d failures in a row (last: %s)",
                self.name,
                replica.url,
                self.eject_for_s,
                replica.failures,
                outcome.reason,
            )

    def _pick(self, tries: Counter[str], last: _Replica | None) -> _Replica:
        """Least outstanding among admitted replicas, preferring ones this chunk has not failed on."""
        now = time.monotonic()
        count = len(self._replicas)
        best: tuple[bool, float, int, bool, bool, int] | None = None
        chosen = 0
        for offset in range(count):
            index = (self._next + offset) % count
            replica = self._replicas[index]
            ejected = replica.ejected_until > now
            key = (
                ejected,
                # when every replica is ejected, the one whose ejection ends first
                replica.ejected_until if ejected else 0.0,
                tries[replica.url],
                replica is last,
                replica.not_before > now,
                replica.outstanding,
            )
            if best is None or key < best:
                best, chosen = key, index
        self._next = (chosen + 1) % count
        return self._replicas[chosen]

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self._rng.random())  # jitter in [ceiling / 2, ceiling]
