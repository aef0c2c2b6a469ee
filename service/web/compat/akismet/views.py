"""The Akismet endpoints: verify-key, comment-check, submit-spam/ham, usage-limit, key-sites.

One rate limit per key covers them all (SIEVE_RATE_LIMIT_KEY). Debug and alert headers go only
on errors: some clients (``@cedx/akismet``) throw on any response that carries one.
"""

from __future__ import annotations

import logging
import uuid

from flask import Response, jsonify

from service.domain.feedback import record_feedback
from service.domain.site_keys import count_use
from service.pipeline.classifier import classifier_holder
from service.storage import db
from service.web.api.requests import settings
from service.web.compat.akismet import akismet
from service.web.compat.akismet.inputs import (
    Caller,
    find_caller,
    is_true,
    presented_key,
    request_fields,
)
from service.web.compat.akismet.usage import BadReportQuery, as_csv, key_sites, usage_limit
from service.web.compat.akismet.verdict import Verdict, judge
from service.web.compat.budget import per_key_limit

log = logging.getLogger(__name__)

THANKS = "Thanks for making the web a better place."  # clients compare it byte for byte
BAD_KEY = (
    "Sieve found no live site key in `api_key`, `key` or the Host; create one with "
    "`sieve keys create --site SLUG`."
)

per_key = per_key_limit(
    presented_key,
    error_message=lambda: f"too many calls with this key (at most {settings().rate_limit_key})",
)


def plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def invalid(debug_help: str) -> Response:
    """Akismet's answer to a bad key or a missing field: ``invalid``, with the reason."""
    response = plain("invalid")
    response.headers["X-akismet-debug-help"] = debug_help
    return response


@akismet.post("/1.1/verify-key")
@per_key
def verify_key() -> Response:
    return plain("valid") if find_caller() is not None else invalid(BAD_KEY)


@akismet.post("/1.1/comment-check")
@per_key
def comment_check() -> Response:
    guid = uuid.uuid4().hex  # on every answer, errors too, as Akismet does
    caller = find_caller()
    fields = request_fields()
    if caller is None:
        response = invalid(BAD_KEY)
    elif not fields.get("user_ip", "").strip():
        response = invalid("Missing required field: user_ip.")
    else:
        verdict = _judge(caller, fields)
        with db.session_scope() as session:
            count_use(session, caller.key, api_calls=1, **{"spam" if verdict.spam else "ham": 1})
        response = plain("true" if verdict.spam else "false")
        if verdict.discard:
            response.headers["X-akismet-pro-tip"] = "discard"
        log.info(
            "akismet check site=%s key=%s spam=%s discard=%s codes=%s guid=%s",
            caller.site.slug,
            caller.key.prefix,
            verdict.spam,
            verdict.discard,
            ",".join(verdict.reason_codes) or "-",
            guid,
        )
    response.headers["X-akismet-guid"] = guid
    return response


def _judge(caller: Caller, fields: dict[str, str]) -> Verdict:
    return judge(classifier_holder().load(), caller.site, fields, settings().max_body_chars)


@akismet.post("/1.1/submit-spam")
@per_key
def submit_spam() -> Response:
    return _submit(spam=True)


@akismet.post("/1.1/submit-ham")
@per_key
def submit_ham() -> Response:
    return _submit(spam=False)


def _submit(spam: bool) -> Response:
    """A labelled example for the site's learning loop, unless ``is_test``; counted as missed
    spam (or a false positive) when Sieve answers the other way for the same comment."""
    caller = find_caller()
    if caller is None:
        return invalid(BAD_KEY)
    fields = request_fields()
    if is_true(fields.get("is_test")):
        return plain(THANKS)
    mistaken = _judge(caller, fields).spam != spam
    content = fields.get("comment_content", "").strip()
    with db.session_scope() as session:
        if content:
            labels = {"spam": 1.0 if spam else 0.0}
            record_feedback(session, caller.site, caller.key, "akismet", content, labels)
        if mistaken:
            count_use(session, caller.key, **{"missed_spam" if spam else "false_positives": 1})
    log.info(
        "akismet feedback site=%s key=%s spam=%s mistaken=%s",
        caller.site.slug,
        caller.key.prefix,
        spam,
        mistaken,
    )
    return plain(THANKS)


@akismet.route("/1.2/usage-limit", methods=["GET", "POST"])
@per_key
def usage_limit_report() -> Response:
    caller = find_caller()
    return jsonify(usage_limit(caller)) if caller is not None else invalid(BAD_KEY)


@akismet.route("/1.2/key-sites", methods=["GET", "POST"])
@per_key
def key_sites_report() -> Response:
    caller = find_caller()
    if caller is None:
        return invalid(BAD_KEY)
    fields = request_fields()
    try:
        report = key_sites(caller, fields)
    except BadReportQuery as problem:
        response = plain(str(problem), 400)
        response.headers["X-akismet-debug-help"] = str(problem)
        return response
    if fields.get("format", "").strip().lower() == "csv":
        return Response(as_csv(report, caller), mimetype="text/csv")
    return jsonify(report)
