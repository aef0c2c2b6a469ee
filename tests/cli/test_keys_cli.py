"""`sieve keys`: site keys for the Perspective- and Akismet-compatible APIs."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from service.cli.main import cli
from service.domain.site_keys import count_use, find_key, usage_of
from service.storage import db
from service.storage.tables import ChangeEvent, SiteKey


def run(*args: str):
    result = CliRunner().invoke(cli, ["keys", *args])
    return result


def test_a_key_is_printed_once_stored_as_a_hash_listed_and_revoked(env):
    created = run("create", "--site", "demo", "--name", "coral")
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert len(key) == 12 and key.isalnum() and key == key.lower()  # WordPress takes only these
    with env.app_context(), db.session_scope() as session:
        stored = session.scalars(select(SiteKey)).all()
        assert [r.name for r in stored] == ["coral"]
        assert key not in {stored[0].key_hash, stored[0].prefix * 3}
        record = find_key(session, key)
        assert record is not None and record.site.slug == "demo"
        count_use(session, record, api_calls=1, spam=1)
        count_use(session, record, api_calls=1)
    with env.app_context(), db.session_scope() as session:
        record = find_key(session, key)
        assert usage_of(session, record)["api_calls"] == 2
        assert usage_of(session, record)["spam"] == 1
        key_id = record.id

    listed = run("list", "--site", "demo")
    assert listed.exit_code == 0
    assert f"{key[:4]}…" in listed.output and "coral" in listed.output and key not in listed.output
    assert "active" in listed.output and "    2  " in listed.output

    assert run("revoke", str(key_id)).exit_code == 0
    again = run("revoke", str(key_id))
    assert again.exit_code != 0 and "already revoked" in again.output
    with env.app_context(), db.session_scope() as session:
        assert find_key(session, key) is None
        actions = session.scalars(select(ChangeEvent.action).order_by(ChangeEvent.id)).all()
    assert [a for a in actions if "site_key" in a] == ["create_site_key", "revoke_site_key"]


def test_a_key_for_a_site_that_does_not_exist_is_refused(env):
    result = run("create", "--site", "nowhere")
    assert result.exit_code != 0 and "there is no site 'nowhere'" in result.output
