"""Request bodies into `ScoreRequest`s without stalling the event loop.

pydantic parses a body in one call that holds the GIL, and its cost follows the number of JSON
values rather than the bytes: a 29 MB body of a million tiny items, or one item with two million
`choices`, held the loop for well over a second before being refused. A body whose structure fits
what the limits allow (counted in microseconds, see `json_values_bound`) is parsed in place; any
other body is first parsed by a helper process, and here only once it proved valid.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from pydantic import Field, ValidationError, create_model
from pydantic_core import ErrorDetails
from reward_proto import ScoreItem, ScoreRequest, limits

from reward_server.errors import InvalidRequest, MalformedRequest, PayloadTooLarge, ServiceError

# The JSON values one item within the limits can hold: its fields, every choice, every image.
VALUES_PER_ITEM = 16 + 2 * limits.MAX_CHOICES + limits.MAX_IMAGES_PER_ITEM
CHECK_TIMEOUT_S = 60.0


def request_model(max_items: int) -> type[ScoreRequest]:
    """`ScoreRequest` whose parser stops at `max_items` items instead of building every one."""
    items = (list[ScoreItem], Field(min_length=1, max_length=max_items))
    return create_model("ScoreRequest", __base__=ScoreRequest, items=items)


def json_values_bound(body: bytes) -> int:
    """At least the number of JSON values in `body`: every value but the first follows a comma, a
    colon or an opening bracket (those inside strings only make the bound looser)."""
    return body.count(b",") + body.count(b":") + body.count(b"[") + 1


def describe(errors: list[ErrorDetails]) -> str:
    parts = []
    for error in errors[:5]:
        location = ".".join(str(part) for part in error["loc"]) or "body"
        parts.append(f"{location}: {error['msg']}")
    more = len(errors) - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _error(errors: list[ErrorDetails], max_items: int) -> ServiceError:
    if any(error["type"] == "json_invalid" for error in errors):
        return MalformedRequest(f"body is not valid JSON: {describe(errors)}")
    if any(error["type"] == "too_long" and tuple(error["loc"]) == ("items",) for error in errors):
        return PayloadTooLarge(f"more than {max_items} items in one request (limit {max_items})")
    return InvalidRequest(describe(errors))


def _problems(body: bytes, max_items: int) -> list[ErrorDetails] | None:
    """Runs in the helper process: what is wrong with `body`, or None when it parses."""
    try:
        request_model(max_items).model_validate_json(body)
    except ValidationError as exc:
        return exc.errors(include_url=False, include_input=False, include_context=False)
    return None


class BodyParser:
    """Parses score requests; bodies too complex for the loop are vetted in a helper process first."""

    def __init__(self, max_items: int, *, values_in_place: int | None = None) -> None:
        """`values_in_place`: bodies with more JSON values are vetted in the helper process first
        (default: what `max_items` items within the limits can hold)."""
        self._max_items = max_items
        self._model = request_model(max_items)
        self._max_values = max_items * VALUES_PER_ITEM if values_in_place is None else values_in_place
        self._checker: ProcessPoolExecutor | None = None
        self._one_at_a_time = asyncio.Semaphore(1)

    async def parse(self, body: bytes) -> ScoreRequest:
        if json_values_bound(body) > self._max_values:
            problems = await self._check_elsewhere(body)
            if problems is not None:
                raise _error(problems, self._max_items)
        try:
            return self._model.model_validate_json(body)
        except ValidationError as exc:
            raise _error(exc.errors(include_url=False), self._max_items) from None

    async def _check_elsewhere(self, body: bytes) -> list[ErrorDetails] | None:
        async with self._one_at_a_time:
            if self._checker is None:
                context = multiprocessing.get_context("forkserver")
                self._checker = ProcessPoolExecutor(max_workers=1, mp_context=context)
            check: asyncio.Future[Any] = asyncio.get_running_loop().run_in_executor(
                self._checker, _problems, body, self._max_items
            )
            try:
                problems: list[ErrorDetails] | None = await asyncio.wait_for(check, CHECK_TIMEOUT_S)
            except TimeoutError:
                raise PayloadTooLarge(f"the body could not be parsed within {CHECK_TIMEOUT_S:g} s") from None
            return problems

    def close(self) -> None:
        if self._checker is not None:
            self._checker.shutdown(wait=False, cancel_futures=True)
