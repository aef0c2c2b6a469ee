"""The intake fast path: what it remembers per process (sites, thread ids) never shows."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, text

from service.domain.sites import ensure_site, find_site
from service.pipeline.intake import _checks_query
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


def test_the_duplicate_check_reads_only_same_text_comments_during_a_flood(app, client):
    """20,000 comments from one address: checking the next one must not read them all.

    PostgreSQL with no statistics yet (autovacuum off, or a table that just grew) and a generic
    plan (what a prepared statement gets) once preferred the IP and e-mail indexes here, and
    every submission then read the whole flood: intake fell from 450 to 150 comments/s.
    """
    assert post(client, GOOD).status_code == 202
    with app.app_context(), db.session_scope() as session:
        first = session.scalars(select(Comment)).one()
        template = {c.key: getattr(first, c.key) for c in Comment.__table__.columns}
        template |= {"author_email_hash": None}  # a flood from one address, without e-mail
        del template["id"]
        rows = [{**template, "fingerprint": f"{n:040x}"} for n in range(20_000)]
        session.execute(insert(Comment), rows)
    values = {
        "site_id": first.site_id,
        "fingerprint": f"{7:040x}",
        "author_email_hash": None,
        "ip_hash": first.ip_hash,
        "since": first.created_at - timedelta(minutes=10),
        "now": first.created_at,
    }
    query = _checks_query(False, True)
    with app.app_context(), db.engine().connect() as connection:
        compiled = query.compile(connection)
        params = compiled.construct_params(values)
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET plan_cache_mode = force_generic_plan"))
            explain = f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}"
            explained = connection.exec_driver_sql(explain, params).scalar()
            assert _rows_read(explained[0]["Plan"]) < 50
        else:
            explain = f"EXPLAIN QUERY PLAN {compiled}"
            # The plan does not depend on the values; strings spare sqlite3's datetime adapter.
            ordered = tuple(str(params[name]) for name in compiled.positiontup)
            plan = connection.exec_driver_sql(explain, ordered).all()
            searches = [row[-1] for row in plan if "comments" in row[-1]]
            assert searches and all("ix_comments_fingerprint_created" in s for s in searches)
        assert connection.execute(query, values).one()[0] is not None  # and it is found


def _rows_read(node: dict) -> int:
    own = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
    own += node.get("Rows Removed by Index Recheck", 0)
    return own + sum(_rows_read(child) for child in node.get("Plans", []))
