"""The intake fast path: what it remembers per process (sites, thread ids) never shows."""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select

from service.domain.sites import ensure_site, find_site
from service.storage import db
from service.storage.tables import Comment, Thread
from tests.web.test_api_comments import GOOD, post


def test_concurrent_first_comments_on_new_threads_are_all_stored(app):
    """Requests racing to open the same thread: none may use it before it is committed."""
    rounds, writers = 40, 6
    statuses: list[int] = []
    lock = threading.Lock()

    def write(round_: int, writer: int, start: threading.Barrier) -> None:
        client = app.test_client()
        payload = {
            **GOOD,
            "thread": f"breaking-{round_}",
            "author_email": f"reader{writer}@example.org",
            # Letters, not digits: the duplicate check ignores numbers.
            "body": f"{GOOD['body']} From {'abcdef'[writer]} on {_letters(round_)}.",
        }
        start.wait()
        status = post(client, payload).status_code
        with lock:
            statuses.append(status)

    for round_ in range(rounds):
        start = threading.Barrier(writers)
        threads = [
            threading.Thread(target=write, args=(round_, writer, start))
            for writer in range(writers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert statuses == [202] * (rounds * writers)
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Thread)) == rounds
        assert session.scalar(select(func.count()).select_from(Comment)) == rounds * writers


def _letters(n: int) -> str:
    return chr(ord("a") + n % 26) + chr(ord("a") + n // 26)


def test_a_thread_deleted_behind_the_cache_is_made_again(app, client):
    assert post(client, GOOD).status_code == 202
    assert post(client, {**GOOD, "body": "A second, different comment on it."}).status_code == 202
    with app.app_context(), db.session_scope() as session:
        session.execute(delete(Thread))  # and its comments, by cascade

    response = post(client, {**GOOD, "body": "A third comment, after the thread went."})

    assert response.status_code == 202
    with app.app_context(), db.session_scope() as session:
        thread = session.scalars(select(Thread)).one()
        assert session.get(Comment, response.get_json()["id"]).thread_id == thread.id


def test_a_site_change_in_this_process_applies_to_the_next_comment(app, client):
    assert post(client, GOOD).status_code == 202
    with app.app_context(), db.session_scope() as session:
        find_site(session, "demo").rate_limit_ip = "1/hour"

    first = post(client, {**GOOD, "body": "Allowed: the first within the new limit."})
    second = post(client, {**GOOD, "body": "Refused: the second within the new limit."})

    assert (first.status_code, second.status_code) == (202, 429)


def test_a_site_added_after_an_unknown_slug_was_seen_is_found(app, client):
    payload = {**GOOD, "site": "newcomer"}
    assert post(client, payload).status_code == 404
    with app.app_context(), db.session_scope() as session:
        ensure_site(session, "newcomer", "Newcomer", ["http://localhost:8000"])

    assert post(client, payload).status_code == 202
