"""Admin-only site settings: origins, thresholds, pre-moderation, rate limits, block lists."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service import db
from service.auth import admin_required
from service.moderate import moderate
from service.policy import LABEL_CODES
from service.settings import SettingsError, parse_rate
from service.sites import SITE_CACHE_SECONDS, find_site, site_thresholds
from service.status import PreModeration
from service.storage import Site

SCORING_FAILURE = ("hold", "approve")


@moderate.get("/sites")
@admin_required
def sites() -> str:
    with db.session_scope() as session:
        rows = session.scalars(select(Site).order_by(Site.slug)).all()
    return render_template("moderate/sites.html", sites=rows)


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _origin_error(origin: str) -> str | None:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return f"{origin!r} is not an origin such as https://blog.example"
    return None


def parse_site_form(site: Site) -> dict[str, str]:
    """Apply the settings form to ``site``; returns field errors (nothing applied if any)."""
    errors: dict[str, str] = {}
    origins = [o.rstrip("/") for o in _lines("allowed_origins")]
    for origin in origins:
        if message := _origin_error(origin):
            errors["allowed_origins"] = message
    thresholds = {}
    for label in LABEL_CODES:
        low, high = (request.form.get(f"{label}_{k}", "").strip() for k in ("low", "high"))
        if not low and not high:
            continue
        try:
            pair = {"approve_below": float(low), "reject_above": float(high)}
        except ValueError:
            errors[label] = "both thresholds must be numbers between 0 and 1"
            continue
        if not 0 <= pair["approve_below"] <= pair["reject_above"] <= 1:
            errors[label] = "0 ≤ approve below ≤ reject above ≤ 1"
        thresholds[label] = pair
    premoderation = request.form.get("premoderation", "none")
    if premoderation not in {mode.value for mode in PreModeration}:
        errors["premoderation"] = "unknown pre-moderation mode"
    rates = {}
    for name in ("rate_limit_ip", "rate_limit_site"):
        raw = request.form.get(name, "").strip()
        try:
            rates[name] = parse_rate(name, raw) if raw else ""
        except SettingsError as error:
            errors[name] = str(error).replace(name + " ", "", 1)
    failure = request.form.get("scoring_failure", "hold")
    if failure not in SCORING_FAILURE:
        errors["scoring_failure"] = "hold or approve"
    if errors:
        return errors
    site.name = request.form.get("name", site.name).strip()[:200] or site.slug
    site.allowed_origins = origins
    site.thresholds = thresholds
    site.premoderation = PreModeration(premoderation)
    site.rate_limit_ip, site.rate_limit_site = rates["rate_limit_ip"], rates["rate_limit_site"]
    site.blocked_words = [w.lower() for w in _lines("blocked_words")][:500]
    site.blocked_domains = [d.lower().removeprefix("www.") for d in _lines("blocked_domains")][:500]
    site.scoring_failure = failure
    return {}


@moderate.route("/sites/<slug>/settings", methods=["GET", "POST"])
@admin_required
def site_settings(slug: str) -> str | Response:
    with db.session_scope() as session:
        site = find_site(session, slug)
        if site is None:
            abort(404)
        errors = parse_site_form(site) if request.method == "POST" else {}
        if request.method == "POST" and not errors:
            flash(
                f"Settings of {site.slug} saved. Every server process uses them within "
                f"{SITE_CACHE_SECONDS:.0f} seconds."
            )
            return redirect(url_for("moderate.site_settings", slug=slug))
        if errors:
            session.rollback()
            site = find_site(session, slug)
        status = 400 if errors else 200
        page = render_template(
            "moderate/site_settings.html",
            site=site,
            thresholds=site_thresholds(site),
            labels=list(LABEL_CODES),
            modes=[mode.value for mode in PreModeration],
            failures=SCORING_FAILURE,
            errors=errors,
        )
    return page, status
