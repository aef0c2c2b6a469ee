"""The sweeper: the database is the source of truth, so the queue is rebuilt from it.

Every comment still pending some time after submission is queued again unless a live job
(queued, running, scheduled for a retry) already covers it. That one rule covers an enqueue that
failed while Redis was down, a flushed or restarted Redis, and a job lost with a killed worker.
Re-queueing is always safe: a job only decides comments that are still pending.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import redis
from flask import Flask, current_app
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import select

from service.domain.privacy import purge_submitter_context
from service.pipeline.broker import (
    drained_jobs,
    enqueue_scoring,
    jobs_of_comments,
    lost_jobs,
    redis_connection,
    release_drained,
    scoring_queue,
)
from service.pipeline.dispatch import digest_if_due
from service.pipeline.outbox import sweep_outbox
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, utcnow

log = logging.getLogger(__name__)

# RQ's scheduler enqueues due retries within a second; one this late has no scheduler left
# (it died with a killed worker, and a new worker only retries the scheduler lock every 10 min).
OVERDUE_RETRY_SECONDS = 10
LIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})
PAGE = 500
# At start-up, comments pending this long are swept at once (younger ones are in intake's hands),
# and again STARTUP_RECHECK seconds later for jobs left in a dead worker's hands.
STARTUP_AGE = 2
STARTUP_RECHECK = 5
IN_HAND_GRACE_SECONDS = 3


@dataclass(frozen=True)
class SweepResult:
    pending: int  # comments pending longer than the sweep age
    requeued: int
    covered: int  # already covered by a live job


def sweep(min_age_seconds: float, limit: int = 10_000) -> SweepResult:
    """Queue again the comments pending longer than ``min_age_seconds`` that no live job covers."""
    _reap_abandoned_jobs()
    _release_overdue_retries()
    _release_stranded_batches()
    _release_stuck_in_hand()
    cutoff = utcnow() - timedelta(seconds=min_age_seconds)
    pending = requeued = covered = 0
    after_id = 0
    while pending < limit:
        with db.session_scope() as session:
            ids = list(
                session.scalars(
                    select(Comment.id)
                    .where(
                        Comment.status == CommentStatus.PENDING,
                        Comment.created_at <= cutoff,
                        Comment.id > after_id,
                    )
                    .order_by(Comment.id)
                    .limit(PAGE)
                )
            )
        if not ids:
            break
        after_id = ids[-1]
        pending += len(ids)
        orphans = _without_live_job(ids)
        covered += len(ids) - len(orphans)
        for comment_id in orphans:
            # One job per comment: one unscorable comment must not settle its neighbours.
            requeued += enqueue_scoring([comment_id])
    result = SweepResult(pending, requeued, covered)
    if requeued or pending:
        log.info("sweep done pending=%s requeued=%s covered=%s", pending, requeued, covered)
    return result


def _reap_abandoned_jobs() -> None:
    """Let RQ retry (or fail, which settles the comments) jobs whose worker stopped heartbeating.

    Timer-based death penalty: the sweeper may run in a thread, where signals cannot be used.
    """
    queue = scoring_queue()
    StartedJobRegistry(queue=queue, death_penalty_class=TimerDeathPenalty).cleanup()


def _release_stranded_batches() -> None:
    """Put back the jobs drained into a batch whose job is no longer running.

    A batch's job records the jobs it drained until it commits; if its worker was killed (and
    the reaper above has since moved the job on) or the batch failed, they go back to the queue.
    """
    queue = scoring_queue()
    drained = drained_jobs(queue)
    if not drained:
        return
    owners = sorted(set(drained.values()))
    jobs = Job.fetch_many(owners, connection=queue.connection)
    running = {
        job.id
        for job in jobs
        if job is not None and job.get_status(refresh=False) == JobStatus.STARTED
    }
    stranded = [job_id for job_id, owner in drained.items() if owner not in running]
    if stranded:
        released = release_drained(queue, stranded)
        log.info("stranded batch jobs released count=%s requeued=%s", len(stranded), released)


def _release_stuck_in_hand() -> None:
    """Put back the jobs a worker took off the queue but never started (it was killed at that
    moment, or Redis handed a job to a connection that was already closing).

    RQ keeps such jobs in its intermediate list and fails them only after a minute and a
    maintenance run (every 10 minutes). A live worker registers a job as started within
    milliseconds of taking it, so one seen in hand but not started on two sweeps
    ``IN_HAND_GRACE_SECONDS`` apart is stranded; running it twice would be harmless anyway.
    """
    queue = scoring_queue()
    in_hand = queue.intermediate_queue
    started = set(queue.started_job_registry.get_job_ids())
    for job_id in in_hand.get_job_ids():
        if job_id in started or in_hand.set_first_seen(job_id):
            continue
        first_seen = in_hand.get_first_seen(job_id)
        if first_seen is None or (utcnow() - first_seen).total_seconds() < IN_HAND_GRACE_SECONDS:
            continue
        with queue.connection.pipeline() as pipeline:
            pipeline.lrem(in_hand.key, 1, job_id)
            pipeline.rpush(queue.key, job_id)
            pipeline.execute()
        log.info("job stuck in a dead worker's hands requeued job_id=%s", job_id)


def _release_overdue_retries() -> None:
    queue = scoring_queue()
    registry = queue.scheduled_job_registry
    due = registry.get_jobs_to_schedule(int(utcnow().timestamp()) - OVERDUE_RETRY_SECONDS)
    for job in Job.fetch_many(due, connection=queue.connection):
        if job is not None:
            registry.remove(job)
            queue.enqueue_job(job)
            log.info("overdue retry released job_id=%s", job.id)


def _without_live_job(ids: list[int]) -> list[int]:
    job_ids = jobs_of_comments(ids)
    known = sorted({job_id for job_id in job_ids.values() if job_id})
    jobs = Job.fetch_many(known, connection=redis_connection()) if known else []
    present = [job for job in jobs if job is not None]
    live = {job.id for job in present if job.get_status(refresh=False) in LIVE}
    live -= lost_jobs(present)
    orphans = []
    stale = []
    for comment_id, job_id in job_ids.items():
        if job_id not in live:
            orphans.append(comment_id)
            if job_id:
                stale.append(job_id)
    # A finished or failed job of the same id would be replaced; clear it from its registry first.
    for job in jobs:
        if job is not None and job.id in stale:
            job.delete(remove_from_queue=True)
    return orphans


def run_forever(app: Flask, stop: threading.Event) -> None:
    """Sweep every ``SIEVE_SWEEP_INTERVAL`` seconds; with several workers, one sweeps at a time."""
    settings = app.config["SIEVE"]
    # The first two sweeps run as the worker starts, for what a crash (of a worker, of Redis, of
    # the whole stack) left behind: it is queued within seconds, not SIEVE_SWEEP_AFTER later.
    # They take no lock: a killed worker's lock may still stand, and sweeping twice is harmless.
    startup = min(STARTUP_AGE, settings.sweep_after)
    rounds = [(0.0, startup, False), (float(STARTUP_RECHECK), startup, False)]
    while True:
        wait, age, locked = (
            rounds.pop(0) if rounds else (settings.sweep_interval, settings.sweep_after, True)
        )
        if stop.wait(wait):
            return
        with app.app_context():
            try:
                lock = f"sieve:sweeper-lock:{scoring_queue().name}"
                # Expires on its own, so a worker killed mid-sweep cannot block the others.
                if not locked or redis_connection().set(
                    lock, "1", nx=True, ex=max(1, settings.sweep_interval)
                ):
                    sweep(age)
                    sweep_outbox()
                    digest_if_due()
                    purge_if_due()
            except (redis.RedisError, OSError) as error:
                log.warning("sweep skipped: redis unavailable error=%s", error)
            except Exception:
                log.exception("sweep failed")


PURGE_EVERY = timedelta(days=1)


def purge_if_due() -> int | None:
    """Erase submitter context past ``SIEVE_RETENTION_DAYS``, once a day across all workers.

    How many comments lost their context, or None when another worker (or an earlier sweep)
    already purged within the day. The day is claimed before the purge: a purge that fails is
    tried again the next day, or at once with ``sieve privacy purge``.
    """
    settings = current_app.config["SIEVE"]
    if settings.retention_days <= 0:
        return None
    claim = f"sieve:purged:{scoring_queue().name}"
    if not redis_connection().set(claim, utcnow().isoformat(), nx=True, ex=PURGE_EVERY):
        return None
    with db.session_scope() as session:
        purged = purge_submitter_context(session, settings.retention_days)
    log.info("submitter context purged comments=%s days=%s", purged, settings.retention_days)
    return purged


def start_thread(app: Flask) -> threading.Event:
    """Run the sweeper beside the worker loop; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="sieve-sweeper")
    thread.daemon = True  # never holds a worker's shutdown; a sweep can be redone at any time
    thread.start()
    return stop


def sweep_now() -> SweepResult:
    """One sweep with the configured age (``sieve sweep``)."""
    return sweep(current_app.config["SIEVE"].sweep_after)
