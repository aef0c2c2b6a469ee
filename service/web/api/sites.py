"""Site settings over the JSON API, for admins' tokens: the same settings as the admin page."""

from __future__ import annotations

from flask import Response, jsonify, request
from sqlalchemy.orm import Session

from service.domain.audit import Actor
from service.domain.refusals import ApiError
from service.domain.site_settings import change_site_settings, settings_of
from service.domain.sites import find_site
from service.domain.transfer.export import FORMATS
from service.storage import db
from service.storage.tables import Moderator, Site
from service.web.api import api
from service.web.api.requests import json_body
from service.web.auth import token_moderator
from service.web.exporting import export_response


def admin_moderator() -> Moderator:
    moderator = token_moderator()
    if not moderator.is_admin:
        raise ApiError(403, "forbidden", "site settings are for admins")
    return moderator


def site_or_404(session: Session, slug: str) -> Site:
    site = find_site(session, slug)
    if site is None:
        raise ApiError(404, "site_not_found", f"there is no site {slug!r} on this server")
    return site


@api.get("/sites/<slug>")
def get_site(slug: str) -> Response:
    admin_moderator()
    with db.session_scope() as session:
        return jsonify(settings_of(site_or_404(session, slug)))


@api.patch("/sites/<slug>")
def update_site(slug: str) -> Response:
    """Change the settings named in the body; the others stay as they are."""
    moderator = admin_moderator()
    changes = json_body()
    if not isinstance(changes, dict):
        raise ApiError(400, "invalid_body", "the request body must be a JSON object")
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        if errors := change_site_settings(
            session, site, changes, Actor.moderator(moderator, "api")
        ):
            message = "some settings are invalid; none was saved"
            raise ApiError(400, "invalid_fields", message, errors)
        session.flush()
        return jsonify(settings_of(site))


@api.get("/sites/<slug>/export")
def export_site(slug: str) -> Response:
    """Every comment of the site, streamed (JSON Lines or CSV), as ``sieve export``."""
    admin_moderator()
    fmt = request.args.get("format", "json")
    private = request.args.get("include_private", "false")
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = f"must be one of {', '.join(FORMATS)}"
    if private not in ("true", "false"):
        errors["include_private"] = "must be true or false"
    if errors:
        raise ApiError(400, "invalid_fields", "some parameters are invalid", errors)
    with db.session_scope() as session:
        site_or_404(session, slug)
    return export_response(slug, fmt, private == "true")
