"""Request bodies into `ScoreRequest`s without stalling the event loop.

pydantic parses a body in one call that holds the GIL, and its cost follows the number of JSON
values (and of errors) rather than the bytes: a 29 MB body of a million tiny items, or one item with
two million `choices`, held the loop for well over a second before being refused. A body with few
values (counted in microseconds, see `json_values_bound`) is parsed in place; any other body is
parsed by a helper process, which answers with the parsed request or a short refusal, and which is
killed and replaced if a parse runs past its time.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Literal

from pydantic import Field, ValidationError, create_model
from pydantic_core import ErrorDetails
from reward_proto import ScoreItem, ScoreRequest

from reward_server.errors import InvalidRequest, MalformedRequest, NotReady, PayloadTooLarge, ServiceError

logger = logging.getLogger(__name__)

# About 10 ms of parsing (or of building error reports) on the loop; typical trainer requests of a
# few hundred items stay below it, larger ones go to the helper.
VALUES_IN_PLACE = 16_384
PARSE_TIMEOUT_S = 30.0
_ERRORS_SHOWN = 5

Refusal = Literal["malformed", "too_many_items", "invalid", "too_complex", "unavailable"]


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed request, or why the body is refused (small either way: it crosses a pipe)."""

    request: ScoreRequest | None
    refusal: Refusal | None = None
    message: str = ""


def request_model(max_items: int) -> type[ScoreRequest]:
    """`ScoreRequest` whose parser stops at `max_items` items instead of building every one."""
    items = (list[ScoreItem], Field(min_length=1, max_length=max_items))
    return create_model("ScoreRequest", __base__=ScoreRequest, items=items)


def json_values_bound(body: bytes) -> int:
    """At least the number of JSON values in `body`: every value but the first follows a comma, a
    colon or an opening bracket (those inside strings only make the bound looser)."""
    return body.count(b",") + body.count(b":") + body.count(b"[") + 1


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(errors: list[ErrorDetails], total: int | None = None) -> str:
    """The first errors, each clipped: a client's 10 MB key name must not come back in the answer."""
    parts = []
    for error in errors[:_ERRORS_SHOWN]:
        location = ".".join(_clip(str(part)) for part in error["loc"]) or "body"
        parts.append(f"{location}: {_clip(error['msg'], 200)}")
    more = (len(errors) if total is None else total) - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse(body: bytes, model: type[ScoreRequest]) -> Parsed:
    """Parse `body` here, in this process."""
    try:
        request = model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        if any(error["type"] == "json_invalid" for error in errors):
            return Parsed(None, "malformed", f"body is not valid JSON: {describe(errors)}")
        if any(error["type"] == "too_long" and tuple(error["loc"]) == ("items",) for error in errors):
            return Parsed(None, "too_many_items")
        return Parsed(None, "invalid", describe(errors))
    # The helper's dynamic model class cannot be pickled; the wire model can.
    return Parsed(ScoreRequest.model_construct(items=request.items, deadline_ms=request.deadline_ms))


def _helper_main(connection: Connection, max_items: int) -> None:
    """The helper process: parse each body it is sent until the pipe closes (the server is gone)."""
    model = request_model(max_items)
    while True:
        try:
            body = connection.recv_bytes()
        except (EOFError, OSError):
            return
        connection.send(parse(body, model))


class _Helper:
    """One helper process, used by one parse at a time; replaced when it dies or runs too long."""

    def __init__(self, max_items: int) -> None:
        self._max_items = max_items
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def parse(self, body: bytes, timeout_s: float) -> Parsed:
        if not self._lock.acquire(timeout=timeout_s):
            return Parsed(None, "too_complex", f"no helper was free within {timeout_s:g} s")
        try:
            for _ in range(2):  # a helper that died (the OOM killer, an operator) gets one successor
                connection = self._connection or self._start()
                try:
                    connection.send_bytes(body)
                    if not connection.poll(timeout_s):
                        self.stop()
                        message = f"the body could not be parsed within {timeout_s:g} s"
                        return Parsed(None, "too_complex", message)
                    parsed: Parsed = connection.recv()
                    return parsed
                except (EOFError, OSError):
                    logger.warning("the body-parsing helper died; starting another")
                    self.stop()
            return Parsed(None, "unavailable", "the body-parsing helper keeps dying")
        finally:
            self._lock.release()

    def _start(self) -> Connection:
        context = multiprocessing.get_context("forkserver")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_helper_main, args=(child_end, self._max_items), name="body-parser", daemon=True
        )
        process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        return parent_end

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None


class BodyParser:
    """Parses score requests; bodies with many JSON values are parsed by a helper process."""

    def __init__(self, max_items: int, *, values_in_place: int = VALUES_IN_PLACE) -> None:
        self._max_items = max_items
        self._model = request_model(max_items)
        self._values_in_place = values_in_place
        self._helper = _Helper(max_items)

    def in_place(self, body: bytes) -> bool:
        """Whether `body` is parsed in this process (else by the helper)."""
        return json_values_bound(body) <= self._values_in_place

    async def parse(self, body: bytes) -> ScoreRequest:
        if not self.in_place(body):
            parsed = await asyncio.to_thread(self._helper.parse, body, PARSE_TIMEOUT_S)
        else:
            parsed = parse(body, self._model)
        if parsed.request is None:
            raise self._error(parsed)
        return parsed.request

    def _error(self, parsed: Parsed) -> ServiceError:
        limit = self._max_items
        if parsed.refusal == "malformed":
            return MalformedRequest(parsed.message)
        if parsed.refusal == "too_many_items":
            return PayloadTooLarge(f"more than {limit} items in one request (limit {limit})")
        if parsed.refusal == "too_complex":
            return PayloadTooLarge(parsed.message)
        if parsed.refusal == "unavailable":
            return NotReady(parsed.message)
        return InvalidRequest(parsed.message)

    def close(self) -> None:
        self._helper.stop()
