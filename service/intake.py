"""Storing an accepted submission as a pending comment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import ApiError
from service.fingerprint import text_fingerprint
from service.privacy import email_hash
from service.status import CommentStatus
from service.storage import Comment, Site, Thread
from service.validation import Submission

MAX_REPLY_DEPTH = 8


@dataclass(frozen=True)
class SubmitterContext:
    ip_hash: str
    user_agent: str | None
    referrer: str | None
    request_id: str | None


def get_or_create_thread(session: Session, site: Site, submission: Submission) -> Thread:
    query = select(Thread).where(Thread.site_id == site.id, Thread.key == submission.thread)
    thread = session.scalar(query)
    if thread is not None:
        if submission.thread_title and not thread.title:
            thread.title = submission.thread_title
        if submission.thread_url and not thread.url:
            thread.url = submission.thread_url
        return thread
    try:
        # A savepoint, so losing the race to create the thread only undoes this insert.
        with session.begin_nested():
            thread = Thread(
                site_id=site.id,
                key=submission.thread,
                url=submission.thread_url,
                title=submission.thread_title,
            )
            session.add(thread)
    except IntegrityError:
        thread = session.scalars(query).one()
    return thread


def store_comment(
    session: Session,
    site: Site,
    submission: Submission,
    context: SubmitterContext,
    secret: str,
) -> Comment:
    """Add a pending comment (and its thread on first use); the caller commits."""
    thread = get_or_create_thread(session, site, submission)
    parent = _parent(session, thread, submission.parent_id)
    comment = Comment(
        site_id=site.id,
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        root_id=parent.root_id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_name=submission.author_name,
        author_email_hash=email_hash(secret, submission.author_email)
        if submission.author_email
        else None,
        body=submission.body,
        fingerprint=text_fingerprint(submission.body),
        priority=0.0,  # until scored; never NULL, so the queue's keyset order stays total
        status=CommentStatus.PENDING,
        reason_codes=[],
        ip_hash=context.ip_hash,
        user_agent=(context.user_agent or "")[:500] or None,
        referrer=(context.referrer or "")[:2000] or None,
        request_id=context.request_id,
    )
    session.add(comment)
    session.flush()
    if comment.root_id is None:
        comment.root_id = comment.id
    return comment


def _parent(session: Session, thread: Thread, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread.id:
        raise ApiError(
            400,
            "invalid_fields",
            "some fields are missing or invalid",
            {"parent_id": "must be the id of a comment in this thread"},
        )
    if parent.depth + 1 > MAX_REPLY_DEPTH:
        raise ApiError(
            400,
            "invalid_fields",
            "some fields are missing or invalid",
            {"parent_id": f"replies can be nested at most {MAX_REPLY_DEPTH} levels deep"},
        )
    return parent
