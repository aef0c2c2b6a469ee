"""The audit page and its CSV export."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, render_template, request

from service import db
from service.accounts import can_moderate, visible_site_ids
from service.audit import AuditFilter, audit_page, audit_query, overrides_by_site
from service.auth import current_moderator, login_required
from service.moderate import date_arg, moderate
from service.sites import find_site
from service.storage import ModerationEvent

CSV_LIMIT = 100_000


def _filter() -> AuditFilter:
    ids = visible_site_ids(current_moderator())
    site_ids = None if ids is None else tuple(ids)
    if slug := request.args.get("site", "").strip():
        with db.session_scope() as session:
            site = find_site(session, slug)
        if site is None or not can_moderate(current_moderator(), site.id):
            abort(403, description="you do not moderate that site")
        site_ids = (site.id,)

    return AuditFilter(
        site_ids=site_ids,
        actor=request.args.get("actor", "").strip(),
        action=request.args.get("action", "").strip(),
        since=date_arg("since"),
        until=date_arg("until"),
    )


@moderate.get("/audit")
@login_required
def audit() -> str | Response:
    flt = _filter()
    if request.args.get("format") == "csv":
        return _csv(flt)
    before = request.args.get("before", "")
    with db.session_scope() as session:
        rows, next_before = audit_page(session, flt, int(before) if before.isdigit() else None)
        overrides = overrides_by_site(session, flt.site_ids)
    return render_template(
        "moderate/audit.html", rows=rows, next_before=next_before, overrides=overrides
    )


def _csv(flt: AuditFilter) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["event_id", "time", "site", "comment_id", "actor", "action", "from", "to",
                     "reason"])  # fmt: skip
    with db.session_scope() as session:
        query = audit_query(flt).order_by(ModerationEvent.id.desc()).limit(CSV_LIMIT)
        for event, _site_id, slug in session.execute(query):
            writer.writerow([
                event.id, event.created_at.isoformat(), slug, event.comment_id, event.actor,
                event.action, event.from_status.value, event.to_status.value, event.reason or "",
            ])  # fmt: skip
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=sieve-audit.csv"},
    )
