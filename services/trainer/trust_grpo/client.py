"""Async client of the reward services (docs/architecture.md, Wire contract and Trust-GRPO).

One pooled `httpx.AsyncClient` per replica, a deadline per `score` call that retries never run past,
a cap on each attempt so that a hung replica leaves time to fail over, retries on transient failures
with jittered exponential backoff (on another replica when there are several), least-outstanding
routing with ejection of failing replicas, bounded response bodies, and results matched by id.
Items that cannot be scored (or sent) come back as NaN with a reason, never as 0. A `dns+http://NAME:PORT`
endpoint is every address NAME resolves to (a Kubernetes headless Service), resolved again now and then.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import logging
import random
import socket
import ssl
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from reward_proto import ErrorEnvelope, ItemStatus, ScoreItem, ScoreResult
from reward_proto.retry import backoff_delay, parse_retry_after

from trust_grpo.metrics import TrainerMetrics

logger = logging.getLogger(__name__)

NAN = float("nan")

# The server gets a slightly smaller deadline than the client so that it can still answer with
# per-item `timeout` results (and keep the items it finished) before the client gives up on it.
_SERVER_MARGIN_S = 0.25
_SERVER_MARGIN_FRACTION = 0.1
# A replica that drops packets would otherwise hold each attempt until the call's deadline.
_CONNECT_TIMEOUT_S = 5.0
_RETRYABLE_STATUS = frozenset({408, 429})
_MAX_REASON_CHARS = 300
# A legitimate answer for 256 items is well under 1 MiB; 64 MiB is far above any of them, and bounded.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# Only the reason is taken from an error body.
_MAX_ERROR_BODY_BYTES = 64 * 1024
# Inflating in steps keeps a compression bomb from expanding past the cap in one synchronous call.
_INFLATE_STEP_BYTES = 1024 * 1024
_COMPRESSED = frozenset({"gzip", "x-gzip", "deflate"})
_HEADERS = {
    "user-agent": "trust-grpo-reward-client",
    "content-type": "application/json",
    # the services never compress; a body that is compressed anyway is still inflated under the cap
    "accept-encoding": "identity",
}
DNS_PREFIX = "dns+"
DEFAULT_DNS_REFRESH_S = 10.0
# A misconfigured or hostile answer with thousands of addresses would open as many connection pools.
MAX_REPLICAS_PER_NAME = 256
# Reading a resolver's answer stops here, so that an endless one cannot hang the client.
_MAX_ANSWER_ENTRIES = 16 * MAX_REPLICAS_PER_NAME

# (host, port) -> the host's addresses, as text
Resolver = Callable[[str, int], Awaitable[Iterable[object]]]


@dataclass(frozen=True, slots=True)
class ItemScore:
    """The score of one item: `score` is a float only when `status == "ok"`, else NaN with a `reason`."""

    id: str
    score: float
    status: str  # an `ItemStatus` (a str: it compares, hashes and formats as its wire value)
    reason: str | None = None
    details: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == ItemStatus.OK


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why one attempt at one chunk failed."""

    status: str  # the status its items get if this is the last attempt
    reason: str  # the reason its items get
    kind: str  # metric label: connect, network, timeout, http_503, ...
    retryable: bool
    replica_fault: bool  # counts towards ejecting the replica
    retry_after_s: float | None = None
    elsewhere: bool = False  # retried only on another replica


@dataclass(frozen=True, slots=True)
class _Encoded:
    """An item as it goes on the wire: its JSON, encoded once per call."""

    id: str
    payload: bytes


class _ResultsBody(BaseModel):
    """A 200 body, read leniently: each result is validated on its own so one bad result fails one item."""

    model_config = ConfigDict(extra="ignore")
    results: list[Any]


class _Replica:
    __slots__ = (
        "client",
        "ejected_until",
        "extensions",
        "failures",
        "hold_reason",
        "not_before",
        "outstanding",
        "url",
    )

    def __init__(self, url: str, client: httpx.AsyncClient, extensions: dict[str, Any]) -> None:
        self.url = url
        self.client = client
        self.extensions = extensions  # per request: the TLS server name of a resolved address
        self.outstanding = 0
        self.failures = 0  # consecutive failures
        self.ejected_until = 0.0  # monotonic time; ejected while now < ejected_until
        self.not_before = 0.0  # monotonic time before which a Retry-After asked us not to come back
        self.hold_reason = ""  # the answer that came with that Retry-After


