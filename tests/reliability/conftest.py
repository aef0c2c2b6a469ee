"""Fault-test fixtures: a private Redis that may be flushed, stopped and restarted, real worker
processes that may be killed, and waiting with a deadline. The shared servers are never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.cli.embedded_redis import EmbeddedRedis
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ModerationEvent

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


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


class Workers:
    def __init__(self, app, log_dir: Path) -> None:
        self.app = app
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        s = self.app.config["SIEVE"]
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SIEVE_ENV": "test",
            "SIEVE_SECRET_KEY": s.secret_key,
            "SIEVE_DATA_DIR": str(s.data_dir),
            "DATABASE_URL": s.database_url,
            "REDIS_URL": s.redis_url,
            "SIEVE_QUEUE": s.queue_name,
            "SIEVE_RATE_LIMIT_PREFIX": s.rate_limit_key_prefix,
            "SIEVE_JOB_RETRIES": str(s.job_retries),
            "SIEVE_JOB_TIMEOUT": str(s.job_timeout),
            "SIEVE_SWEEP_AFTER": str(s.sweep_after),
            "SIEVE_SWEEP_INTERVAL": str(s.sweep_interval),
            "SIEVE_MODEL_DIR": s.model_dir,
        }

    def start(self, name: str) -> subprocess.Popen[bytes]:
        with (self.log_dir / f"worker-{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "worker", "--name", f"{name}-{time.time_ns()}"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes its scheduler too
            )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        os.killpg(process.pid, sig)
        if sig == signal.SIGKILL:
            process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


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
