"""Privacy: no raw emails or IPs stored or logged; retention purge; erasure on request."""

from __future__ import annotations

import logging
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import inspect, select, text

from service.cli.main import cli
from service.domain.labels import write_labels
from service.domain.privacy import ERASED, purge_submitter_context
from service.pipeline.sweeper import purge_if_due
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, PrivacyErasure, utcnow
from tests.conftest import TEST_SECRET
from tests.web.test_api_comments import GOOD

EMAIL = "Private.Person@example.org"
IP = "198.51.100.77"


def submit(client, **fields):
    response = client.post(
        "/api/v1/comments",
        json={**GOOD, "author_email": EMAIL, **fields},
        environ_base={"REMOTE_ADDR": IP},
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def use_test_settings(monkeypatch, config, **extra: str) -> None:
    """Point the `sieve` command at this test's database and Redis."""
    values = {"DATABASE_URL": config["database_url"], "REDIS_URL": config["redis_url"],
              "SIEVE_SECRET_KEY": TEST_SECRET, "SIEVE_ENV": "test", **extra}  # fmt: skip
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))


def every_stored_value(app) -> str:
    with app.app_context(), db.engine().connect() as connection:
        dump = []
        for table in inspect(connection).get_table_names():
            dump += [
                repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            ]
        return "\n".join(dump)


def test_emails_and_ips_are_neither_stored_nor_logged(app, client, caplog, redis_client, config):
    caplog.set_level(logging.DEBUG)
    submit(client)
    submit(client, body="a second comment")  # logs the limiter's keys too
    client.post("/api/v1/analyze", json={"text": "hello"}, environ_base={"REMOTE_ADDR": IP})
    stored = every_stored_value(app).lower()
    assert EMAIL.lower() not in stored and IP not in stored
    assert EMAIL.lower() not in caplog.text.lower() and IP not in caplog.text
    keys = b" ".join(redis_client.keys(f"*{config['rate_limit_key_prefix']}*")).decode()
    assert keys and IP not in keys and EMAIL.lower() not in keys.lower()


def test_submitter_context_is_erased_after_the_retention_period(app, client):
    old, new = submit(client), submit(client, body="a recent comment")
    with app.app_context(), db.session_scope() as session:
        session.get(Comment, old).created_at = utcnow() - timedelta(days=91)
    with app.app_context(), db.session_scope() as session:
        assert purge_submitter_context(session, retention_days=90) == 1
        assert purge_submitter_context(session, retention_days=0) == 0
    with app.app_context(), db.session_scope() as session:
        purged, kept = session.get(Comment, old), session.get(Comment, new)
        assert (purged.ip_hash, purged.user_agent, purged.referrer) == (None, None, None)
        assert purged.body == GOOD["body"]  # the comment itself stays
        assert kept.ip_hash is not None


def test_the_worker_purges_old_submitter_context_once_a_day(app, client):
    """No cron needed: the workers' sweeper purges, one of them, once a day."""
    first, second = submit(client), submit(client, body="a later comment")

    def age(comment_id: int) -> None:
        with app.app_context(), db.session_scope() as session:
            session.get(Comment, comment_id).created_at = utcnow() - timedelta(days=91)

    age(first)
    with app.app_context():
        assert purge_if_due() == 1
    age(second)
    with app.app_context():
        assert purge_if_due() is None  # done today, by this worker or another
    with app.app_context(), db.session_scope() as session:
        assert session.get(Comment, first).ip_hash is None
        assert session.get(Comment, second).ip_hash is not None  # tomorrow's purge


def test_sieve_privacy_erase_removes_an_author_and_their_labels(
    app, client, login, comment_in, monkeypatch, config, tmp_path
):
    mine = comment_in(CommentStatus.HELD, body="My own words", author_email=EMAIL)
    other = comment_in(CommentStatus.HELD, body="Someone else's words")
    moderator = login("admin")
    for comment_id in (mine, other):
        page = moderator.get("/moderate/")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        moderator.post(f"/moderate/comments/{comment_id}/decide",
                       data={"action": "approve", "csrf_token": token})  # fmt: skip
    use_test_settings(monkeypatch, config)
    result = CliRunner().invoke(cli, ["privacy", "erase", "--email", EMAIL.upper(), "--by", "dpo"])
    assert result.exit_code == 0, result.output
    assert "erased 1 comments" in result.output
    with app.app_context(), db.session_scope() as session:
        erased = session.get(Comment, mine)
        assert (erased.body, erased.author_name, erased.author_email_hash) == (ERASED, ERASED, None)
        assert erased.ip_hash is None and erased.erased_at is not None
        assert session.get(Comment, other).body == "Someone else's words"
        [record] = session.scalars(select(PrivacyErasure)).all()
        assert (record.comments_erased, record.requested_by) == (1, "dpo")
        assert EMAIL.lower() not in record.email_hash
        out = tmp_path / "labels.csv"
        assert write_labels(session, out) == 1
    labels = out.read_text()
    assert "Someone else" in labels and "My own words" not in labels and ERASED not in labels
    # The public API no longer shows the erased text either.
    assert "My own words" not in client.get(f"/api/v1/comments/{mine}").text


def test_sieve_privacy_purge_uses_the_retention_setting(app, client, monkeypatch, config):
    submit(client)
    use_test_settings(monkeypatch, config, SIEVE_RETENTION_DAYS="30")
    result = CliRunner().invoke(cli, ["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "0 comments older than 30 days" in result.output
