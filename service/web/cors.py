"""CORS for the API: a browser may read an answer only on a page of the addressed site.

The site is the ``site`` query parameter, else the ``site`` of a JSON body, else (for a comment's
status) the comment's site. Origins the site does not list get no grant at all.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from service.storage import db
from service.storage.tables import Comment, Site, Thread
from service.web.api.requests import cached_site, peek_site_slug

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
PREFLIGHT_MAX_AGE = 600


def _addressed_slug() -> str | None:
    if slug := request.args.get("site", "").strip():
        return slug
    if request.method == "POST" and (slug := peek_site_slug()) != "-":
        return slug
    comment_id = (request.view_args or {}).get("comment_id")
    if request.endpoint == "api.comment_status" and comment_id is not None:
        with db.session_scope() as session:
            return session.scalar(
                select(Site.slug)
                .join(Thread, Thread.site_id == Site.id)
                .join(Comment, Comment.thread_id == Thread.id)
                .where(Comment.id == comment_id)
            )
    return None


def origin_allowed(origin: str, slug: str | None) -> bool:
    """Whether ``origin`` is listed by site ``slug`` (by any site when the slug is unknown yet)."""
    if slug is not None:
        site = cached_site(slug)
        return site is not None and origin in (site.allowed_origins or [])
    with db.session_scope() as session:
        # A preflight of a POST carries no body, so it cannot name its site: let through any
        # origin some site lists; the answer to the POST itself is then granted per site.
        return any(
            origin in (listed or []) for listed in session.scalars(select(Site.allowed_origins))
        )


def _granted_origin(*, preflight: bool) -> str | None:
    origin = request.headers.get("Origin")
    if not origin or request.routing_exception is not None:
        return None
    try:
        slug = _addressed_slug()
        if slug is None and not preflight:
            return None
        return origin if origin_allowed(origin, slug) else None
    except SQLAlchemyError as error:
        # No grant is the safe answer; the request itself reports the database trouble.
        log.warning("cors check failed origin=%s error=%s", origin, type(error).__name__)
        return None


def _answer_preflight() -> Response | None:
    if request.method != "OPTIONS" or not request.path.startswith(API_PREFIX):
        return None
    if request.routing_exception is not None:
        return None  # an unknown path or method: let routing answer
    response = Response(status=204)
    response.vary.add("Origin")
    if origin := _granted_origin(preflight=True):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _grant(response: Response) -> Response:
    if request.method == "OPTIONS" or not request.path.startswith(API_PREFIX):
        return response
    response.vary.add("Origin")
    if origin := _granted_origin(preflight=False):
        response.headers["Access-Control-Allow-Origin"] = origin
        # The widget reads Retry-After to say how long to wait after a 429.
        response.headers["Access-Control-Expose-Headers"] = "Retry-After, Location"
    return response


def init_app(app: Flask) -> None:
    # Registered before the rate limiter, so a preflight is answered without counting against it.
    app.before_request(_answer_preflight)
    app.after_request(_grant)
