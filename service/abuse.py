"""Duplicate and flood detection on the text fingerprint (see service.fingerprint).

The same text from the same author within a short window is a double post or a bot: refused.
The same text from many authors or on several sites is a spam wave: it raises the spam score.
"""

from __future__ import annotations

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
    # Short stock phrases ("Thanks!", "Great post") are repeated by honest readers everywhere.
    if not comment.fingerprint or len(comment.body.split()) < REPEAT_MIN_WORDS:
        return None
    author = func.coalesce(Comment.author_email_hash, Comment.ip_hash)
    own = comment.author_email_hash or comment.ip_hash or ""
    recent = (
        Comment.fingerprint == comment.fingerprint,
        Comment.id != comment.id,
        Comment.created_at >= utcnow() - REPEAT_WINDOW,
    )
    # One round trip for both counts: the worker asks this of every comment it scores.
    authors, sites = session.execute(
        select(
            func.count(func.distinct(author)).filter(author != own),
            func.count(func.distinct(Comment.site_id)).filter(Comment.site_id != comment.site_id),
        ).where(*recent)
    ).one()
    if (authors or 0) >= REPEAT_AUTHORS or (sites or 0) >= REPEAT_SITES:
        return REPEAT_SPAM_FLOOR
    return None
