"""Site settings over the JSON API: admins' tokens only, the admin page's validation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.domain.sites import find_site
from service.storage import db
from service.storage.tables import ChangeEvent, Moderator
from tests.web.moderation.test_api import bearer
from tests.web.test_openapi import document, validate

PATH = "/api/v1/sites/{slug}"


def test_an_admin_reads_a_sites_settings(client, token_for):
    response = client.get("/api/v1/sites/demo", headers=bearer(token_for("admin")))
    assert response.status_code == 200
    settings = response.get_json()
    assert (settings["slug"], settings["allowed_origins"]) == ("demo", ["http://localhost:8000"])
    assert (settings["allowed_domains"], settings["blocked_domains"]) == ([], [])
    validate(document(client), PATH, "get", response)


def test_an_admin_changes_the_link_policy_and_the_rest_stays(app, client, token_for):
    headers = bearer(token_for("admin"))
    before = client.get("/api/v1/sites/demo", headers=headers).get_json()
    response = client.patch(
        "/api/v1/sites/demo",
        json={
            "allowed_domains": ["https://www.Reuters.com/world", "apnews.com"],
            "blocked_domains": ["spam.example"],
            "blocked_words": ["Casino"],
        },
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    validate(document(client), PATH, "patch", response)
    expected = {
        **before,
        "allowed_domains": ["reuters.com", "apnews.com"],
        "blocked_domains": ["spam.example"],
        "blocked_words": ["casino"],
    }
    assert response.get_json() == expected
    assert client.get("/api/v1/sites/demo", headers=headers).get_json() == expected
    with app.app_context(), db.session_scope() as session:
        assert find_site(session, "demo").allowed_domains == ["reuters.com", "apnews.com"]


def test_the_other_settings_are_writable_too(client, token_for):
    changes = {
        "name": "The Daily",
        "allowed_origins": ["https://daily.example"],
        "thresholds": {"spam": {"approve_below": 0.4, "reject_above": 0.8}},
        "premoderation": "new_authors",
        "rate_limit_ip": "5/minute",
        "rate_limit_site": "",
        "scoring_failure": "approve",
    }
    response = client.patch("/api/v1/sites/demo", json=changes, headers=bearer(token_for("admin")))
    assert response.status_code == 200
    settings = response.get_json()
    assert {name: settings[name] for name in changes if name != "thresholds"} == {
        name: value for name, value in changes.items() if name != "thresholds"
    }
    assert settings["thresholds"]["spam"] == {"approve_below": 0.4, "reject_above": 0.8}


def test_invalid_settings_are_400_by_field_and_nothing_is_saved(app, client, token_for):
    response = client.patch(
        "/api/v1/sites/demo",
        json={
            "allowed_domains": ["reuters.com", "reuters.com:443"],
            "blocked_words": "casino",
            "thresholds": {"spam": {"approve_below": 0.9, "reject_above": 0.2}},
            "slug": "renamed",
        },
        headers=bearer(token_for("admin")),
    )
    assert response.status_code == 400
    validate(document(client), PATH, "patch", response)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert error["fields"] == {
        "allowed_domains": "'reuters.com:443' is not a domain such as reuters.com",
        "blocked_words": "must be a list of strings",
        "thresholds": "spam: 0 ≤ approve below ≤ reject above ≤ 1",
        "slug": "is not a site setting",
    }
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert (site.allowed_domains, site.blocked_words) == ([], [])


def test_a_domain_cannot_be_allowed_while_it_is_blocked(client, token_for):
    headers = bearer(token_for("admin"))
    client.patch("/api/v1/sites/demo", json={"blocked_domains": ["spam.example"]}, headers=headers)
    response = client.patch(
        "/api/v1/sites/demo", json={"allowed_domains": ["shop.spam.example"]}, headers=headers
    )
    assert response.status_code == 400
    assert (
        "cannot be both allowed and blocked"
        in (response.get_json()["error"]["fields"]["allowed_domains"])
    )
    too_many = [f"site{n}.example" for n in range(501)]
    response = client.patch(
        "/api/v1/sites/demo", json={"allowed_domains": too_many}, headers=headers
    )
    assert response.get_json()["error"]["fields"] == {"allowed_domains": "at most 500 domains"}


@pytest.mark.parametrize("method", ["get", "patch"])
def test_only_admins_tokens_reach_site_settings(client, token_for, method):
    call = getattr(client, method)
    anonymous = call("/api/v1/sites/demo", json={})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"
    moderator = call("/api/v1/sites/demo", json={}, headers=bearer(token_for("demo")))
    assert moderator.status_code == 403
    assert moderator.get_json()["error"]["code"] == "forbidden"
    unknown = call("/api/v1/sites/nowhere", json={}, headers=bearer(token_for("admin")))
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "site_not_found"
    for response in (anonymous, moderator, unknown):
        validate(document(client), PATH, method, response)


def test_a_patch_must_be_a_json_object(client, token_for):
    headers = bearer(token_for("admin"))
    not_json = client.patch("/api/v1/sites/demo", data="allowed_domains=x", headers=headers)
    assert not_json.status_code == 415
    a_list = client.patch("/api/v1/sites/demo", json=["reuters.com"], headers=headers)
    assert (a_list.status_code, a_list.get_json()["error"]["code"]) == (400, "invalid_body")
    for response in (not_json, a_list):
        validate(document(client), PATH, "patch", response)


def settings_changes(app) -> list[ChangeEvent]:
    with app.app_context(), db.session_scope() as session:
        query = select(ChangeEvent).where(ChangeEvent.action == "site_settings")
        return list(session.scalars(query.order_by(ChangeEvent.id)))


def test_a_change_is_audited_with_what_each_setting_was_and_became(app, client, token_for):
    headers = bearer(token_for("admin"))
    changes = {"premoderation": "all", "blocked_words": ["Casino"], "name": "Demo blog"}
    assert client.patch("/api/v1/sites/demo", json=changes, headers=headers).status_code == 200
    client.patch("/api/v1/sites/demo", json={"premoderation": "sometimes"}, headers=headers)
    client.patch("/api/v1/sites/demo", json={"premoderation": "all"}, headers=headers)

    (event,) = settings_changes(app)  # the refused change and the one that changed nothing: none
    assert (event.actor, event.via) == ("moderator:admin@example.org", "api")
    assert event.subject == "site demo"
    assert event.before == {"premoderation": "none", "blocked_words": []}
    assert event.after == {"premoderation": "all", "blocked_words": ["casino"]}
    with app.app_context(), db.session_scope() as session:
        assert event.site_id == find_site(session, "demo").id
        assert session.get(Moderator, event.moderator_id).email == "admin@example.org"
