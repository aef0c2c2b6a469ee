"""CORS: only the addressed site's own origins may read the API's answers."""

from __future__ import annotations

from tests.web.test_api_comments import GOOD

ALLOWED = "http://localhost:8000"  # the demo site's origin in the test fixtures
STRANGER = "https://evil.example"


def grant(response) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


def test_submission_from_an_allowed_origin_is_granted(client):
    response = client.post("/api/v1/comments", json=GOOD, headers={"Origin": ALLOWED})
    assert response.status_code == 202
    assert grant(response) == ALLOWED
    assert "Origin" in response.headers["Vary"]
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_errors_are_granted_too_so_the_widget_can_show_field_errors(client):
    response = client.post(
        "/api/v1/comments", json={**GOOD, "author_name": ""}, headers={"Origin": ALLOWED}
    )
    assert response.status_code == 400
    assert grant(response) == ALLOWED


def test_other_origins_get_no_grant(client):
    response = client.post("/api/v1/comments", json=GOOD, headers={"Origin": STRANGER})
    assert grant(response) is None
    assert "Origin" in response.headers["Vary"]
    listing = client.get(
        "/api/v1/threads/comments?site=demo&thread=hello-world", headers={"Origin": STRANGER}
    )
    assert grant(listing) is None


def test_an_origin_of_one_site_gets_nothing_from_another(app, client):
    from service.domain.sites import ensure_site
    from service.storage import db

    with app.app_context(), db.session_scope() as session:
        ensure_site(session, "other", "Other blog", ["https://other.example"])
    response = client.get(
        "/api/v1/threads/comments?site=demo&thread=x", headers={"Origin": "https://other.example"}
    )
    assert grant(response) is None
    response = client.get(
        "/api/v1/threads/comments?site=other&thread=x", headers={"Origin": "https://other.example"}
    )
    assert grant(response) == "https://other.example"


def test_listing_form_and_comment_status_use_the_addressed_site(client):
    listing = client.get(
        "/api/v1/threads/comments?site=demo&thread=hello-world", headers={"Origin": ALLOWED}
    )
    assert grant(listing) == ALLOWED
    form = client.get("/api/v1/comments/form?site=demo", headers={"Origin": ALLOWED})
    assert grant(form) == ALLOWED
    comment_id = client.post("/api/v1/comments", json=GOOD).get_json()["id"]
    status = client.get(f"/api/v1/comments/{comment_id}", headers={"Origin": ALLOWED})
    assert grant(status) == ALLOWED
    status = client.get(f"/api/v1/comments/{comment_id}", headers={"Origin": STRANGER})
    assert grant(status) is None


def preflight(client, path: str, origin: str):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_preflight_is_answered_for_allowed_origins_only(client):
    allowed = preflight(client, "/api/v1/comments", ALLOWED)
    assert allowed.status_code == 204
    assert grant(allowed) == ALLOWED
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert allowed.headers["Access-Control-Allow-Headers"].lower() == "content-type"

    refused = preflight(client, "/api/v1/comments", STRANGER)
    assert grant(refused) is None
    assert "Access-Control-Allow-Methods" not in refused.headers


def test_preflight_with_a_site_parameter_checks_that_site(client):
    assert grant(preflight(client, "/api/v1/analyze?site=demo", ALLOWED)) == ALLOWED
    assert grant(preflight(client, "/api/v1/analyze?site=nowhere", ALLOWED)) is None


def test_preflights_do_not_use_up_the_rate_limit(make_app):
    client = make_app(rate_limit_ip="2/minute").test_client()
    for _ in range(5):
        assert preflight(client, "/api/v1/comments", ALLOWED).status_code == 204
    assert client.post("/api/v1/comments", json=GOOD).status_code == 202


def test_pages_outside_the_api_get_no_cors_headers(client):
    response = client.get("/widget.js", headers={"Origin": STRANGER})
    assert grant(response) is None
