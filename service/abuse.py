"""Duplicate and flood detection on the text fingerprint (see service.fingerprint).

The same text from the same author within a short window is a double post or a bot: refused.
The same text from many authors or on several sites is a spam wave: it raises the spam score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.errors import ApiError
from service.storage import Comment, utcnow

REPEAT_POST = "REPEAT_POST"
# A text counts as a wave when this many other authors, or this many other sites, posted it.
REPEAT_AUTHORS = 3
REPEAT_SITES = 1
REPEAT_WINDOW = timedelta(days=1)
# The spam probability a repeated text is given at least.
REPEAT_SPAM_FLOOR = 0.95
REPEAT_MIN_WORDS = 5


def earlier_duplicate_query(
    site_id: Any, fingerprint: Any, email_hash: Any | None, ip_hash: Any, since: Any
) -> Select[tuple[int]]:
    """The id of a comment this author (email, else IP) posted here with the same text since
    ``since``; values or bind parameters."""
    author = (
        Comment.author_email_hash == email_hash
        if email_hash is not None
        else (Comment.author_email_hash.is_(None)) & (Comment.ip_hash == ip_hash)
    )
    return (
        select(Comment.id)
        .where(
            Comment.site_id == site_id,
            Comment.fingerprint == fingerprint,
            Comment.created_at >= since,
            author,
        )
        .limit(1)
    )


def duplicate_comment_error() -> ApiError:
    return ApiError(
        409,
        "duplicate_comment",
        "you posted this comment already; it is awaiting moderation",
        {"body": "is the same as a comment you just posted"},
    )


def repeat_post_boost(session: Session, comment: Comment) -> float | None:
    """The spam floor for a text that many other authors or sites posted lately; else None."""
    return repeat_post_floors(session, [comment]).get(comment.id)


def repeat_post_floors(session: Session, comments: Sequence[Comment]) -> dict[int, float]:
    """``repeat_post_boost`` for a batch, in one query: the comments given a floor, by id."""
    # Short stock phrases ("Thanks!", "Great post") are repeated by honest readers everywhere.
    candidates = [c for c in comments if c.fingerprint and len(c.body.split()) >= REPEAT_MIN_WORDS]
    if not candidates:
        return {}
    author = func.coalesce(Comment.author_email_hash, Comment.ip_hash)
    # Who posted each text lately, and where: one row per (text, author, site).
    seen: dict[str, list[tuple[str | None, int]]] = {}
    rows = session.execute(
        select(Comment.fingerprint, author, Comment.site_id)
        .where(
            Comment.fingerprint.in_({c.fingerprint for c in candidates}),
            Comment.created_at >= utcnow() - REPEAT_WINDOW,
        )
        .group_by(Comment.fingerprint, author, Comment.site_id)
    )
    for fingerprint, poster, site_id in rows:
        seen.setdefault(fingerprint, []).append((poster, site_id))
    floors = {}
    for comment in candidates:
        own = comment.author_email_hash or comment.ip_hash or ""
        posts = seen.get(comment.fingerprint or "", [])
        authors = {poster for poster, _ in posts if poster != own}
        sites = {site_id for _, site_id in posts if site_id != comment.site_id}
        if len(authors) >= REPEAT_AUTHORS or len(sites) >= REPEAT_SITES:
            floors[comment.id] = REPEAT_SPAM_FLOOR
    return floors
