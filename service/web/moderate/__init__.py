"""The moderator UI: server-rendered pages under /moderate, with a little JavaScript for keys."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.domain.accounts import can_moderate, visible_site_ids
from service.domain.sites import find_site
from service.storage import db
from service.storage.tables import Comment
from service.web.auth import check_csrf, csrf_token, current_moderator

moderate = Blueprint("moderate", __name__, url_prefix="/moderate")


@moderate.before_request
def _csrf() -> None:
    check_csrf()


@moderate.app_context_processor
def _template_globals() -> dict[str, object]:
    return {"csrf_token": csrf_token, "moderator": current_moderator}


def safe_next(default: str) -> str:
    """Where to go after a form: only back into the moderator UI, never to another site."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/moderate") and not parts.scheme and not parts.netloc:
        return target
    return default


def date_arg(name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` query parameter as the start of that day in UTC; 400 if malformed."""
    raw = request.args.get(name, "").strip()
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC) if raw else None
    except ValueError:
        abort(400, description=f"{name} must be a date such as 2026-11-25")


def site_or_404(session: Session, slug: str):
    """The site of a page's URL; 404 when there is none."""
    site = find_site(session, slug)
    if site is None:
        abort(404)
    return site


def site_ids_in_reach() -> tuple[int, ...] | None:
    """The sites this moderator may see; None means every site (an admin)."""
    ids = visible_site_ids(current_moderator())
    return None if ids is None else tuple(ids)


def site_ids_of_filter(slug: str) -> tuple[int, ...] | None:
    """The sites a page's ``?site=`` filter shows: that one (403 if out of reach), else every
    site in reach."""
    if not slug:
        return site_ids_in_reach()
    with db.session_scope() as session:
        site = find_site(session, slug)
    if site is None or not can_moderate(current_moderator(), site.id):
        abort(403, description="you do not moderate that site")
    return (site.id,)


def comments_in_reach(session: Session, ids: list[int]) -> list[Comment]:
    """The comments with these ids that exist; 403 if one is on a site this moderator does not
    moderate."""
    ids = [i for i in ids if i < 2**63]  # larger ids cannot exist
    comments = list(session.scalars(select(Comment).where(Comment.id.in_(ids))))
    moderator = current_moderator()
    if any(not can_moderate(moderator, c.site_id) for c in comments):
        abort(403, description="you do not moderate that site")
    return comments


def init_app(app: Flask) -> None:
    from service.web.moderate import (  # noqa: F401  (routes)
        account,
        admin,
        audit,
        bans,
        keys,
        models,
        queue,
        tuning,
        webhooks,
    )

    app.register_blueprint(moderate)
