"""Helpers shared by the API views: the JSON body, the request id, the site being addressed."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import current_app, g, request

from service.domain.refusals import ApiError
from service.domain.sites import find_site
from service.settings import Settings
from service.storage import db
from service.storage.tables import Site

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def settings() -> Settings:
    return current_app.config["SIEVE"]


def request_id() -> str:
    """The caller's ``X-Request-ID`` when it is sane, else a fresh one; kept for the request."""
    if "request_id" not in g:
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
    return g.request_id


def json_body() -> Any:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, "invalid_json", "the request body is not valid JSON")
    return payload


def peek_site_slug() -> str:
    """The ``site`` named in the JSON body, read leniently (for rate-limit keys)."""
    if "site_slug" not in g:
        payload = request.get_json(silent=True) if request.is_json else None
        slug = payload.get("site") if isinstance(payload, dict) else None
        g.site_slug = slug[:64] if isinstance(slug, str) else "-"
    return g.site_slug


def _load_site(slug: str) -> Site | None:
    with db.session_scope() as session:
        return find_site(session, slug)


def cached_site(slug: str) -> Site | None:
    """The site with this slug, from this process's copy when it is fresh (see SiteCache)."""
    return current_app.extensions["sieve.site_cache"].get(slug, _load_site)


def addressed_site() -> Site | None:
    """The site named in the body, looked up once per request."""
    if "site" not in g:
        g.site = cached_site(peek_site_slug())
    return g.site


def require_site(slug: str) -> Site:
    site = cached_site(slug)
    if site is None:
        raise ApiError(404, "site_not_found", f"there is no site {slug!r} on this server")
    return site
