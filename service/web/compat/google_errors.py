"""Errors in the shape Google's APIs answer them, for the Perspective-compatible API:
``{"error": {"code", "message", "status", "details": [...]}}``.

Clients read ``error.message`` (google-api-python-client shows it as ``HttpError.reason``);
an HTML page or Sieve's own error shape breaks them, so every error of these routes, the 429 of
the rate limiter and Werkzeug's own included, is rendered here.
"""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
# The canonical status of each HTTP code these routes answer with (google.rpc.Code).
STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class GoogleError(Exception):
    """An error of the Perspective-compatible API; ``error_type`` is Perspective's ``errorType``
    (COMMENT_EMPTY, ...), ``reason`` the ``google.rpc.ErrorInfo`` reason of key and quota errors."""

    def __init__(
        self,
        code: int,
        message: str,
        error_type: str | None = "INVALID_REQUEST",
        *,
        reason: str | None = None,
        extra: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.error_type = error_type
        self.reason = reason
        self.extra = extra or {}
        self.headers = headers or {}


def invalid(message: str, error_type: str = "INVALID_REQUEST", **extra: object) -> GoogleError:
    """A 400 INVALID_ARGUMENT about the request's content."""
    return GoogleError(400, message, error_type, extra=extra)


def render_google_error(error: GoogleError) -> Response:
    details: list[dict[str, object]] = []
    if error.error_type:
        details.append({"@type": ERROR_TYPE, "errorType": error.error_type, **error.extra})
    if error.reason:
        details.append({"@type": ERROR_INFO, "reason": error.reason, "domain": "googleapis.com"})
    body: dict[str, object] = {
        "code": error.code,
        "message": error.message,
        "status": STATUS.get(error.code, "UNKNOWN"),
    }
    if details:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = error.code
    response.headers.update(error.headers)
    return response


def render_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (a body over the size limit, a wrong method) in Google's shape."""
    code = error.code or 500
    if code == 413:
        return render_google_error(invalid("Comment text too long.", "COMMENT_TOO_LONG"))
    status = code if code in STATUS else 400
    return render_google_error(GoogleError(status, error.description or error.name))


def google_shaped(response: Response) -> Response:
    """``response`` in Google's shape if it is an error in Sieve's: those the app-wide handlers
    render (database or Redis down: 503, a bug: 500, both logged there) reach these routes'
    clients in the shape they read."""
    if response.status_code < 400 or not response.is_json:
        return response
    error = (response.get_json(silent=True) or {}).get("error")
    if not isinstance(error, dict) or "status" in error:
        return response
    shaped = render_google_error(
        GoogleError(response.status_code, str(error.get("message", "")), None)
    )
    shaped.headers.update({k: v for k, v in response.headers if k.lower() == "retry-after"})
    return shaped
