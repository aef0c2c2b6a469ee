"""The audit page (decisions, and changes to bans, tokens, accounts and settings) and its CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Response, render_template, request
from sqlalchemy import Select, select

from service.domain.audit import (
    AuditFilter,
    audit_page,
    audit_query,
    event_conditions,
    newest_first,
    overrides_by_site,
)
from service.domain.bans import BAN_ACTIONS
from service.storage import db
from service.storage.tables import ChangeEvent, ModerationEvent, Site
from service.web.auth import current_moderator, login_required
from service.web.moderate import date_arg, moderate, site_ids_of_filter

CSV_LIMIT = 100_000


def _filter() -> AuditFilter:
    site_ids = site_ids_of_filter(request.args.get("site", "").strip())
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
    with db.session_scope() as session:
        rows, next_before = audit_page(session, flt, _id_arg("before"))
        changes, changes_before = newest_first(
            session, _visible_changes(flt), ChangeEvent, _id_arg("changes_before"), 50
        )
        overrides = overrides_by_site(session, flt.site_ids)
    return render_template(
        "moderate/audit.html",
        rows=rows,
        next_before=next_before,
        changes=[(event, slug, change_summary(event)) for event, slug in changes],
        changes_before=changes_before,
        overrides=overrides,
    )


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _visible_changes(flt: AuditFilter) -> Select:
    """The change events this moderator may read: an admin, every one (of the site asked for);
    a moderator, the bans on their sites and the changes they made themselves (their tokens)."""
    query = select(ChangeEvent, Site.slug).outerjoin(Site, Site.id == ChangeEvent.site_id)
    query = query.where(*event_conditions(ChangeEvent, flt))
    on_sites = ChangeEvent.site_id.in_(flt.site_ids or (-1,))
    moderator = current_moderator()
    if moderator.is_admin:
        return query if flt.site_ids is None else query.where(on_sites)
    bans = on_sites & ChangeEvent.action.in_(BAN_ACTIONS)
    if request.args.get("site", "").strip():
        return query.where(bans)
    return query.where(bans | (ChangeEvent.moderator_id == moderator.id))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "none" if value is None else str(value)


def change_summary(event: ChangeEvent) -> str:
    """What a change event changed, for people: its own detail, or ``name: old → new`` (and
    ``name: value`` where it stayed or was first set)."""
    if event.detail:
        return event.detail
    before, after = event.before or {}, event.after or {}
    parts = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if name in before and old != new:
            parts.append(f"{name}: {_shown(old)} → {_shown(new)}")
        else:
            parts.append(f"{name}: {_shown(new)}")
    return "; ".join(parts)


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
