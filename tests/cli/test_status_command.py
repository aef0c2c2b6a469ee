"""`sieve status` shows queues, workers and pending comments; `sieve sweep` re-queues."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from service.cli.main import cli
from tests.worker.test_worker import BENIGN, submit


@pytest.fixture
def cli_env(app, monkeypatch):
    settings = app.config["SIEVE"]
    for name, value in {
        "SIEVE_ENV": "test",
        "SIEVE_SECRET_KEY": settings.secret_key,
        "SIEVE_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SIEVE_QUEUE": settings.queue_name,
        "SIEVE_MODEL_DIR": settings.model_dir,
    }.items():
        monkeypatch.setenv(name, value)
    return settings


def test_status_reports_queue_workers_and_pending(app, client, cli_env):
    submit(client, BENIGN)
    submit(client, BENIGN + " again")
    result = CliRunner().invoke(cli, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["queues"][0]["name"] == cli_env.queue_name
    assert report["queues"][0]["queued"] == 2
    assert report["pending_comments"]["count"] == 2
    assert report["pending_comments"]["oldest_age"] >= 0
    assert report["workers"] == []

    text = CliRunner().invoke(cli, ["status"])
    assert text.exit_code == 0, text.output
    assert "PENDING COMMENTS 2" in text.output
    assert "nobody scores them" in text.output


def test_sweep_command(app, client, cli_env):
    submit(client, BENIGN)
    result = CliRunner().invoke(cli, ["sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("pending 0, re-queued 0")  # too young to sweep
