"""Storing an accepted submission as a pending comment.

This is the request path of every comment, so it is written for round trips: the site comes from
the process's cache, a known thread from a small cache of ids, the duplicate and ban checks are
one query, and the comment is one row of an INSERT shared with the process's other requests of
the moment (``service.pipeline.group_commit``). The rare outcomes (a new thread, a reply, a bot,
a ban) take the slower ORM paths.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import Flask
from sqlalchemy import Connection, Select, bindparam, insert, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.domain.abuse import duplicate_comment_error, earlier_duplicate_query
from service.domain.bans import active_ban_query
from service.domain.fingerprint import text_fingerprint
from service.domain.guard import file_at_intake
from service.domain.privacy import email_hash
from service.domain.refusals import ApiError
from service.domain.sites import SiteCache
from service.domain.submissions import Submission
from service.pipeline.group_commit import MAX_GROUP_ROWS, GroupInsert
from service.pipeline.handoff import Handoff
from service.settings import Settings
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Ban, Comment, Site, Thread, utcnow

MAX_REPLY_DEPTH = 8
THREAD_CACHE_SIZE = 4096


@dataclass(frozen=True)
class SubmitterContext:
    ip_hash: str
    user_agent: str | None
    referrer: str | None
    request_id: str | None


@dataclass(frozen=True)
class Stored:
    """A stored comment: its id, and the reasons it was decided at intake (empty: to score)."""

    comment_id: int
    decided: tuple[str, ...]


class ThreadIds:
    """Thread ids by (site id, key), for threads that need no update (title and URL known).

    Threads are only ever deleted with their site; an INSERT naming a thread that is gone fails
    its foreign key, and the caller forgets the id and looks again.
    """

    def __init__(self, size: int = THREAD_CACHE_SIZE) -> None:
        self.size = size
        self._ids: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def get(self, site_id: int, key: str) -> int | None:
        return self._ids.get((site_id, key))

    def forget(self, site_id: int, key: str) -> None:
        with self._lock:
            self._ids.pop((site_id, key), None)

    def remember(self, thread: Thread) -> None:
        """Remember a committed thread (never one whose transaction may still roll back)."""
        if not (thread.title and thread.url):
            return  # a later submission may still fill them in
        with self._lock:
            if len(self._ids) >= self.size:
                self._ids.clear()
            self._ids[(thread.site_id, thread.key)] = thread.id


def init_app(app: Flask, settings: Settings) -> None:
    """What the request path keeps per process: sites, thread ids, the rows waiting to be
    inserted together (one at a time with ``SIEVE_GROUP_COMMIT=0``) and, with
    ``SIEVE_ENQUEUE_DELAY_MS``, the comments waiting to be queued together."""
    app.extensions["sieve.site_cache"] = SiteCache()
    app.extensions["sieve.thread_ids"] = ThreadIds()
    group_rows = MAX_GROUP_ROWS if settings.group_commit else 1
    app.extensions["sieve.comment_rows"] = GroupInsert(_INSERT, group_rows)
    if settings.enqueue_delay_ms > 0:
        handoff = Handoff(app, settings.enqueue_delay_ms, settings.batch_size)
        app.extensions["sieve.handoff"] = handoff


def store_submission(
    site: Site,
    submission: Submission,
    context: SubmitterContext,
    *,
    secret: str,
    duplicate_window: int,
    guard: tuple[str, ...],
    threads: ThreadIds,
    rows: GroupInsert,
) -> Stored:
    """Store the comment pending, or decided at once when ``guard`` caught a bot or the author
    is banned; 409 when the author posted the same text within ``duplicate_window`` seconds.

    The common case, a top-level comment on a known thread by an author in good standing, is
    two statements on autocommit connections: the checks, then the INSERT, shared through
    ``rows`` with the comments other threads of the process store at the same moment.
    """
    now = utcnow()
    author_email = email_hash(secret, submission.author_email) if submission.author_email else None
    values: dict[str, object] = {
        "site_id": site.id,
        "thread_id": threads.get(site.id, submission.thread),
        "parent_id": None,
        "root_id": None,
        "depth": 0,
        "author_name": submission.author_name,
        "author_email_hash": author_email,
        "body": submission.body,
        "fingerprint": text_fingerprint(submission.body),
        "priority": 0.0,  # until scored; never NULL, so the queue's keyset order stays total
        "status": CommentStatus.PENDING,
        "reason_codes": [],
        "ip_hash": context.ip_hash,
        "user_agent": (context.user_agent or "")[:500] or None,
        "referrer": (context.referrer or "")[:2000] or None,
        "request_id": context.request_id,
        "created_at": now,
    }
    checks = _checks_query(author_email is not None, duplicate_window > 0)
    check_values = {
        "site_id": site.id,
        "fingerprint": values["fingerprint"],
        "author_email_hash": author_email,
        "ip_hash": context.ip_hash,
        "since": now - timedelta(seconds=max(duplicate_window, 0)),
        "now": now,
    }
    with db.autocommit() as connection:
        duplicate, ban = connection.execute(checks, check_values).one()
    if duplicate is not None:
        raise duplicate_comment_error()
    decided = guard or (("BANNED",) if ban is not None else ())
    if values["thread_id"] is not None and submission.parent_id is None and not decided:
        try:
            return Stored(rows.insert(values), ())
        except IntegrityError:
            # The remembered thread is gone (its site was deleted): look it up afresh.
            threads.forget(site.id, submission.thread)
    # A new thread, a reply, or a comment decided here: one transaction, with its audit event.
    with db.session_scope() as session:
        thread = get_or_create_thread(session, site, submission)
        parent = _parent(session, thread.id, submission.parent_id)
        values["thread_id"] = thread.id
        if parent is not None:
            # A reply to a top-level comment has it as root; deeper replies share its root.
            values |= {"parent_id": parent.id, "root_id": parent.root_id or parent.id}
            values["depth"] = parent.depth + 1
        comment_id = _insert(session.connection(), values)
        if decided:
            status = CommentStatus.SPAM if guard else CommentStatus.REJECTED
            file_at_intake(session, session.get_one(Comment, comment_id), status, decided)
    # Only once committed: another request must never insert into a thread not there yet.
    threads.remember(thread)
    return Stored(comment_id, decided)


_INSERT = insert(Comment.__table__)


def _insert(connection: Connection, values: dict[str, object]) -> int:
    # The new id comes by RETURNING where the database has it, else by lastrowid (SQLite < 3.35).
    return connection.execute(_INSERT, values).inserted_primary_key[0]


@cache
def _checks_query(has_email: bool, duplicates_refused: bool) -> Select[tuple[int, int]]:
    """One round trip for the intake checks: (an earlier duplicate's id, an active ban's id)."""
    email = bindparam("author_email_hash") if has_email else None
    duplicate = earlier_duplicate_query(
        bindparam("site_id"),
        bindparam("fingerprint"),
        email,
        bindparam("ip_hash"),
        bindparam("since"),
    )
    ban = active_ban_query(bindparam("site_id"), email, bindparam("ip_hash"), bindparam("now"))
    return select(
        duplicate.scalar_subquery() if duplicates_refused else null(),
        ban.with_only_columns(Ban.id).scalar_subquery(),
    )


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


def _parent(session: Session, thread_id: int, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread_id:
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
