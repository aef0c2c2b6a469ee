"""Submitting comments: the 202 path and every documented error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.pipeline.broker import scoring_job_id, scoring_queue
from service.storage import db
from service.storage.tables import Comment, Thread

GOOD = {
    "site": "demo",
    "thread": "hello-world",
    "body": "Thanks for writing this up, the part about caching was really useful.",
    "author_name": "Ada",
    "author_email": "ada@example.org",
    "thread_url": "http://localhost:8000/demo",
    "thread_title": "Hello, world",
}


def post(client, payload, **kwargs):
    return client.post("/api/v1/comments", json=payload, **kwargs)


def stored_count(app) -> int:
    with app.app_context(), db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(Comment))


def test_accepts_a_comment_as_pending_and_queues_it(app, client):
    response = post(client, GOOD, headers={"User-Agent": "pytest-browser"})

    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["links"]["self"] == f"/api/v1/comments/{body['id']}"
    assert response.headers["Location"] == body["links"]["self"]
    with app.app_context():
        with db.session_scope() as session:
            comment = session.get(Comment, body["id"])
            assert comment.status.value == "pending"
            assert comment.body == GOOD["body"]
            assert comment.author_email_hash and "ada" not in comment.author_email_hash
            assert comment.ip_hash and "127.0.0.1" not in comment.ip_hash
            assert comment.user_agent == "pytest-browser"
            thread = session.get(Thread, comment.thread_id)
            assert (thread.key, thread.title) == ("hello-world", "Hello, world")
        assert scoring_queue().job_ids == [scoring_job_id([body["id"]])]


def test_thread_is_created_once(app, client):
    for _ in range(3):
        assert post(client, GOOD).status_code == 202
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Thread)) == 1


def test_reply_to_a_comment_in_the_same_thread(app, client):
    parent = post(client, GOOD).get_json()["id"]
    reply = post(client, {**GOOD, "parent_id": parent})
    assert reply.status_code == 202
    with app.app_context(), db.session_scope() as session:
        stored = session.get(Comment, reply.get_json()["id"])
        assert (stored.parent_id, stored.root_id, stored.depth) == (parent, parent, 1)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"body": ""}, "body", "is required"),
        ({"body": "   \n "}, "body", "is required"),
        ({"body": 42}, "body", "must be a string"),
        ({"author_name": None}, "author_name", "is required"),
        ({"author_name": "x" * 81}, "author_name", "must be at most 80 characters"),
        ({"author_email": "not-an-email"}, "author_email", "must be an email address"),
        ({"thread": ""}, "thread", "is required"),
        ({"site": "Not A Slug!"}, "site", "must be a site slug"),
        ({"thread_url": "javascript:alert(1)"}, "thread_url", "must be an http or https URL"),
        ({"parent_id": "seven"}, "parent_id", "must be the id of a comment"),
        ({"parent_id": True}, "parent_id", "must be the id of a comment"),
        ({"body": "hi\x00there"}, "body", "must not contain null characters"),
        ({"is_admin": True}, "is_admin", "is not a known field"),
    ],
)
def test_invalid_fields_are_named(app, client, change, field, message):
    response = post(client, {**GOOD, **change})

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert message in error["fields"][field]
    assert stored_count(app) == 0


def test_every_missing_field_is_reported_at_once(app, client):
    response = post(client, {})
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"site", "thread", "body", "author_name"}


def test_unknown_site_is_404(app, client):
    response = post(client, {**GOOD, "site": "nowhere"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "site_not_found"
    assert stored_count(app) == 0


def test_malformed_json_is_400(app, client):
    response = client.post(
        "/api/v1/comments", data='{"site": "demo",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_json_that_is_not_an_object_is_400(app, client):
    response = post(client, ["a", "list"])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_body"


def test_wrong_content_type_is_415(app, client):
    response = client.post("/api/v1/comments", data={"site": "demo", "body": "hi"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert stored_count(app) == 0


def test_body_over_the_configured_length_is_413(app, client):
    response = post(client, {**GOOD, "body": "a" * 5001})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "body_too_long"
    assert "5000" in error["fields"]["body"]
    assert stored_count(app) == 0


def test_request_over_the_byte_limit_is_413(app, client):
    response = post(client, {**GOOD, "body": "a" * 70_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert stored_count(app) == 0


def test_unknown_parent_is_400(app, client):
    response = post(client, {**GOOD, "parent_id": 999999})
    assert response.status_code == 400
    assert "parent_id" in response.get_json()["error"]["fields"]
    assert stored_count(app) == 0


def test_parent_in_another_thread_is_400(app, client):
    other = post(client, {**GOOD, "thread": "another-post"}).get_json()["id"]
    response = post(client, {**GOOD, "parent_id": other})
    assert response.status_code == 400
    assert "parent_id" in response.get_json()["error"]["fields"]
    assert stored_count(app) == 1


def test_control_and_bidi_characters_are_stripped(app, client):
    response = post(client, {**GOOD, "body": "nice\u202e post\x07", "author_name": "A\u200fda"})
    assert response.status_code == 202
    with app.app_context(), db.session_scope() as session:
        comment = session.get(Comment, response.get_json()["id"])
        assert (comment.body, comment.author_name) == ("nice post", "Ada")


def test_accepted_even_when_redis_is_down(make_app):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    response = app.test_client().post("/api/v1/comments", json=GOOD)
    assert response.status_code == 202
    with app.app_context(), db.session_scope() as session:
        assert session.get(Comment, response.get_json()["id"]).status.value == "pending"


def test_public_status_hides_scores_email_and_ip(app, client):
    comment_id = post(client, GOOD).get_json()["id"]
    response = client.get(f"/api/v1/comments/{comment_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "pending"
    assert (body["site"], body["thread"]) == ("demo", "hello-world")
    for hidden in ("scores", "author_email", "author_email_hash", "ip_hash", "body"):
        assert hidden not in body


def test_status_of_unknown_comment_is_404(client):
    response = client.get("/api/v1/comments/424242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "comment_not_found"
