"""Akismet's usage-limit and key-sites reports, from the key's monthly counts.

A Sieve key belongs to one site, so key-sites has at most one row a month: the key's site (by
slug) with the key's counts, listed when the key was used that month.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from service.domain.site_keys import COUNTS, month_of, usage_of
from service.storage import db
from service.web.compat.akismet.inputs import Caller

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Akismet's `order` values -> the count sorted by, largest first.
ORDERS = {
    "total": "api_calls",
    "spam": "spam",
    "ham": "ham",
    "missed_spam": "missed_spam",
    "false_positives": "false_positives",
}
DEFAULT_LIMIT = 500
CSV_HEADER = ("Site", "Total API Calls", "Spam", "Ham", "Missed Spam", "False Positives",
              "Is Revoked")  # fmt: skip


class BadReportQuery(ValueError):
    """A key-sites parameter Sieve cannot read; the message says which."""


def usage_limit(caller: Caller) -> dict[str, Any]:
    """This month's checks. Sieve has no monthly quota (``limit: "none"``); its per-key limit
    is a rate (SIEVE_RATE_LIMIT_KEY), answered with a 429 when exceeded, never a throttle."""
    with db.session_scope() as session:
        usage = usage_of(session, caller.key)
    return {"limit": "none", "usage": usage["api_calls"], "percentage": "0.00", "throttled": False}


def key_sites(caller: Caller, fields: Mapping[str, str]) -> dict[str, Any]:
    """``{month: [row], "limit", "offset", "total"}``, counts as strings as Akismet sends them.

    ``month`` (default: this one), ``filter`` (part of the site's slug), ``order``, ``limit``
    and ``offset`` are honoured; an unknown ``order`` sorts by the total.
    """
    month = fields.get("month", "").strip() or month_of()
    if not MONTH.match(month):
        raise BadReportQuery(f"month must look like 2026-05, got {month[:20]!r}")
    limit = _whole(fields, "limit", DEFAULT_LIMIT)
    offset = _whole(fields, "offset", 0)
    with db.session_scope() as session:
        usage = usage_of(session, caller.key, month)
    rows = []
    if any(usage.values()):
        counts = {name: str(usage[name]) for name in COUNTS}
        rows.append({"site": caller.site.slug, **counts, "is_revoked": False})
    if wanted := fields.get("filter", "").strip().lower():
        rows = [row for row in rows if wanted in row["site"]]
    order = ORDERS.get(fields.get("order", "").strip(), "api_calls")
    rows.sort(key=lambda row: int(row[order]), reverse=True)
    page = rows[offset : offset + limit]
    return {month: page, "limit": limit, "offset": offset, "total": len(rows)}


def _whole(fields: Mapping[str, str], name: str, default: int) -> int:
    raw = fields.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise BadReportQuery(f"{name} must be a whole number, got {raw[:20]!r}")
    return int(raw)


def as_csv(report: Mapping[str, Any], caller: Caller) -> str:
    """The report as Akismet's CSV: a title line, a header, a line per site."""
    [month] = [name for name in report if MONTH.match(name)]
    out = io.StringIO()
    out.write(
        f"Active sites for key {caller.key.prefix}… during {month} (limit:{report['limit']}, "
        f"offset: {report['offset']}, total: {report['total']})\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in report[month]:
        counts = [row[name] for name in COUNTS]
        writer.writerow([row["site"], *counts, str(row["is_revoked"]).lower()])
    return out.getvalue()
