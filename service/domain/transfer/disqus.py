"""Disqus' XML export: ``<thread>`` and ``<post>`` elements under ``<disqus>``, read as they come.

A thread's key is its identifier (``<id>``, what the Disqus embed was given), else the path of
its ``<link>``. Posts are HTML and become plain text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from service.domain.transfer.html_text import html_to_text
from service.domain.transfer.records import (
    ANONYMOUS,
    BrokenExport,
    CommentRecord,
    Progress,
    Record,
    ThreadRecord,
    clipped,
    thread_key,
    utc_datetime,
)
from service.domain.transfer.xml_stream import Found, iter_elements, text_of
from service.storage.states import CommentStatus

SOURCE = "disqus"
NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def total(path: Path) -> int:
    """How much there is to read, in the unit ``records`` reports progress in (bytes)."""
    return path.stat().st_size


def records(path: Path, progress: Progress) -> Iterator[Record]:
    with path.open("rb") as stream:
        for found in iter_elements(stream, 1, progress):
            if found.parent != f"{NS}disqus":
                raise BrokenExport(found.where, f"not a Disqus export (root <{found.parent}>)")
            if found.element.tag == f"{NS}thread":
                yield _thread(found)
            elif found.element.tag == f"{NS}post":
                yield _post(found)


def _thread(found: Found) -> ThreadRecord:
    element = found.element
    link = clipped(text_of(element, f"{NS}link"), 2000)
    key = thread_key(found.where, text_of(element, f"{NS}id"), link)
    title = clipped(text_of(element, f"{NS}title"), 300)
    created = text_of(element, f"{NS}createdAt")
    created_at = utc_datetime(found.where, created) if created else None
    return ThreadRecord(_dsq_id(found, element), key, link, title, created_at)


def _post(found: Found) -> CommentRecord:
    element = found.element
    thread = element.find(f"{NS}thread")
    if thread is None:
        raise BrokenExport(found.where, "a post without its <thread>")
    parent = element.find(f"{NS}parent")
    author = element.find(f"{NS}author")
    if author is None:
        author = Element("author")
    name = text_of(author, f"{NS}name") or text_of(author, f"{NS}username")
    status, reasons = _status(found, element)
    return CommentRecord(
        ref=f"{SOURCE}:{_dsq_id(found, element)}",
        thread_ref=_dsq_id(found, thread),
        parent_ref=f"{SOURCE}:{_dsq_id(found, parent)}" if parent is not None else None,
        author_name=clipped(name, 200) or ANONYMOUS,
        body=html_to_text(text_of(element, f"{NS}message") or ""),
        created_at=utc_datetime(found.where, text_of(element, f"{NS}createdAt")),
        status=status,
        reason_codes=reasons,
        where=found.where,
        author_email=clipped(text_of(author, f"{NS}email"), 254),
        ip=clipped(text_of(element, f"{NS}ipAddress"), 64),
    )


def _status(found: Found, element: Element) -> tuple[CommentStatus, tuple[str, ...]]:
    # Spam first: Disqus also marks most spam deleted, and "spam" is the finer judgement.
    if _flag(found, element, "isSpam", False):
        return CommentStatus.SPAM, ()
    if _flag(found, element, "isDeleted", False):
        return CommentStatus.REJECTED, ("DELETED",)
    if not _flag(found, element, "isApproved", True):
        return CommentStatus.HELD, ()
    return CommentStatus.APPROVED, ()


def _flag(found: Found, element: Element, name: str, default: bool) -> bool:
    text = (text_of(element, f"{NS}{name}") or "").strip().lower()
    if not text:
        return default
    if text not in ("true", "false"):
        raise BrokenExport(found.where, f"<{name}> is {text!r}, not true or false")
    return text == "true"


def _dsq_id(found: Found, element: Element) -> str:
    value = (element.get(DSQ_ID) or "").strip()
    if not value:
        tag = element.tag.removeprefix(NS)
        raise BrokenExport(found.where, f"a <{tag}> without its dsq:id")
    return value
