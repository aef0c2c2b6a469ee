"""Submitting a comment and reading its public status."""

from __future__ import annotations

import logging

from flask import Response, current_app, g, jsonify, request, url_for

from service.domain.mail import subscribe
from service.domain.privacy import email_hash, ip_hash
from service.domain.refusals import ApiError
from service.domain.submissions import parse_submission, text_problem
from service.pipeline import counters
from service.pipeline.broker import enqueue_scoring
from service.pipeline.handoff import Accepted
from service.pipeline.intake import SubmitterContext, store_submission
from service.pipeline.outbox import enqueue
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment
from service.web.api import api
from service.web.api.requests import (
    addressed_site,
    json_body,
    peek_site_slug,
    request_id,
    require_site,
    settings,
)
from service.web.limits import RouteLimit, client_ip, limited
from service.web.widget import MIN_SUBMIT_SECONDS, guard_reasons, issue_render_token

log = logging.getLogger(__name__)


def _ip_rate() -> str:
    site = addressed_site()
    return (site.rate_limit_ip if site else "") or settings().rate_limit_ip


def _site_rate() -> str:
    site = addressed_site()
    return (site.rate_limit_site if site else "") or settings().rate_limit_site


def _ip_key() -> str:
    hashed = ip_hash(settings().secret_key, client_ip())  # no raw IPs in Redis either
    return f"{settings().rate_limit_key_prefix}:ip:{peek_site_slug()}:{hashed}"


def _site_key() -> str:
    return f"{settings().rate_limit_key_prefix}:site:{peek_site_slug()}"


def _peeked_email() -> str | None:
    payload = request.get_json(silent=True) if request.is_json else None
    email = payload.get("author_email") if isinstance(payload, dict) else None
    return email if isinstance(email, str) and email.strip() else None


def _email_key() -> str:
    # Keyed hash, so that Redis never holds an address; counted across every site.
    hashed = email_hash(settings().secret_key, _peeked_email() or "")
    return f"{settings().rate_limit_key_prefix}:email:{hashed}"


def _queue(comment_id: int, site: str) -> bool:
    """Queue the comment for scoring, now or (with SIEVE_ENQUEUE_DELAY_MS) with its neighbours;
    its submission metric goes in the same round trip either way."""
    handoff = current_app.extensions.get("sieve.handoff")
    if handoff is None:  # SIEVE_ENQUEUE_DELAY_MS=0
        also = counters.submission_in(site, "accepted")
        return enqueue_scoring([comment_id], request_id=request_id(), also=also)
    handoff.add(Accepted(comment_id, site, request_id()))
    return True


def _global_key() -> str:
    return f"{settings().rate_limit_key_prefix}:global"


@api.post("/comments")
@limited(
    RouteLimit(_ip_rate, _ip_key, "ip"),
    RouteLimit(_site_rate, _site_key, "site"),
    RouteLimit(lambda: settings().rate_limit_email, _email_key, "email",
               exempt_when=lambda: _peeked_email() is None),
    RouteLimit(lambda: settings().rate_limit_global, _global_key, "global"),
)  # fmt: skip
def submit_comment() -> tuple[Response, int, dict[str, str]]:
    submission = parse_submission(json_body(), settings())
    site = require_site(submission.site)  # from the process's cache, like the rate limits'
    secret = settings().secret_key
    context = SubmitterContext(
        ip_hash=ip_hash(secret, client_ip()),
        user_agent=request.headers.get("User-Agent"),
        referrer=request.headers.get("Referer"),
        request_id=request_id(),
    )
    guard = guard_reasons(secret, submission)
    g.submission_outcome = "guarded" if guard else "accepted"  # for /metrics
    stored = store_submission(
        site,
        submission,
        context,
        secret=secret,
        duplicate_window=settings().duplicate_window,
        guard=guard,
        threads=current_app.extensions["sieve.thread_ids"],
        rows=current_app.extensions["sieve.comment_rows"],
    )
    caught = stored.decided
    # A bot or a banned author gets the same answer as anyone, but costs no scoring.
    queued = not caught and _queue(stored.comment_id, site.slug)
    if submission.notify_replies and not caught and settings().smtp_url:
        _ask_to_confirm(stored.comment_id, submission.author_email)
    g.submission_counted = queued
    log.info(
        "comment accepted comment_id=%s site=%s queued=%s guard=%s request_id=%s",
        stored.comment_id,
        site.slug,
        queued,
        ",".join(caught) or "-",
        context.request_id,
    )
    location = url_for("api.comment_status", comment_id=stored.comment_id)
    body = {
        "id": stored.comment_id,
        "status": CommentStatus.PENDING.value,
        "links": {"self": location},
    }
    return jsonify(body), 202, {"Location": location}


def _ask_to_confirm(comment_id: int, email: str) -> None:
    """The double opt-in: the address is only ever mailed a link to confirm, until it does."""
    with db.session_scope() as session:
        message = subscribe(session, session.get_one(Comment, comment_id), email,
                            settings().public_url)  # fmt: skip
        session.flush()
        mail_id = message.id
    enqueue("mail", mail_id)  # if Redis is away, the sweeper sends it


@api.get("/comments/form")
def comment_form() -> Response:
    """What the widget's form needs: a fresh render token and the server's field limits."""
    slug = request.args.get("site", "").strip()
    problem = "is required" if not slug else text_problem(slug)
    if problem:
        raise ApiError(
            400, "invalid_fields", "some parameters are missing or invalid", {"site": problem}
        )
    site = require_site(slug)
    limits = settings()
    return jsonify(
        {
            "render_token": issue_render_token(limits.secret_key, site.slug),
            "min_submit_seconds": MIN_SUBMIT_SECONDS,
            "limits": {
                "body": limits.max_body_chars,
                "author_name": limits.max_name_chars,
                "author_email": 254,
            },
            "replies_by_mail": bool(limits.smtp_url),
        }
    )


@api.get("/comments/<int:comment_id>")
def comment_status(comment_id: int) -> Response:
    with db.session_scope() as session:
        # An id past 64 bits is no comment (PostgreSQL would refuse to compare it at all).
        comment = session.get(Comment, comment_id) if comment_id < 2**63 else None
        if comment is None:
            raise ApiError(404, "comment_not_found", f"there is no comment {comment_id}")
        thread = comment.thread
        return jsonify(public_status(comment, thread.site.slug, thread.key))


def public_status(comment: Comment, site: str, thread: str) -> dict[str, object]:
    """What anyone may know of a comment: never scores, emails or submitter context.

    Spam is reported as rejected so that a spammer learns nothing about why.
    """
    status = CommentStatus.REJECTED if comment.status is CommentStatus.SPAM else comment.status
    view: dict[str, object] = {
        "id": comment.id,
        "site": site,
        "thread": thread,
        "parent_id": comment.parent_id,
        "status": status.value,
        "created_at": comment.created_at.isoformat(),
    }
    if comment.status is CommentStatus.APPROVED:
        view["author_name"] = comment.author_name
        view["body"] = comment.body
    return view
