"""Banning an author from a comment in the queue, the bans page, and lifting a ban."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.domain.accounts import can_moderate
from service.domain.bans import ban_author, banned_authors, lift_ban
from service.domain.decisions import decide, suggested_reject_reason
from service.storage import db
from service.storage.tables import Ban, Comment, Moderator, Site
from service.web.auth import current_moderator, login_required
from service.web.moderate import comments_in_reach, moderate, safe_next, site_ids_in_reach

MAX_BAN_DAYS = 36_500


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
        found = comments_in_reach(session, [comment_id])
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
        if (ids := site_ids_in_reach()) is not None:
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
