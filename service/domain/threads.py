"""The public listing of a thread: approved comments, oldest first, replies nested."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from service.storage.states import CommentStatus
from service.storage.tables import Comment, Site, Thread


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class ThreadPage:
    thread: Thread | None
    total: int
    comments: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(created_at: datetime, comment_id: int) -> str:
    raw = f"{created_at.isoformat()}|{comment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, comment_id = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(comment_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(cursor) from None


def public_comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author_name": comment.author_name,
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
        "replies": [],
    }


def thread_page(
    session: Session, site: Site, key: str, limit: int, cursor: str | None = None
) -> ThreadPage:
    """One page of top-level comments, each with its approved replies nested under it."""
    after = decode_cursor(cursor) if cursor else None
    thread = session.scalar(select(Thread).where(Thread.site_id == site.id, Thread.key == key))
    if thread is None:
        return ThreadPage(None, 0, [], None)
    approved = (Comment.thread_id == thread.id) & (Comment.status == CommentStatus.APPROVED)
    total = session.scalar(select(func.count()).select_from(Comment).where(approved)) or 0

    roots_query = select(Comment).where(approved, Comment.parent_id.is_(None))
    if after:
        roots_query = roots_query.where(tuple_(Comment.created_at, Comment.id) > after)
    roots = list(
        session.scalars(roots_query.order_by(Comment.created_at, Comment.id).limit(limit + 1))
    )
    more = len(roots) > limit
    roots = roots[:limit]
    next_cursor = encode_cursor(roots[-1].created_at, roots[-1].id) if more else None

    replies = session.scalars(
        select(Comment)
        .where(approved, Comment.root_id.in_([r.id for r in roots]), Comment.parent_id.is_not(None))
        .order_by(Comment.created_at, Comment.id)
    )
    nodes = {root.id: public_comment(root) for root in roots}
    # Oldest first, so a parent is always placed before its replies; a reply whose parent is
    # not approved is not shown, since it would read as an answer to nothing.
    for reply in replies:
        parent = nodes.get(reply.parent_id)
        if parent is not None:
            nodes[reply.id] = public_comment(reply)
            parent["replies"].append(nodes[reply.id])
    return ThreadPage(thread, total, [nodes[root.id] for root in roots], next_cursor)
