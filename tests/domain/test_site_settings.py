"""The one validation of site settings that the admin page, the API and the CLI share, and the
audit event each change through the admin page leaves (the API's and the CLI's are tested with
them)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.domain.site_settings import MAX_ENTRIES, apply_site_settings, domain_name, settings_of
from service.domain.sites import DEFAULT_THRESHOLDS
from service.storage import db
from service.storage.states import PreModeration
from service.storage.tables import ChangeEvent, Moderator, Site
from tests.web.moderation.fixtures import csrf_of, log_in


def a_site(**values) -> Site:
    defaults = {
        "slug": "news",
        "name": "News",
        "allowed_origins": ["https://daily.example"],
        "thresholds": DEFAULT_THRESHOLDS,
        "premoderation": PreModeration.NONE,
        "rate_limit_ip": "",
        "rate_limit_site": "",
        "blocked_words": [],
        "blocked_domains": [],
        "allowed_domains": [],
        "scoring_failure": "hold",
    }
    return Site(**{**defaults, **values})


@pytest.mark.parametrize(
    ("entry", "domain"),
    [
        ("reuters.com", "reuters.com"),
        ("  WWW.Reuters.com ", "reuters.com"),
        ("https://www.reuters.com/world/europe/story-2026/", "reuters.com"),
        ("http://apnews.com?x=1", "apnews.com"),
        ("uk.reuters.com.", "uk.reuters.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_a_domain_is_kept_bare(entry, domain):
    assert domain_name(entry) == domain


@pytest.mark.parametrize(
    "entry",
    ["reuters", "reuters.com:443", "ftp://reuters.com", "javascript:alert(1)", "ada@reuters.com",
     "bücher.example", "10.0.0.1", "-bad.example", "www.com", "reuters .com"],
)  # fmt: skip
def test_what_is_no_domain_is_refused(entry):
    with pytest.raises(ValueError, match=r"is not a domain such as reuters\.com"):
        domain_name(entry)


def test_settings_are_applied_cleaned():
    site = a_site()
    errors = apply_site_settings(
        site,
        {
            "allowed_domains": ["https://www.Reuters.com/world", "reuters.com", " ", "apnews.com"],
            "blocked_words": ["Casino", "casino"],
            "name": "  ",
        },
    )
    assert errors == {}
    assert site.allowed_domains == ["reuters.com", "apnews.com"]
    assert site.blocked_words == ["casino"]
    assert site.name == "news"  # a blank name falls back to the slug


def test_nothing_is_applied_when_one_setting_is_wrong():
    site = a_site()
    errors = apply_site_settings(
        site,
        {
            "allowed_domains": ["reuters.com", "reuters.com:443"],
            "blocked_domains": "spam.example",
            "thresholds": {"spam": {"approve_below": 0.9, "reject_above": 0.2}, "mood": {}},
            "premoderation": "sometimes",
            "rate_limit_ip": "lots",
            "allowed_origins": ["https://daily.example/news"],
            "colour": "red",
            "scoring_failure": "retry",
        },
    )
    assert errors == {
        "allowed_domains": "'reuters.com:443' is not a domain such as reuters.com",
        "blocked_domains": "must be a list of strings",
        "thresholds": "spam: 0 ≤ approve below ≤ reject above ≤ 1; mood: not a label the "
        "model scores",
        "premoderation": "must be one of none, new_authors, all",
        "rate_limit_ip": "must look like '20/minute' or '5/second;100/hour', got 'lots'",
        "allowed_origins": "'https://daily.example/news' is not an origin such as "
        "https://blog.example",
        "colour": "is not a site setting",
        "scoring_failure": "must be one of hold, approve",
    }
    assert settings_of(site) == settings_of(a_site())


def test_a_domain_cannot_be_both_allowed_and_blocked():
    site = a_site(blocked_domains=["spam.example"])
    assert apply_site_settings(site, {"allowed_domains": ["www.spam.example"]}) == {
        "allowed_domains": "spam.example is blocked: a domain cannot be both allowed and blocked"
    }
    assert apply_site_settings(site, {"allowed_domains": ["shop.spam.example"]}) == {
        "allowed_domains": "shop.spam.example is under the blocked spam.example: a domain "
        "cannot be both allowed and blocked"
    }
    # Blocking part of an allowed domain is a narrower rule, and fine.
    site = a_site(allowed_domains=["example.com"])
    assert apply_site_settings(site, {"blocked_domains": ["ads.example.com"]}) == {}
    assert "blocked_domains" in apply_site_settings(site, {"blocked_domains": ["example.com"]})
    # Moving a domain from one list to the other in one change is fine.
    assert apply_site_settings(
        site, {"allowed_domains": ["ads.example.com"], "blocked_domains": ["example.org"]}
    ) == {}  # fmt: skip
    assert (site.allowed_domains, site.blocked_domains) == (["ads.example.com"], ["example.org"])


def test_lists_hold_at_most_500_entries():
    many = [f"site{n}.example" for n in range(MAX_ENTRIES + 1)]
    site = a_site()
    assert apply_site_settings(site, {"allowed_domains": many}) == {
        "allowed_domains": "at most 500 domains"
    }
    assert apply_site_settings(site, {"allowed_domains": many[:MAX_ENTRIES]}) == {}
    assert len(site.allowed_domains) == MAX_ENTRIES


def test_thresholds_must_be_number_pairs():
    site = a_site()
    for pair in ({"approve_below": "0.4", "reject_above": 0.8}, {"approve_below": 0.4},
                 {"approve_below": True, "reject_above": 1}, [0.4, 0.8]):  # fmt: skip
        errors = apply_site_settings(site, {"thresholds": {"spam": pair}})
        assert errors == {"thresholds": "spam: both thresholds must be numbers between 0 and 1"}
    edges = {"spam": {"approve_below": 0, "reject_above": 1}}
    assert apply_site_settings(site, {"thresholds": edges}) == {}
    assert site.thresholds == {"spam": {"approve_below": 0.0, "reject_above": 1.0}}


def test_a_change_on_the_settings_page_is_audited_with_before_and_after(app, client, accounts):
    log_in(client, accounts["admin"])
    page = client.get("/moderate/sites/demo/settings")
    form = {
        "csrf_token": csrf_of(page.text),
        "name": "Demo blog",
        "allowed_origins": "http://localhost:8000",
        "spam_low": "0.4", "spam_high": "0.9",
        "toxicity_low": "0.5", "toxicity_high": "0.9",
        "premoderation": "new_authors",
        "blocked_domains": "spam.example",
        "scoring_failure": "hold",
    }  # fmt: skip
    assert client.post("/moderate/sites/demo/settings", data=form).status_code == 302
    refused = client.post("/moderate/sites/demo/settings", data={**form, "spam_low": "2"})
    assert refused.status_code == 400
    assert client.post("/moderate/sites/demo/settings", data=form).status_code == 302  # the same

    with app.app_context(), db.session_scope() as session:
        query = select(ChangeEvent).where(ChangeEvent.action == "site_settings")
        (event,) = session.scalars(query).all()
        admin = session.get(Moderator, event.moderator_id)
    assert (event.actor, event.via, event.subject) == (
        "moderator:admin@example.org", "page", "site demo",
    )  # fmt: skip
    assert admin.email == "admin@example.org"
    assert event.before == {
        "thresholds": {
            "spam": {"approve_below": 0.5, "reject_above": 0.9},
            "toxicity": {"approve_below": 0.5, "reject_above": 0.9},
        },
        "premoderation": "none",
        "blocked_domains": [],
    }
    assert event.after == {
        "thresholds": {
            "spam": {"approve_below": 0.4, "reject_above": 0.9},
            "toxicity": {"approve_below": 0.5, "reject_above": 0.9},
        },
        "premoderation": "new_authors",
        "blocked_domains": ["spam.example"],
    }
