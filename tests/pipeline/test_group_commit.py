"""Group commit: comments a web process stores at the same moment share one INSERT."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from service.pipeline.group_commit import GroupInsert
from service.pipeline.intake import _INSERT
from service.storage import db
from service.storage.tables import Comment, Thread
from tests.processes import wait_until
from tests.web.test_api_comments import GOOD, post


@contextmanager
def inserts_held(app) -> Iterator[None]:
    """Every INSERT into comments waits until the block ends (reads go on)."""
    with app.app_context():
        url = db.engine().url
        if url.get_backend_name() == "sqlite":
            connection = sqlite3.connect(url.database, isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")  # the write lock, as a long transaction
            try:
                yield
            finally:
                connection.rollback()
                connection.close()
            return
        with db.engine().connect() as connection:
            connection.execute(text("LOCK TABLE comments IN SHARE ROW EXCLUSIVE MODE"))
            try:
                yield
            finally:
                connection.rollback()


def _letters(n: int) -> str:
    return "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in str(n))


def _submit_together(app, count: int, held: GroupInsert) -> list[int]:
    """Submit ``count`` comments at once while the first INSERT is held; their answers."""
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        body = f"{GOOD['body']} Reader {_letters(n)} agrees."
        response = post(app.test_client(), {**GOOD, "body": body})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(count)]
    with inserts_held(app):
        for thread in threads:
            thread.start()
        # One request leads an INSERT that waits on the lock; the others queue behind it.
        wait_until(lambda: len(held._waiting) == count - 1, 10, "the others to wait")
    for thread in threads:
        thread.join(30)
    return statuses


def test_comments_stored_at_the_same_moment_share_one_insert(app, client):
    assert post(client, GOOD).status_code == 202  # the thread now exists and is remembered
    rows: GroupInsert = app.extensions["sieve.comment_rows"]
    before = rows.groups

    statuses = _submit_together(app, 12, rows)

    assert statuses == [202] * 12
    assert rows.groups - before == 2  # the one that led, then the eleven that waited
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 13
        bodies = session.scalars(select(Comment.body)).all()
        assert len(set(bodies)) == 13


def test_without_group_commit_each_comment_is_its_own_insert(make_app):
    app = make_app(group_commit=False)
    assert post(app.test_client(), GOOD).status_code == 202
    rows: GroupInsert = app.extensions["sieve.comment_rows"]
    before = rows.groups

    assert _submit_together(app, 6, rows) == [202] * 6
    assert rows.groups - before == 6


def test_a_row_refused_by_a_constraint_does_not_take_its_group_down(app, client):
    assert post(client, GOOD).status_code == 202
    with app.app_context(), db.session_scope() as session:
        comment = session.scalars(select(Comment)).one()
        template = {c.key: getattr(comment, c.key) for c in Comment.__table__.columns}
        gone_thread = session.scalar(select(func.max(Thread.id))) + 1000
    del template["id"]
    rows = GroupInsert(_INSERT)
    outcomes: dict[int, object] = {}

    def insert(n: int) -> None:
        values = {**template, "body": f"Row {n}", "fingerprint": f"row-{n}"}
        if n == 3:
            values["thread_id"] = gone_thread  # its thread was deleted meanwhile
        with app.app_context():
            try:
                outcomes[n] = rows.insert(values)
            except IntegrityError as error:
                outcomes[n] = error

    threads = [threading.Thread(target=insert, args=(n,)) for n in range(6)]
    with inserts_held(app):
        threads[0].start()
        wait_until(lambda: rows._busy, 10, "the first insert")
        time.sleep(0.2)
        for thread in threads[1:]:
            thread.start()
        wait_until(lambda: len(rows._waiting) == 5, 10, "the others to wait")
    for thread in threads:
        thread.join(30)

    assert isinstance(outcomes.pop(3), IntegrityError)
    assert all(isinstance(value, int) for value in outcomes.values())
    with app.app_context(), db.session_scope() as session:
        stored = session.scalars(select(Comment.body).where(Comment.body.like("Row %"))).all()
    assert sorted(stored) == ["Row 0", "Row 1", "Row 2", "Row 4", "Row 5"]


@pytest.mark.parametrize("count", [1, 5])
def test_ids_come_back_to_the_request_that_sent_the_row(app, client, count):
    assert post(client, GOOD).status_code == 202
    rows: GroupInsert = app.extensions["sieve.comment_rows"]
    answers: dict[str, int] = {}

    def submit(n: int) -> None:
        body = f"{GOOD['body']} Reader {_letters(n)} agrees."
        response = post(app.test_client(), {**GOOD, "body": body})
        answers[body] = response.get_json()["id"]

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(count + 1)]
    with inserts_held(app):
        for thread in threads:
            thread.start()
        wait_until(lambda: len(rows._waiting) == count, 10, "the others to wait")
    for thread in threads:
        thread.join(30)

    with app.app_context(), db.session_scope() as session:
        for body, comment_id in answers.items():
            assert session.get_one(Comment, comment_id).body == body