def split_endpoints(endpoints: str | Sequence[str]) -> list[str]:
    """Base URLs (or `dns+` names) from a list, or one string with commas between replicas; refuses
    none, repeats and malformed `dns+` endpoints."""
    raw = endpoints.split(",") if isinstance(endpoints, str) else list(endpoints)
    urls = [url.strip().rstrip("/") for url in raw if url.strip()]
    if not urls:
        raise ValueError("at least one reward endpoint is required")
    if len(set(urls)) != len(urls):
        raise ValueError(f"duplicate reward endpoints in {urls}")
    for url in urls:
        if url.startswith(DNS_PREFIX):
            _dns_url(url)
    return urls


def _dns_url(spec: str) -> httpx.URL:
    """The URL of a `dns+http://NAME:PORT` endpoint, without its prefix; `ValueError` if malformed."""
    usage = "write dns+http://NAME:PORT or dns+https://NAME:PORT"
    try:
        url = httpx.URL(spec.removeprefix(DNS_PREFIX))
    except httpx.InvalidURL as exc:
        raise ValueError(f"bad reward endpoint {spec!r} ({exc}): {usage}") from None
    if url.scheme not in ("http", "https") or not url.host or url.userinfo or url.query or url.fragment:
        raise ValueError(f"bad reward endpoint {spec!r}: {usage}")
    return url


async def resolve_addresses(host: str, port: int) -> list[str]:
    """Every address of `host` (A and AAAA, those this machine can reach) from the loop's `getaddrinfo`."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
    )
    return [str(info[4][0]) for info in infos]


def _addresses(answer: Iterable[object]) -> tuple[list[str], int]:
    """A resolver's answer as distinct addresses to connect to, in a stable order (so that a capped
    answer keeps the same replicas), at most `MAX_REPLICAS_PER_NAME`; and how many distinct ones it had."""
    unique: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for entry in itertools.islice(answer, _MAX_ANSWER_ENTRIES):
        try:
            address = ipaddress.ip_address(str(entry))
        except ValueError:
            continue  # not an address: nothing to connect to
        if isinstance(address, ipaddress.IPv6Address):
            if address.scope_id:
                continue  # link-local with a zone: no URL of ours can name it
            address = address.ipv4_mapped or address
        if not (address.is_unspecified or address.is_multicast):
            unique.add(address)
    ordered = sorted(unique, key=lambda address: (address.version, int(address)))
    return [str(address) for address in ordered[:MAX_REPLICAS_PER_NAME]], len(unique)


class _Name:
    """A `dns+` endpoint: the name, its replicas as last resolved, and when to resolve it again."""

    __slots__ = (
        "capped",
        "due",
        "error",
        "failing",
        "host",
        "host_header",
        "path",
        "port",
        "scheme",
        "spec",
        "task",
        "urls",
    )

    def __init__(self, spec: str) -> None:
        url = _dns_url(spec)
        self.spec = spec
        self.scheme = url.scheme
        self.host = url.raw_host.decode("ascii")
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.path = url.raw_path.decode("ascii").rstrip("/")
        self.host_header = url.netloc.decode("ascii")  # NAME:PORT, what a replica is told it serves
        self.urls: tuple[str, ...] = ()  # one per address of the last answer that had any
        self.due = 0.0  # monotonic time of the next resolution
        self.task: asyncio.Task[None] | None = None  # the resolution in flight
        self.error = "not resolved yet"  # why the last resolution gave nothing
        self.failing = False
        self.capped = False

    def url_of(self, address: str) -> str:
        host = f"[{address}]" if ":" in address else address
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 3] + "..."


def _encode(item: ScoreItem) -> bytes | ItemScore:
    """The item's JSON, or its failure when it cannot be sent (a lone surrogate is not UTF-8)."""
    try:
        # what httpx's `json=` does, one item at a time so that one bad item fails only itself
        text = json.dumps(
            item.model_dump(mode="json", exclude_none=True),
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )
        return text.encode("utf-8")
    except (UnicodeEncodeError, ValueError) as exc:
        return ItemScore(
            item.id, NAN, ItemStatus.INVALID, _clip(f"invalid: not encodable as UTF-8 JSON: {exc}")
        )


