"""RQ jobs. Module-level functions taking ids; their signatures are a wire format."""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Any

from rq.job import Job

from service import db, metrics
from service.logs import bound_request_id
from worker import context
from worker.scoring import score_pending, settle_unscored

log = logging.getLogger(__name__)


def score_comments(comment_ids: list[int], *, request_id: str | None = None) -> dict[str, int]:
    """Score and decide the given comments; a repeat run is harmless."""
    app, classifier = context.current()
    started = time.perf_counter()
    with app.app_context(), bound_request_id(request_id):
        with db.session_scope() as session:
            outcomes = score_pending(session, classifier, comment_ids)
        seconds = time.perf_counter() - started
        metrics.record_scoring(outcomes, seconds)
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
        log.info(
            "comments scored count=%s decided=%s model=%s ms=%.1f",
            len(comment_ids),
            counts,
            classifier.version,
            seconds * 1000,
        )
    return counts


def scoring_failed(
    job: Job,
    connection: Any,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    traceback: TracebackType | None,
) -> None:
    """RQ failure callback of ``score_comments``: once no retry is left, settle the comments.

    RQ calls it after every failed attempt, and also when a job is found abandoned by a worker
    that died mid-job; while retries remain the comments simply wait for the next attempt.
    """
    if job.retries_left:
        return
    comment_ids: list[int] = list(job.args[0]) if job.args else []
    app, _ = context.current()
    with app.app_context(), bound_request_id(job.kwargs.get("request_id")):
        with db.session_scope() as session:
            outcomes = settle_unscored(session, comment_ids)
        metrics.record_scoring(outcomes, None)
        log.warning(
            "scoring failed for good job_id=%s comment_ids=%s settled=%s error=%s",
            job.id,
            comment_ids,
            {o.comment_id: o.status.value for o in outcomes},
            exc_type.__name__ if exc_type else "-",
        )
