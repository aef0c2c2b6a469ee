"""The side queues, beside scoring: webhook deliveries, mail, and the backfill that scores
imported comments. Every enqueue of theirs goes through here, which owns the job options.

The database is the source of truth for each of them too (a delivery, a mail, an unscored
comment stays until done), so a failed enqueue or a flushed Redis only delays: the sweeper
queues again what is due and has no live job. A worker takes scoring jobs first, then
deliveries and mail, and backfill last, so that an import never starves new comments.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta

import redis
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import select

from service.pipeline.broker import JOB_TTL, lost_jobs, redis_connection, scoring_queue
from service.storage import db
from service.storage.tables import OutboundMail, WebhookDelivery, utcnow

log = logging.getLogger(__name__)

# Referenced by name: the service never imports the worker package.
JOBS = {
    "webhooks": "worker.jobs.deliver_webhook",
    "mail": "worker.jobs.send_mail",
    "backfill": "worker.jobs.score_backfill",
}
# A delivery or a mail is one short network call; a backfill batch scores up to BACKFILL_BATCH.
TIMEOUTS = {"webhooks": 30, "mail": 60, "backfill": 300}
BACKFILL_BATCH = 256


def side_queue(kind: str) -> Queue:
    return Queue(f"{scoring_queue().name}-{kind}", connection=redis_connection())


def worker_queues() -> list[Queue]:
    """What a worker listens to, most urgent first."""
    return [scoring_queue(), side_queue("webhooks"), side_queue("mail"), side_queue("backfill")]


def job_id(kind: str, key: int | str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", scoring_queue().name) + f"__{kind}-{key}"


def enqueue(kind: str, row_id: int, delay_seconds: float = 0) -> bool:
    """Queue the job for one delivery or mail (now, or after ``delay_seconds``); False (logged)
    when Redis cannot take it: the row waits for the sweeper."""
    queue = side_queue(kind)
    options = {
        "job_id": job_id(kind, row_id),
        "result_ttl": 300,
        "failure_ttl": 7 * 24 * 3600,
        "ttl": JOB_TTL,
        "description": f"{kind} {row_id}",
    }
    try:
        if delay_seconds > 0:
            # Moved to the queue when due by the RQ scheduler every worker runs.
            delay = timedelta(seconds=delay_seconds)
            queue.enqueue_in(delay, JOBS[kind], row_id, job_timeout=TIMEOUTS[kind], **options)
        else:
            queue.enqueue_call(JOBS[kind], args=[row_id], timeout=TIMEOUTS[kind], **options)
    except (redis.RedisError, OSError) as error:
        log.warning("enqueue failed kind=%s id=%s error=%s", kind, row_id, error)
        return False
    return True


def enqueue_backfill(comment_ids: Sequence[int]) -> int:
    """Queue imported comments for scoring in batches; how many batches were queued."""
    ids = sorted(set(comment_ids))
    queue = side_queue("backfill")
    queued = 0
    for start in range(0, len(ids), BACKFILL_BATCH):
        batch = ids[start : start + BACKFILL_BATCH]
        try:
            queue.enqueue_call(
                JOBS["backfill"],
                args=[batch],
                job_id=job_id("backfill", f"{batch[0]}-{batch[-1]}-{len(batch)}"),
                timeout=TIMEOUTS["backfill"],
                result_ttl=300,
                failure_ttl=7 * 24 * 3600,
                ttl=JOB_TTL,
                description=f"backfill scores {batch[0]}..{batch[-1]} ({len(batch)})",
            )
            queued += 1
        except (redis.RedisError, OSError) as error:
            log.warning("backfill enqueue failed first=%s error=%s", batch[0], error)
    return queued


# A due row whose job has not run this long after it was due has lost its job.
OVERDUE = timedelta(seconds=30)
LIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


def sweep_outbox(limit: int = 1000) -> int:
    """Queue again the deliveries and mails that are due and have no live job (Redis flushed
    or restarted, an enqueue that failed); how many were queued."""
    requeued = 0
    cutoff = utcnow() - OVERDUE
    for kind, table in (("webhooks", WebhookDelivery), ("mail", OutboundMail)):
        with db.session_scope() as session:
            ids = list(
                session.scalars(
                    select(table.id)
                    .where(table.status == "pending", table.next_attempt_at <= cutoff)
                    .order_by(table.id)
                    .limit(limit)
                )
            )
        if not ids:
            continue
        fetched = Job.fetch_many([job_id(kind, i) for i in ids], connection=redis_connection())
        jobs = [job for job in fetched if job is not None]
        live = {job.id for job in jobs if job.get_status(refresh=False) in LIVE} - lost_jobs(jobs)
        for row_id in ids:
            if job_id(kind, row_id) not in live:
                requeued += enqueue(kind, row_id)
    if requeued:
        log.info("outbox sweep requeued=%s", requeued)
    return requeued
