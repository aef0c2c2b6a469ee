"""Database engine, sessions and the schema check, bound to the app in ``init_app``."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import Connection, Dialect, Engine, Table, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
# A pooled connection idle this long is pinged before use (the database may have restarted);
# busy connections are not, so the request path pays no extra round trip.
IDLE_PING_SECONDS = 10.0


class SchemaNotCurrent(RuntimeError):
    """The database has not been migrated to the schema this code expects."""


def make_engine(url: str, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A connect timeout, so that an unreachable database host gives a quick 503, not a hang.
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        connect_args={"connect_timeout": 5},
    )
    event.listen(engine, "checkin", _stamp_checkin)
    event.listen(engine, "checkout", _pinging_if_idle(engine.dialect))
    # gunicorn --preload checks the schema before forking its workers: a connection opened
    # then must never be shared by two processes (it corrupts both sessions under load).
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return engine


def _stamp_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in"] = time.monotonic()


def _pinging_if_idle(dialect: Dialect) -> Callable[..., None]:
    """Pessimistic disconnect handling for idle connections only.

    A connection that fails its ping is discarded and the pool hands out a fresh one. One that
    was busy a moment ago is trusted; should the database have gone away since, the statement
    fails, SQLAlchemy invalidates the pool, and the request is answered 503.
    """

    def ping(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"idle connection failed its ping: {error}") from error

    return ping


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web server read while a worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def check_schema(engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` unless the database is at the latest migration."""
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise SchemaNotCurrent(
            f"the database is at migration {current or 'none (empty database)'} but this "
            f"version of Sieve needs {head}: run `sieve db upgrade` first"
        )


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["sieve.engine"] = engine
    app.extensions["sieve.autocommit"] = engine.execution_options(isolation_level="AUTOCOMMIT")
    app.extensions["sieve.sessions"] = sessionmaker(engine, expire_on_commit=False)


def engine() -> Engine:
    return current_app.extensions["sieve.engine"]


@contextmanager
def autocommit() -> Iterator[Connection]:
    """A connection on which each statement commits by itself: for the request path's single
    statements, which then cost no BEGIN and COMMIT round trips."""
    with current_app.extensions["sieve.autocommit"].connect() as connection:
        yield connection


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    session: Session = current_app.extensions["sieve.sessions"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_ignoring_duplicates(session: Session, table: Table, rows: list[dict]) -> int:
    """Insert the rows a unique constraint does not already hold; how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    result = session.execute(insert(table).on_conflict_do_nothing(), rows)
    return max(result.rowcount, 0)
