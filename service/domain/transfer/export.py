"""Every comment of a site, streamed from the database as JSON Lines or CSV.

JSON Lines is what ``sieve import json`` reads back: a header line, then each thread followed by
its comments. E-mail and IP hashes are left out unless asked for. The command and the admin
pages' download both write what ``export_lines`` yields.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service.domain.transfer.sieve_json import VERSION
from service.storage.tables import Comment, Site, Thread, utcnow

FORMATS = ("json", "csv")
CSV_COLUMNS = [
    "thread_key", "thread_url", "thread_title", "id", "parent_id", "status", "created_at",
    "decided_at", "decided_by", "author_name", "body", "scores", "reason_codes", "model_version",
]  # fmt: skip
PRIVATE_COLUMNS = ["author_email_hash", "ip_hash"]
# Rows fetched at a time: the export streams, whatever the size of the site.
YIELD_PER = 1000
# A spreadsheet runs a cell starting with these as a formula: a commenter's text must not.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_lines(
    session: Session, site: Site, fmt: str, include_private: bool = False
) -> Iterator[str]:
    """The export of ``site`` in ``fmt`` ("json" or "csv"), one line (ending in a newline) at a
    time; rows are read from the database as they are written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    rows = _rows(session, site)
    if fmt == "json":
        return _json_lines(site, rows, include_private)
    return _csv_lines(rows, include_private)


def _rows(session: Session, site: Site) -> Iterator[Row[Any]]:
    query = (
        select(
            Comment.id, Comment.thread_id, Comment.parent_id, Comment.status,
            Comment.author_name, Comment.body, Comment.created_at, Comment.decided_at,
            Comment.decided_by, Comment.scores, Comment.reason_codes, Comment.model_version,
            Comment.erased_at, Comment.author_email_hash, Comment.ip_hash,
            Thread.key.label("thread_key"), Thread.url.label("thread_url"),
            Thread.title.label("thread_title"), Thread.created_at.label("thread_created_at"),
        )
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.site_id == site.id)
        .order_by(Comment.thread_id, Comment.id)
        .execution_options(yield_per=YIELD_PER)
    )  # fmt: skip
    yield from session.execute(query)


def _json_lines(site: Site, rows: Iterator[Row[Any]], include_private: bool) -> Iterator[str]:
    header = {
        "sieve_export": VERSION,
        # Its creation time tells this very site from a namesake elsewhere (see sieve_json).
        "site": {"slug": site.slug, "name": site.name, "created_at": _iso(site.created_at)},
        "exported_at": utcnow().isoformat(),
    }
    yield _json(header)
    thread_id = None
    for row in rows:
        if row.thread_id != thread_id:
            thread_id = row.thread_id
            yield _json(
                {
                    "type": "thread",
                    "key": row.thread_key,
                    "url": row.thread_url,
                    "title": row.thread_title,
                    "created_at": _iso(row.thread_created_at),
                }
            )
        comment = {
            "type": "comment",
            "id": row.id,
            "thread": row.thread_key,
            "parent": row.parent_id,
            "status": row.status.value,
            "author_name": row.author_name,
            "body": row.body,
            "created_at": _iso(row.created_at),
            "decided_at": _iso(row.decided_at),
            "decided_by": row.decided_by,
            "scores": row.scores,
            "reason_codes": row.reason_codes or [],
            "model_version": row.model_version,
            "erased_at": _iso(row.erased_at),
        }
        if include_private:
            comment |= {"author_email_hash": row.author_email_hash, "ip_hash": row.ip_hash}
        yield _json(comment)


def _csv_lines(rows: Iterator[Row[Any]], include_private: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(CSV_COLUMNS + (PRIVATE_COLUMNS if include_private else []))
    for row in rows:
        values = [
            _cell(row.thread_key), _cell(row.thread_url), _cell(row.thread_title), row.id,
            row.parent_id, row.status.value, _iso(row.created_at), _iso(row.decided_at),
            row.decided_by, _cell(row.author_name), _cell(row.body),
            json.dumps(row.scores) if row.scores is not None else "",
            json.dumps(row.reason_codes or []), row.model_version,
        ]  # fmt: skip
        if include_private:
            values += [row.author_email_hash, row.ip_hash]
        yield line(values)


def _cell(text: str | None) -> str | None:
    """Text a spreadsheet shows as text, never runs (a leading quote, as OWASP advises)."""
    if text and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
