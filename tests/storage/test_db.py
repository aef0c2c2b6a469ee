"""Schema lifecycle: migrations match the tables, and nothing serves an unmigrated database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine

from service.cli.main import cli
from service.storage import db
from service.storage.tables import Base


def test_migrations_produce_exactly_the_declared_tables(database):
    engine = create_engine(database)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_and_upgrade_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    db.upgrade(url)
    db.command.downgrade(db.alembic_config(url), "base")
    engine = db.make_engine(url)
    with pytest.raises(db.SchemaNotCurrent):
        db.check_schema(engine)
    db.upgrade(url)
    db.check_schema(engine)
    engine.dispose()


def test_sieve_db_upgrade_migrates_the_configured_database(tmp_path, monkeypatch):
    monkeypatch.setenv("SIEVE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    engine = db.make_engine(f"sqlite:///{tmp_path / 'sieve.db'}")
    db.check_schema(engine)
    engine.dispose()


def test_web_server_refuses_an_unmigrated_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SIEVE_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "import service.wsgi"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "needs" in done.stderr and "run `sieve db upgrade` first" in done.stderr


def test_upgrade_keeps_existing_rows_and_fills_the_new_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db.upgrade(url, "0001")
    engine = db.make_engine(url)
    now = "2026-01-01 00:00:00.000000"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sites (id, slug, name, allowed_origins, thresholds, premoderation,"
            " rate_limit_ip, rate_limit_site, created_at)"
            f" VALUES (7, 'old', 'Old', '[]', '{{}}', 'none', '', '', '{now}')"
        )
        connection.exec_driver_sql(
            "INSERT INTO threads (id, site_id, key, created_at) VALUES (3, 7, 't', ?)", (now,)
        )
        connection.exec_driver_sql(
            "INSERT INTO comments (id, thread_id, depth, author_name, body, status,"
            " reason_codes, created_at) VALUES (1, 3, 0, 'Ada', 'hi', 'approved', '[]', ?)",
            (now,),
        )
    db.upgrade(url)
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT site_id, body FROM comments").one()
        lists = connection.exec_driver_sql(
            "SELECT blocked_domains, allowed_domains FROM sites WHERE id = 7"
        ).one()
    engine.dispose()
    assert tuple(row) == (7, "hi")
    assert tuple(lists) == ("[]", "[]")
