"""HTTP layer: the `create_app(settings)` factory and thin routes."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from reward_proto import HealthResponse, InfoResponse, Limits
from reward_proto.openapi import openapi_document
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reward_server import __version__
from reward_server.config import Settings, is_loopback
from reward_server.errors import (
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
from reward_server.scorers import build_scorer
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
    stopped = False

    async def watch() -> None:
        nonlocal stopped
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
            metrics: ServerMetrics | None = getattr(scope["app"].state, "metrics", None)
            if metrics is not None:
                metrics.observe_request(status, time.perf_counter() - started)


def _service_of(request: Request) -> ScoringService:
    service: ScoringService | None = getattr(request.app.state, "service", None)
    if service is None:
        raise NotReady("the scorer is still loading")
    return service


Service = Annotated[ScoringService, Depends(_service_of)]


def create_app(settings: Settings) -> FastAPI:
    """Build the reward server for `settings`; the scorer starts in the lifespan."""
    metrics = ServerMetrics(settings.scorer.value)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.bearer_token is None and not is_loopback(settings.host):
            logger.warning(
                "SERVING %s WITHOUT AUTHENTICATION (REWARD_SERVER_ALLOW_UNAUTHENTICATED): anyone who can"
                " reach this port can use it",
                settings.host,
            )
        service = ScoringService(build_scorer(settings, metrics), settings, metrics)
        await service.start()
        app.state.service = service
        logger.info("%s scorer ready (%s)", settings.scorer.value, service.scorer.model_version)
        try:
            yield
        finally:
            logger.info("shutting down: finishing queued work")
            await service.close()
            parser.close()

    app = FastAPI(
        title="Reward service",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, behind the key like every other route
        redirect_slashes=False,  # a redirect would answer before authentication
    )
    app.state.metrics = metrics
    app.add_middleware(_RequestMetrics)
    parser = BodyParser(settings.max_items_per_request)

    expected_key = settings.bearer_token

    def has_api_key(request: Request) -> bool:
        if expected_key is None:
            return True
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected_key)

    def require_api_key(request: Request) -> None:
        if not has_api_key(request):
            raise Unauthorized("missing or wrong bearer token")

    authorized = [Depends(require_api_key)]

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> Response:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> Response:
        return _error_response(InvalidRequest(str(exc.errors()[:5])))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown routes need the key too: without it, a 404 would tell which routes exist.
        if request.url.path not in PROBE_PATHS and not has_api_key(request):
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

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        logger.exception("unhandled error")
        return _error_response(ServiceError(f"internal error: {type(exc).__name__}"))

    async def score(request: Request, service: Service) -> Response:
        _require_json(request)
        reading = _read_body(request, settings.max_body_bytes)
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
            if parser.in_place(body):
                payload = await parser.parse(body)
            else:  # a parse still running when the drain's time is up is not waited for
                payload = await _unless(parser.parse(body), service.drained.wait(), shutting_down)
            # Work for a client that went away is cancelled, so its queued items are skipped.
            gone = ClientDisconnected("the client closed the connection before its results were ready")
            return _json(await _unless(service.score(payload), _disconnected(request.receive), gone))

    for path in SCORE_PATHS:
        app.add_api_route(path, score, methods=["POST"], dependencies=authorized, include_in_schema=False)

    @app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
    async def healthz() -> Response:
        return _json(HealthResponse(status="ok"))

    @app.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
    async def readyz(request: Request) -> Response:
        service: ScoringService | None = getattr(request.app.state, "service", None)
        reason = "the scorer is still loading" if service is None else service.readiness()
        if reason is not None:
            return _json(HealthResponse(status="not_ready", detail=reason), status=503)
        return _json(HealthResponse(status="ok"))

    @app.get("/info", dependencies=authorized, include_in_schema=False)
    async def info(service: Service) -> Response:
        return _json(
            InfoResponse(
                scorer=service.scorer.name,
                model=service.scorer.model,
                model_version=service.scorer.model_version,
                version=__version__,
                limits=Limits(
                    max_items_per_request=settings.max_items_per_request,
                    max_body_bytes=settings.max_body_bytes,
                    max_response_chars=settings.max_response_chars,
                    max_ground_truth_chars=settings.max_ground_truth_chars,
                    max_question_chars=settings.max_question_chars,
                    max_choice_chars=settings.max_choice_chars,
                    max_image_bytes=settings.max_image_bytes,
                    max_image_pixels=settings.max_image_pixels,
                    per_item_timeout_s=settings.item_timeout_s,
                ),
            )
        )

    @app.get("/openapi.json", dependencies=authorized, include_in_schema=False)
    async def openapi() -> Response:
        return Response(json.dumps(openapi_document()), media_type=_JSON)

    @app.get("/metrics", dependencies=authorized, include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
