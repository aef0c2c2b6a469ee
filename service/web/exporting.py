"""A site's comments as a download, streamed from the database: the same export as
``sieve export`` (JSON Lines or CSV), for the admin pages and the API."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from service.domain.sites import find_site
from service.domain.transfer.export import FORMATS, export_lines
from service.storage import db
from service.storage.tables import utcnow

MEDIA_TYPES = {"json": "application/x-ndjson", "csv": "text/csv"}


def export_response(slug: str, fmt: str, include_private: bool) -> Response:
    """The download; the caller has checked the site exists and the format is one of FORMATS."""
    assert fmt in FORMATS

    def lines() -> Iterator[str]:
        with db.session_scope() as session:
            site = find_site(session, slug)
            yield from export_lines(session, site, fmt, include_private)

    name = f"sieve-{slug}-{utcnow():%Y%m%d-%H%M}.{'jsonl' if fmt == 'json' else 'csv'}"
    return Response(
        stream_with_context(lines()),
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
