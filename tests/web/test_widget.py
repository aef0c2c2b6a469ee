"""The widget's script and demo page, and the guard that files bots' comments as spam."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from service.pipeline.broker import scoring_job_id, scoring_queue
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ModerationEvent
from service.web.widget import DEMO_THREAD, MIN_SUBMIT_SECONDS, issue_render_token, script
from tests.conftest import TEST_SECRET
from tests.web.test_api_comments import GOOD


def stored(app, comment_id: int) -> Comment:
    with app.app_context(), db.session_scope() as session:
        return session.get(Comment, comment_id)


def test_widget_script_is_served_with_a_short_cache_and_an_etag(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.max_age == 300
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"attachShadow" in response.data
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_versioned_script_is_cached_for_good_and_old_versions_redirect(client):
    version = script()[1]
    response = client.get(f"/widget/{version}/widget.js")
    assert response.status_code == 200
    assert response.cache_control.immutable and response.cache_control.max_age >= 86400 * 365
    stale = client.get("/widget/0123456789ab/widget.js")
    assert stale.status_code == 302 and stale.headers["Location"].endswith("/widget.js")


def test_every_language_of_the_widget_has_every_string():
    source = script()[0].decode()
    table = source[source.index("  var TEXT = {") : source.index("\n  };\n")]
    languages = dict(re.findall(r"\n    (\w+): \{(.*?)\n    \},", table, re.S))
    assert sorted(languages) == ["de", "en", "es", "fr", "pt"]
    keys = {lang: re.findall(r"\n      (\w+):", body) for lang, body in languages.items()}
    assert all(found == keys["en"] for found in keys.values()), keys


def test_demo_article_embeds_the_widget_as_a_site_owner_would(client):
    page = client.get("/demo")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="sieve-comments"' in html
    assert 'data-sieve-site="demo"' in html and f'data-sieve-thread="{DEMO_THREAD}"' in html
    assert f'src="/widget/{script()[1]}/widget.js" async' in html


def test_form_endpoint_gives_a_token_and_the_server_limits(client):
    body = client.get("/api/v1/comments/form?site=demo").get_json()
    assert body["render_token"]
    assert body["min_submit_seconds"] == MIN_SUBMIT_SECONDS
    assert body["limits"] == {"body": 5000, "author_name": 80, "author_email": 254}
    assert client.get("/api/v1/comments/form?site=nowhere").status_code == 404
    missing = client.get("/api/v1/comments/form")
    assert missing.status_code == 400
    assert missing.get_json()["error"]["fields"] == {"site": "is required"}


def aged_token(seconds: float, site: str = "demo") -> str:
    return issue_render_token(TEST_SECRET, site, now=time.time() - seconds)


def test_a_widget_comment_sent_after_the_minimum_is_scored_normally(app, client):
    payload = {**GOOD, "website": "", "render_token": aged_token(MIN_SUBMIT_SECONDS + 1)}
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 202
    comment = stored(app, response.get_json()["id"])
    assert comment.status is CommentStatus.PENDING
    with app.app_context():
        assert scoring_queue().job_ids == [scoring_job_id([comment.id])]


@pytest.mark.parametrize(
    ("extra", "reasons"),
    [
        ({"website": "http://cheap-pills.example"}, ["HONEYPOT"]),
        ({"website": 1}, ["HONEYPOT"]),
        ({"render_token": "now"}, ["TOO_FAST"]),
        ({"render_token": "1700000000000.forged"}, ["BAD_RENDER_TOKEN"]),
        ({"render_token": "other-site", "website": "x"}, ["HONEYPOT", "BAD_RENDER_TOKEN"]),
    ],
)
def test_bots_are_answered_like_anyone_but_stored_as_spam_and_not_scored(
    app, client, extra, reasons
):
    if extra.get("render_token") == "now":
        extra = {**extra, "render_token": aged_token(0)}
    if extra.get("render_token") == "other-site":
        extra = {**extra, "render_token": aged_token(60, site="elsewhere")}
    response = client.post("/api/v1/comments", json={**GOOD, **extra})

    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    comment_id = response.get_json()["id"]
    comment = stored(app, comment_id)
    assert comment.status is CommentStatus.SPAM
    assert (comment.reason_codes, comment.decided_by) == (reasons, "guard")
    assert comment.decided_at is not None
    with app.app_context():
        assert scoring_queue().job_ids == []
        with db.session_scope() as session:
            query = select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
            [event] = session.scalars(query)
            assert (event.actor, event.to_status) == ("guard", CommentStatus.SPAM)
    assert client.get(f"/api/v1/comments/{comment_id}").get_json()["status"] == "rejected"


def test_api_clients_without_the_widget_fields_are_not_suspected(app, client):
    comment_id = client.post("/api/v1/comments", json=GOOD).get_json()["id"]
    assert stored(app, comment_id).status is CommentStatus.PENDING


def test_a_token_that_is_not_a_string_is_a_field_error(app, client):
    response = client.post("/api/v1/comments", json={**GOOD, "render_token": 12})
    assert response.status_code == 400
    assert "render_token" in response.get_json()["error"]["fields"]
