"""Running the app under uvicorn: a request-head timeout and a shutdown that drains through our code.

uvicorn has no limit on how long a client may take to send a request head, so a slowloris
connection is held forever; and on SIGTERM it waits for requests for its graceful timeout, then
cancels them (a plain-text 500, results lost) before the app's lifespan is told to stop. Here the
scoring service drains first, so every accepted request gets its JSON answer with a status per item,
and only then does uvicorn close connections.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from reward_server.config import ServerSettings
from reward_server.errors import RequestTimeout, envelope, status_code

logger = logging.getLogger(__name__)

# After the drain, responses only need writing out.
FLUSH_TIMEOUT_S = 5


def _head_timeout_response() -> bytes:
    error = RequestTimeout("the request head was not received in time")
    body = envelope(error.type, error.message)
    head = (
        f"HTTP/1.1 {status_code(error)} Request Timeout\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class HeadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with three holes closed:

    - a connection that does not send a whole request head within `head_timeout_s` while no request
      is in progress gets a 408 and is closed (uvicorn waits forever: slowloris);
    - a response sent before its request body was fully received closes the connection, since the
      rest of the stream is no longer a request boundary (an unread body, or `Expect: 100-continue`
      answered with an error, would otherwise be read as the next request);
    - a lost connection is told to every request of it still running, pipelined ones included
      (uvicorn tells only the newest).
    """

    head_timeout_s = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._running_cycles: set[RequestResponseCycle] = set()
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Between requests, any bytes (a partial head, stray CRLFs) start the clock; uvicorn's
        # keep-alive timer stops at the first byte.
        if not self._running_cycles and not self.pipeline and not self.transport.is_closing():
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            self._running_cycles.add(cycle)
            cycle.on_response = functools.partial(self._on_cycle_complete, cycle)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        for cycle in self._running_cycles:
            if not cycle.response_complete:
                cycle.disconnected = True
                cycle.message_event.set()
        super().connection_lost(exc)

    def _on_cycle_complete(self, cycle: RequestResponseCycle) -> None:
        self._running_cycles.discard(cycle)
        if cycle.more_body and not self.transport.is_closing():
            self.transport.close()
        self.on_response_complete()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._on_head_timeout)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _on_head_timeout(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing() and not self._running_cycles:
            self.transport.write(_head_timeout_response())
            self.transport.close()


def head_timeout_protocol(timeout_s: float) -> type[HeadTimeoutProtocol]:
    class Protocol(HeadTimeoutProtocol):
        head_timeout_s = timeout_s

    return Protocol


class DrainingServer(uvicorn.Server):
    """On shutdown: stop accepting, let the scoring service drain, then let uvicorn close."""

    def __init__(self, config: uvicorn.Config, drain: Callable[[], Awaitable[None]]) -> None:
        super().__init__(config)
        self._drain = drain

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        await self._drain()
        await super().shutdown(sockets)


def serve(app: FastAPI, settings: ServerSettings) -> None:
    """Run `app` (from `create_app`) until SIGINT/SIGTERM, then drain its scoring service."""
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        http=head_timeout_protocol(settings.header_read_timeout_s),
        timeout_graceful_shutdown=FLUSH_TIMEOUT_S,
        access_log=False,
    )
    DrainingServer(config, app.state.server.drain).run()
