"""One error shape for the whole API: ``{"error": {"code", "message", "fields"?}}``."""

from __future__ import annotations

import logging
import time

import redis
from flask import Flask, Response, jsonify
from flask_limiter.errors import RateLimitExceeded
from limits.errors import StorageError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from service.domain.refusals import ApiError
from service.web.limits import limiter

log = logging.getLogger(__name__)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# Codes for the HTTP errors that Flask and Werkzeug raise on their own.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def _render_api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


def _render_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, "error")
    message = error.description or error.name
    if status == 413:
        message = "the request body is too large"
    response = error_response(status, code, message)
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    if isinstance(error, RateLimitExceeded):
        response.headers["Retry-After"] = str(retry_after())
    return response


def retry_after() -> int:
    """Seconds until the breached limit's window resets.

    Asked of Redis only on a 429: limit headers on every answer would cost each accepted
    comment another round trip, so Sieve sends none.
    """
    try:
        breached = limiter.current_limit
        if breached is not None:
            return max(1, int(breached.reset_at - time.time()))
    except (redis.RedisError, OSError, StorageError) as error:
        log.warning("retry-after unknown error=%s", type(error).__name__)
    return 60


def _render_database_error(error: Exception) -> Response:
    # Connection-level failures (server down or restarting, pool exhausted) are an outage the
    # client may retry: 503, never a stack trace. The pool reconnects by itself once the server
    # is back (see service.storage.db). Any other database error is a bug and stays a 500.
    outage = isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )
    if not outage:
        return _render_unexpected(error)
    cause = error.orig if isinstance(error, DBAPIError) else error
    log.warning("database unavailable error=%s", type(cause).__name__)
    return _unavailable("database_unavailable", "the database is unavailable")


def _render_redis_error(error: Exception) -> Response:
    # Only reached when SIEVE_RATE_LIMIT_FAIL_OPEN is false (the limiter then refuses to guess);
    # enqueueing never raises: the comment is stored and the sweeper queues it later.
    log.warning("redis unavailable error=%s", type(error).__name__)
    return _unavailable("temporarily_unavailable", "a service Sieve depends on is unavailable")


def _unavailable(code: str, what: str) -> Response:
    """An outage the client may retry in a few seconds."""
    return error_response(503, code, f"{what}; try again shortly", headers={"Retry-After": "5"})


def _render_unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "internal_error", "something went wrong on our side")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _render_api_error)
    app.register_error_handler(HTTPException, _render_http_exception)
    app.register_error_handler(DBAPIError, _render_database_error)
    app.register_error_handler(PoolTimeout, _render_database_error)
    app.register_error_handler(redis.ConnectionError, _render_redis_error)
    app.register_error_handler(redis.TimeoutError, _render_redis_error)
    app.register_error_handler(Exception, _render_unexpected)
