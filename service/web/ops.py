"""``/ops``: queues, workers and failed jobs for admins, with requeue and delete.

Built on RQ's registries rather than mounting rq-dashboard: one login (the moderators' admin
role), one look, and every figure is a registry size or a bounded page (``pipeline.monitor``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from werkzeug.wrappers import Response

from service.pipeline import monitor, vitals
from service.pipeline.broker import scoring_queue
from service.storage import db
from service.web.auth import admin_required, check_csrf
from service.web.ops_charts import drift_charts, ops_charts

ops = Blueprint("ops", __name__, url_prefix="/ops")
PAGE = 50


@ops.before_request
def _csrf() -> None:
    check_csrf()


def _window() -> str:
    window = request.args.get("window", "hour")
    return window if window in vitals.WINDOWS else "hour"


def _live(window: str, queue_state, workers, pending) -> dict:
    """The flags and charts of /ops, for the page and for its refreshes."""
    vitals.sample_if_due()
    figures = vitals.figures(window)
    hour = figures if window == "hour" else vitals.figures("hour")
    drifts = vitals.drift()
    settings = current_app.config["SIEVE"]
    return {
        "window": window,
        "step": figures["step"],
        "updated": f"{figures['end']:%H:%M:%S}",
        "flags": vitals.flags(workers, queue_state, pending, hour, drifts),
        "charts": ops_charts(figures, settings.sweep_after),
        "drift": drift_charts(drifts),
        "drift_limit": settings.drift_alert,
    }


@ops.get("/live")
@admin_required
def live() -> str:
    """The flags and charts alone: what ops.js swaps in every 30 seconds."""
    queue = scoring_queue()
    with db.session_scope() as session:
        pending = monitor.pending_state(session)
    state, workers = monitor.queue_state(queue), monitor.worker_states(queue)
    return render_template("ops/charts.html", **_live(_window(), state, workers, pending))


@ops.get("/")
@admin_required
def index() -> str:
    queue = scoring_queue()
    offset = max(0, request.args.get("offset", 0, type=int))
    total, failed = monitor.failed_jobs(queue, offset, PAGE)
    with db.session_scope() as session:
        pending = monitor.pending_state(session)
        models = monitor.models_in_use(session)
    state, workers = monitor.queue_state(queue), monitor.worker_states(queue)
    return render_template(
        "ops/index.html",
        **_live(_window(), state, workers, pending),
        queue=state,
        workers=workers,
        models=models,
        pending=pending,
        groups=monitor.failed_groups(queue),
        failed=failed,
        failed_total=total,
        offset=offset,
        page=PAGE,
    )


@ops.post("/failed/<job_id>/<action>")
@admin_required
def failed_job(job_id: str, action: str) -> Response:
    _act(action, [job_id])
    return redirect(url_for("ops.index"))


@ops.post("/failed-group/<action>")
@admin_required
def failed_group(action: str) -> Response:
    """Requeue or delete the sampled failed jobs that raised one exception."""
    exception = request.form.get("exception", "")
    for name, _, ids in monitor.failed_groups(scoring_queue()):
        if name == exception:
            _act(action, ids)
    return redirect(url_for("ops.index"))


def _act(action: str, job_ids: list[str]) -> None:
    queue = scoring_queue()
    for job_id in job_ids:
        try:
            if action == "requeue":
                # Safe: a scoring job only decides comments that are still pending.
                queue.failed_job_registry.requeue(job_id)
            elif action == "delete":
                Job.fetch(job_id, connection=queue.connection).delete()
        except (NoSuchJobError, InvalidJobOperation):
            queue.failed_job_registry.remove(job_id)  # its data expired: drop the stale entry


def init_app(app: Flask) -> None:
    app.register_blueprint(ops)
