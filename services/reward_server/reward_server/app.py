"""HTTP layer: the `create_app(settings)` factory, thin routes on a router, one table of error
handlers (docs/architecture.md, Parts)."""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from reward_proto import HealthResponse, InfoResponse, ItemStatus, Limits
from reward_proto.openapi import openapi_document
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reward_server import __version__
from reward_server.config import RequestLimits, ServerSettings, Settings, is_loopback
from reward_server.errors import (
    STATUS_CODES,
    ClientDisconnected,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    NotReady,
    PayloadTooLarge,
    RequestTimeout,
    ServiceError,
    Unauthorized,
    UnsupportedMediaType,
    envelope,
    status_code,
)
from reward_server.metrics import ServerMetrics
from reward_server.parsing import BodyParser
from reward_server.scorers.factory import build_service
from reward_server.service import ScoringService

logger = logging.getLogger(__name__)

SCORE_PATHS = ("/score", "/v1/score")
_JSON = "application/json"
PROBE_PATHS = ("/healthz", "/readyz")
_SMALL_BODY_BYTES = 65_536  # arrives with its head: no drain to race
T = TypeVar("T")


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(exclude_none=True), status_code=status, media_type=_JSON)


def _error_response(error: ServiceError) -> Response:
    return Response(
        envelope(error.type, error.message),
        status_code=status_code(error),
        media_type=_JSON,
        headers=error.headers(),
    )


