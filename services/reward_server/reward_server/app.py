"""HTTP layer: the `create_app(settings)` factory and thin routes."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ValidationError
from reward_proto import HealthResponse, InfoResponse, Limits, ScoreRequest
from reward_proto.openapi import openapi_document
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reward_server import __version__
from reward_server.config import Settings
from reward_server.errors import (
    InvalidRequest,
    MalformedRequest,
    NotFound,
    NotReady,
    PayloadTooLarge,
    ServiceError,
    Unauthorized,
    envelope,
    status_code,
)
from reward_server.metrics import ServerMetrics
from reward_server.scorers import build_scorer
from reward_server.service import ScoringService

logger = logging.getLogger(__name__)

SCORE_PATHS = ("/score", "/v1/score")
_JSON = "application/json"


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(exclude_none=True), status_code=status, media_type=_JSON)


def _error_response(error: ServiceError) -> Response:
    headers = {}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return Response(
        envelope(error.type, error.message),
        status_code=status_code(error),
        media_type=_JSON,
        headers=headers,
    )


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False)[:5]:
        location = ".".join(str(part) for part in error["loc"]) or "body"
        parts.append(f"{location}: {error['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body of {declared} bytes (limit {limit})")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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
        service = ScoringService(build_scorer(settings, metrics), settings, metrics)
        await service.start()
        app.state.service = service
        logger.info("%s scorer ready (%s)", settings.scorer.value, service.scorer.model_version)
        try:
            yield
        finally:
            logger.info("shutting down: finishing queued work")
            await service.close()

    app = FastAPI(
        title="Reward service",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.metrics = metrics
    app.openapi = lambda: openapi_document()  # type: ignore[method-assign]
    app.add_middleware(_RequestMetrics)

    expected_key = settings.api_key.get_secret_value().encode() if settings.api_key else None

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
        if not has_api_key(request):
            return _error_response(Unauthorized("missing or wrong bearer token"))
        if exc.status_code == 404:
            return _error_response(NotFound("no such route"))
        return Response(
            envelope("http_error", str(exc.detail)), status_code=exc.status_code, media_type=_JSON
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        logger.exception("unhandled error")
        return _error_response(ServiceError(f"internal error: {type(exc).__name__}"))

    async def score(request: Request, service: Service) -> Response:
        body = await _read_body(request, settings.max_body_bytes)
        try:
            payload = ScoreRequest.model_validate_json(body)
        except ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors()):
                raise MalformedRequest(f"body is not valid JSON: {_describe(exc)}") from None
            raise InvalidRequest(_describe(exc)) from None
        return _json(await service.score(payload))

    for path in SCORE_PATHS:
        app.add_api_route(path, score, methods=["POST"], dependencies=authorized, include_in_schema=False)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return _json(HealthResponse(status="ok"))

    @app.get("/readyz", include_in_schema=False)
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
                    max_image_bytes=settings.max_image_bytes,
                    per_item_timeout_s=settings.item_timeout_s,
                ),
            )
        )

    @app.get("/metrics", dependencies=authorized, include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
