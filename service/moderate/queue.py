"""The review queue: tabs, filters, per-comment and bulk actions, similar groups, bans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service import db
from service.accounts import can_moderate, visible_site_ids
from service.api.requests import settings
from service.auth import current_moderator, login_required
from service.bans import ban_author, banned_authors, lift_ban
from service.decisions import (
    ACTIONS,
    REJECT_REASONS,
    REVERSALS,
    Outcome,
    decide,
    decide_many,
    suggested_reject_reason,
)
from service.highlight import highlight
from service.moderate import date_arg, moderate, safe_next
from service.policy import LABEL_CODES
from service.queues import (
    SORTS,
    TABS,
    QueueFilter,
    author_histories,
    matching_ids,
    queue_page,
    similar_groups,
    sites_for,
    tab_counts,
)
from service.sites import find_site
from service.status import CommentStatus
from service.storage import Ban, Comment, Moderator, Site

PAGE_SIZE = 25
MAX_BAN_DAYS = 36_500
DONE = {
    CommentStatus.APPROVED: "approved",
    CommentStatus.REJECTED: "rejected",
    CommentStatus.SPAM: "marked as spam",
    CommentStatus.HELD: "held for review",
}
# Where an undo left a comment, said so that nobody has to guess what "undo" did.
RESTORED = {
    CommentStatus.HELD: "is back in the queue (held)",
    CommentStatus.APPROVED: "is published again (approved)",
    CommentStatus.REJECTED: "is rejected again",
    CommentStatus.SPAM: "is marked as spam again",
}


def _site_ids() -> tuple[int, ...] | None:
    ids = visible_site_ids(current_moderator())
    return None if ids is None else tuple(ids)


def queue_filter() -> QueueFilter:
    """The filter the request asks for, narrowed to the sites this moderator may see."""
    args = request.values
    tab = args.get("tab", "held")
    sort = args.get("sort", "priority")
    if tab not in TABS or sort not in SORTS:
        abort(400, description="unknown tab or sort order")
    site_ids = _site_ids()
    if slug := args.get("site", "").strip():
        with db.session_scope() as session:
            site = find_site(session, slug)
        if site is None or not can_moderate(current_moderator(), site.id):
            abort(403, description="you do not moderate that site")
        site_ids = (site.id,)
    return QueueFilter(
        tab=tab,
        site_ids=site_ids,
        thread=args.get("thread", "").strip(),
        label=args.get("label", "").strip(),
        author=args.get("author", "").strip(),
        since=date_arg("since"),
        until=date_arg("until"),
        sort=sort,
        fingerprint=args.get("fingerprint", "").strip(),
    )


@moderate.get("/")
@login_required
def queue() -> str:
    flt = queue_filter()
    secret = settings().secret_key
    with db.session_scope() as session:
        try:
            page = queue_page(session, flt, secret, PAGE_SIZE, request.args.get("cursor"))
        except ValueError:
            abort(400, description="that page link has expired; start from the first page")
        counts = tab_counts(session, flt, secret)
        histories = author_histories(session, page.comments)
        sites = sites_for(session, _site_ids())
    return render_template(
        "moderate/queue.html",
        page=page,
        counts=counts,
        histories=histories,
        highlighted={c.id: highlight(c.body, c.explanation or []) for c in page.comments},
        flt=flt,
        sites=sites,
        tabs=TABS,
        sorts=SORTS,
        labels=sorted(set(LABEL_CODES.values())),
        reject_reasons=REJECT_REASONS,
        suggested={c.id: suggested_reject_reason(c) for c in page.comments},
        site_slug=request.args.get("site", ""),
    )


def _accessible(session, ids: list[int]) -> list[Comment]:
    ids = [i for i in ids if i < 2**63]  # larger ids cannot exist
    comments = list(session.scalars(select(Comment).where(Comment.id.in_(ids))))
    moderator = current_moderator()
    if any(not can_moderate(moderator, c.site_id) for c in comments):
        abort(403, description="you do not moderate that site")
    return comments


def _decide(ids: list[int], action: str) -> list[Outcome]:
    """Apply a form's action; only a rejection takes the form's reason, and a rejection without
    one takes the reason each comment's own codes suggest."""
    if action not in (*ACTIONS, *REVERSALS):
        abort(400, description="unknown action")
    reason = request.form.get("reason", "").strip()
    if action == "reject" and reason and reason not in REJECT_REASONS:
        abort(400, description=f"the reject reason must be one of {', '.join(REJECT_REASONS)}")
    with db.session_scope() as session:
        comments = _accessible(session, ids)
        moderator = session.get(Moderator, current_moderator().id)
        if action != "reject":
            return decide_many(session, comments, action, moderator)
        return [
            decide(session, comment, action, moderator, reason or suggested_reject_reason(comment))
            for comment in comments
        ]


