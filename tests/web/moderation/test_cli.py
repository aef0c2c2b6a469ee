"""`sieve moderators create` and `sieve sites` (add, domains, show)."""

from __future__ import annotations

import getpass
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli.main import cli
from service.domain.sites import find_site
from service.storage import db
from service.storage.tables import ChangeEvent, Moderator


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
        event = session.scalar(select(ChangeEvent))
        assert (event.actor, event.via, event.action) == (
            f"cli:{getpass.getuser()}", "cli", "create_moderator"
        )  # fmt: skip
        assert event.after == {"moderator": "grace@example.org", "role": "moderator",
                               "sites": ["demo"]}  # fmt: skip


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


def test_sites_add_allows_domains(env):
    result = CliRunner().invoke(
        cli, ["sites", "add", "daily", "--origin", "https://www.daily.example",
              "--allow-domain", "https://www.Reuters.com/world", "--allow-domain", "apnews.com"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "allowed domains: reuters.com, apnews.com" in result.output
    with env.app_context(), db.session_scope() as session:
        assert find_site(session, "daily").allowed_domains == ["reuters.com", "apnews.com"]

    refused = CliRunner().invoke(cli, ["sites", "add", "weekly", "--allow-domain", "reuters"])
    assert refused.exit_code == 1
    assert "allowed_domains: 'reuters' is not a domain such as reuters.com" in refused.output
    with env.app_context(), db.session_scope() as session:
        assert find_site(session, "weekly") is None  # nothing half-made


def domains(*args: str):
    return CliRunner().invoke(cli, ["sites", "domains", "demo", *args])


def test_sites_domains_shows_and_edits_the_link_policy(env):
    shown = domains()
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == [
        "allowed: (none)",
        "blocked: (none)",
        "allowed as the site's own origins: localhost:8000",
    ]
    changed = domains(
        "--allow", "reuters.com", "--allow", "www.apnews.com", "--block", "spam.example"
    )
    assert changed.exit_code == 0, changed.output
    assert changed.output.splitlines()[:2] == [
        "allowed: reuters.com, apnews.com",
        "blocked: spam.example",
    ]
    changed = domains("--disallow", "https://apnews.com/", "--unblock", "spam.example")
    assert changed.output.splitlines()[:2] == ["allowed: reuters.com", "blocked: (none)"]
    with env.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert (site.allowed_domains, site.blocked_domains) == (["reuters.com"], [])


def test_sites_domains_refuses_a_domain_both_allowed_and_blocked(env):
    refused = domains("--allow", "reuters.com", "--block", "reuters.com")
    assert refused.exit_code == 1
    assert "reuters.com is blocked: a domain cannot be both allowed and blocked" in refused.output
    assert domains("--allow", "a b").exit_code == 1
    assert domains("--disallow", "nope").exit_code == 2
    missing = CliRunner().invoke(cli, ["sites", "domains", "nowhere"])
    assert (missing.exit_code, "there is no site 'nowhere'" in missing.output) == (1, True)
    with env.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert (site.allowed_domains, site.blocked_domains) == ([], [])


def test_sites_show_prints_the_settings_the_api_gives(env):
    domains("--allow", "reuters.com")
    result = CliRunner().invoke(cli, ["sites", "show", "demo", "--json"])
    assert result.exit_code == 0, result.output
    settings = json.loads(result.output)
    assert (settings["slug"], settings["allowed_domains"]) == ("demo", ["reuters.com"])