def _require_json(request: Request) -> None:
    """Only JSON bodies: a web page can send text/plain or a form to a local server without CORS."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != _JSON and not (media_type.startswith("application/") and media_type.endswith("+json")):
        shown = media_type or "none"
        raise UnsupportedMediaType(f"content-type {shown}: send the body as application/json")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body of {declared} bytes (limit {limit})")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"body over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientDisconnected("the client closed the connection while sending the body") from None
    return b"".join(chunks)


async def _unless(work: Awaitable[T], stop: Coroutine[Any, Any, Any], error: ServiceError) -> T:
    """`work`'s result, awaited in this task; if `stop` finishes first, `work` is cancelled and
    `error` raised. One watcher task per call: this runs on every request."""
    current = asyncio.current_task()
    assert current is not None
    watching = stopped = False

    async def watch() -> None:
        nonlocal watching, stopped
        watching = True
        await stop
        stopped = True
        current.cancel()

    watcher = asyncio.create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        if stopped and current.uncancel() == 0:
            raise error from None
        raise
    finally:
        watcher.cancel()
        if not watching:  # `work` won before the watcher ran: `stop` was never started
            stop.close()


async def _disconnected(receive: Receive) -> None:
    """Returns when the client closes the connection (after the body was read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


class _RequestMetrics:
    """Counts score requests by HTTP status and times them (pure ASGI, no body buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in SCORE_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            server: ServerState = scope["app"].state.server
            server.metrics.observe_request(status, time.perf_counter() - started)


@dataclass(slots=True)
class ServerState:
    """What the routes need, set up by `create_app` (the service once the lifespan started it)."""

    server: ServerSettings
    limits: RequestLimits
    info_limits: Limits  # what GET /info reports
    bearer_token: bytes | None
    metrics: ServerMetrics
    parser: BodyParser
    service: ScoringService[Any] | None = None

    async def drain(self) -> None:
        """Let the scoring service finish what it admitted (SIGTERM; see runtime.py)."""
        if self.service is not None:
            await self.service.drain()

    def has_api_key(self, request: Request) -> bool:
        expected = self.bearer_token
        if expected is None:
            return True
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)


def _server(request: Request) -> ServerState:
    server: ServerState = request.app.state.server
    return server


def _service_of(request: Request) -> ScoringService[Any]:
    service = _server(request).service
    if service is None:
        raise NotReady("the scorer is still loading")
    return service


def _require_api_key(request: Request) -> None:
    if not _server(request).has_api_key(request):
        raise Unauthorized("missing or wrong bearer token")


Server = Annotated[ServerState, Depends(_server)]
Service = Annotated[ScoringService[Any], Depends(_service_of)]
probes = APIRouter()
router = APIRouter(dependencies=[Depends(_require_api_key)])


async def _score(request: Request, server: Server, service: Service) -> Response:
    settings = server.server
    _require_json(request)
    reading = _read_body(request, server.limits.max_body_bytes)
    shutting_down = NotReady("the server is shutting down")
    declared = request.headers.get("content-length", "")
    try:
        async with asyncio.timeout(settings.body_read_timeout_s):
            if declared.isdigit() and int(declared) <= _SMALL_BODY_BYTES:
                body = await reading
            else:  # a drain does not wait for slow uploads: they are told to go elsewhere at once
                body = await _unless(reading, service.draining.wait(), shutting_down)
    except TimeoutError:
        limit = settings.body_read_timeout_s
        raise RequestTimeout(f"the body was not received within {limit:g} s") from None
    with service.admitted():
        if server.parser.in_place(body):
            payload = await server.parser.parse(body)
        else:  # a parse still running when the drain's time is up is not waited for
            payload = await _unless(server.parser.parse(body), service.drained.wait(), shutting_down)
        # Work for a client that went away is cancelled, so its queued items are skipped.
        gone = ClientDisconnected("the client closed the connection before its results were ready")
        return _json(await _unless(service.score(payload), _disconnected(request.receive), gone))


for _path in SCORE_PATHS:
    router.add_api_route(_path, _score, methods=["POST"], include_in_schema=False)


@probes.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
async def healthz() -> Response:
    return _json(HealthResponse(status="ok"))


@probes.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
async def readyz(server: Server) -> Response:
    service = server.service
    reason = "the scorer is still loading" if service is None else service.readiness()
    if reason is not None:
        return _json(HealthResponse(status="not_ready", detail=reason), status=503)
    return _json(HealthResponse(status="ok"))


@router.get("/info", include_in_schema=False)
async def info(server: Server, service: Service) -> Response:
    return _json(
        InfoResponse(
            scorer=service.scorer.name,
            model=service.scorer.model,
            model_version=service.scorer.model_version,
            version=__version__,
            limits=server.info_limits,
        )
    )


@router.get("/openapi.json", include_in_schema=False)
async def openapi() -> Response:
    return Response(json.dumps(openapi_document()), media_type=_JSON)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(server: Server) -> Response:
    return Response(generate_latest(server.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _service_error(_: Request, exc: ServiceError) -> Response:
    return _error_response(exc)


async def _validation_error(_: Request, exc: RequestValidationError) -> Response:
    return _error_response(InvalidRequest(str(exc.errors()[:5])))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    # Unknown routes need the key too: without it, a 404 would tell which routes exist.
    if request.url.path not in PROBE_PATHS and not _server(request).has_api_key(request):
        return _error_response(Unauthorized("missing or wrong bearer token"))
    if exc.status_code == 404:
        return _error_response(NotFound("no such route"))
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed here (allowed: {allow})"
        return _error_response(MethodNotAllowed(message, allow=allow))
    return Response(
        envelope("http_error", str(exc.detail)),
        status_code=exc.status_code,
        media_type=_JSON,
        headers=exc.headers,
    )


async def _unexpected(_: Request, exc: Exception) -> Response:
    logger.exception("unhandled error")
    return _error_response(ServiceError(f"internal error: {type(exc).__name__}"))


# Each handler takes the exception type it is registered for.
ErrorHandler = Callable[[Request, Any], Coroutine[Any, Any, Response]]
# Every exception a request can end with, and the envelope it is answered with.
EXCEPTION_HANDLERS: dict[int | type[Exception], ErrorHandler] = {
    ServiceError: _service_error,
    RequestValidationError: _validation_error,
    StarletteHTTPException: _http_error,
    Exception: _unexpected,
}


@asynccontextmanager
async def _lifespan(settings: Settings, app: FastAPI) -> AsyncIterator[None]:
    server: ServerState = app.state.server
    if settings.bearer_token is None and not is_loopback(settings.host):
        logger.warning(
            "SERVING %s WITHOUT AUTHENTICATION (REWARD_SERVER_ALLOW_UNAUTHENTICATED): anyone who can"
            " reach this port can use it",
            settings.host,
        )
    service = build_service(settings, server.metrics)
    await service.start()
    server.service = service
    logger.info("%s scorer ready (%s)", settings.scorer, service.scorer.model_version)
    try:
        yield
    finally:
        logger.info("shutting down: finishing queued work")
        await service.close()
        server.parser.close()


def _metrics(settings: Settings) -> ServerMetrics:
    metrics = ServerMetrics(settings.scorer)
    metrics.start_at_zero(metrics.requests, "status", sorted({200, *STATUS_CODES.values()}))
    metrics.start_at_zero(metrics.items, "status", ItemStatus)
    metrics.queue_max_items.set(settings.max_queue_items)
    metrics.queue_max_tokens.set(settings.max_queue_tokens)
    return metrics


def create_app(settings: Settings) -> FastAPI:
    """Build the reward server for `settings`; the scorer starts in the lifespan."""
    app = FastAPI(
        title="Reward service",
        version=__version__,
        lifespan=functools.partial(_lifespan, settings),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by the router, behind the key like every other route
        redirect_slashes=False,  # a redirect would answer before authentication
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.server = ServerState(
        server=settings.server,
        limits=settings.limits,
        info_limits=Limits(**settings.limits.model_dump(), per_item_timeout_s=settings.item_timeout_s),
        bearer_token=settings.bearer_token,
        metrics=_metrics(settings),
        parser=BodyParser(settings.max_items_per_request),
    )
    app.add_middleware(_RequestMetrics)
    app.include_router(probes)
    app.include_router(router)
    return app
