"""The models page (admins): the live and shadow models, what each worker runs, the comparison
of the two on real comments, and promoting the candidate or rolling back, audited."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from service.domain.audit import Actor
from service.domain.comparison import OUTCOMES, Tally, compare
from service.domain.deployments import (
    DeploymentRefused,
    deployments,
    history,
    promote,
    promote_previous,
    stop_shadow,
)
from service.domain.sites import find_site
from service.pipeline.broker import scoring_queue
from service.pipeline.classifier import CHECK_SECONDS, classifier_holder
from service.pipeline.monitor import worker_states
from service.storage import db
from service.web.auth import admin_required, current_moderator
from service.web.charts import grouped_bars, stacked_bars
from service.web.moderate import date_arg, moderate

_NAMES = {"approve": "approved", "hold": "held", "reject": "rejected"}


def _decisions_chart(tally: Tally) -> dict:
    live = [sum(tally.matrix[a, b] for b in OUTCOMES) for a in OUTCOMES]
    candidate = [sum(tally.matrix[a, b] for a in OUTCOMES) for b in OUTCOMES]
    return stacked_bars([
        ("live", [(_NAMES[o], _NAMES[o], n) for o, n in zip(OUTCOMES, live, strict=True)], ""),
        ("candidate", [(_NAMES[o], _NAMES[o], n) for o, n in zip(OUTCOMES, candidate, strict=True)],
         ""),
    ])  # fmt: skip


def _errors_chart(tally: Tally) -> dict:
    live, candidate = tally.live.as_dict(), tally.candidate.as_dict()
    groups = [
        (title, [("series-live", "live", live[key]),
                 ("series-candidate", "candidate", candidate[key])])
        for title, key in (("wrongly rejected", "wrongly_rejected_rate"),
                           ("wrongly approved", "wrongly_approved_rate"),
                           ("held for nothing", "held_for_nothing_rate"))
    ]  # fmt: skip
    return grouped_bars(groups)


def _heat(count: int, total: int) -> int:
    """0..4: how dark a cell of the decision matrix is."""
    return 0 if not count else min(4, 1 + int(4 * count / max(1, total)))


@moderate.get("/models")
@admin_required
def models() -> str:
    slug = request.args.get("site", "").strip()
    since = date_arg("since")
    holder = classifier_holder()
    with db.session_scope() as session:
        site = find_site(session, slug) if slug else None
        now = deployments(session)
        changes = history(session)
        result = compare(session, None, site, since)
        sites = sorted(result.sites)
    live = holder.load()
    workers = worker_states(scoring_queue())
    tally = result.overall
    return render_template(
        "moderate/models.html",
        live=live,
        live_path=holder.live_path(now),
        shadow=now.shadow if now.shadow and now.shadow.path else None,
        problem=holder.problem,
        workers=workers,
        changes=changes,
        result=result,
        report=result.as_dict(),
        outcomes=OUTCOMES,
        names=_NAMES,
        heat=lambda count: _heat(count, tally.count),
        decisions_chart=_decisions_chart(tally) if tally.count else None,
        errors_chart=_errors_chart(tally)
        if tally.count and tally.live.good + tally.live.refused
        else None,
        site=slug,
        since=request.args.get("since", ""),
        sites=sites,
        check_seconds=CHECK_SECONDS,
    )


def _act(action) -> Response:
    actor = Actor.moderator(current_moderator(), "page")
    default_dir = classifier_holder().default_dir
    try:
        with db.session_scope() as session:
            message = action(session, actor, default_dir)
    except DeploymentRefused as error:
        flash(f"Nothing changed: {error}.")
    else:
        classifier_holder().refresh(force=True)  # this process at once, the others within seconds
        flash(message)
    return redirect(url_for("moderate.models"))


@moderate.post("/models/promote")
@admin_required
def promote_shadow() -> Response:
    def run(session, actor, default_dir) -> str:
        shadow = deployments(session).shadow
        if shadow is None or shadow.path is None:
            raise DeploymentRefused("there is no shadow model to promote")
        made = promote(session, shadow.path, actor, default_dir)
        return (f"{made.version} is the live model now; every worker and web process switches "
                f"within {CHECK_SECONDS:.0f} seconds.")  # fmt: skip

    return _act(run)


@moderate.post("/models/rollback")
@admin_required
def roll_back() -> Response:
    def run(session, actor, default_dir) -> str:
        made = promote_previous(session, actor, default_dir)
        return f"Back to {made.version}; every process switches within {CHECK_SECONDS:.0f} seconds."

    return _act(run)


@moderate.post("/models/shadow-off")
@admin_required
def shadow_off() -> Response:
    def run(session, actor, _default_dir) -> str:
        stopped = stop_shadow(session, actor)
        return f"Shadow model {stopped.version} off." if stopped else "There was no shadow model."

    return _act(run)
