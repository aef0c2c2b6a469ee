"""The site settings page's tuning section: per label, what the current and recommended
thresholds do with the site's moderator-decided comments, drawn; and applying the recommendation."""

from __future__ import annotations

from flask import Response, flash, redirect, url_for

from service.domain.audit import Actor
from service.domain.tuning import (
    MIN_HARMFUL,
    MIN_LABELLED,
    Outcome,
    Tuning,
    apply_recommended,
    tune_site,
)
from service.storage import db
from service.web.auth import admin_required, current_moderator
from service.web.charts import stacked_bars, threshold_chart
from service.web.moderate import date_arg, moderate, site_or_404


def _split(o: Outcome) -> list[tuple[str, str, int]]:
    return [("approved", "approved", o.approved), ("held", "held", o.held),
            ("rejected", "rejected", o.rejected)]  # fmt: skip


def _errors(o: Outcome) -> str:
    return (f"{o.wrongly_rejected} wrongly rejected, {o.wrongly_approved} wrongly approved; "
            f"{o.held_for_nothing} held for nothing")  # fmt: skip


def tuning_view(t: Tuning) -> dict[str, object]:
    """What the template draws for one label."""
    rows = [("current", _split(t.current), _errors(t.current))]
    if t.recommended:
        rows.append(("recommended", _split(t.recommended), _errors(t.recommended)))
    marks = [("current: approve below", "mark-current", t.current.approve_below),
             ("current: reject at", "mark-current", t.current.reject_above)]  # fmt: skip
    bands = []
    if t.recommended:
        low, high = t.recommended.approve_below, t.recommended.reject_above
        marks += [("recommended: approve below", "mark-recommended", low),
                  ("recommended: reject at", "mark-recommended", high)]  # fmt: skip
        bands = [("band-approve", 0.0, low, "approve"), ("band-hold", low, high, "hold"),
                 ("band-reject", high, 1.0, "reject")]  # fmt: skip
    chart = None
    if t.curve:
        chart = threshold_chart(
            [
                ("approved comments scoring at or above", "line-good",
                 [(x, good) for x, good, _ in t.curve]),
                ("refused comments scoring below", "line-refused",
                 [(x, refused) for x, _, refused in t.curve]),
            ],
            marks,
            bands,
        )  # fmt: skip
    return {
        "tuning": t,
        "enough": t.labelled >= MIN_LABELLED and t.harmful >= MIN_HARMFUL,
        "bars": stacked_bars(rows),
        "chart": chart,
        "minimum": (MIN_LABELLED, MIN_HARMFUL),
    }


def site_tuning(session, site) -> list[dict[str, object]]:
    return [tuning_view(t) for t in tune_site(session, site, date_arg("since"))]


@moderate.post("/sites/<slug>/tuning")
@admin_required
def apply_tuning(slug: str) -> Response:
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        tunings = tune_site(session, site, date_arg("since"))
        applied = apply_recommended(
            session, site, tunings, Actor.moderator(current_moderator(), "page")
        )
        if applied:
            pairs = ", ".join(
                f"{label} approve below {o.approve_below:g}, reject at {o.reject_above:g}"
                for label, o in applied.items()
            )
            flash(f"Recommended thresholds applied to {site.slug}: {pairs}.")
        else:
            flash("Nothing to apply: there is no recommendation yet.")
    return redirect(url_for("moderate.site_settings", slug=slug) + "#tuning")
