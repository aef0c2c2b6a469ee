"""RQ jobs. Module-level functions taking ids; their signatures are a wire format."""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Any

import redis
from rq import Queue, get_current_job
from rq.job import Job

from models import Classifier
from service.logs import bound_request_id
from service.pipeline import counters, dispatch
from service.pipeline.broker import (
    drain_queued_jobs,
    finish_drained,
    release_drained,
    scoring_queue,
)
from service.pipeline.classifier import classifier_holder
from service.storage import db
from worker import context
from worker.scoring import backfill_scores, score_in_shadow, score_pending, settle_unscored

log = logging.getLogger(__name__)


def score_comments(comment_ids: list[int], *, request_id: str | None = None) -> dict[str, int]:
    """Score and decide the given comments; a repeat run is harmless.

    Run by a worker, the job also takes up to ``SIEVE_BATCH_SIZE`` queued scoring jobs and
    decides their comments in the same classifier call and transaction.
    """
    app = context.current()
    started = time.perf_counter()
    with app.app_context(), bound_request_id(request_id):
        holder = classifier_holder()
        classifier, shadow = holder.load(), holder.shadow()
        queue = scoring_queue()
        owner_id = getattr(get_current_job(), "id", None)
        drained = _drain(queue, app.config["SIEVE"].batch_size - len(comment_ids))
        ids = sorted({*comment_ids, *(cid for job in drained for cid in job.args[0])})
        try:
            with db.session_scope() as session:
                outcomes = score_pending(session, classifier, ids)
        except Exception:
            if not drained:
                raise
            # One unscorable comment must not cost its neighbours their retries: their jobs go
            # back to the queue, and this job tries again with its own comments only.
            release_drained(queue, [job.id for job in drained])
            log.warning("batch failed, scoring alone job_comments=%s", comment_ids)
            drained, ids = [], list(comment_ids)
            with db.session_scope() as session:
                outcomes = score_pending(session, classifier, ids)
        try:
            finish_drained(queue, drained)
        except (redis.RedisError, OSError) as error:  # decided: the sweeper tidies up later
            log.warning("finishing drained jobs failed count=%s error=%s", len(drained), error)
        seconds = time.perf_counter() - started
        counters.record_scoring(outcomes, seconds)
        if shadow is not None and outcomes:
            _score_in_shadow(shadow, [outcome.comment_id for outcome in outcomes])
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
        log.info(
            "comments scored count=%s jobs=%s decided=%s model=%s ms=%.1f",
            len(ids),
            1 + len(drained),
            counts,
            classifier.version,
            seconds * 1000,
        )
    for job in drained:  # each submission's request id still leads to its scoring
        if job.kwargs.get("request_id"):
            with bound_request_id(job.kwargs["request_id"]):
                log.info("comments scored count=%s batch_job_id=%s", len(job.args[0]), owner_id)
    return counts


def _score_in_shadow(shadow: Classifier, ids: list[int]) -> None:
    """The candidate's scores of what the live model just decided, stored apart. Whatever goes
    wrong here is logged and forgotten: the decisions are committed and stay as they are."""
    try:
        with db.session_scope() as session:
            stored = score_in_shadow(session, shadow, ids)
        log.info("shadow scored count=%s model=%s", stored, shadow.version)
    except Exception:
        log.exception("shadow scoring failed model=%s count=%s", shadow.version, len(ids))


def score_backfill(comment_ids: list[int]) -> int:
    """Scores for imported comments (``sieve import --score``); their status stays as it was."""
    app = context.current()
    with app.app_context():
        classifier = classifier_holder().load()
        with db.session_scope() as session:
            scored = backfill_scores(session, classifier, comment_ids)
        log.info("backfill scored count=%s of=%s model=%s", scored, len(comment_ids),
                 classifier.version)  # fmt: skip
    return scored


def deliver_webhook(delivery_id: int) -> str:
    """POST one webhook delivery (retried by its own schedule, not RQ's)."""
    with context.current().app_context():
        return dispatch.deliver_webhook(delivery_id)


def send_mail(mail_id: int) -> str:
    """Send one mail (retried by its own schedule, not RQ's)."""
    with context.current().app_context():
        return dispatch.send_mail(mail_id)


def _drain(queue: Queue, room: int) -> list[Job]:
    """Queued scoring jobs for this batch; none when the job is called outside a worker."""
    job = get_current_job()
    if job is None or room <= 0 or job.origin != queue.name:
        return []
    try:
        return drain_queued_jobs(queue, job.id, room)
    except (redis.RedisError, OSError) as error:  # the batch is an optimisation only
        log.warning("draining the queue failed job_id=%s error=%s", job.id, error)
        return []


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
    app = context.current()
    with app.app_context(), bound_request_id(job.kwargs.get("request_id")):
        with db.session_scope() as session:
            outcomes = settle_unscored(session, comment_ids)
        counters.record_scoring(outcomes, None)
        log.warning(
            "scoring failed for good job_id=%s comment_ids=%s settled=%s error=%s",
            job.id,
            comment_ids,
            {o.comment_id: o.status.value for o in outcomes},
            exc_type.__name__ if exc_type else "-",
        )