@moderate.post("/comments/<int:comment_id>/decide")
@login_required
def decide_one(comment_id: int) -> Response:
    action = request.form.get("action", "")
    outcomes = _decide([comment_id], action)
    if not outcomes:
        abort(404, description=f"there is no comment #{comment_id}")
    [outcome] = outcomes
    if not outcome.changed:
        flash(f"Comment #{comment_id} was not changed: {outcome.message}.")
    elif action == "undo":
        # Redo is offered, never bound to the undo key: pressing it twice must not redo.
        flash(f"Comment #{comment_id} {RESTORED[outcome.status]}.", f"redo:{comment_id}")
    else:
        flash(f"Comment #{comment_id} {DONE[outcome.status]}.", f"undo:{comment_id}")
    return redirect(safe_next(url_for("moderate.queue")))


@moderate.post("/bulk")
@login_required
def bulk() -> Response:
    action = request.form.get("action", "")
    if request.form.get("scope") == "matching":
        with db.session_scope() as session:
            ids = matching_ids(session, queue_filter(), settings().secret_key)
    else:
        ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    if not ids:
        flash("Select at least one comment.")
        return redirect(safe_next(url_for("moderate.queue")))
    changed = sum(outcome.changed for outcome in _decide(ids, action))
    flash(f"{action.capitalize()}: {changed} of {len(ids)} comments changed.")
    return redirect(safe_next(url_for("moderate.queue")))


@moderate.get("/similar")
@login_required
def similar() -> str:
    with db.session_scope() as session:
        groups = similar_groups(session, _site_ids())
        for group in groups:
            group.sample.thread.site  # noqa: B018  (loaded for the template)
    return render_template("moderate/similar.html", groups=groups, reject_reasons=REJECT_REASONS)


def _ban_expiry(days: str) -> datetime | None:
    """When a ban of ``days`` days ends; None (no end) for an empty field, 400 for nonsense."""
    if not days:
        return None
    if not days.isdigit() or not 1 <= int(days) <= MAX_BAN_DAYS:
        abort(400, description=f"days must be a whole number from 1 to {MAX_BAN_DAYS}")
    return datetime.now(UTC) + timedelta(days=int(days))


def _reject_banned(session, comment: Comment, moderator: Moderator) -> str:
    """Reject the comment a ban was made from; what happened, for the moderator's message."""
    outcome = decide(session, comment, "reject", moderator, suggested_reject_reason(comment))
    if outcome.changed:
        return f" and comment #{comment.id} rejected"
    return f" (comment #{comment.id} was not changed: {outcome.message})"


@moderate.post("/comments/<int:comment_id>/ban")
@login_required
def ban(comment_id: int) -> Response:
    kind = request.form.get("kind", "email")
    days = request.form.get("days", "").strip()
    expires = _ban_expiry(days)
    with db.session_scope() as session:
        found = _accessible(session, [comment_id])
        if not found:
            abort(404)
        comment = found[0]
        moderator = session.get(Moderator, current_moderator().id)
        try:
            ban_author(session, comment, kind, moderator, request.form.get("reason"), expires)
        except ValueError as error:
            flash(str(error).capitalize() + ".")
            return redirect(safe_next(url_for("moderate.queue")))
        # One action, so that a banned author's comment is not left waiting in the queue.
        rejected = _reject_banned(session, comment, moderator) if request.form.get("reject") else ""
    until = f" for {days} days" if expires else ""
    flash(
        f"Author of #{comment_id} banned by {kind}{until}{rejected}: new comments will be rejected."
    )
    return redirect(safe_next(url_for("moderate.queue")))


@moderate.get("/bans")
@login_required
def bans() -> str:
    with db.session_scope() as session:
        query = select(Ban, Site.slug).join(Site, Site.id == Ban.site_id).order_by(Ban.id.desc())
        if (ids := _site_ids()) is not None:
            query = query.where(Ban.site_id.in_(ids or (-1,)))
        rows = session.execute(query.limit(500)).all()
        authors = banned_authors(session, [ban for ban, _ in rows])
    return render_template("moderate/bans.html", rows=rows, authors=authors, now=datetime.now(UTC))


@moderate.post("/bans/<int:ban_id>/lift")
@login_required
def lift(ban_id: int) -> Response:
    with db.session_scope() as session:
        ban = session.get(Ban, ban_id)
        if ban is None or not can_moderate(current_moderator(), ban.site_id):
            abort(404)
        lift_ban(session, ban_id, session.get(Moderator, current_moderator().id))
    flash("Ban lifted.")
    return redirect(url_for("moderate.bans"))
