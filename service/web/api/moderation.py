"""The moderation JSON API for integrations, authenticated by personal API tokens."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import select

from service.domain.accounts import can_moderate, visible_site_ids
from service.domain.decisions import ACTIONS, REVERSALS, decide_many
from service.domain.refusals import ApiError
from service.domain.review import TABS, QueueFilter, queue_page
from service.domain.sites import find_site
from service.storage import db
from service.storage.tables import Comment, Moderator
from service.web.api import api
from service.web.api.requests import json_body, settings
from service.web.auth import token_moderator

MAX_BULK = 500


def _invalid(fields: dict[str, str]) -> ApiError:
    return ApiError(400, "invalid_fields", "some fields are missing or invalid", fields)


def queue_item(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "site": comment.thread.site.slug,
        "thread": comment.thread.key,
        "parent_id": comment.parent_id,
        "author_name": comment.author_name,
        "body": comment.body,
        "status": comment.status.value,
        "scores": comment.scores or {},
        "reason_codes": comment.reason_codes or [],
        "explanation": comment.explanation or [],
        "model_version": comment.model_version,
        "created_at": comment.created_at.isoformat(),
        "decided_at": comment.decided_at.isoformat() if comment.decided_at else None,
    }


@api.get("/moderation/queue")
def moderation_queue() -> Response:
    moderator = token_moderator()
    status = request.args.get("status", "held")
    limit = request.args.get("limit", "50")
    errors = {}
    if status not in TABS:
        errors["status"] = f"must be one of {', '.join(TABS)}"
    if not limit.isdigit() or not 1 <= int(limit) <= 200:
        errors["limit"] = "must be a whole number from 1 to 200"
    if errors:
        raise _invalid(errors)
    ids = visible_site_ids(moderator)
    site_ids = None if ids is None else tuple(ids)
    if slug := request.args.get("site", "").strip():
        with db.session_scope() as session:
            site = find_site(session, slug)
        if site is None:
            raise ApiError(404, "site_not_found", f"there is no site {slug!r} on this server")
        if not can_moderate(moderator, site.id):
            raise ApiError(403, "forbidden", f"you do not moderate {slug!r}")
        site_ids = (site.id,)
    flt = QueueFilter(tab=status, site_ids=site_ids, sort=request.args.get("sort", "oldest"))
    if flt.sort not in ("oldest", "newest", "priority"):
        raise _invalid({"sort": "must be oldest, newest or priority"})
    with db.session_scope() as session:
        try:
            page = queue_page(
                session, flt, settings().secret_key, int(limit), request.args.get("cursor")
            )
        except ValueError:
            raise _invalid({"cursor": "is not a cursor this server gave out"}) from None
        items = [queue_item(comment) for comment in page.comments]
    return jsonify({"comments": items, "next_cursor": page.next_cursor})


def _decision_fields(payload: Any) -> tuple[str, str | None]:
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "the request body must be a JSON object")
    action, reason = payload.get("action"), payload.get("reason")
    errors = {}
    if action not in (*ACTIONS, *REVERSALS):
        errors["action"] = f"must be one of {', '.join((*ACTIONS, *REVERSALS))}"
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        errors["reason"] = "must be a string of at most 500 characters"
    if errors:
        raise _invalid(errors)
    return action, reason


def _decide(moderator: Moderator, ids: list[int], action: str, reason: str | None) -> list[dict]:
    # Ids past 64 bits cannot exist; asking the database about them would be an error.
    known = [i for i in ids if i < 2**63]
    with db.session_scope() as session:
        query = select(Comment).where(Comment.id.in_(known))
        comments = {c.id: c for c in session.scalars(query)}
        missing = [i for i in ids if i not in comments]
        if missing:
            raise ApiError(404, "comment_not_found", f"there is no comment {missing[0]}")
        if any(not can_moderate(moderator, c.site_id) for c in comments.values()):
            raise ApiError(403, "forbidden", "you do not moderate the site of every comment")
        actor = session.get(Moderator, moderator.id)
        outcomes = decide_many(session, [comments[i] for i in ids], action, actor, reason)
    return [
        {"id": o.comment_id, "status": o.status.value, "changed": o.changed, "message": o.message}
        for o in outcomes
    ]


@api.post("/moderation/comments/<int:comment_id>/decision")
def moderation_decision(comment_id: int) -> Response:
    moderator = token_moderator()
    action, reason = _decision_fields(json_body())
    [result] = _decide(moderator, [comment_id], action, reason)
    return jsonify(result)


@api.post("/moderation/decisions")
def moderation_bulk_decision() -> Response:
    moderator = token_moderator()
    payload = json_body()
    action, reason = _decision_fields(payload)
    ids = payload.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_BULK
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)
    ):
        raise _invalid({"ids": f"must be a list of 1 to {MAX_BULK} comment ids"})
    return jsonify({"results": _decide(moderator, list(dict.fromkeys(ids)), action, reason)})
