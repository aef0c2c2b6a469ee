"""Fixtures: a real database (PostgreSQL when DATABASE_URL is set, else SQLite), a real Redis
(REDIS_URL, else the embedded redis-server), the app, its test client and a burst worker."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import SimpleWorker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import create_app
from service.cli.embedded_redis import EmbeddedRedis
from service.domain.sites import ensure_site
from service.pipeline.broker import redis_connection, scoring_queue
from service.pipeline.outbox import side_queue, worker_queues
from service.settings import Settings, database_url, load_settings
from service.storage import db
from service.storage.tables import Base
from worker import context

# Moderator accounts and comments in given states, for the moderation and browser tests.
pytest_plugins = ["tests.web.moderation.fixtures", "tests.models.fixtures"]

# The real labelled datasets beside the project; a fresh machine has none.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of its own for this test session."""
    given = os.environ.get("DATABASE_URL")
    if not given:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sieve.db'}"
        db.upgrade(url)
        yield url
        return
    server = make_url(database_url(load_settings({"DATABASE_URL": given})))
    name = f"sieve_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        db.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


@pytest.fixture
def config(database: str, redis_url: str, tmp_path: Path) -> dict[str, object]:
    """Settings for one test: its own queue and rate-limit keys, so tests never share state."""
    run = uuid.uuid4().hex[:10]
    return {
        "env": "test",
        "secret_key": TEST_SECRET,
        "data_dir": tmp_path,
        "database_url": database,
        "redis_url": redis_url,
        "queue_name": f"test-{run}",
        "rate_limit_key_prefix": f"test-{run}",
        "rate_limit_ip": "1000/minute",
        "rate_limit_site": "1000/minute",
        "rate_limit_email": "1000/minute",
        # Tests post the same comment again and again; tests/security turns refusal back on.
        "duplicate_window": 0,
        "job_retries": 0,
        # Each comment's job is queued before its 202, so a test can look for it at once;
        # tests/pipeline/test_handoff.py covers the production default, queued a moment later.
        "enqueue_delay_ms": 0,
    }


def prepared_app(settings: Settings):
    """An app on empty tables with the ``demo`` site."""
    app = create_app(settings)
    app.config["TESTING"] = True
    with app.app_context():
        _empty_tables()
        with db.session_scope() as session:
            ensure_site(session, "demo", "Demo blog", ["http://localhost:8000"])
    return app


@pytest.fixture
def make_app(config: dict[str, object]):
    """Build apps from this test's config plus overrides; their connections close afterwards."""
    apps = []

    def make(**overrides: object):
        apps.append(prepared_app(load_settings({}, **{**config, **overrides})))
        if len(apps) == 1:
            # Jobs called directly in this test run against this test's app, never a stale one.
            with apps[0].app_context():
                context.activate(apps[0])
        return apps[-1]

    yield make
    context.deactivate()
    for app in apps:
        with app.app_context():
            with contextlib.suppress(redis.RedisError):
                scoring_queue().delete(delete_jobs=True)
                for kind in ("webhooks", "mail", "backfill"):
                    side_queue(kind).delete(delete_jobs=True)
            db.engine().dispose()


@pytest.fixture
def app(make_app):
    return make_app()


def _empty_tables() -> None:
    with db.engine().begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_worker(app):
    """Work the app's queue with a real RQ worker in burst mode, in this process."""

    def run() -> None:
        with app.app_context():
            from worker import context

            context.activate(app)
            worker = SimpleWorker(worker_queues(), connection=redis_connection())
            worker.work(burst=True)

    return run


@pytest.fixture
def redis_client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def env(app, config, monkeypatch):
    """The environment a `sieve` command run in-process reads: this test's database and Redis."""
    monkeypatch.setenv("DATABASE_URL", str(config["database_url"]))
    monkeypatch.setenv("REDIS_URL", str(config["redis_url"]))
    monkeypatch.setenv("SIEVE_SECRET_KEY", str(config["secret_key"]))
    monkeypatch.setenv("SIEVE_QUEUE", str(config["queue_name"]))
    monkeypatch.setenv("SIEVE_RATE_LIMIT_PREFIX", str(config["rate_limit_key_prefix"]))
    return app


@pytest.fixture(scope="session")
def training_data() -> Path:
    """The real training data, when this machine has it."""
    path = Path(os.environ.get("SIEVE_TRAINING_DATA", SHARED_DATA))
    if not (path / "README.md").exists():
        pytest.skip(f"training data not found at {path} (set SIEVE_TRAINING_DATA)")
    return path
