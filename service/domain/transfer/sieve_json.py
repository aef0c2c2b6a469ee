"""Sieve's own export, JSON Lines: a header line, then each thread followed by its comments.

Comments keep their status, times, scores and reason codes; their ``import_ref`` is
``sieve:<id in the exporting site>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from service.domain.transfer.records import (
    BrokenExport,
    CommentRecord,
    Progress,
    Record,
    ThreadRecord,
    clipped,
    thread_key,
    utc_datetime,
)
from service.storage.states import CommentStatus
from service.storage.tables import Site

SOURCE = "sieve"
VERSION = 1


def total(path: Path) -> int:
    """How much there is to read, in the unit ``records`` reports progress in (bytes)."""
    return path.stat().st_size


def header(path: Path) -> dict[str, Any]:
    """The first line: the format version, and the site it was exported from."""
    with path.open("rb") as stream:
        return _header(_parsed(1, stream.readline()))


def exported_from(header: dict[str, Any], site: Site) -> bool:
    """Whether the export is of ``site`` itself: importing it there would copy every comment,
    since they are its own under another ``import_ref``."""
    exported = header["site"]
    created = site.created_at.isoformat() if site.created_at else None
    return exported.get("slug") == site.slug and exported.get("created_at") == created


def records(path: Path, progress: Progress) -> Iterator[Record]:
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            progress(len(raw))
            if number == 1:
                _header(_parsed(1, raw))
            elif raw.strip():
                yield _record(f"line {number}", _parsed(number, raw))


def _parsed(number: int, raw: bytes) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except ValueError as error:  # UnicodeDecodeError is one too
        raise BrokenExport(f"line {number}", f"not JSON ({error})") from None
    if not isinstance(item, dict):
        raise BrokenExport(f"line {number}", "not a JSON object")
    return item


def _header(item: dict[str, Any]) -> dict[str, Any]:
    if "sieve_export" not in item:
        raise BrokenExport("line 1", "not a Sieve export (no sieve_export header)")
    if item["sieve_export"] != VERSION:
        raise BrokenExport("line 1", f"export format {item['sieve_export']!r} is not known")
    if not isinstance(item.get("site"), dict) or not isinstance(item["site"].get("slug"), str):
        raise BrokenExport("line 1", "the header does not name the site")
    return item


def _record(where: str, item: dict[str, Any]) -> Record:
    kind = item.get("type")
    if kind == "thread":
        key = _field(where, item, "key", str)
        created = item.get("created_at")
        return ThreadRecord(
            key,
            thread_key(where, key, None),
            clipped(_field(where, item, "url", str, None), 2000),
            clipped(_field(where, item, "title", str, None), 300),
            utc_datetime(where, created) if created else None,
        )
    if kind == "comment":
        return _comment(where, item)
    raise BrokenExport(where, f"unknown line type {kind!r} (thread or comment)")


def _comment(where: str, item: dict[str, Any]) -> CommentRecord:
    parent = _field(where, item, "parent", int, None)
    try:
        status = CommentStatus(item.get("status"))
    except ValueError:
        raise BrokenExport(where, f"unknown status {item.get('status')!r}") from None
    scores = _field(where, item, "scores", dict, None)
    if scores is not None and not all(isinstance(v, int | float) for v in scores.values()):
        raise BrokenExport(where, "scores must be numbers")
    reasons = _field(where, item, "reason_codes", list, [])
    if not all(isinstance(code, str) for code in reasons):
        raise BrokenExport(where, "reason_codes must be strings")
    return CommentRecord(
        ref=f"{SOURCE}:{_field(where, item, 'id', int)}",
        thread_ref=_field(where, item, "thread", str),
        parent_ref=f"{SOURCE}:{parent}" if parent is not None else None,
        author_name=clipped(_field(where, item, "author_name", str), 200) or "",
        body=_field(where, item, "body", str),
        created_at=utc_datetime(where, _field(where, item, "created_at", str)),
        status=status,
        reason_codes=tuple(reasons),
        where=where,
        decided_by=clipped(_field(where, item, "decided_by", str, None), 20),
        decided_at=_date(where, item, "decided_at"),
        scores=scores,
        model_version=clipped(_field(where, item, "model_version", str, None), 64),
        author_email_hash=clipped(_field(where, item, "author_email_hash", str, None), 64),
        ip_hash=clipped(_field(where, item, "ip_hash", str, None), 64),
        erased_at=_date(where, item, "erased_at"),
    )


_REQUIRED = object()


def _field(
    where: str, item: dict[str, Any], name: str, kind: type, default: Any = _REQUIRED
) -> Any:
    value = item.get(name)
    if value is None:
        if default is _REQUIRED:
            raise BrokenExport(where, f"{name} is missing")
        return default
    # bool is an int to Python, never an id to us.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BrokenExport(where, f"{name} is not {kind.__name__}: {value!r}")
    return value


def _date(where: str, item: dict[str, Any], name: str) -> datetime | None:
    value = _field(where, item, name, str, None)
    return utc_datetime(where, value) if value else None
