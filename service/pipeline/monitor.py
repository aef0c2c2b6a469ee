"""What ops look at, read from RQ's registries and the database; shared by /metrics, /ops and
``sieve status``. Every figure is cheap: registry sizes, one job per queue, indexed queries."""

from __future__ import annotations

import zlib
from base64 import b64decode
from dataclasses import dataclass
from datetime import UTC, datetime

from rq import Queue, Worker
from rq.job import Job
from rq.results import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.pipeline.model_watch import reported
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ModerationEvent, utcnow

DECIDED = (CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM)


@dataclass(frozen=True)
class QueueState:
    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int
    oldest_queued_age: float | None  # seconds the job at the head of the queue has waited


# Workers beat at least every 10 s when idle (worker/main.py WORKER_TTL) and every 5 s in a job;
# one silent for longer than this is frozen, stopped or cut off from Redis.
STALE_AFTER_SECONDS = 30


@dataclass(frozen=True)
class WorkerState:
    name: str
    state: str
    current_job: str | None
    last_heartbeat: datetime | None
    successful: int
    failed: int
    heartbeat_age: float | None = None  # seconds since the last heartbeat
    # The models it said it has loaded: {"live": version, "shadow": version, "problem": text}
    models: dict[str, str | None] | None = None

    @property
    def stale(self) -> bool:
        return self.heartbeat_age is None or self.heartbeat_age > STALE_AFTER_SECONDS


@dataclass(frozen=True)
class PendingState:
    count: int
    oldest_age: float | None


def queue_state(queue: Queue) -> QueueState:
    head = queue.connection.lindex(queue.key, 0)
    job = Job.fetch_many([head.decode()], connection=queue.connection)[0] if head else None
    age = (utcnow() - job.enqueued_at).total_seconds() if job and job.enqueued_at else None
    return QueueState(
        name=queue.name,
        queued=queue.count,
        started=queue.started_job_registry.count,
        scheduled=queue.scheduled_job_registry.count,
        deferred=queue.deferred_job_registry.count,
        failed=queue.failed_job_registry.count,
        oldest_queued_age=max(0.0, age) if age is not None else None,
    )


def _age_of(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (utcnow() - moment).total_seconds())


def worker_states(queue: Queue) -> list[WorkerState]:
    states = []
    workers = sorted(Worker.all(queue=queue), key=lambda w: w.name)
    models = reported([worker.name for worker in workers])
    for worker in workers:
        states.append(
            WorkerState(
                name=worker.name,
                state=str(worker.get_state()),
                current_job=worker.get_current_job_id(),
                last_heartbeat=worker.last_heartbeat,
                successful=worker.successful_job_count,
                failed=worker.failed_job_count,
                heartbeat_age=_age_of(worker.last_heartbeat),
                models=models.get(worker.name),
            )
        )
    return states


def pending_state(session: Session) -> PendingState:
    """Pending comments and the age of the oldest (the status/created_at index answers both)."""
    count, oldest = session.execute(
        select(func.count(), func.min(Comment.created_at)).where(
            Comment.status == CommentStatus.PENDING
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's min() returns a naive string
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=utcnow().tzinfo)
    elif isinstance(oldest, str):
        oldest = datetime.fromisoformat(oldest)
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return PendingState(count=count, oldest_age=age)


def decision_counts(session: Session) -> dict[tuple[str, str], int]:
    """Comments by who decided them (model, moderator, system, guard) and their status now."""
    rows = session.execute(
        select(Comment.decided_by, Comment.status, func.count())
        .where(Comment.status != CommentStatus.PENDING)
        .group_by(Comment.decided_by, Comment.status)
    )
    return {(by or "unknown", status.value): count for by, status, count in rows}


def override_count(session: Session) -> int:
    """Moderator actions that changed a decided comment (rather than reviewing a held one)."""
    return session.scalar(
        select(func.count())
        .select_from(ModerationEvent)
        .where(
            ModerationEvent.from_status.in_(DECIDED),
            ModerationEvent.actor != "system",
            ~ModerationEvent.actor.startswith("model:"),
            ~ModerationEvent.actor.startswith("guard"),
        )
    )


@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    exception: str
    ended_at: datetime | None


def failed_jobs(queue: Queue, offset: int = 0, limit: int = 50) -> tuple[int, list[FailedJob]]:
    """The newest failed jobs, a page at a time: one sorted-set range and one pipeline, so the
    page stays fast however many (100,000+) jobs have failed."""
    registry = queue.failed_job_registry
    total = registry.count
    ids = [i.decode() for i in queue.connection.zrevrange(registry.key, offset, offset + limit - 1)]
    exceptions = _exceptions(queue, ids)
    jobs = Job.fetch_many(ids, connection=queue.connection)
    return total, [
        FailedJob(
            id=job_id,
            description=(job.description or job.func_name) if job else "(job data expired)",
            exception=exceptions.get(job_id, "unknown"),
            ended_at=job.ended_at if job else None,
        )
        for job_id, job in zip(ids, jobs, strict=True)
    ]


def failed_groups(queue: Queue, sample: int = 1000) -> list[tuple[str, int, list[str]]]:
    """The newest ``sample`` failed jobs grouped by exception: ``(exception, count, job ids)``."""
    registry = queue.failed_job_registry
    ids = [i.decode() for i in queue.connection.zrevrange(registry.key, 0, sample - 1)]
    groups: dict[str, list[str]] = {}
    for job_id, name in _exceptions(queue, ids).items():
        groups.setdefault(name, []).append(job_id)
    return sorted(((n, len(i), i) for n, i in groups.items()), key=lambda g: -g[1])


def _exceptions(queue: Queue, ids: list[str]) -> dict[str, str]:
    """Exception class of each job's latest failure, read in one round trip."""
    with queue.connection.pipeline(transaction=False) as pipeline:
        for job_id in ids:
            pipeline.xrevrange(Result.get_key(job_id), "+", "-", count=1)
        answers = pipeline.execute()
    names = {}
    for job_id, entries in zip(ids, answers, strict=True):
        names[job_id] = _exception_name(entries[0][1].get(b"exc_string") if entries else None)
    return names


def _exception_name(encoded: bytes | None) -> str:
    if not encoded:
        return "unknown"
    text = zlib.decompress(b64decode(encoded)).decode(errors="replace")
    if "AbandonedJobError" in text:
        return "AbandonedJobError"  # the worker died mid-job
    last = next((line for line in reversed(text.strip().splitlines()) if line.strip()), "")
    return last.split(":", 1)[0].strip()[:100] or "unknown"


def models_in_use(session: Session) -> dict[str, object]:
    """The live and shadow models, what each worker says it has loaded, the latest changes."""
    from service.domain.deployments import deployments, history
    from service.pipeline.broker import scoring_queue
    from service.pipeline.classifier import classifier_holder

    holder = classifier_holder()
    now = deployments(session)
    shadow = now.shadow if now.shadow and now.shadow.path else None
    return {
        "live": {"version": holder.load().version, "path": holder.live_path(now)},
        "shadow": {"version": shadow.version, "path": shadow.path} if shadow else None,
        "workers": [{"name": w.name, **(w.models or {})} for w in worker_states(scoring_queue())],
        "history": [change.as_dict() for change in history(session)],
    }
