"""The embeddable widget: its script, the demo article, and the guard its comment form carries.

The guard catches bots without a captcha: a honeypot field people never see, and a signed
render token that proves how long ago the form was shown. Comments that fail it are stored as
spam (so a moderator can still see them) and answered like any other, so a bot learns nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, redirect, render_template, request, url_for

from service.domain.privacy import keyed_hash
from service.domain.submissions import Submission

log = logging.getLogger(__name__)
widget = Blueprint("widget", __name__)

SCRIPT = Path(__file__).with_name("static") / "widget.js"
# People take longer than this to write a comment; form-filling bots rarely wait.
MIN_SUBMIT_SECONDS = 3.0
DEMO_SITE = "demo"
DEMO_THREAD = "quiet-comment-sections"
DEMO_TITLE = "Notes on keeping a comment section quiet"


@cache
def script() -> tuple[bytes, str]:
    """The widget's source and its version (a content hash, so a new release gets a new URL)."""
    source = SCRIPT.read_bytes()
    return source, hashlib.sha256(source).hexdigest()[:12]


def _script_response(max_age: int, immutable: bool = False) -> Response:
    source, version = script()
    response = Response(source, mimetype="text/javascript")
    response.set_etag(version)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.cache_control.immutable = immutable
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@widget.get("/widget.js")
def widget_script() -> Response:
    # The URL site owners paste: cached briefly, so a new release reaches pages within minutes.
    return _script_response(max_age=300)


@widget.get("/widget/<version>/widget.js")
def versioned_widget_script(version: str) -> Response:
    if version != script()[1]:
        return redirect(url_for("widget.widget_script"))  # type: ignore[return-value]
    return _script_response(max_age=365 * 24 * 3600, immutable=True)


@widget.get("/demo")
def demo_article() -> str:
    script_url = url_for("widget.versioned_widget_script", version=script()[1])
    return render_template(
        "demo.html", script_url=script_url, site=DEMO_SITE, thread=DEMO_THREAD, title=DEMO_TITLE
    )


def _signature(secret: str, site: str, issued_ms: int) -> str:
    return keyed_hash(secret, "render-token", f"{site}|{issued_ms}")[:32]


def issue_render_token(secret: str, site: str, now: float | None = None) -> str:
    """A token saying "this site's form was rendered at this moment", signed by the server."""
    issued_ms = int((time.time() if now is None else now) * 1000)
    return f"{issued_ms}.{_signature(secret, site, issued_ms)}"


def guard_reasons(secret: str, submission: Submission, now: float | None = None) -> tuple[str, ...]:
    """Why the guard takes a submission for a bot's (empty: it does not)."""
    reasons = ["HONEYPOT"] if submission.honeypot_filled else []
    token = submission.render_token
    if token is not None:
        issued_raw, _, signature = token.partition(".")
        issued_ms = int(issued_raw) if issued_raw.isdigit() else -1
        expected = _signature(secret, submission.site, issued_ms)
        if issued_ms < 0 or not hmac.compare_digest(signature, expected):
            reasons.append("BAD_RENDER_TOKEN")
        elif (time.time() if now is None else now) - issued_ms / 1000 < MIN_SUBMIT_SECONDS:
            reasons.append("TOO_FAST")
    return tuple(reasons)
