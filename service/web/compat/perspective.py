"""Google's Perspective API (``commentanalyzer`` v1alpha1) at the server's root: Coral's
"Custom endpoint" set to ``https://sieve.example/v1alpha1`` and google-api-python-client's
``discoveryServiceUrl`` set to ``https://sieve.example/$discovery/rest?version=v1alpha1`` both
work unchanged. The key (``?key=``, from ``sieve keys create``) names the site whose link
allowlist applies and who owns the examples ``suggestscore`` records.

Scoring is synchronous, in the web process: clients wait for it (Coral gives up after 800 ms).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from service.domain.feedback import record_feedback
from service.domain.policy import allowed_link_domains
from service.domain.site_keys import count_use, find_key
from service.pipeline.classifier import classifier_holder
from service.storage import db
from service.storage.tables import SiteKey
from service.web.compat import lenient_json
from service.web.compat.budget import per_key_limit
from service.web.compat.comment_analyzer import (
    MAX_TEXT_CHARS,
    analyze_comment,
    answer_suggestion,
    read_analysis,
    read_suggestion,
)
from service.web.compat.discovery import VERSION, discovery_document
from service.web.compat.google_errors import (
    GoogleError,
    google_shaped,
    invalid,
    render_google_error,
    render_http_exception,
)
from service.web.errors import retry_after

log = logging.getLogger(__name__)

perspective = Blueprint("perspective", __name__)

# A comment of MAX_TEXT_CHARS emoji, JSON-escaped as google-api-python-client sends it (12 bytes
# each), plus its context, must not be refused by the server-wide body limit.
MAX_REQUEST_BYTES = MAX_TEXT_CHARS * 12 + 64 * 1024


@dataclass(frozen=True, slots=True)
class Caller:
    """The key a call came with, and what of its site scoring needs."""

    key_id: int
    allowed_domains: frozenset[str]


def _given_key() -> str:
    return request.args.get("key") or request.headers.get("X-Goog-Api-Key", "")


# One budget per key, across both methods and the Akismet API. A call without a key is refused
# before any work.
_per_key = per_key_limit(_given_key, exempt_when=lambda: not _given_key())


@perspective.before_request
def _allow_long_comments() -> None:
    request.max_content_length = MAX_REQUEST_BYTES


@perspective.post(f"/{VERSION}/comments:analyze")
@_per_key
def analyze() -> Response:
    caller = _authenticate()
    analysis = read_analysis(_body())
    classifier = classifier_holder().load()
    return jsonify(analyze_comment(analysis, classifier, caller.allowed_domains))


@perspective.post(f"/{VERSION}/comments:suggestscore")
@_per_key
def suggestscore() -> Response:
    caller = _authenticate()
    suggestion = read_suggestion(_body())
    answer = answer_suggestion(suggestion)
    # doNotStore: nothing of the text is kept, so there is no example to keep either.
    if suggestion.labels and not suggestion.do_not_store:
        with db.session_scope() as session:
            key = session.get(SiteKey, caller.key_id)
            if key is not None:
                record_feedback(
                    session, key.site, key, "perspective", suggestion.text, suggestion.labels,
                    community_id=suggestion.community_id, client_token=suggestion.client_token,
                )  # fmt: skip
                log.info(
                    "perspective feedback site=%s key=%s labels=%s",
                    key.site.slug, key.id, sorted(suggestion.labels),
                )  # fmt: skip
    return jsonify(answer)


@perspective.get("/$discovery/rest")
def discovery() -> Response:
    version = request.args.get("version", VERSION)
    if version != VERSION:
        raise GoogleError(
            404, f"Discovery document not found for API service commentanalyzer {version}.", None
        )
    return jsonify(discovery_document(request.url_root))


def _authenticate() -> Caller:
    """The caller's key, checked and counted (in a transaction of its own, so a call refused
    afterwards still counts)."""
    key = _given_key()
    if not key:
        raise GoogleError(403, "The request is missing a valid API key.", None)
    with db.session_scope() as session:
        record = find_key(session, key)
        if record is None:
            raise GoogleError(
                400, "API key not valid. Please pass a valid API key.", None,
                reason="API_KEY_INVALID",
            )  # fmt: skip
        count_use(session, record, api_calls=1)
        site = record.site
        return Caller(record.id, allowed_link_domains(site.allowed_domains, site.allowed_origins))


def _body() -> Any:
    """The JSON body, strict or JavaScript-style; whatever its Content-Type says."""
    try:
        text = request.get_data(cache=False).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("Invalid JSON payload received. The body is not UTF-8.") from None
    if not text.strip():
        return {}
    try:
        return lenient_json.loads(text)
    except lenient_json.LenientJSONError as error:
        raise invalid(f"Invalid JSON payload received. {error}.") from None


def _render_http_exception(error: HTTPException) -> Response:
    if isinstance(error, RateLimitExceeded):
        return render_google_error(
            GoogleError(
                429, f"Quota exceeded for this API key: {error.description}.", None,
                reason="RATE_LIMIT_EXCEEDED", headers={"Retry-After": str(retry_after())},
            )
        )  # fmt: skip
    return render_http_exception(error)


perspective.register_error_handler(GoogleError, render_google_error)
perspective.register_error_handler(HTTPException, _render_http_exception)
perspective.after_request(google_shaped)


def init_app(app: Flask) -> None:
    app.register_blueprint(perspective)
