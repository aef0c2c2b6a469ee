"""Akismet's REST API (1.1 and 1.2) answered by Sieve: a site key's comments judged with the
classifier and the key's site policy. Registered by ``service.web.compat``; nothing else imports it.

Akismet's clients read plain text (``valid``, ``true``, the thanks string) and give up on anything
else, so every answer here, errors included, is plain text in Akismet's manner.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response

akismet = Blueprint("akismet", __name__)

from service.web.compat.akismet import views  # noqa: E402  (routes register on import)


@akismet.after_request
def plain_text_errors(response: Response) -> Response:
    """Sieve's JSON errors (a 429 from the rate limit, a 413, a database outage) in Akismet's
    form: the message as plain text and in ``X-akismet-error``, which makes WordPress hold the
    comment for moderation instead of trusting it."""
    if response.status_code < 400 or not response.is_json:
        return response
    payload = response.get_json(silent=True)
    error = payload.get("error") if isinstance(payload, dict) else None
    message = str(error.get("message")) if isinstance(error, dict) else "error"
    message = " ".join(message.split())  # one header line
    plain = views.plain(message, response.status_code)
    plain.headers["X-akismet-error"] = message
    if "Retry-After" in response.headers:
        plain.headers["Retry-After"] = response.headers["Retry-After"]
    return plain


def init_app(app: Flask) -> None:
    app.register_blueprint(akismet)
