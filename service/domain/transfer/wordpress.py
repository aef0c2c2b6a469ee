"""WordPress' export (WXR, any version): each ``<item>`` is a post or page, its ``<wp:comment>``
children its comments.

A thread's key is the path of the item's ``<link>``. Pingbacks, trackbacks and other comment
types are skipped; comment text is WordPress' HTML, where a newline is a line break.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from service.domain.transfer.html_text import html_to_text
from service.domain.transfer.records import (
    ANONYMOUS,
    BrokenExport,
    CommentRecord,
    Progress,
    Record,
    Skipped,
    ThreadRecord,
    clipped,
    thread_key,
    utc_datetime,
)
from service.domain.transfer.xml_stream import Found, iter_elements
from service.storage.states import CommentStatus

SOURCE = "wordpress"
WP = "{http://wordpress.org/export/"  # then the version: 1.0/, 1.1/, 1.2/
STATUSES = {
    "1": (CommentStatus.APPROVED, ()),
    "0": (CommentStatus.HELD, ()),
    "spam": (CommentStatus.SPAM, ()),
    "trash": (CommentStatus.REJECTED, ("DELETED",)),
    # The comments of a post in the trash.
    "post-trashed": (CommentStatus.REJECTED, ("DELETED",)),
}
NO_DATE = "0000-00-00 00:00:00"


def total(path: Path) -> int:
    """How much there is to read, in the unit ``records`` reports progress in (bytes)."""
    return path.stat().st_size


def records(path: Path, progress: Progress) -> Iterator[Record]:
    item, thread, fields = 0, None, {}
    with path.open("rb") as stream:
        for found in iter_elements(stream, 3, progress):
            if found.parent != "item":
                continue  # the channel's authors, categories and terms
            if found.parent_number != item:
                item, thread, fields = found.parent_number, None, {}
            name = _name(found.element.tag)
            if name != "wp:comment":
                fields[name] = found.element.text or ""
                continue
            if thread is None:
                thread = _thread(found, fields)
                yield thread
            yield _comment(found, thread)
    if not item:
        raise BrokenExport("", "no <item> in the file: is it a WordPress export (WXR)?")


def _name(tag: str) -> str:
    """``wp:comment_id`` for any WXR version's namespace; other tags keep their local name."""
    if tag.startswith(WP):
        return "wp:" + tag.rsplit("}", 1)[1]
    return tag.rsplit("}", 1)[-1]


def _thread(found: Found, fields: dict[str, str]) -> ThreadRecord:
    post_id, link = fields.get("wp:post_id", "").strip(), clipped(fields.get("link"), 2000)
    if not post_id or not link:
        raise BrokenExport(found.where, "a comment before its post's <wp:post_id> and <link>")
    title = clipped(fields.get("title"), 300)
    return ThreadRecord(post_id, thread_key(found.where, None, link), link, title)


def _comment(found: Found, thread: ThreadRecord) -> CommentRecord | Skipped:
    values = {_name(child.tag): (child.text or "").strip() for child in found.element}
    kind = values.get("wp:comment_type", "")
    if kind not in ("", "comment"):
        return Skipped(f"{kind}s" if kind in ("pingback", "trackback") else f"type {kind}")
    comment_id = values.get("wp:comment_id")
    if not comment_id:
        raise BrokenExport(found.where, "a comment without its <wp:comment_id>")
    approved = values.get("wp:comment_approved", "1")
    if approved not in STATUSES:
        raise BrokenExport(found.where, f"unknown <wp:comment_approved> {approved!r}")
    status, reasons = STATUSES[approved]
    parent = values.get("wp:comment_parent", "0")
    # The GMT date is left empty (all zeros) on some comments; the local one is the best left.
    date = values.get("wp:comment_date_gmt", "")
    if date in ("", NO_DATE):
        date = values.get("wp:comment_date", "")
    return CommentRecord(
        ref=f"{SOURCE}:{comment_id}",
        thread_ref=thread.ref,
        parent_ref=f"{SOURCE}:{parent}" if parent not in ("", "0") else None,
        author_name=clipped(values.get("wp:comment_author"), 200) or ANONYMOUS,
        body=html_to_text(values.get("wp:comment_content", ""), newlines_are_breaks=True),
        created_at=utc_datetime(found.where, date),
        status=status,
        reason_codes=reasons,
        where=found.where,
        author_email=clipped(values.get("wp:comment_author_email"), 254),
        ip=clipped(values.get("wp:comment_author_IP"), 64),
    )
