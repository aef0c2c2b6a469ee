"""Admin-only site settings: origins, thresholds, pre-moderation, rate limits, link policy."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.domain.audit import Actor
from service.domain.policy import LABEL_CODES
from service.domain.site_settings import SCORING_FAILURE, change_site_settings, settings_of
from service.domain.sites import SITE_CACHE_SECONDS
from service.domain.transfer.export import FORMATS
from service.storage import db
from service.storage.states import PreModeration
from service.storage.tables import Site
from service.web.auth import admin_required, current_moderator
from service.web.exporting import export_response
from service.web.moderate import moderate, site_or_404
from service.web.moderate.tuning import site_tuning


@moderate.get("/sites")
@admin_required
def sites() -> str:
    with db.session_scope() as session:
        rows = session.scalars(select(Site).order_by(Site.slug)).all()
    return render_template("moderate/sites.html", sites=rows)


def _lines(name: str) -> list[str]:
    return request.form.get(name, "").splitlines()


def _number(text: str) -> float | str:
    # Left as typed when it is no number: apply_site_settings says what is wrong with it.
    try:
        return float(text)
    except ValueError:
        return text


def _form_thresholds() -> dict[str, dict[str, float | str]]:
    thresholds = {}
    for label in LABEL_CODES:
        low, high = (request.form.get(f"{label}_{k}", "").strip() for k in ("low", "high"))
        if low or high:
            thresholds[label] = {"approve_below": _number(low), "reject_above": _number(high)}
    return thresholds


def _form_settings(site: Site) -> dict[str, Any]:
    """The settings form as the settings ``apply_site_settings`` takes."""
    form = request.form
    return {
        "name": form.get("name", site.name),
        "allowed_origins": _lines("allowed_origins"),
        "thresholds": _form_thresholds(),
        "premoderation": form.get("premoderation", "none"),
        "rate_limit_ip": form.get("rate_limit_ip", ""),
        "rate_limit_site": form.get("rate_limit_site", ""),
        "blocked_words": _lines("blocked_words"),
        "blocked_domains": _lines("blocked_domains"),
        "allowed_domains": _lines("allowed_domains"),
        "scoring_failure": form.get("scoring_failure", "hold"),
    }


@moderate.route("/sites/<slug>/settings", methods=["GET", "POST"])
@admin_required
def site_settings(slug: str) -> str | Response:
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        values, errors = settings_of(site), {}
        if request.method == "POST":
            submitted = _form_settings(site)
            actor = Actor.moderator(current_moderator(), "page")
            errors = change_site_settings(session, site, submitted, actor)
            if not errors:
                flash(
                    f"Settings of {site.slug} saved. Every server process uses them within "
                    f"{SITE_CACHE_SECONDS:.0f} seconds."
                )
                return redirect(url_for("moderate.site_settings", slug=slug))
            # Nothing was saved: the form shows what was typed, to be corrected, not retyped.
            values = {**values, **submitted}
        page = render_template(
            "moderate/site_settings.html",
            site=site,
            values=values,
            labels=list(LABEL_CODES),
            modes=[mode.value for mode in PreModeration],
            failures=SCORING_FAILURE,
            errors=errors,
            tuning=site_tuning(session, site),
        )
    return page, 400 if errors else 200


@moderate.get("/sites/<slug>/export")
@admin_required
def export_site(slug: str) -> Response:
    """The site's comments as a download (the same as ``sieve export``)."""
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        abort(400, description=f"format must be one of {', '.join(FORMATS)}")
    with db.session_scope() as session:
        site_or_404(session, slug)
    return export_response(slug, fmt, request.args.get("include_private") == "on")
