"""`sieve sites show`, `set` and `history`: every site setting from a terminal, audited."""

from __future__ import annotations

import getpass
import json

from click.testing import CliRunner
from sqlalchemy import select

from service.cli.main import cli
from service.domain.site_settings import settings_of
from service.domain.sites import find_site
from service.storage import db
from service.storage.tables import ChangeEvent


def sieve(*args: str):
    return CliRunner().invoke(cli, ["sites", *args])


def settings(app) -> dict:
    with app.app_context(), db.session_scope() as session:
        return settings_of(find_site(session, "demo"))


def events(app) -> list[ChangeEvent]:
    with app.app_context(), db.session_scope() as session:
        return list(session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)))


def test_show_prints_every_setting_readably(env):
    shown = sieve("show", "demo")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == [
        "site                     demo",
        "name                     Demo blog",
        "origins                  http://localhost:8000",
        "thresholds               spam: approve below 0.5, reject above 0.9",
        "                         toxicity: approve below 0.5, reject above 0.9",
        "pre-moderation           none",
        "rate limit per reader    server default",
        "rate limit for the site  server default",
        "blocked words            (none)",
        "blocked domains          (none)",
        "allowed domains          (none)",
        "when scoring fails       hold",
    ]
    as_json = sieve("show", "demo", "--json")
    assert json.loads(as_json.output) == settings(env)
    missing = sieve("show", "nowhere")
    assert (missing.exit_code, "there is no site 'nowhere'" in missing.output) == (1, True)


def test_set_changes_every_setting_and_show_reads_them_back(env):
    result = sieve(
        "set", "demo",
        "--name", "The Daily",
        "--origin", "https://daily.example", "--origin", "https://www.daily.example/",
        "--threshold", "spam=0.4,0.8", "--threshold", "insult = 0.6, 0.95",
        "--premoderation", "new_authors",
        "--rate-limit-ip", "5/minute", "--rate-limit-site", "600/minute;10000/day",
        "--blocked-word", "Casino", "--blocked-word", "viagra",
        "--blocked-domain", "spam.example",
        "--allowed-domain", "https://www.reuters.com/world", "--allowed-domain", "apnews.com",
        "--scoring-failure", "approve",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "pre-moderation: none -> new_authors" in result.output
    assert "thresholds: spam=0.5,0.9 toxicity=0.5,0.9 -> spam=0.4,0.8 toxicity=0.5,0.9 " \
        "insult=0.6,0.95" in result.output  # fmt: skip
    expected = {
        "slug": "demo",
        "name": "The Daily",
        "allowed_origins": ["https://daily.example", "https://www.daily.example"],
        "thresholds": {
            "spam": {"approve_below": 0.4, "reject_above": 0.8},
            "toxicity": {"approve_below": 0.5, "reject_above": 0.9},
            "insult": {"approve_below": 0.6, "reject_above": 0.95},
        },
        "premoderation": "new_authors",
        "rate_limit_ip": "5/minute",
        "rate_limit_site": "600/minute;10000/day",
        "blocked_words": ["casino", "viagra"],
        "blocked_domains": ["spam.example"],
        "allowed_domains": ["reuters.com", "apnews.com"],
        "scoring_failure": "approve",
    }
    assert settings(env) == expected
    assert json.loads(sieve("show", "demo", "--json").output) == expected
    shown = sieve("show", "demo").output
    assert "insult: approve below 0.6, reject above 0.95" in shown
    assert "blocked words            casino, viagra" in shown

    # Lists are emptied with '', a label goes back to the defaults, the rest stays.
    emptied = sieve("set", "demo", "--blocked-word", "", "--threshold", "spam=default",
                    "--rate-limit-ip", "")  # fmt: skip
    assert emptied.exit_code == 0, emptied.output
    after = settings(env)
    assert (after["blocked_words"], after["rate_limit_ip"]) == ([], "")
    assert after["thresholds"]["spam"] == {"approve_below": 0.5, "reject_above": 0.9}
    assert after["blocked_domains"] == ["spam.example"]
    again = sieve("set", "demo", "--blocked-word", "")
    assert again.output == "demo: nothing changed\n"


def test_set_refuses_bad_values_by_option_and_saves_nothing(env):
    before = settings(env)
    refused = sieve(
        "set", "demo",
        "--premoderation", "sometimes",
        "--threshold", "spam=0.9,0.2", "--threshold", "mood=0.1,0.2",
        "--origin", "javascript:alert(1)",
        "--rate-limit-site", "lots",
        "--allowed-domain", "reuters.com:443",
        "--scoring-failure", "retry",
        "--name", "Fine",
    )  # fmt: skip
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "Error: nothing was saved:",
        "  --origin: 'javascript:alert(1)' is not an origin such as https://blog.example",
        "  --threshold: spam: 0 ≤ approve below ≤ reject above ≤ 1; mood: not a label the model "
        "scores",
        "  --premoderation: must be one of none, new_authors, all",
        "  --rate-limit-site: must look like '20/minute' or '5/second;100/hour', got 'lots'",
        "  --allowed-domain: 'reuters.com:443' is not a domain such as reuters.com",
        "  --scoring-failure: must be one of hold, approve",
    ]
    assert settings(env) == before
    assert events(env) == []

    malformed = sieve("set", "demo", "--threshold", "spam:0.4:0.8")
    assert malformed.exit_code == 2
    assert "'spam:0.4:0.8' is not LABEL=LOW,HIGH such as spam=0.5,0.9" in malformed.output
    nothing = sieve("set", "demo")
    assert nothing.exit_code == 2
    assert "name at least one setting" in nothing.output
    assert sieve("set", "nowhere", "--name", "x").exit_code == 1


def test_a_change_from_the_command_line_is_audited_with_before_and_after(env):
    sieve(
        "set", "demo", "--premoderation", "all", "--blocked-word", "casino", "--name", "Demo blog"
    )
    sieve("domains", "demo", "--allow", "reuters.com")
    sieve("add", "weekly", "--origin", "https://weekly.example")
    first, second, created = events(env)
    account = getpass.getuser()
    assert (first.actor, first.via, first.action, first.moderator_id) == (
        f"cli:{account}", "cli", "site_settings", None,
    )  # fmt: skip
    # Only what changed; the name was given but is the same.
    assert first.before == {"premoderation": "none", "blocked_words": []}
    assert first.after == {"premoderation": "all", "blocked_words": ["casino"]}
    assert (second.before, second.after) == (
        {"allowed_domains": []},
        {"allowed_domains": ["reuters.com"]},
    )
    assert (created.action, created.before) == ("site_created", {})
    assert created.after["allowed_origins"] == ["https://weekly.example"]

    history = sieve("history", "demo")
    assert history.exit_code == 0, history.output
    lines = history.output.splitlines()
    assert lines[0].endswith(f"UTC  cli:{account} via cli: site_settings")
    assert lines[1:2] == ["  allowed domains: (none) -> reuters.com"]
    assert "  pre-moderation: none -> all" in lines
    assert "  blocked words: (none) -> casino" in lines
    newest = json.loads(sieve("history", "demo", "--json", "--limit", "1").output)
    assert (newest["via"], newest["after"]) == ("cli", {"allowed_domains": ["reuters.com"]})
