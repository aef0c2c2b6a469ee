"""Duplicate and flood detection on the text fingerprint (see service.domain.fingerprint).

The same text from the same author within a short window is a double post or a bot: refused.
The same text from many authors or on several sites is a spam wave: it raises the spam score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.domain.refusals import ApiError
from service.storage.tables import Comment, utcnow

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
    ``since``; values or bind parameters.

    The comments with this text are looked up first, on their own (a materialized CTE), so that
    the fingerprint index is the only one the database can use. Offered the author conditions
    too, PostgreSQL without fresh statistics, or with a generic plan for a prepared statement,
    judged the e-mail and IP indexes more selective; during a flood from one address they are
    the least, and each check read every comment that address had posted.
    """
    same_text = (
        select(Comment.id, Comment.site_id, Comment.author_email_hash, Comment.ip_hash)
        .where(Comment.fingerprint == fingerprint, Comment.created_at >= since)
        .cte("same_text")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    author = (
        same_text.c.author_email_hash == email_hash
        if email_hash is not None
        else (same_text.c.author_email_hash.is_(None)) & (same_text.c.ip_hash == ip_hash)
    )
    return select(same_text.c.id).where(same_text.c.site_id == site_id, author).limit(1)


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
    """``repeat_post_boost`` for a batch: the comments given a floor, by id.

    Two queries a batch, each returning at most a handful of rows a text however big the wave:
    one more distinct author (or site) than the threshold is enough to know, since at most one
    of them is the comment's own.
    """
    # Short stock phrases ("Thanks!", "Great post") are repeated by honest readers everywhere.
    candidates = [c for c in comments if c.fingerprint and len(c.body.split()) >= REPEAT_MIN_WORDS]
    if not candidates:
        return {}
    recent = (
        Comment.fingerprint.in_({c.fingerprint for c in candidates}),
        Comment.created_at >= utcnow() - REPEAT_WINDOW,
    )
    author = func.coalesce(Comment.author_email_hash, Comment.ip_hash)
    authors = _a_few_per_text(session, author, recent, REPEAT_AUTHORS + 1)
    sites = _a_few_per_text(session, Comment.site_id, recent, REPEAT_SITES + 1)
    floors = {}
    for comment in candidates:
        own = comment.author_email_hash or comment.ip_hash
        others = {a for a in authors.get(comment.fingerprint, ()) if a is not None and a != own}
        elsewhere = {s for s in sites.get(comment.fingerprint, ()) if s != comment.site_id}
        if len(others) >= REPEAT_AUTHORS or len(elsewhere) >= REPEAT_SITES:
            floors[comment.id] = REPEAT_SPAM_FLOOR
    return floors


def _a_few_per_text(
    session: Session, column: Any, recent: tuple[Any, ...], most: int
) -> dict[str, list[Any]]:
    """Up to ``most`` distinct values of ``column`` per fingerprint among recent comments."""
    distinct = select(Comment.fingerprint, column.label("value")).where(*recent).distinct()
    inner = distinct.subquery()
    rank = func.row_number().over(partition_by=inner.c.fingerprint, order_by=inner.c.value)
    ranked = select(inner.c.fingerprint, inner.c.value, rank.label("n")).subquery()
    found: dict[str, list[Any]] = {}
    for fingerprint, value in session.execute(
        select(ranked.c.fingerprint, ranked.c.value).where(ranked.c.n <= most)
    ):
        found.setdefault(fingerprint, []).append(value)
    return found
