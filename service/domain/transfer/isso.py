"""Isso's SQLite database: its ``threads`` and ``comments`` tables, read in id order.

A thread's key is Isso's ``uri`` (what its embed was given, the page's path). Isso keeps
Markdown-ish text, which stays as it is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from service.domain.transfer.records import (
    ANONYMOUS,
    BrokenExport,
    CommentRecord,
    Progress,
    Record,
    ThreadRecord,
    clipped,
    thread_key,
)
from service.storage.states import CommentStatus

SOURCE = "isso"
COLUMNS = {
    "threads": {"id", "uri", "title"},
    "comments": {"tid", "id", "parent", "created", "mode", "remote_addr", "text", "author",
                 "email"},
}  # fmt: skip
MODES = {
    1: (CommentStatus.APPROVED, ()),
    2: (CommentStatus.HELD, ()),
    4: (CommentStatus.REJECTED, ("DELETED",)),
}


def total(path: Path) -> int:
    """How much there is to read, in the unit ``records`` reports progress in (comments)."""
    with closing(_connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM comments").fetchone()[0]


def records(path: Path, progress: Progress) -> Iterator[Record]:
    try:
        yield from _records(path, progress)
    except sqlite3.DatabaseError as error:
        raise BrokenExport("", f"the Isso database cannot be read ({error})") from None


def _records(path: Path, progress: Progress) -> Iterator[Record]:
    with closing(_connect(path)) as connection:
        threads = connection.execute("SELECT id, uri, title FROM threads ORDER BY id")
        for number, (thread_id, uri, title) in enumerate(threads, 1):
            where = f"thread record {number} (id {thread_id})"
            url = clipped(uri, 2000)
            yield ThreadRecord(
                str(thread_id), thread_key(where, uri, None), url, clipped(title, 300)
            )
        comments = connection.execute(
            "SELECT id, tid, parent, created, mode, remote_addr, text, author, email"
            " FROM comments ORDER BY id"
        )
        for number, row in enumerate(comments, 1):
            yield _comment(f"comment record {number} (id {row[0]})", row)
            progress(1)


def _connect(path: Path) -> sqlite3.Connection:
    """The database, read-only, once its tables are seen to be Isso's."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for table, needed in COLUMNS.items():
            found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            if not needed <= found:
                missing = ", ".join(sorted(needed - found))
                raise BrokenExport("", f"not an Isso database: table {table} lacks {missing}")
    except sqlite3.DatabaseError as error:
        connection.close()
        raise BrokenExport("", f"not an Isso database ({error})") from None
    except BrokenExport:
        connection.close()
        raise
    return connection


def _comment(where: str, row: tuple) -> CommentRecord:
    comment_id, thread_id, parent, created, mode, remote_addr, text, author, email = row
    if mode not in MODES:
        raise BrokenExport(where, f"unknown mode {mode!r} (1 accepted, 2 waiting, 4 deleted)")
    try:
        created_at = datetime.fromtimestamp(float(created), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise BrokenExport(where, f"not a UNIX time: created = {created!r}") from None
    status, reasons = MODES[mode]
    return CommentRecord(
        ref=f"{SOURCE}:{comment_id}",
        thread_ref=str(thread_id),
        parent_ref=f"{SOURCE}:{parent}" if parent is not None else None,
        author_name=clipped(author, 200) or ANONYMOUS,
        body=(text or "").strip(),
        created_at=created_at,
        status=status,
        reason_codes=reasons,
        where=where,
        author_email=clipped(email, 254),
        ip=clipped(remote_addr, 64),
    )
