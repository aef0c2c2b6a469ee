"""Admin-only site keys of the Perspective- and Akismet-compatible APIs: list, create, revoke."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from service.domain.audit import Actor
from service.domain.site_keys import create_key, keys_of, revoke_key, usage_of
from service.storage import db
from service.storage.tables import SiteKey
from service.web.auth import admin_required, current_moderator
from service.web.moderate import moderate, site_or_404


@moderate.get("/sites/<slug>/keys")
@admin_required
def site_keys(slug: str, new_key: str | None = None) -> str:
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        rows = [(key, usage_of(session, key)) for key in keys_of(session, site)]
        return render_template("moderate/keys.html", site=site, keys=rows, new_key=new_key)


@moderate.post("/sites/<slug>/keys")
@admin_required
def create_site_key(slug: str) -> str:
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        actor = Actor.moderator(current_moderator(), "page")
        key, _ = create_key(session, site, request.form.get("name", ""), actor)
    # Shown once, on this response only; a reload of the list never shows it again.
    return site_keys(slug, new_key=key)


@moderate.post("/sites/<slug>/keys/<int:key_id>/revoke")
@admin_required
def revoke_site_key(slug: str, key_id: int) -> Response:
    with db.session_scope() as session:
        record = session.get(SiteKey, key_id)
        if record is None or record.site.slug != slug:
            abort(404)
        if revoke_key(session, record, Actor.moderator(current_moderator(), "page")):
            flash(
                f"Key {record.prefix}… ({record.name}) revoked; its calls are refused from now on."
            )
    return redirect(url_for("moderate.site_keys", slug=slug))
