"""The scoring queue. Every enqueue goes through ``enqueue_scoring``, which owns the job options."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import redis
from flask import Flask, current_app
from rq import Callback, Queue, Retry

from service.settings import Settings

log = logging.getLogger(__name__)

# Referenced by name: the service never imports the worker package.
SCORE_JOB = "worker.jobs.score_comments"
# Runs after every failed attempt (and for a job abandoned by a killed worker); it settles the
# comments only once no retry is left.
SCORE_FAILED_CALLBACK = "worker.jobs.scoring_failed"
RETRY_INTERVALS = (5, 30, 120)
JOB_TTL = 24 * 3600


def connect_redis(url: str) -> redis.Redis:
    # Short timeouts: a Redis outage must not hang the request path (comments are already stored).
    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )


def init_app(app: Flask, connection: redis.Redis, settings: Settings) -> None:
    app.extensions["sieve.redis"] = connection
    app.extensions["sieve.queue"] = Queue(settings.queue_name, connection=connection)


def redis_connection() -> redis.Redis:
    return current_app.extensions["sieve.redis"]


def scoring_queue() -> Queue:
    return current_app.extensions["sieve.queue"]


def scoring_job_id(comment_ids: Sequence[int]) -> str:
    """Derived from the ids, so re-enqueueing the same comments replaces rather than adds.

    Prefixed with the queue name: installations sharing a Redis (or restarting their id
    sequence) must never overwrite each other's jobs.
    """
    first, last = min(comment_ids), max(comment_ids)
    ids = f"{first}" if len(comment_ids) == 1 else f"{first}-{last}-{len(comment_ids)}"
    # RQ allows only letters, digits, '_' and '-' in job ids.
    return re.sub(r"[^A-Za-z0-9_-]", "_", scoring_queue().name) + f"__score-{ids}"


def _job_of_key(queue_name: str, comment_id: int) -> str:
    return f"sieve:job-of:{queue_name}:{comment_id}"


def jobs_of_comments(comment_ids: Sequence[int]) -> dict[int, str | None]:
    """The id of the job last queued for each comment (None: never queued, or Redis lost it).

    Kept per comment rather than derived from the id, so that jobs may carry several comments.
    """
    if not comment_ids:
        return {}
    name = scoring_queue().name
    values = redis_connection().mget([_job_of_key(name, cid) for cid in comment_ids])
    return {
        cid: value.decode() if value else None
        for cid, value in zip(comment_ids, values, strict=True)
    }


def enqueue_scoring(comment_ids: Sequence[int], request_id: str | None = None) -> bool:
    """Queue the comments for scoring; False (logged) when Redis cannot take the job.

    The comments are already committed as pending, so a failed enqueue loses nothing: the
    sweeper finds them in the database and queues them again.
    """
    ids = sorted(set(comment_ids))
    if not ids:
        return True
    settings: Settings = current_app.config["SIEVE"]
    retries = settings.job_retries
    queue = scoring_queue()
    try:
        job = queue.enqueue(
            SCORE_JOB,
            ids,
            request_id=request_id,
            job_id=scoring_job_id(ids),
            job_timeout=settings.job_timeout,
            retry=Retry(max=retries, interval=list(RETRY_INTERVALS[:retries]) or 0)
            if retries
            else None,
            result_ttl=300,
            failure_ttl=7 * 24 * 3600,
            ttl=JOB_TTL,
            on_failure=Callback(SCORE_FAILED_CALLBACK),
            description=f"score comments {ids[0]}..{ids[-1]} ({len(ids)})",
        )
        with queue.connection.pipeline(transaction=False) as pipeline:
            for cid in ids:
                pipeline.set(_job_of_key(queue.name, cid), job.id, ex=JOB_TTL + 3600)
            pipeline.execute()
    except (redis.RedisError, OSError) as error:
        log.warning("enqueue failed comment_ids=%s error=%s", ids, error)
        return False
    return True
