"""Reading a thread's approved comments."""

from __future__ import annotations

from flask import Response, jsonify, request

from service.domain.refusals import ApiError
from service.domain.submissions import text_problem
from service.domain.threads import BadCursor, thread_page
from service.storage import db
from service.web.api import api
from service.web.api.requests import require_site

DEFAULT_PAGE = 50
MAX_PAGE = 200


@api.get("/threads/comments")
def thread_comments() -> Response:
    errors: dict[str, str] = {}
    slug = request.args.get("site", "").strip()
    key = request.args.get("thread", "").strip()
    if not slug:
        errors["site"] = "is required"
    if not key:
        errors["thread"] = "is required"
    for name, value in (("site", slug), ("thread", key)):
        # PostgreSQL refuses a NUL in a query; the answer is a 400, not a 500.
        if value and (problem := text_problem(value)):
            errors[name] = problem
    limit_raw = request.args.get("limit", str(DEFAULT_PAGE))
    if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= MAX_PAGE:
        errors["limit"] = f"must be a whole number from 1 to {MAX_PAGE}"
    if errors:
        raise ApiError(400, "invalid_fields", "some parameters are missing or invalid", errors)

    site = require_site(slug)
    with db.session_scope() as session:
        try:
            page = thread_page(session, site, key, int(limit_raw), request.args.get("cursor"))
        except BadCursor:
            raise ApiError(
                400,
                "invalid_fields",
                "some parameters are missing or invalid",
                {"cursor": "is not a cursor this server gave out"},
            ) from None
    thread = page.thread
    return jsonify(
        {
            "site": site.slug,
            "thread": {
                "key": key,
                "title": thread.title if thread else None,
                "url": thread.url if thread else None,
            },
            "count": page.total,
            "comments": page.comments,
            "next_cursor": page.next_cursor,
        }
    )
