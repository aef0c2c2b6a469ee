"""Moderation fixtures: accounts on two sites, logged-in clients, comments in given states."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from service.domain.accounts import create_moderator, create_token
from service.domain.sites import ensure_site, find_site
from service.storage import db
from service.storage.states import CommentStatus, Role
from service.storage.tables import Comment, Moderator
from tests.web.test_api_comments import GOOD

PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts(app) -> dict[str, str]:
    """admin@ (every site), demo@ (moderates demo), other@ (moderates other)."""
    with app.app_context(), db.session_scope() as session:
        demo = find_site(session, "demo")
        other = ensure_site(session, "other", "Other blog", ["https://other.example"])
        create_moderator(session, "admin@example.org", PASSWORD, Role.ADMIN, [])
        create_moderator(session, "demo@example.org", PASSWORD, Role.MODERATOR, [demo])
        create_moderator(session, "other@example.org", PASSWORD, Role.MODERATOR, [other])
    return {"admin": "admin@example.org", "demo": "demo@example.org", "other": "other@example.org"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client, email: str, password: str = PASSWORD):
    page = client.get("/moderate/login")
    return client.post(
        "/moderate/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )


@pytest.fixture
def login(client, accounts):
    def as_(who: str):
        response = log_in(client, accounts[who])
        assert response.status_code == 302, response.text
        return client

    return as_


@pytest.fixture
def token_for(app, accounts):
    def make(who: str) -> str:
        with app.app_context(), db.session_scope() as session:
            moderator = session.scalar(select(Moderator).where(Moderator.email == accounts[who]))
            return create_token(session, moderator, "tests")[0]

    return make


@pytest.fixture
def comment_in(app, client):
    """Submit a comment through the API, then set its state as a worker would have."""

    def make(
        status: CommentStatus,
        body: str = "A perfectly ordinary comment.",
        site: str = "demo",
        scores: dict | None = None,
        explanation: list | None = None,
        reason_codes: list[str] | None = None,
        **fields,
    ) -> int:
        response = client.post(
            "/api/v1/comments", json={**GOOD, "site": site, "body": body, **fields}
        )
        assert response.status_code == 202, response.get_json()
        comment_id = response.get_json()["id"]
        with app.app_context(), db.session_scope() as session:
            comment = session.get(Comment, comment_id)
            comment.status = status
            comment.scores = scores or {"spam": 0.1, "toxicity": 0.7}
            comment.priority = max(comment.scores.values())
            comment.explanation = explanation or []
            held = ["TOXIC"] if status is CommentStatus.HELD else []
            comment.reason_codes = held if reason_codes is None else reason_codes
            comment.decided_by = "model"
        return comment_id

    return make


def status_of(app, comment_id: int) -> CommentStatus:
    with app.app_context(), db.session_scope() as session:
        return session.get(Comment, comment_id).status
