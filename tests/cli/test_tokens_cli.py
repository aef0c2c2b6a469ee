"""`sieve tokens`: a script gets a moderation API token without a browser."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from service.cli.main import cli
from service.storage import db
from service.storage.tables import ChangeEvent
from tests.web.moderation.fixtures import accounts  # noqa: F401  (fixtures)


def test_a_token_from_the_cli_works_on_the_moderation_api_until_revoked(app, env, accounts):  # noqa: F811
    created = CliRunner().invoke(cli, ["tokens", "create", accounts["demo"], "--name", "nightly"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/moderation/queue", headers=headers).status_code == 200

    listed = CliRunner().invoke(cli, ["tokens", "list", accounts["demo"]])
    assert "nightly" in listed.output and token not in listed.output and "active" in listed.output
    token_id = listed.output.split()[0]
    assert CliRunner().invoke(cli, ["tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/moderation/queue", headers=headers).status_code == 401
    with app.app_context(), db.session_scope() as session:
        events = session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
    mine = [(e.action, e.via) for e in events if e.action.endswith("_token")]
    assert mine == [("create_token", "cli"), ("revoke_token", "cli")]


def test_a_token_for_nobody_is_refused(env):
    result = CliRunner().invoke(cli, ["tokens", "create", "nobody@example.org"])
    assert result.exit_code != 0 and "there is no moderator" in result.output
