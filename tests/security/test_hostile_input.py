"""Hostile input: markup, SQL, oversized and malformed bodies, control characters, deep replies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from service.pipeline.intake import MAX_REPLY_DEPTH
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, Site, Thread
from tests.web.test_api_comments import GOOD

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
SQL = "x'); DROP TABLE comments; --"


def post(client, **fields):
    return client.post("/api/v1/comments", json={**GOOD, **fields})


def error_of(response) -> dict:
    assert response.is_json, response.text
    return response.get_json()["error"]


def test_markup_in_every_field_reaches_the_moderator_escaped(client, login, comment_in):
    comment_in(
        CommentStatus.HELD,
        body=f"body {XSS}",
        author_name=f"name {XSS}"[:80],
        thread=f"thread {XSS}",
        thread_title=f"title {XSS}",
        thread_url="https://example.org/?q=<script>alert(3)</script>",
    )
    login("admin")
    for path in ("/moderate/", "/moderate/similar", "/moderate/audit"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/moderate/").text


def test_markup_reaches_the_widget_only_as_json_text(client, comment_in):
    comment_in(CommentStatus.APPROVED, body=XSS, author_name="<b>Mallory</b>")
    response = client.get(
        "/api/v1/threads/comments", query_string={"site": "demo", "thread": GOOD["thread"]}
    )
    assert response.mimetype == "application/json"
    [comment] = response.get_json()["comments"]
    assert comment["body"] == XSS  # stored as typed; the widget renders it with textContent
    assert "innerHTML" not in (client.get("/widget.js").text)


@pytest.mark.parametrize("field", ["body", "author_name", "thread", "thread_title"])
def test_sql_injection_strings_are_just_text(app, client, field):
    response = post(client, **{field: SQL})
    assert response.status_code == 202, response.get_json()
    with app.app_context(), db.session_scope() as session:
        comment = session.get(Comment, response.get_json()["id"])
        stored = {
            "body": comment.body,
            "author_name": comment.author_name,
            "thread": comment.thread.key,
            "thread_title": comment.thread.title,
        }
        assert stored[field] == SQL
        assert session.scalar(select(func.count()).select_from(Comment)) == 1
        assert session.scalar(select(func.count()).select_from(Site)) >= 1


def test_sql_in_query_parameters_finds_nothing(client):
    response = client.get(
        "/api/v1/threads/comments", query_string={"site": "demo' OR '1'='1", "thread": SQL}
    )
    assert response.status_code in (400, 404)
    assert "error" in response.get_json()


def test_oversized_bodies_are_refused_with_json(client):
    too_long = post(client, body="x" * 5001)
    assert too_long.status_code == 413
    assert error_of(too_long)["fields"]["body"] == "must be at most 5000 characters"
    assert post(client, body="x" * 5000).status_code == 202
    name = post(client, author_name="n" * 81)
    assert name.status_code == 400 and "author_name" in error_of(name)["fields"]
    huge = client.post(
        "/api/v1/comments",
        data=json.dumps({**GOOD, "body": "y" * 200_000}),
        content_type="application/json",
    )
    assert huge.status_code == 413 and error_of(huge)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ('{"site": "demo", ', "application/json", 400, "invalid_json"),
        ("[1, 2, 3]", "application/json", 400, "invalid_body"),
        ('"just a string"', "application/json", 400, "invalid_body"),
        ("site=demo&body=hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
        ('{"site": {"$ne": 1}, "body": ["a"], "author_name": 5}', "application/json", 400,
         "invalid_fields"),
    ],
)  # fmt: skip
def test_malformed_bodies_get_one_json_error(client, data, content_type, status, code):
    response = client.post("/api/v1/comments", data=data, content_type=content_type)
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_null_bytes_are_refused_and_controls_and_bidi_stripped(app, client):
    refused = post(client, body="hello\x00world")
    assert refused.status_code == 400
    assert "null" in error_of(refused)["fields"]["body"]
    # A right-to-left override would show "gpj.exe" as "exe.jpg" to the moderator.
    sneaky = post(client, body="Cafe\u0301 file \u202egpj.exe\x07 done", author_name="A\u200fda")
    assert sneaky.status_code == 202
    with app.app_context(), db.session_scope() as session:
        comment = session.get(Comment, sneaky.get_json()["id"])
        assert comment.body == "Caf\u00e9 file gpj.exe done"  # NFC, no override, no bell
        assert comment.author_name == "Ada"


@pytest.mark.parametrize("email", ["ada", "ada@", "@example.org", "a b@example.org",
                                   "ada@example", "<script>@example.org>"])  # fmt: skip
def test_bad_emails_are_refused(client, email):
    response = post(client, author_email=email)
    assert response.status_code == 400
    assert "author_email" in error_of(response)["fields"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>", "ftp://x.org",
                                 "//evil.example", "http://"])  # fmt: skip
def test_only_web_urls_are_accepted(client, url):
    response = post(client, thread_url=url)
    assert response.status_code == 400
    assert "thread_url" in error_of(response)["fields"]


def test_unknown_fields_are_refused_not_stored(client):
    response = post(client, status="approved", ip_hash="x")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"status", "ip_hash"}


def test_reply_nesting_is_bounded(app, client):
    parent = None
    for _ in range(MAX_REPLY_DEPTH + 1):
        response = post(client, body=f"reply at depth {parent}", parent_id=parent)
        assert response.status_code == 202, response.get_json()
        parent = response.get_json()["id"]
    too_deep = post(client, body="one level too deep", parent_id=parent)
    assert too_deep.status_code == 400
    assert "levels deep" in error_of(too_deep)["fields"]["parent_id"]
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.max(Comment.depth))) == MAX_REPLY_DEPTH
        assert session.scalar(select(func.count()).select_from(Thread)) == 1


def test_hostile_query_parameters_and_ids_are_client_errors(client):
    # Each was a 500 (found by the schemathesis run): PostgreSQL refuses NULs and 64-bit overflow.
    threads = client.get("/api/v1/threads/comments", query_string={"site": "\x00x", "thread": "t"})
    assert threads.status_code == 400 and "null" in error_of(threads)["fields"]["site"]
    form = client.get("/api/v1/comments/form", query_string={"site": "de\x00mo"})
    assert form.status_code == 400
    assert client.get(f"/api/v1/comments/{2**66}").status_code == 404
