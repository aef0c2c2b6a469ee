"""`sieve moderators create` and `sieve sites add`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service import db
from service.cli import cli
from service.sites import find_site
from service.storage import Moderator


@pytest.fixture
def env(app, config, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", str(config["database_url"]))
    monkeypatch.setenv("REDIS_URL", str(config["redis_url"]))
    monkeypatch.setenv("SIEVE_SECRET_KEY", str(config["secret_key"]))
    return app


def test_create_a_moderator_for_a_site_with_the_password_on_stdin(env):
    result = CliRunner().invoke(
        cli,
        ["moderators", "create", "Grace@Example.org", "--site", "demo", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created moderator grace@example.org" in result.output
    with env.app_context(), db.session_scope() as session:
        moderator = session.scalar(select(Moderator))
        assert [s.slug for s in moderator.sites] == ["demo"]
        assert "a long enough password" not in moderator.password_hash
        assert moderator.password_hash.startswith("scrypt:")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["x@example.org", "--site", "demo"], "short\n", "at least 12 characters"),
        (["x@example.org"], "a long enough password\n", "needs at least one site"),
        (["x@example.org", "--site", "nope"], "a long enough password\n", "no site 'nope'"),
        (["not-an-email", "--role", "admin"], "a long enough password\n", "not an email"),
    ],
)
def test_refusals_say_why(env, args, stdin, message):
    result = CliRunner().invoke(
        cli, ["moderators", "create", *args, "--password-stdin"], input=stdin
    )
    assert result.exit_code == 1
    assert message in result.output


def test_sites_add_sets_origins_and_scoring_failure(env):
    result = CliRunner().invoke(
        cli, ["sites", "add", "blog", "--origin", "https://blog.example",
              "--scoring-failure", "approve"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with env.app_context(), db.session_scope() as session:
        site = find_site(session, "blog")
        assert (site.allowed_origins, site.scoring_failure) == (["https://blog.example"], "approve")
