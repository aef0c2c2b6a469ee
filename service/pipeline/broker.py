"""The scoring queue. Every enqueue goes through ``enqueue_scoring``, which owns the job options."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence

import redis
from flask import Flask, current_app
from redis.client import Pipeline
from rq import Callback, Queue, Retry
from rq.job import Job, JobStatus

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


def enqueue_scoring(
    comment_ids: Sequence[int],
    request_id: str | None = None,
    also: Callable[[Pipeline], object] | None = None,
) -> bool:
    """Queue the comments for scoring; False (logged) when Redis cannot take the job.

    The comments are already committed as pending, so a failed enqueue loses nothing: the
    sweeper finds them in the database and queues them again. ``also`` adds commands of the
    caller's (a metric) to the same round trip.
    """
    ids = sorted(set(comment_ids))
    if not ids:
        return True
    settings: Settings = current_app.config["SIEVE"]
    retries = settings.job_retries
    queue = scoring_queue()
    # One round trip: the job, its place in the queue and the per-comment job ids together.
    try:
        with queue.connection.pipeline() as pipeline:
            job = queue.enqueue_call(
                SCORE_JOB,
                args=[ids],
                kwargs={"request_id": request_id},
                job_id=scoring_job_id(ids),
                timeout=settings.job_timeout,
                retry=Retry(max=retries, interval=list(RETRY_INTERVALS[:retries]) or 0)
                if retries
                else None,
                result_ttl=300,
                failure_ttl=7 * 24 * 3600,
                ttl=JOB_TTL,
                on_failure=Callback(SCORE_FAILED_CALLBACK),
                description=f"score comments {ids[0]}..{ids[-1]} ({len(ids)})",
                pipeline=pipeline,
            )
            for cid in ids:
                pipeline.set(_job_of_key(queue.name, cid), job.id, ex=JOB_TTL + 3600)
            if also is not None:
                also(pipeline)
            pipeline.execute()
    except (redis.RedisError, OSError) as error:
        log.warning("enqueue failed comment_ids=%s error=%s", ids, error)
        return False
    return True


# Batching: a running scoring job takes the next queued scoring jobs off the queue and scores
# their comments with its own, so RQ's per-job cost is paid once per batch. Each taken job id is
# recorded, in the same atomic step, against the job that took it ("drained by"); the record goes
# once the batch is committed, and the sweeper puts back the jobs of a batch whose job stopped
# running (worker killed, batch failed) before that.
_DRAIN = """
local ids = redis.call('LPOP', KEYS[1], ARGV[1])
if not ids then return {} end
for _, id in ipairs(ids) do redis.call('HSET', KEYS[2], id, ARGV[2]) end
return ids
"""


def _drained_key(queue_name: str) -> str:
    return f"sieve:drained-by:{queue_name}"


def drain_queued_jobs(queue: Queue, owner_id: str, count: int) -> list[Job]:
    """Take up to ``count`` queued scoring jobs off ``queue`` for the running job ``owner_id``.

    Jobs of any other function are put back at the front, in their order.
    """
    if count <= 0:
        return []
    connection = queue.connection
    raw = connection.eval(_DRAIN, 2, queue.key, _drained_key(queue.name), count, owner_id)
    taken = list(dict.fromkeys(value.decode() for value in raw))
    jobs = Job.fetch_many(taken, connection=connection)
    scoring = [job for job in jobs if job is not None and job.func_name == SCORE_JOB and job.args]
    kept = {job.id for job in scoring}
    others = [job_id for job_id in taken if job_id not in kept]
    with connection.pipeline() as pipeline:
        if others:
            pipeline.hdel(_drained_key(queue.name), *others)
        for job_id in reversed(others):
            if job_id != owner_id:  # a duplicate entry of the running job: consumed, not lost
                pipeline.lpush(queue.key, job_id)
        pipeline.execute()
    return scoring


def finish_drained(queue: Queue, jobs: Sequence[Job]) -> None:
    """After the batch is committed: the drained jobs are done, and their records go."""
    if not jobs:
        return
    with queue.connection.pipeline() as pipeline:
        pipeline.hdel(_drained_key(queue.name), *[job.id for job in jobs])
        pipeline.delete(*[job.key for job in jobs])
        pipeline.execute()


def release_drained(queue: Queue, job_ids: Sequence[str]) -> int:
    """Put drained jobs back at the front of the queue (those Redis still holds); how many."""
    if not job_ids:
        return 0
    connection = queue.connection
    with connection.pipeline(transaction=False) as pipeline:
        for job_id in job_ids:
            pipeline.exists(Job.key_for(job_id))
        exists = pipeline.execute()
    with connection.pipeline() as pipeline:
        pipeline.hdel(_drained_key(queue.name), *job_ids)
        back = [job_id for job_id, there in zip(job_ids, exists, strict=True) if there]
        for job_id in reversed(back):
            pipeline.lpush(queue.key, job_id)
        pipeline.execute()
    return len(back)


def drained_jobs(queue: Queue) -> dict[str, str]:
    """Every drained job id and the id of the job that took it."""
    return {
        key.decode(): value.decode()
        for key, value in queue.connection.hgetall(_drained_key(queue.name)).items()
    }


# A worker that took a job off its queue starts it within milliseconds; one still "queued" and in
# no queue this long after is lost.
LOST_RECHECK_SECONDS = 1.0


def lost_jobs(jobs: Sequence[Job]) -> set[str]:
    """The ids of jobs RQ says are queued but that no queue holds any more.

    A worker listening to several queues takes a job with BLPOP, which keeps no in-hand copy: a
    worker killed at that moment (or the connection Redis was handing it to closing) loses the
    job. Its status stays "queued", so it would look covered until it expired. Jobs drained into
    a running batch are not lost: the batch's owner holds them.
    """
    queued = [job for job in jobs if job.get_status(refresh=False) == JobStatus.QUEUED]
    if not queued:
        return set()
    connection = redis_connection()

    def missing(candidates: list[Job]) -> list[Job]:
        with connection.pipeline(transaction=False) as pipeline:
            for job in candidates:
                pipeline.lpos(Queue(job.origin, connection=connection).key, job.id)
                pipeline.hexists(_drained_key(job.origin), job.id)
                pipeline.hget(job.key, "status")
            raw = pipeline.execute()
        return [
            job
            for n, job in enumerate(candidates)
            if raw[3 * n] is None and not raw[3 * n + 1] and raw[3 * n + 2] == b"queued"
        ]

    suspects = missing(queued)
    if not suspects:
        return set()
    time.sleep(LOST_RECHECK_SECONDS)
    lost = {job.id for job in missing(suspects)}
    if lost:
        log.warning("jobs lost between a queue and a worker count=%s", len(lost))
    return lost
