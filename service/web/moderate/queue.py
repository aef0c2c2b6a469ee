"""The review queue: tabs, filters, per-comment and bulk actions, similar groups."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from service.domain.decisions import (
    ACTIONS,
    REJECT_REASONS,
    REVERSALS,
    Outcome,
    decide,
    decide_many,
    suggested_reject_reason,
)
from service.domain.policy import LABEL_CODES
from service.domain.review import (
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
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Moderator
from service.web.api.requests import settings
from service.web.auth import current_moderator, login_required
from service.web.moderate import (
    comments_in_reach,
    date_arg,
    moderate,
    safe_next,
    site_ids_in_reach,
    site_ids_of_filter,
)
from service.web.moderate.highlight import highlight

PAGE_SIZE = 25
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


def queue_filter() -> QueueFilter:
    """The filter the request asks for, narrowed to the sites this moderator may see."""
    args = request.values
    tab = args.get("tab", "held")
    sort = args.get("sort", "priority")
    if tab not in TABS or sort not in SORTS:
        abort(400, description="unknown tab or sort order")
    site_ids = site_ids_of_filter(args.get("site", "").strip())
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
        sites = sites_for(session, site_ids_in_reach())
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


def _decide(ids: list[int], action: str) -> list[Outcome]:
    """Apply a form's action; only a rejection takes the form's reason, and a rejection without
    one takes the reason each comment's own codes suggest."""
    if action not in (*ACTIONS, *REVERSALS):
        abort(400, description="unknown action")
    reason = request.form.get("reason", "").strip()
    if action == "reject" and reason and reason not in REJECT_REASONS:
        abort(400, description=f"the reject reason must be one of {', '.join(REJECT_REASONS)}")
    with db.session_scope() as session:
        comments = comments_in_reach(session, ids)
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
        groups = similar_groups(session, site_ids_in_reach())
        for group in groups:
            group.sample.thread.site  # noqa: B018  (loaded for the template)
    return render_template("moderate/similar.html", groups=groups, reject_reasons=REJECT_REASONS)
