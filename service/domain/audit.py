"""The audit trail: every decision, who made it and why; moderators' overrides of the model; and
every change to a site's settings, who made it and what it changed."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from service.domain.decisions import actor_name
from service.storage.states import CommentStatus
from service.storage.tables import ChangeEvent, Comment, ModerationEvent, Moderator, Site

REJECTING = (CommentStatus.REJECTED, CommentStatus.SPAM)
HOLDING = (CommentStatus.HELD, CommentStatus.REJECTED, CommentStatus.SPAM)


@dataclass(frozen=True)
class AuditFilter:
    site_ids: tuple[int, ...] | None = None
    actor: str = ""  # "model", "moderator", "cli", "guard", "system" or a moderator's email
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def actor_condition(actor_column, actor: str):
    """The ``actor`` filter as it reads: a kind of actor, or one moderator's email."""
    if actor in ("model", "moderator", "cli"):
        return actor_column.like(f"{actor}:%")
    if actor in ("guard", "system"):
        return actor_column == actor
    return actor_column == f"moderator:{actor.strip().lower()}"


def event_conditions(event: type, flt: AuditFilter) -> list:
    """Who, what and when of the filter, on either kind of audit event (decision or change)."""
    conditions = [actor_condition(event.actor, flt.actor)] if flt.actor else []
    if flt.action:
        conditions.append(event.action == flt.action)
    if flt.since:
        conditions.append(event.created_at >= flt.since)
    if flt.until:
        conditions.append(event.created_at < flt.until)
    return conditions


def audit_query(flt: AuditFilter) -> Select:
    query = (
        select(ModerationEvent, Comment.site_id, Site.slug)
        .join(Comment, Comment.id == ModerationEvent.comment_id)
        .join(Site, Site.id == Comment.site_id)
    )
    if flt.site_ids is not None:
        query = query.where(Comment.site_id.in_(flt.site_ids or (-1,)))
    return query.where(*event_conditions(ModerationEvent, flt))


def newest_first(
    session: Session, query: Select, event: type, before_id: int | None, limit: int
) -> tuple[list, int | None]:
    """A page of audit rows, newest first, and the id that the next (older) page starts before."""
    query = query.order_by(event.id.desc()).limit(limit + 1)
    if before_id:
        query = query.where(event.id < before_id)
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more else None)


def audit_page(
    session: Session, flt: AuditFilter, before_id: int | None = None, limit: int = 50
) -> tuple[list, int | None]:
    return newest_first(session, audit_query(flt), ModerationEvent, before_id, limit)


def override_condition():
    """A moderator reversing the model: publishing what it kept out, or removing what it let in."""
    return and_(
        ModerationEvent.actor.like("moderator:%"),
        ModerationEvent.action != "undo",
        or_(
            and_(
                ModerationEvent.from_status.in_(HOLDING),
                ModerationEvent.to_status == CommentStatus.APPROVED,
            ),
            and_(
                ModerationEvent.from_status == CommentStatus.APPROVED,
                ModerationEvent.to_status.in_(REJECTING),
            ),
        ),
    )


def overrides_by_site(session: Session, site_ids: tuple[int, ...] | None) -> list[dict]:
    """Per site: moderator decisions, how many approved what the model kept out and vice versa."""
    moderated = ModerationEvent.actor.like("moderator:%") & (ModerationEvent.action != "undo")
    published = and_(override_condition(), ModerationEvent.to_status == CommentStatus.APPROVED)
    removed = and_(override_condition(), ModerationEvent.to_status.in_(REJECTING))
    query = (
        select(
            Site.slug,
            func.count().filter(moderated),
            func.count().filter(published),
            func.count().filter(removed),
        )
        .select_from(ModerationEvent)
        .join(Comment, Comment.id == ModerationEvent.comment_id)
        .join(Site, Site.id == Comment.site_id)
        .group_by(Site.slug)
        .order_by(Site.slug)
    )
    if site_ids is not None:
        query = query.where(Comment.site_id.in_(site_ids or (-1,)))
    return [
        {"site": slug, "decisions": total, "published": up, "removed": down}
        for slug, total, up, down in session.execute(query)
    ]


@dataclass(frozen=True)
class Actor:
    """Who changes a setting, and through which door: "page", "api" or "cli"."""

    name: str  # "moderator:<email>", or "cli:<account>" for a terminal
    via: str
    moderator_id: int | None = None

    @classmethod
    def moderator(cls, moderator: Moderator, via: str) -> Actor:
        return cls(actor_name(moderator), via, moderator.id)

    @classmethod
    def terminal(cls) -> Actor:
        """The account that ran a ``sieve`` command."""
        try:
            account = getpass.getuser()
        except (KeyError, OSError):  # no login name, as in some containers
            account = "unknown"
        return cls(f"cli:{account}", "cli")


def record_admin_event(
    session: Session,
    actor: Actor,
    action: str,
    site: Site | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    subject: str = "",
    detail: str | None = None,
) -> ChangeEvent:
    """A change to how the service is run, in the audit trail: ``before`` and ``after`` hold
    each changed value, keyed by name."""
    event = ChangeEvent(
        actor=actor.name,
        moderator_id=actor.moderator_id,
        via=actor.via,
        action=action,
        site_id=site.id if site is not None else None,
        subject=subject,
        detail=detail,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def site_history(session: Session, site: Site, limit: int = 50) -> list[ChangeEvent]:
    """The latest changes to the site, newest first."""
    query = select(ChangeEvent).where(ChangeEvent.site_id == site.id)
    return list(session.scalars(query.order_by(ChangeEvent.id.desc()).limit(limit)))
