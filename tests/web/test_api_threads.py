"""The public thread listing: approved only, oldest first, replies nested, cursor pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment
from tests.web.test_api_comments import GOOD


def submit(client, body: str, parent_id: int | None = None, thread: str = "hello-world") -> int:
    payload = {**GOOD, "body": body, "thread": thread}
    if parent_id:
        payload["parent_id"] = parent_id
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def set_status(app, status: CommentStatus, *ids: int) -> None:
    """Stand in for the classifier, so that the listing is tested on its own."""
    with app.app_context(), db.session_scope() as session:
        for comment_id in ids:
            session.get(Comment, comment_id).status = status


def listing(client, **params):
    query = {"site": "demo", "thread": "hello-world", **params}
    response = client.get("/api/v1/threads/comments", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_only_approved_comments_are_listed_oldest_first(app, client):
    first, second, held, rejected, spam = (submit(client, f"comment {n}") for n in range(5))
    set_status(app, CommentStatus.APPROVED, first, second)
    set_status(app, CommentStatus.HELD, held)
    set_status(app, CommentStatus.REJECTED, rejected)
    set_status(app, CommentStatus.SPAM, spam)
    submit(client, "still pending")

    page = listing(client)
    assert [c["id"] for c in page["comments"]] == [first, second]
    assert page["count"] == 2
    assert page["thread"] == {
        "key": "hello-world",
        "title": "Hello, world",
        "url": GOOD["thread_url"],
    }
    assert set(page["comments"][0]) == {
        "id", "parent_id", "author_name", "body", "created_at", "replies",
    }  # fmt: skip


def test_replies_are_nested_under_their_parents(app, client):
    root = submit(client, "root")
    reply = submit(client, "reply", root)
    nested = submit(client, "reply to reply", reply)
    hidden_parent = submit(client, "held reply", root)
    orphan = submit(client, "answer to a held reply", hidden_parent)
    set_status(app, CommentStatus.APPROVED, root, reply, nested, orphan)
    set_status(app, CommentStatus.HELD, hidden_parent)

    [top] = listing(client)["comments"]
    assert top["id"] == root
    assert [r["id"] for r in top["replies"]] == [reply]
    assert [r["id"] for r in top["replies"][0]["replies"]] == [nested]


def test_cursor_pagination_walks_every_top_level_comment_once(app, client):
    ids = [submit(client, f"comment {n}") for n in range(7)]
    set_status(app, CommentStatus.APPROVED, *ids)
    # Same timestamp for several comments: the id breaks the tie.
    same = datetime.now(UTC) - timedelta(minutes=5)
    with app.app_context(), db.session_scope() as session:
        for comment_id in ids[2:5]:
            session.get(Comment, comment_id).created_at = same

    seen, cursor = [], None
    while True:
        page = listing(client, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    assert seen[:3] == ids[2:5]


def test_unknown_thread_is_an_empty_listing(client):
    page = listing(client, thread="not-yet-commented")
    assert (page["count"], page["comments"], page["next_cursor"]) == (0, [], None)


def test_unknown_site_is_404(client):
    response = client.get("/api/v1/threads/comments?site=nowhere&thread=x")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "site_not_found"


def test_bad_parameters_are_400(client):
    response = client.get("/api/v1/threads/comments?limit=0&cursor=%%%")
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"site", "thread", "limit"}
    response = client.get("/api/v1/threads/comments?site=demo&thread=x&cursor=bm9wZQ")
    assert response.status_code == 400
    assert "cursor" in response.get_json()["error"]["fields"]
