"""The review queue: tabs, filters, per-comment and bulk actions, similar groups, bans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service import db
from service.accounts import can_moderate, visible_site_ids
from service.api.requests import settings
from service.auth import current_moderator, login_required
from service.bans import ban_author, lift_ban
from service.decisions import ACTIONS, REJECT_REASONS, decide_many
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
from service.storage import Ban, Comment, Moderator, Site

PAGE_SIZE = 25


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
        site_slug=request.args.get("site", ""),
    )


def _accessible(session, ids: list[int]) -> list[Comment]:
    ids = [i for i in ids if i < 2**63]  # larger ids cannot exist
    comments = list(session.scalars(select(Comment).where(Comment.id.in_(ids))))
    moderator = current_moderator()
    if any(not can_moderate(moderator, c.site_id) for c in comments):
        abort(403, description="you do not moderate that site")
    return comments


def _apply(ids: list[int], action: str) -> int:
    if action not in (*ACTIONS, "undo"):
        abort(400, description="unknown action")
    reason = request.form.get("reason", "").strip() or None
    with db.session_scope() as session:
        comments = _accessible(session, ids)
        moderator = session.get(Moderator, current_moderator().id)
        outcomes = decide_many(session, comments, action, moderator, reason)
    return sum(outcome.changed for outcome in outcomes)


@moderate.post("/comments/<int:comment_id>/decide")
@login_required
def decide_one(comment_id: int) -> Response:
    action = request.form.get("action", "")
    changed = _apply([comment_id], action)
    verb = {"approve": "approved", "reject": "rejected", "spam": "marked as spam"}.get(action)
    if not changed:
        flash(f"Comment #{comment_id} was not changed.")
    else:
        flash(f"Comment #{comment_id} {verb or action + ' done'}.", "undo:" + str(comment_id))
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
    changed = _apply(ids, action)
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


@moderate.post("/comments/<int:comment_id>/ban")
@login_required
def ban(comment_id: int) -> Response:
    kind = request.form.get("kind", "email")
    days = request.form.get("days", "").strip()
    expires = datetime.now(UTC) + timedelta(days=int(days)) if days.isdigit() else None
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
    until = f" for {days} days" if expires else ""
    flash(f"Author of #{comment_id} banned by {kind}{until}: new comments will be rejected.")
    return redirect(safe_next(url_for("moderate.queue")))


@moderate.get("/bans")
@login_required
def bans() -> str:
    with db.session_scope() as session:
        query = select(Ban, Site.slug).join(Site, Site.id == Ban.site_id).order_by(Ban.id.desc())
        if (ids := _site_ids()) is not None:
            query = query.where(Ban.site_id.in_(ids or (-1,)))
        rows = session.execute(query.limit(500)).all()
    return render_template("moderate/bans.html", rows=rows, now=datetime.now(UTC))


@moderate.post("/bans/<int:ban_id>/lift")
@login_required
def lift(ban_id: int) -> Response:
    with db.session_scope() as session:
        ban = session.get(Ban, ban_id)
        if ban is None or not can_moderate(current_moderator(), ban.site_id):
            abort(404)
        lift_ban(session, ban_id)
    flash("Ban lifted.")
    return redirect(url_for("moderate.bans"))