def _too_large(limit: int) -> _Failure:
    # a replica answering this much is broken: another one may answer, this one would do it again
    reason = f"too large: the response passed max_response_bytes ({limit} bytes)"
    return _Failure(ItemStatus.ERROR, reason, "too_large", retryable=True, replica_fault=True, elsewhere=True)


def _inflate(decoder: zlib._Decompress, data: bytes, body: bytearray, limit: int) -> None:
    """Append what `data` inflates to, in bounded steps, stopping once `body` passes `limit`."""
    while len(body) <= limit:
        step = min(_INFLATE_STEP_BYTES, limit + 1 - len(body))
        out = decoder.decompress(data, step)
        body += out
        data = decoder.unconsumed_tail
        if not data and len(out) < step:
            return


async def _read_body(response: httpx.Response, limit: int) -> bytearray | _Failure:
    """The decoded body, read as it streams in; a failure as soon as it passes `limit` bytes."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in _COMPRESSED and encoding not in ("", "identity"):
        reason = _clip(f"bad response: unsupported content-encoding {encoding!r}")
        return _Failure(ItemStatus.ERROR, reason, "bad_response", retryable=False, replica_fault=False)
    # gzip or zlib, told apart by the header
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in _COMPRESSED else None
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _too_large(limit)  # raw bytes count against the cap too: no need to read them
    body = bytearray()
    received = 0  # raw bytes: what follows the end of a compressed stream inflates to nothing
    async for raw in response.aiter_raw():
        received += len(raw)
        if decoder is None:
            body += raw
        else:
            try:
                _inflate(decoder, raw, body, limit)
            except zlib.error as exc:
                reason = _clip(f"bad response: undecodable {encoding} body: {exc}")
                return _Failure(
                    ItemStatus.ERROR, reason, "bad_response", retryable=False, replica_fault=False
                )
        if len(body) > limit or received > limit:
            return _too_large(limit)
    return body


def _http_failure(response: httpx.Response, content: bytes | bytearray) -> _Failure:
    code = response.status_code
    try:
        body = ErrorEnvelope.model_validate_json(content).error
        message = f"{body.type}: {body.message}"
    except ValidationError:
        message = bytes(content).decode("utf-8", errors="replace") or response.reason_phrase
    retryable = code >= 500 or code in _RETRYABLE_STATUS
    return _Failure(
        status=ItemStatus.ERROR,
        reason=_clip(f"http {code}: {message}"),
        kind=f"http_{code}",
        retryable=retryable,
        # 408 and 429 mean busy, not broken: they are retried elsewhere but do not eject
        replica_fault=code >= 500,
        retry_after_s=parse_retry_after(response.headers.get("retry-after")) if retryable else None,
    )


def _timed_out(*, replica_fault: bool) -> _Failure:
    """An attempt that ran out of time: its items are `timeout`, and that is all their reason says."""
    return _Failure(ItemStatus.TIMEOUT, ItemStatus.TIMEOUT.value, "timeout", True, replica_fault)


def _transport_failure(exc: httpx.HTTPError, url: str) -> _Failure:
    described = _clip(f"{type(exc).__name__}: {exc} ({url})")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return _Failure(ItemStatus.ERROR, f"unreachable: {described}", "connect", True, True)
    if isinstance(exc, httpx.PoolTimeout):
        # our own connection pool is full: not the replica's fault
        return _timed_out(replica_fault=False)
    if isinstance(exc, httpx.TimeoutException):
        return _timed_out(replica_fault=True)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        # the replica went away mid-request; scoring is idempotent, so sending it again is safe
        return _Failure(ItemStatus.ERROR, f"network: {described}", "network", True, True)
    return _Failure(ItemStatus.ERROR, f"error: {described}", "client_error", False, False)


def _failed(item_id: str, failure: _Failure | None) -> ItemScore:
    if failure is None:
        return ItemScore(item_id, NAN, ItemStatus.TIMEOUT, ItemStatus.TIMEOUT.value)
    return ItemScore(item_id, NAN, failure.status, failure.reason)


def _from_result(raw: dict[str, Any]) -> ItemScore:
    # `details` passes through as sent: the server omits its null fields (exclude_none) while
    # `OutcomeDetails` declares them without defaults, so validating them would refuse valid answers.
    details = raw.get("details")
    details = details if isinstance(details, dict) else None
    result = ScoreResult.model_validate({**raw, "details": None})
    if result.status is ItemStatus.OK and result.score is not None:
        return ItemScore(result.id, float(result.score), ItemStatus.OK, None, details)
    reason = f"{result.status.value}: {result.error}" if result.error else result.status.value
    return ItemScore(result.id, NAN, result.status, _clip(reason), details)


def _match(ids: Sequence[str], content: bytes | bytearray) -> list[ItemScore] | _Failure:
    """Match a 200 body to the ids sent; a missing, duplicated or malformed result fails its item."""
    try:
        body = _ResultsBody.model_validate_json(content)
    except ValidationError as exc:
        reason = _clip(f"bad response: {exc.errors()[0]['msg']}")
        return _Failure(ItemStatus.ERROR, reason, "bad_response", retryable=False, replica_fault=False)
    wanted = set(ids)
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
            parsed[item_id] = ItemScore(item_id, NAN, ItemStatus.ERROR, _clip(f"bad result: {msg}"))
    scores = []
    for item_id in ids:
        count = seen[item_id]
        if count == 0:
            scores.append(ItemScore(item_id, NAN, ItemStatus.ERROR, "missing: no result for this id"))
        elif count > 1:
            scores.append(
                ItemScore(item_id, NAN, ItemStatus.ERROR, f"duplicate: {count} results for this id")
            )
        else:
            scores.append(parsed[item_id])
    return scores


class RewardClient:
    """Async client of one reward service, spread over one or more replicas.

    `score` never runs past its deadline (`timeout_s`, retries included) and never raises for a
    failed item: such items come back NaN with a reason. One attempt runs at most
    `attempt_timeout_s` (default: half the deadline with several replicas, so that a hung replica
    leaves the other half to fail over; the whole deadline with one) and tells the server that
    budget as `deadline_ms`. Connect errors, timeouts, dropped connections, 5xx, 408 and 429 (after
    its `Retry-After`) are retried with jittered exponential backoff, on another replica when there
    is one; after a capped attempt, only the items the server answered `timeout` are retried. A
    body past `max_response_bytes` (decoded) fails its items and is retried only on another
    replica. Items that cannot be encoded fail alone, as `invalid`. Requests go to the replica with
    the fewest in flight (ties in turn); one that fails `eject_after` times in a row gets no traffic
    for `eject_for_s`, after which one more failure ejects it again and a success restores it. Use
    it from one event loop.

    An endpoint `dns+http://NAME:PORT` (or `dns+https://`) stands for one replica per address NAME
    resolves to (`resolver`, default the loop's `getaddrinfo`; at most `MAX_REPLICAS_PER_NAME`),
    each sent `Host: NAME:PORT` (and, over TLS, NAME as the server name). A call resolves a name
    again once `dns_refresh_s` has passed, in the background while the client has replicas to send
    to: new addresses join the routing, vanished ones get no new requests and are closed once idle.
    A failed or empty answer keeps the last known addresses; while a name has none, its share of a
    call fails as `unresolved` (retried like a connect error).
    """

    def __init__(
        self,
        endpoints: str | Sequence[str],
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        attempt_timeout_s: float | None = None,
        max_retries: int = 4,
        backoff_base_s: float = 0.05,
        backoff_max_s: float = 2.0,
        eject_after: int = 3,
        eject_for_s: float = 5.0,
        max_items_per_request: int = 256,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        metrics: TrainerMetrics | None = None,
        name: str = "reward",
        transport: httpx.AsyncBaseTransport | None = None,
        seed: int | None = None,
        dns_refresh_s: float = DEFAULT_DNS_REFRESH_S,
        resolver: Resolver | None = None,
    ) -> None:
        """`endpoints`: base URLs or `dns+` names (a list, or one string, comma-separated for several)."""
        specs = split_endpoints(endpoints)
        if not (timeout_s > 0 and dns_refresh_s > 0):
            raise ValueError(
                f"timeout_s and dns_refresh_s must be positive, got {timeout_s}, {dns_refresh_s}"
            )
        if attempt_timeout_s is not None and not attempt_timeout_s > 0:
            raise ValueError(f"attempt_timeout_s must be positive, got {attempt_timeout_s}")
        if max_retries < 0 or eject_after < 1 or max_items_per_request < 1 or max_response_bytes < 1:
            raise ValueError(
                "max_retries must be >= 0, eject_after, max_items_per_request and max_response_bytes >= 1"
            )
        if backoff_base_s < 0 or backoff_max_s < 0 or eject_for_s < 0:
            raise ValueError("backoff_base_s, backoff_max_s and eject_for_s must be >= 0")
        self.name = name
        self.timeout_s = timeout_s
        self.attempt_timeout_s = attempt_timeout_s
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.eject_after = eject_after
        self.eject_for_s = eject_for_s
        self.max_items_per_request = max_items_per_request
        self.max_response_bytes = max_response_bytes
        self.dns_refresh_s = dns_refresh_s
        self._metrics = metrics
        self._rng = random.Random(seed)
        self._headers = {**_HEADERS, **({"authorization": f"Bearer {api_key}"} if api_key else {})}
        self._transport = transport
        # One TLS context for all: each client would build its own (0.1 s of CPU, in the event loop)
        self._tls: ssl.SSLContext | bool = httpx.create_ssl_context() if transport is None else True
        self._resolver = resolver or resolve_addresses
        self._fixed = [spec for spec in specs if not spec.startswith(DNS_PREFIX)]
        self._names = [_Name(spec) for spec in specs if spec.startswith(DNS_PREFIX)]
        self._replicas: list[_Replica] = []  # those new requests go to
        self._retired: dict[str, _Replica] = {}  # vanished from DNS, with requests still in flight
        self._next = 0  # round-robin position for ties
        self._closed = False
        self._sync()

    @property
    def endpoints(self) -> list[str]:
        """The replicas new requests go to: the fixed URLs and the addresses `dns+` names resolved to."""
        return [replica.url for replica in self._replicas]

    def outstanding(self) -> dict[str, int]:
        """Requests in flight per endpoint (those of `endpoints`)."""
        return {replica.url: replica.outstanding for replica in self._replicas}

    def attempt_cap(self, timeout_s: float | None = None) -> float:
        """How long one attempt of a call with deadline `timeout_s` (default: the client's) may run."""
        budget = self.timeout_s if timeout_s is None else timeout_s
        if self.attempt_timeout_s is not None:
            return min(self.attempt_timeout_s, budget)
        # Half leaves a hung replica's chunks the other half on another replica; more, smaller
        # shares would give more failovers but time out slow healthy answers that the whole
        # deadline would have let finish.
        return budget / 2 if len(self._replicas) > 1 else budget

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
        await self._discover(deadline)
        cap = self.attempt_cap(budget)
        scores: dict[str, ItemScore] = {}
        sendable: list[_Encoded] = []
        for item in items:
            payload = _encode(item)
            if isinstance(payload, ItemScore):
                scores[item.id] = payload
            else:
                sendable.append(_Encoded(item.id, payload))
        if scores:
            logger.warning(
                "%s: %d items not sent: %s", self.name, len(scores), next(iter(scores.values())).reason
            )
        size = self.max_items_per_request
        parts = await asyncio.gather(
            *(
                self._score_chunk(sendable[start : start + size], deadline, cap)
                for start in range(0, len(sendable), size)
            )
        )
        scores.update((item_score.id, item_score) for part in parts for item_score in part)
        return [scores[item.id] for item in items]

    async def score_group(
        self, items: Sequence[ScoreItem], *, timeout_s: float | None = None
    ) -> torch.Tensor:
        """`score` as a float64 tensor in input order, NaN where an item failed."""
        scores = await self.score(items, timeout_s=timeout_s)
        return torch.tensor([item_score.score for item_score in scores], dtype=torch.float64)

    async def refresh(self) -> None:
        """Resolve every `dns+` endpoint now, whatever `dns_refresh_s` says, and wait for the answers."""
        if self._closed:
            raise RuntimeError(f"{self.name} client is closed")
        for name in self._names:
            if name.task is not None:
                await asyncio.wait([name.task])
        tasks = [self._resolve_soon(name) for name in self._names]
        if tasks:
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        """Close every connection pool; the client cannot score afterwards."""
        self._closed = True
        tasks = [name.task for name in self._names if name.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        replicas = [*self._replicas, *self._retired.values()]
        self._retired.clear()
        await asyncio.gather(*(replica.client.aclose() for replica in replicas))

    async def __aenter__(self) -> RewardClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _score_chunk(self, chunk: Sequence[_Encoded], deadline: float, cap: float) -> list[ItemScore]:
        pending = list(chunk)  # items still without a final score
        answered: dict[str, ItemScore] = {}
        tries: Counter[str] = Counter()
        last: _Replica | None = None
        failure: _Failure | None = None  # why the last attempt got no answer; None after an answer
        retry_kind = ""  # metric label of the next retry
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self._backoff(attempt)
                if time.monotonic() + delay >= deadline:
                    break
                await asyncio.sleep(delay)
            replica = await self._choose(tries, last, deadline)
            if isinstance(replica, _Failure):
                failure, retry_kind = replica, replica.kind
                continue
            if failure is not None and failure.elsewhere and replica is last:
                break  # no other replica to send it to
            held = await self._hold(replica, deadline)
            if held is not None:
                if failure is None and not answered:
                    failure = held
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if last is not None and self._metrics is not None:
                self._metrics.client_retries.labels(endpoint=last.url, reason=retry_kind).inc()
            budget = min(cap, remaining)
            outcome = await self._attempt(replica, pending, budget)
            tries[replica.url] += 1
            last = replica
            if isinstance(outcome, _Failure):
                failure, retry_kind = outcome, outcome.kind
                if not failure.retryable:
                    break
                continue
            failure, retry_kind = None, "item_timeout"
            answered.update((item_score.id, item_score) for item_score in outcome)
            # Only a capped attempt leaves time on the deadline for what the server did not finish in
            # it; the rest of its answer is final (an item's own error would fail anywhere).
            capped = budget < remaining
            pending = [item for item in pending if capped and answered[item.id].status == ItemStatus.TIMEOUT]
            if not pending:
                break
        for item in pending:
            if failure is not None or item.id not in answered:
                answered[item.id] = _failed(item.id, failure)
        if pending:
            logger.warning("%s: %d items failed: %s", self.name, len(pending), answered[pending[0].id].reason)
        return [answered[item.id] for item in chunk]

    async def _attempt(
        self, replica: _Replica, batch: Sequence[_Encoded], budget: float
    ) -> list[ItemScore] | _Failure:
        """One request of `batch` to `replica`, all of it (connect, send, read) within `budget`."""
        margin = min(_SERVER_MARGIN_S, budget * _SERVER_MARGIN_FRACTION)
        deadline_ms = min(3_600_000, max(1, int((budget - margin) * 1000)))
        items = b",".join(item.payload for item in batch)
        content = b'{"items":[%b],"deadline_ms":%d}' % (items, deadline_ms)
        outcome: list[ItemScore] | _Failure
        replica.outstanding += 1
        try:
            # httpx timeouts are per operation; the outer bound makes `budget` hold for the whole attempt
            async with asyncio.timeout(budget):
                request = replica.client.stream(
                    "POST",
                    "/score",
                    content=content,
                    timeout=httpx.Timeout(budget, connect=min(budget, _CONNECT_TIMEOUT_S)),
                    extensions=replica.extensions,
                )
                async with request as response:
                    outcome = await self._answer(response, [item.id for item in batch])
        except TimeoutError:
            outcome = _timed_out(replica_fault=True)
        except httpx.HTTPError as exc:
            outcome = _transport_failure(exc, replica.url)
        finally:
            replica.outstanding -= 1
        self._record(replica, outcome)
        if replica.outstanding == 0 and self._retired.get(replica.url) is replica:
            del self._retired[replica.url]  # vanished from DNS, and now idle
            await replica.client.aclose()
        return outcome

    async def _answer(self, response: httpx.Response, ids: Sequence[str]) -> list[ItemScore] | _Failure:
        if not response.is_success:
            body = await _read_body(response, _MAX_ERROR_BODY_BYTES)
            return _http_failure(response, b"" if isinstance(body, _Failure) else body)
        body = await _read_body(response, self.max_response_bytes)
        return body if isinstance(body, _Failure) else _match(ids, body)

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

    async def _hold(self, replica: _Replica, deadline: float) -> _Failure | None:
        """Wait out the replica's `Retry-After`; its answer if that would run past the deadline."""
        hold = replica.not_before - time.monotonic()
        if hold <= 0:
            return None
        if time.monotonic() + hold >= deadline:
            return _Failure(ItemStatus.ERROR, replica.hold_reason, "busy", False, False)
        await asyncio.sleep(hold)
        return None

    async def _choose(
        self, tries: Counter[str], last: _Replica | None, deadline: float
    ) -> _Replica | _Failure:
        """The replica for the next attempt, or why there is none (no name resolved yet)."""
        await self._discover(deadline)
        if self._replicas:
            return self._pick(tries, last)
        reasons = "; ".join(f"{name.spec}: {name.error}" for name in self._names)
        return _Failure(ItemStatus.ERROR, _clip(f"unresolved: {reasons}"), "unresolved", True, False)

    async def _discover(self, deadline: float) -> None:
        """Start the due resolutions; wait for them (within `deadline`) only while there is no replica."""
        now = time.monotonic()
        for name in self._names:
            if name.task is None and now >= name.due:
                self._resolve_soon(name)
        tasks = [name.task for name in self._names if name.task is not None]
        if tasks and not self._replicas and deadline > now:
            await asyncio.wait(tasks, timeout=deadline - now)

    def _resolve_soon(self, name: _Name) -> asyncio.Task[None]:
        name.due = time.monotonic() + self.dns_refresh_s
        name.task = asyncio.create_task(self._resolve(name), name=f"{self.name} resolves {name.host}")
        return name.task

    async def _resolve(self, name: _Name) -> None:
        """Resolve `name` and route to its answer; a failed or empty answer keeps the last one."""
        try:
            addresses, found = _addresses(await self._resolver(name.host, name.port))
            error = None if addresses else "no addresses"
        except Exception as exc:  # whatever a resolver raises, the last answer stands
            addresses, found, error = [], 0, _clip(f"{type(exc).__name__}: {exc}")
        finally:
            name.task = None
        if self._closed:
            return
        self._note(name, error, found)
        if addresses:
            urls = tuple(name.url_of(address) for address in addresses)
            if set(urls) != set(name.urls):
                logger.info("%s: %s resolves to %d replicas: %s", self.name, name.spec, len(urls), urls[:8])
            name.urls = urls
        idle = self._sync()
        await asyncio.gather(*(replica.client.aclose() for replica in idle))

    def _note(self, name: _Name, error: str | None, found: int) -> None:
        """Log a name's state once per change: failing (with the addresses kept), back, or capped."""
        if error is not None:
            name.error = error
            if not name.failing:
                kept = f"keeping its {len(name.urls)} known replicas" if name.urls else "no replica yet"
                logger.warning("%s: %s did not resolve (%s): %s", self.name, name.spec, error, kept)
            name.failing = True
            return
        if name.failing and name.urls:
            logger.info("%s: %s resolves again", self.name, name.spec)
        name.failing = False
        capped = found > MAX_REPLICAS_PER_NAME
        if capped and not name.capped:
            logger.warning(
                "%s: %s has %d addresses; only the first %d are used (MAX_REPLICAS_PER_NAME)",
                self.name,
                name.spec,
                found,
                MAX_REPLICAS_PER_NAME,
            )
        name.capped = capped

    def _sync(self) -> list[_Replica]:
        """Route to the fixed URLs and the names' last answers: new replicas join, vanished ones get no
        new requests. Returns the vanished ones that are idle (taken out, to close)."""
        wanted: dict[str, _Name | None] = dict.fromkeys(self._fixed)
        for name in self._names:
            for url in name.urls:
                wanted.setdefault(url, name)
        kept = [replica for replica in self._replicas if replica.url in wanted]
        self._retired.update((r.url, r) for r in self._replicas if r.url not in wanted)
        routed = {replica.url for replica in kept}
        for url, owner in wanted.items():
            if url not in routed:
                revived: _Replica | None = self._retired.pop(url, None)
                kept.append(revived or self._replica(url, owner))
        self._replicas = kept
        self._next = self._next % len(kept) if kept else 0
        idle = [replica for replica in self._retired.values() if replica.outstanding == 0]
        for replica in idle:
            del self._retired[replica.url]
        return idle

    def _replica(self, url: str, name: _Name | None) -> _Replica:
        headers, extensions = dict(self._headers), {}
        if name is not None:
            headers["host"] = name.host_header
            if name.scheme == "https":
                extensions["sni_hostname"] = name.host
        client = httpx.AsyncClient(base_url=url, headers=headers, transport=self._transport, verify=self._tls)
        return _Replica(url, client, extensions)

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
        # A `Retry-After` is no input here: it holds its replica (`not_before`), not the chunk,
        # which may fail over to another replica at once; on the same one it is a floor.
        return backoff_delay(attempt - 1, base_s=self.backoff_base_s, max_s=self.backoff_max_s, rng=self._rng)
