"""The scoring queue. Every enqueue goes through ``enqueue_scoring``, which owns the job options."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis
from flask import Flask, current_app
from rq import Queue, Retry

from service.settings import Settings

log = logging.getLogger(__name__)

# Referenced by name: the service never imports the worker package.
SCORE_JOB = "worker.jobs.score_comments"
RETRY_INTERVALS = (5, 30, 120)


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
    """Derived from the ids, so re-enqueueing the same comments replaces rather than adds."""
    first, last = min(comment_ids), max(comment_ids)
    return f"score-{first}" if len(comment_ids) == 1 else f"score-{first}-{last}-{len(comment_ids)}"


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
    try:
        scoring_queue().enqueue(
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
            ttl=24 * 3600,
            description=f"score comments {ids[0]}..{ids[-1]} ({len(ids)})",
        )
    except (redis.RedisError, OSError) as error:
        log.warning("enqueue failed comment_ids=%s error=%s", ids, error)
        return False
    return True
