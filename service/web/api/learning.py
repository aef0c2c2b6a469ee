"""The learning loop over the JSON API, for admins' tokens: a site's tuned thresholds (and
applying them), the models in use and their comparison. The same as ``sieve sites tune`` and
``sieve model status`` / ``compare``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, jsonify, request

from service.domain.audit import Actor
from service.domain.comparison import compare
from service.domain.refusals import ApiError
from service.domain.tuning import apply_recommended, tune_site
from service.pipeline.monitor import models_in_use
from service.storage import db
from service.web.api import api
from service.web.api.sites import admin_moderator, site_or_404


def _since() -> datetime | None:
    raw = request.args.get("since", "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(400, "invalid_fields", "some parameters are invalid",
                       {"since": "must be a date such as 2026-11-25"}) from None  # fmt: skip


def _tuning(slug: str, apply: bool) -> Response:
    moderator = admin_moderator()
    since = _since()
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        tunings = tune_site(session, site, since)
        applied = (
            apply_recommended(session, site, tunings, Actor.moderator(moderator, "api"))
            if apply
            else {}
        )
        return jsonify({
            "site": site.slug,
            "since": since.isoformat() if since else None,
            "labels": [t.as_dict() for t in tunings],
            "applied": list(applied),
        })  # fmt: skip


@api.get("/sites/<slug>/tuning")
def site_tuning(slug: str) -> Response:
    return _tuning(slug, apply=False)


@api.post("/sites/<slug>/tuning")
def apply_site_tuning(slug: str) -> Response:
    """Set the recommended thresholds (those labels that have one), audited."""
    return _tuning(slug, apply=True)


@api.get("/models")
def model_status() -> Response:
    admin_moderator()
    with db.session_scope() as session:
        return jsonify(models_in_use(session))


@api.get("/models/comparison")
def model_comparison() -> Response:
    admin_moderator()
    since = _since()
    slug = request.args.get("site", "").strip()
    with db.session_scope() as session:
        site = site_or_404(session, slug) if slug else None
        result = compare(session, request.args.get("model") or None, site, since)
    return jsonify(result.as_dict())
