"""Bans: an author's future comments on a site go straight to rejected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from service.domain.audit import Actor, record_admin_event
from service.storage.tables import Ban, Comment, Moderator, Site, utcnow

KINDS = ("email", "ip")
# The change events of bans, which the moderators of the ban's site may read.
BAN_ACTIONS = ("ban", "lift_ban")
NAMES_SHOWN = 3


@dataclass(frozen=True)
class BannedAuthor:
    """Who a ban is about, as moderators know them (a ban itself holds only a hash)."""

    names: list[str]  # the names they used on the site, the latest first
    sample: str | None  # what they wrote last before the ban


def ban_author(
    session: Session,
    comment: Comment,
    kind: str,
    moderator: Moderator,
    reason: str | None = None,
    expires_at: datetime | None = None,
) -> Ban:
    """Ban the author of ``comment`` on its site, by the hash of their email or IP."""
    if kind not in KINDS:
        raise ValueError(f"ban kind must be one of {', '.join(KINDS)}")
    value = comment.author_email_hash if kind == "email" else comment.ip_hash
    if not value:
        raise ValueError(f"the comment has no {kind} to ban")
    ban = Ban(
        site_id=comment.site_id,
        kind=kind,
        value_hash=value,
        reason=(reason or None) and reason[:500],
        created_by=moderator.email,
        expires_at=expires_at,
    )
    session.add(ban)
    session.flush()
    until = expires_at.date().isoformat() if expires_at else None
    after = {"ban": ban.id, "by": kind, "comment": comment.id, "reason": ban.reason, "until": until}
    site = session.get(Site, comment.site_id)
    actor, subject = Actor.moderator(moderator, "page"), f"{kind} ban #{ban.id}"
    record_admin_event(session, actor, "ban", site, {}, after, subject=subject)
    return ban


def active_ban(
    session: Session, site_id: int, email_hash: str | None, ip_hash: str | None
) -> Ban | None:
    """The ban, if any, that covers this author on this site now."""
    if not (email_hash or ip_hash):
        return None
    return session.scalar(active_ban_query(site_id, email_hash or None, ip_hash or None, utcnow()))


def active_ban_query(
    site_id: Any, email_hash: Any | None, ip_hash: Any | None, now: Any
) -> Select[tuple[Ban]]:
    """The query for ``active_ban``; values or bind parameters, at least one of the hashes."""
    matches = []
    if email_hash is not None:
        matches.append((Ban.kind == "email") & (Ban.value_hash == email_hash))
    if ip_hash is not None:
        matches.append((Ban.kind == "ip") & (Ban.value_hash == ip_hash))
    return (
        select(Ban)
        .where(
            Ban.site_id == site_id,
            or_(*matches),
            Ban.lifted_at.is_(None),
            or_(Ban.expires_at.is_(None), Ban.expires_at > now),
        )
        .limit(1)
    )


def lift_ban(session: Session, ban_id: int, moderator: Moderator) -> Ban | None:
    ban = session.get(Ban, ban_id)
    if ban is not None and ban.lifted_at is None:
        ban.lifted_at = utcnow()
        actor, site = Actor.moderator(moderator, "page"), session.get(Site, ban.site_id)
        before, after = {"ban": ban.id, "active": True}, {"ban": ban.id, "active": False}
        subject = f"{ban.kind} ban #{ban.id}"
        record_admin_event(session, actor, "lift_ban", site, before, after, subject=subject)
    return ban


def _author_comments(kind: str, ban_ids: list[int]) -> Select:
    """The not-erased comments by the authors of these bans (all of one kind) on their sites."""
    column = Comment.author_email_hash if kind == "email" else Comment.ip_hash
    return (
        select(Ban.id)
        .join(Comment, (Comment.site_id == Ban.site_id) & (column == Ban.value_hash))
        .where(Ban.id.in_(ban_ids), Comment.erased_at.is_(None))
        .group_by(Ban.id)
    )


def banned_authors(session: Session, bans: list[Ban]) -> dict[int, BannedAuthor]:
    """For each ban, the names its author used and their last comment before it."""
    names: dict[int, list[str]] = {}
    last_before: dict[int, int] = {}
    for kind in KINDS:
        ban_ids = [ban.id for ban in bans if ban.kind == kind]
        if not ban_ids:
            continue
        comments = _author_comments(kind, ban_ids)
        latest = func.max(Comment.id)
        used = comments.add_columns(Comment.author_name, latest).group_by(Comment.author_name)
        for ban_id, name, _ in session.execute(used.order_by(latest.desc())):
            names.setdefault(ban_id, []).append(name)
        before = comments.add_columns(latest).where(Comment.created_at <= Ban.created_at)
        last_before.update(session.execute(before).all())
    query = select(Comment.id, Comment.body).where(Comment.id.in_(list(last_before.values())))
    bodies = dict(session.execute(query).all()) if last_before else {}
    return {
        ban.id: BannedAuthor(
            names.get(ban.id, [])[:NAMES_SHOWN], bodies.get(last_before.get(ban.id))
        )
        for ban in bans
    }
