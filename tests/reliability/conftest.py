"""Fault-test fixtures: a private Redis that may be flushed, stopped and restarted, real worker
processes that may be killed, and waiting with a deadline. The shared servers are never touched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.cli.embedded_redis import EmbeddedRedis
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ModerationEvent
from tests.processes import Workers, wait_until  # noqa: F401  (used by the fault tests)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "private-redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def reliable_app(make_app, private_redis):
    """The app on a private Redis, with retries and a fast sweeper."""
    return make_app(
        redis_url=private_redis.url,
        job_retries=2,
        sweep_after=2,
        sweep_interval=1,
        model_dir=os.environ.get("SIEVE_MODEL_DIR", ""),
    )


@pytest.fixture
def workers(reliable_app, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(reliable_app, tmp_path)
    yield pool
    pool.stop_all()


def pending_count(app) -> int:
    with app.app_context(), db.session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING)
        )


def first_decisions(app) -> dict[int, int]:
    """How many times each comment left `pending`, according to the audit trail."""
    with app.app_context(), db.session_scope() as session:
        rows = session.execute(
            select(ModerationEvent.comment_id, func.count())
            .where(ModerationEvent.from_status == CommentStatus.PENDING)
            .group_by(ModerationEvent.comment_id)
        )
        return dict(rows.all())


@pytest.fixture
def private_postgres() -> Iterator[str]:
    """A migrated database on a private PostgreSQL server; yields the server object."""
    from tests.reliability.postgres import PrivatePostgres

    server = PrivatePostgres()
    try:
        server.init()
        db.upgrade(server.url.replace("postgresql://", "postgresql+psycopg://"))
        yield server
    finally:
        server.destroy()


@pytest.fixture
def run_worker_on():
    """Work an app's queue with a real RQ worker in burst mode, in this process."""
    from rq import SimpleWorker

    from service.pipeline.broker import redis_connection, scoring_queue
    from worker import context

    def run(app) -> None:
        with app.app_context():
            context.activate(app)
            SimpleWorker([scoring_queue()], connection=redis_connection()).work(burst=True)

    return run
