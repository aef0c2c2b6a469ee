"""Bans: an author's future comments on a site go straight to rejected."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from service.storage import Ban, Comment, Moderator, utcnow

KINDS = ("email", "ip")


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


def lift_ban(session: Session, ban_id: int) -> Ban | None:
    ban = session.get(Ban, ban_id)
    if ban is not None and ban.lifted_at is None:
        ban.lifted_at = utcnow()
    return ban
