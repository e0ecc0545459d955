"""Whole-request errors: one envelope, one table from exception to HTTP status."""

from __future__ import annotations

from reward_proto import ErrorBody, ErrorEnvelope


class ServiceError(Exception):
    """Base of errors that end a whole request. `type` names it in the envelope."""

    type = "internal_error"

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        """HTTP headers that go with this error's response."""
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}


class MalformedRequest(ServiceError):
    type = "malformed_json"


class InvalidRequest(ServiceError):
    type = "invalid_request"


class Unauthorized(ServiceError):
    type = "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class PayloadTooLarge(ServiceError):
    type = "payload_too_large"


class QueueFullError(ServiceError):
    type = "queue_full"


class NotReady(ServiceError):
    type = "not_ready"


class NotFound(ServiceError):
    type = "not_found"


class MethodNotAllowed(ServiceError):
    type = "method_not_allowed"

    def __init__(self, message: str, *, allow: str) -> None:
        super().__init__(message)
        self.allow = allow

    def headers(self) -> dict[str, str]:
        return {"Allow": self.allow}


class RequestTimeout(ServiceError):
    """The client did not send its request (head or body) in time."""

    type = "request_timeout"

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}  # the rest of the body may still be on its way


class UnsupportedMediaType(ServiceError):
    type = "unsupported_media_type"


class ClientDisconnected(ServiceError):
    """The client went away; nothing can be sent, but the status is counted."""

    type = "client_disconnected"


STATUS_CODES: dict[type[ServiceError], int] = {
    MalformedRequest: 400,
    Unauthorized: 401,
    NotFound: 404,
    MethodNotAllowed: 405,
    RequestTimeout: 408,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    InvalidRequest: 422,
    QueueFullError: 429,
    # nginx's "client closed request": never sent, only counted in reward_requests_total
    ClientDisconnected: 499,
    ServiceError: 500,
    NotReady: 503,
}


def status_code(error: ServiceError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def envelope(error_type: str, message: str) -> bytes:
    return ErrorEnvelope(error=ErrorBody(type=error_type, message=message)).model_dump_json().encode()
