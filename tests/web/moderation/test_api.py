"""The token-authenticated moderation JSON API."""

from __future__ import annotations

import pytest

from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import ApiToken
from tests.web.moderation.fixtures import status_of
from tests.web.test_openapi import document, validate


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz"])
def test_without_a_valid_token_it_is_401(client, accounts, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/moderation/queue", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(app, client, token_for):
    token = token_for("demo")
    assert client.get("/api/v1/moderation/queue", headers=bearer(token)).status_code == 200
    with app.app_context(), db.session_scope() as session:
        for record in session.query(ApiToken):
            record.revoked_at = record.created_at
    assert client.get("/api/v1/moderation/queue", headers=bearer(token)).status_code == 401


def test_queue_lists_held_comments_of_my_sites_only(client, token_for, comment_in):
    mine = comment_in(CommentStatus.HELD)
    comment_in(CommentStatus.APPROVED)
    theirs = comment_in(CommentStatus.HELD, site="other")

    response = client.get("/api/v1/moderation/queue", headers=bearer(token_for("demo")))
    assert response.status_code == 200
    assert [c["id"] for c in response.get_json()["comments"]] == [mine]
    item = response.get_json()["comments"][0]
    assert (item["site"], item["status"], item["reason_codes"]) == ("demo", "held", ["TOXIC"])
    validate(document(client), "/api/v1/moderation/queue", "get", response)

    admin = client.get("/api/v1/moderation/queue", headers=bearer(token_for("admin")))
    assert {c["id"] for c in admin.get_json()["comments"]} == {mine, theirs}


def test_another_sites_queue_is_403(client, token_for):
    response = client.get("/api/v1/moderation/queue?site=other", headers=bearer(token_for("demo")))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_decision_publishes_a_held_comment_and_is_audited(app, client, token_for, comment_in):
    comment_id = comment_in(CommentStatus.HELD)
    token = token_for("demo")
    url = f"/api/v1/moderation/comments/{comment_id}/decision"

    response = client.post(url, json={"action": "approve"}, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": comment_id, "status": "approved", "changed": True, "message": "",
    }  # fmt: skip
    validate(
        document(client), "/api/v1/moderation/comments/{comment_id}/decision", "post", response
    )
    listing = client.get("/api/v1/threads/comments?site=demo&thread=hello-world").get_json()
    assert [c["id"] for c in listing["comments"]] == [comment_id]

    again = client.post(url, json={"action": "approve"}, headers=bearer(token)).get_json()
    assert again["changed"] is False
    undone = client.post(url, json={"action": "undo"}, headers=bearer(token)).get_json()
    assert (undone["status"], undone["changed"]) == ("held", True)
    # An undo is not itself undone: that would publish the comment again, unasked.
    twice = client.post(url, json={"action": "undo"}, headers=bearer(token)).get_json()
    assert (twice["status"], twice["changed"], twice["message"]) == (
        "held", False, "nothing to undo"
    )  # fmt: skip
    redone = client.post(url, json={"action": "redo"}, headers=bearer(token)).get_json()
    assert (redone["status"], redone["changed"]) == ("approved", True)


def test_decision_on_another_sites_comment_is_403(app, client, token_for, comment_in):
    comment_id = comment_in(CommentStatus.HELD, site="other")
    response = client.post(
        f"/api/v1/moderation/comments/{comment_id}/decision",
        json={"action": "approve"},
        headers=bearer(token_for("demo")),
    )
    assert response.status_code == 403
    assert status_of(app, comment_id) is CommentStatus.HELD


def test_bulk_decision(app, client, token_for, comment_in):
    ids = [comment_in(CommentStatus.HELD, body=f"buy cheap pills {n}") for n in range(3)]
    response = client.post(
        "/api/v1/moderation/decisions",
        json={"ids": ids, "action": "spam", "reason": "wave"},
        headers=bearer(token_for("demo")),
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["spam"] * 3
    assert all(status_of(app, i) is CommentStatus.SPAM for i in ids)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "delete"}, "action"),
        ({"action": "reject", "reason": 5}, "reason"),
        ({"action": "reject", "ids": []}, "ids"),
        ({"action": "reject", "ids": ["1"]}, "ids"),
        ({"action": "reject", "ids": list(range(1, 600))}, "ids"),
    ],
)
def test_bad_decisions_are_400(client, token_for, payload, field):
    response = client.post(
        "/api/v1/moderation/decisions", json=payload, headers=bearer(token_for("admin"))
    )
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_unknown_comment_is_404_and_wrong_type_415(client, token_for):
    token = token_for("admin")
    missing = client.post(
        "/api/v1/moderation/comments/99999/decision", json={"action": "approve"},
        headers=bearer(token),
    )  # fmt: skip
    assert missing.status_code == 404
    wrong = client.post(
        "/api/v1/moderation/comments/1/decision", data="action=approve", headers=bearer(token)
    )
    assert wrong.status_code == 415


def test_an_id_past_64_bits_is_404_not_a_crash(client, token_for):
    response = client.post(
        f"/api/v1/moderation/comments/{2**64}/decision",
        json={"action": "approve"},
        headers=bearer(token_for("admin")),
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "comment_not_found"
