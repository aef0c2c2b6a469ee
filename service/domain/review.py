"""Moderation queues: filtered, keyset-paginated comment lists, and near-duplicate groups."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Select, String, cast, func, select, tuple_
from sqlalchemy.orm import Session, joinedload

from service.domain.privacy import email_hash
from service.storage.states import CommentStatus
from service.storage.tables import Comment, Site, Thread

TABS = ("held", "pending", "approved", "rejected", "spam", "all")
SORTS = ("priority", "oldest", "newest")
COUNT_CAP = 10_000


@dataclass(frozen=True)
class QueueFilter:
    tab: str = "held"
    site_ids: tuple[int, ...] | None = None  # None: every site (admins)
    thread: str = ""
    label: str = ""
    author: str = ""
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "priority"
    fingerprint: str = ""

    def with_tab(self, tab: str) -> QueueFilter:
        return replace(self, tab=tab)


@dataclass
class QueuePage:
    comments: list[Comment]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def filtered(query: Select, flt: QueueFilter, secret: str) -> Select:
    if flt.site_ids is not None:
        query = query.where(Comment.site_id.in_(flt.site_ids or (-1,)))
    if flt.tab != "all":
        query = query.where(Comment.status == CommentStatus(flt.tab))
    if flt.thread:
        query = query.where(
            Comment.thread_id.in_(select(Thread.id).where(Thread.key == flt.thread))
        )
    if flt.label:
        # Reason codes are a JSON list; matching the quoted code works on every backend.
        code = flt.label.upper().replace('"', "")
        query = query.where(cast(Comment.reason_codes, String).like(f'%"{code}"%'))
    if flt.author:
        if "@" in flt.author:
            query = query.where(Comment.author_email_hash == email_hash(secret, flt.author))
        else:
            query = query.where(func.lower(Comment.author_name) == flt.author.strip().lower())
    if flt.since:
        query = query.where(Comment.created_at >= flt.since)
    if flt.until:
        query = query.where(Comment.created_at < flt.until)
    if flt.fingerprint:
        query = query.where(Comment.fingerprint == flt.fingerprint)
    return query


def _order(query: Select, sort: str, after: tuple | None) -> Select:
    if sort == "oldest":
        key = (Comment.created_at, Comment.id)
        if after:
            query = query.where(tuple_(*key) > after)
        return query.order_by(*key)
    key = (Comment.priority, Comment.id) if sort == "priority" else (Comment.created_at, Comment.id)
    if after:
        query = query.where(tuple_(*key) < after)
    return query.order_by(key[0].desc(), key[1].desc())


def encode_cursor(sort: str, comment: Comment) -> str:
    value = comment.created_at.isoformat() if sort != "priority" else repr(comment.priority or 0.0)
    return base64.urlsafe_b64encode(f"{value}|{comment.id}".encode()).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, comment_id = raw.rsplit("|", 1)
        key = float(value) if sort == "priority" else datetime.fromisoformat(value)
        return key, int(comment_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError("not a cursor this server gave out") from None


def queue_page(
    session: Session, flt: QueueFilter, secret: str, limit: int = 25, cursor: str | None = None
) -> QueuePage:
    after = decode_cursor(flt.sort, cursor) if cursor else None
    query = filtered(select(Comment), flt, secret)
    query = _order(query, flt.sort, after).limit(limit + 1)
    query = query.options(joinedload(Comment.thread).joinedload(Thread.site))
    rows = list(session.scalars(query).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(flt.sort, rows[-1]) if more and rows else None
    return QueuePage(rows, next_cursor)


def matching_ids(session: Session, flt: QueueFilter, secret: str, cap: int = 5000) -> list[int]:
    """Ids of every comment matching the filter (for "apply to all matching"), up to ``cap``."""
    query = filtered(select(Comment.id), flt, secret).order_by(Comment.id).limit(cap)
    return list(session.scalars(query))


def tab_counts(session: Session, flt: QueueFilter, secret: str) -> dict[str, int]:
    """Comments per tab, each counted up to COUNT_CAP so a huge tab stays cheap to count."""
    counts = {}
    for tab in TABS[:-1]:
        inner = filtered(select(Comment.id), flt.with_tab(tab), secret).limit(COUNT_CAP + 1)
        counts[tab] = session.scalar(select(func.count()).select_from(inner.subquery())) or 0
    return counts


@dataclass(frozen=True)
class SimilarGroup:
    fingerprint: str
    size: int
    sample: Comment


def similar_groups(
    session: Session, site_ids: tuple[int, ...] | None, min_size: int = 2, limit: int = 20
) -> list[SimilarGroup]:
    """Held comments sharing a text fingerprint, largest groups first: spam waves."""
    query = (
        select(Comment.fingerprint, func.count().label("size"), func.max(Comment.id))
        .where(Comment.status == CommentStatus.HELD, Comment.fingerprint.is_not(None))
        .group_by(Comment.fingerprint)
        .having(func.count() >= min_size)
        .order_by(func.count().desc())
        .limit(limit)
    )
    if site_ids is not None:
        query = query.where(Comment.site_id.in_(site_ids or (-1,)))
    groups = []
    for fingerprint, size, sample_id in session.execute(query):
        groups.append(SimilarGroup(fingerprint, size, session.get(Comment, sample_id)))
    return groups


def author_histories(session: Session, comments: list[Comment]) -> dict[int, dict[str, int]]:
    """For each comment, how its author's other comments on the site were decided."""
    keys = {(c.site_id, c.author_email_hash) for c in comments if c.author_email_hash}
    if not keys:
        return {}
    rows = session.execute(
        select(Comment.site_id, Comment.author_email_hash, Comment.status, func.count())
        .where(tuple_(Comment.site_id, Comment.author_email_hash).in_(list(keys)))
        .group_by(Comment.site_id, Comment.author_email_hash, Comment.status)
    )
    by_author: dict[tuple[int, str], dict[str, int]] = {}
    for site_id, author, status, count in rows:
        by_author.setdefault((site_id, author), {})[status.value] = count
    histories = {}
    for comment in comments:
        history = dict(by_author.get((comment.site_id, comment.author_email_hash), {}))
        if history:
            history[comment.status.value] -= 1  # not counting the comment itself
        histories[comment.id] = {k: v for k, v in history.items() if v}
    return histories


def sites_for(session: Session, site_ids: tuple[int, ...] | None) -> list[Site]:
    query = select(Site).order_by(Site.slug)
    if site_ids is not None:
        query = query.where(Site.id.in_(site_ids or (-1,)))
    return list(session.scalars(query))
