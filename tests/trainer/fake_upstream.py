"""A scriptable reward upstream served over real HTTP on a loopback port, for the client tests.

uvicorn runs in its own thread with its own event loop, so the client under test shares nothing
with it but the socket.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Order = Literal["same", "reversed", "shuffled"]


@dataclass
class Reply:
    """A scripted answer to one call; `body` defaults to an error envelope."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def envelope(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


class FakeUpstream:
    """`POST /score` that scores each item's `response` text as a number ("0.25" -> 0.25).

    The response text `fail` gives status `error` ("judge failed") and `unscored` an `ok` result
    without a score, which breaks the contract. The first calls get the
    `script` replies instead; `order`, `drop`, `extra` and `duplicate` bend the normal answer.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        delay_s: float = 0.0,
        script: Sequence[Reply] = (),
        order: Order = "same",
        drop: Sequence[str] = (),
        extra: Sequence[str] = (),
        duplicate: Sequence[str] = (),
        api_key: str | None = None,
        score_item: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        hold: threading.Event | None = None,
    ) -> None:
        """`score_item` answers one item (default: its response text as the score); with `hold`
        every answer waits until the event is set (at most 30 s)."""
        self.delay_s = delay_s
        self.score_item = score_item or _result
        self.hold = hold
        self.answered_at: list[float] = []
        self.script = list(script)
        self.order = order
        self.drop = set(drop)
        self.extra = list(extra)
        self.duplicate = set(duplicate)
        self.api_key = api_key
        self.calls = 0
        self.bodies: list[dict[str, Any]] = []
        self.authorization: list[str | None] = []
        self.received_at: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port = int(self._sock.getsockname()[1])
        app = Starlette(routes=[Route("/score", self._score, methods=["POST"])])
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=f"fake-upstream-{self.port}"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeUpstream:
        self._thread.start()
        for _ in range(1000):
            if self._server.started:
                return self
            if not self._thread.is_alive():
                break
            time.sleep(0.01)
        raise RuntimeError(f"fake upstream on port {self.port} did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()

    async def _score(self, request: Request) -> Response:
        index = self.calls
        self.calls += 1
        self.received_at.append(time.monotonic())
        self.authorization.append(request.headers.get("authorization"))
        body: dict[str, Any] = await request.json()
        self.bodies.append(body)
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse(envelope("unauthorized", "missing or wrong bearer token"), status_code=401)
        if index < len(self.script):
            reply = self.script[index]
            content = (
                reply.body if reply.body is not None else envelope("scripted", f"scripted {reply.status}")
            )
            return JSONResponse(content, status_code=reply.status, headers=reply.headers)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.hold is not None:
                await asyncio.to_thread(self.hold.wait, 30)
        finally:
            self.in_flight -= 1
        score = self.score_item
        results = [score(item) for item in body["items"] if item["id"] not in self.drop]
        results += [score(item) for item in body["items"] if item["id"] in self.duplicate]
        results += [_result({"id": extra, "response": "1"}) for extra in self.extra]
        if self.order == "reversed":
            results.reverse()
        elif self.order == "shuffled":
            random.Random(index).shuffle(results)
        self.answered_at.append(time.monotonic())
        return JSONResponse({"scorer": "outcome", "model": "fake", "model_version": "0", "results": results})


def _result(item: dict[str, Any]) -> dict[str, Any]:
    text = item["response"]
    if text == "fail":
        return {"id": item["id"], "status": "error", "error": "judge failed"}
    if text == "unscored":  # breaks the contract: `ok` without a score
        return {"id": item["id"], "status": "ok"}
    score = float(text)
    details = {"format_ok": True, "extracted": text, "accuracy": score, "reason": "fake"}
    return {"id": item["id"], "status": "ok", "score": score, "details": details}
