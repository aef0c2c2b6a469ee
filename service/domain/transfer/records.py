"""The neutral records every reader yields, and the error a broken export file raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from service.storage.states import CommentStatus

# Called with how far a reader got since its last call (bytes, or records for a database).
Progress = Callable[[int], None]
ANONYMOUS = "Anonymous"
MAX_KEY = 200


class BrokenExport(ValueError):
    """A file that cannot be imported; ``where`` names the line or record ("line 12")."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


@dataclass(frozen=True)
class ThreadRecord:
    """A page of the site; ``ref`` is how the file's comments name it."""

    ref: str
    key: str
    url: str | None
    title: str | None
    created_at: datetime | None = None  # else its first comment's


@dataclass(frozen=True)
class CommentRecord:
    """A comment as read, e-mail and IP still in the clear (the writer hashes them)."""

    ref: str  # the import_ref, "<source>:<original id>"
    thread_ref: str
    parent_ref: str | None
    author_name: str
    body: str
    created_at: datetime
    status: CommentStatus
    where: str  # "line 12" or "record 3", for errors found after reading
    reason_codes: tuple[str, ...] = ()
    author_email: str | None = None
    ip: str | None = None
    # Sieve's own export carries what was decided, and the hashes when it was private.
    decided_by: str | None = "import"
    decided_at: datetime | None = None
    scores: dict[str, float] | None = None
    model_version: str | None = None
    author_email_hash: str | None = None
    ip_hash: str | None = None
    erased_at: datetime | None = None


@dataclass(frozen=True)
class Skipped:
    """Something in the file that is not a comment to import (a pingback, a trackback)."""

    reason: str


Record = ThreadRecord | CommentRecord | Skipped


def thread_key(where: str, identifier: str | None, url: str | None) -> str:
    """The identifier when there is one, else the path (and query) of the URL."""
    key = (identifier or "").strip()
    if not key and url:
        parts = urlsplit(url.strip())
        key = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not key:
        raise BrokenExport(where, "a thread with neither an identifier nor a link")
    if len(key) > MAX_KEY:
        raise BrokenExport(where, f"thread key longer than {MAX_KEY} characters: {key[:60]}...")
    return key


def utc_datetime(where: str, text: str | None, *, naive_is_utc: bool = True) -> datetime:
    """An ISO 8601 date (``Z`` allowed) as an aware UTC datetime; naive ones are taken as UTC."""
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise BrokenExport(where, f"not a date: {text!r}") from None
    if value.tzinfo is None:
        if not naive_is_utc:
            raise BrokenExport(where, f"a date without a time zone: {text!r}")
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def clipped(text: str | None, length: int) -> str | None:
    text = (text or "").strip()
    return text[:length] or None
