"""Reward upstreams that misbehave, over real HTTP on a loopback port, for the client's hardening tests.

Built on `FakeUpstream` (its own thread and event loop); every `/score` call gets the `mode`'s answer.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import zlib
from collections.abc import AsyncIterator
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tests.trainer.fake_upstream import FakeUpstream

Mode = Literal["frozen", "huge", "declared", "bomb", "slow_items", "gzipped"]

_CHUNK = b" " * (64 * 1024)
_MIB = 1024 * 1024


def gzip_bomb(size: int) -> bytes:
    """A small gzip body that inflates to `size` bytes (whitespace after the start of a JSON body)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [compressor.compress(b'{"results":[')]
    block = b" " * _MIB
    parts += [compressor.compress(block) for _ in range(size // _MIB)]
    parts.append(compressor.flush())
    return b"".join(parts)


class HostileUpstream(FakeUpstream):
    """`POST /score` that answers as `mode` says.

    frozen: blocks its event loop until `stop()`, as a replica stuck in synchronous code does (the
    kernel still accepts connections and takes their requests). huge: a 200 body of `size` bytes,
    streamed without a length. declared: a 200 body of `size` bytes with its Content-Length.
    bomb: a 200 gzip body that inflates to `size` bytes. slow_items: answers at half the request's
    `deadline_ms`, with status `timeout` for the items whose `group_id` is `slow`. gzipped: answers
    at once, gzip-compressed although the client asked for none. Items are scored as `FakeUpstream`
    scores them (a number as text).
    """

    def __init__(self, *, mode: Mode, size: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.size = size
        self.accept_encoding: list[str | None] = []
        self._release = threading.Event()
        # built before any test measures memory
        self._body = b" " * size if mode == "declared" else gzip_bomb(size) if mode == "bomb" else b""

    def stop(self) -> None:
        self._release.set()  # a frozen loop must run again to see that it should exit
        super().stop()

    async def _score(self, request: Request) -> Response:
        self.calls += 1
        self.accept_encoding.append(request.headers.get("accept-encoding"))
        body: dict[str, Any] = await request.json()
        self.bodies.append(body)
        if self.mode == "frozen":
            self._release.wait()  # on purpose: nothing else runs on this loop meanwhile
            return JSONResponse({"results": []})
        if self.mode == "huge":
            return StreamingResponse(self._stream(), media_type="application/json")
        if self.mode == "declared":
            return Response(self._body, media_type="application/json")
        if self.mode == "bomb":
            return Response(self._body, media_type="application/json", headers={"content-encoding": "gzip"})
        if self.mode == "slow_items":
            await asyncio.sleep(body["deadline_ms"] / 1000 / 2)
        results = [
            {"id": item["id"], "status": "timeout", "error": "deadline passed while scoring"}
            if item.get("group_id") == "slow"
            else {"id": item["id"], "status": "ok", "score": float(item["response"])}
            for item in body["items"]
        ]
        answer = {"scorer": "outcome", "model": "fake", "model_version": "0", "results": results}
        if self.mode == "gzipped":
            content = gzip.compress(json.dumps(answer).encode())
            return Response(content, media_type="application/json", headers={"content-encoding": "gzip"})
        return JSONResponse(answer)

    async def _stream(self) -> AsyncIterator[bytes]:
        yield b'{"results":['
        for _ in range(self.size // len(_CHUNK)):
            yield _CHUNK
