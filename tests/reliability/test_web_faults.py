"""A web process killed in the middle of a group commit: every comment answered 202 is stored and
decided, none twice, and none of the rows waiting for the group is stored."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select, text

from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment
from tests.pipeline.test_group_commit import inserts_held
from tests.processes import ROOT
from tests.reliability.conftest import first_decisions, wait_until
from tests.reliability.postgres import free_port
from tests.web.test_api_comments import GOOD

pytestmark = pytest.mark.reliability
HIGH = "100000/minute"


def _letters(n: int) -> str:
    return "".join("abcdefghij"[int(d)] for d in f"{n:03d}")


def _submit(base: str, body: str) -> int | None:
    """The comment's id if it was answered 202, else None (refused, reset, or no answer)."""
    payload = json.dumps({**GOOD, "body": body}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/comments",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["id"] if response.status == 202 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _submit_together(
    base: str, bodies: list[str]
) -> tuple[dict[str, int | None], list[threading.Thread]]:
    answers: dict[str, int | None] = {}
    threads = [
        threading.Thread(target=lambda b=b: answers.__setitem__(b, _submit(base, b)))
        for b in bodies
    ]
    for thread in threads:
        thread.start()
    return answers, threads


def _web_children(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def _insert_waiting_on_lock(app) -> bool:
    with app.app_context(), db.engine().connect() as connection:
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO comments%'"
        )
        return connection.execute(query).scalar() > 0


def test_a_web_process_killed_mid_group_commit_loses_no_answered_comment(
    reliable_app, workers, tmp_path
):
    env = {
        **workers.env(),
        "SIEVE_RATE_LIMIT_IP": HIGH,
        "SIEVE_RATE_LIMIT_SITE": HIGH,
        "SIEVE_RATE_LIMIT_GLOBAL": HIGH,
        "SIEVE_RATE_LIMIT_EMAIL": HIGH,
    }
    port = free_port()
    with (tmp_path / "web.log").open("ab") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "8", "--graceful-timeout", "2", "service.wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _submit(base, GOOD["body"]) is not None, 60, "the web server")
        [first_child] = _web_children(web.pid)

        # Eight comments at once while INSERTs wait: one leads a group, seven queue behind it.
        killed_bodies = [f"{GOOD['body']} Killed {_letters(n)}." for n in range(8)]
        with inserts_held(reliable_app):
            killed, threads = _submit_together(base, killed_bodies)
            if reliable_app.config["SIEVE"].database_url.startswith("postgresql"):
                wait_until(lambda: _insert_waiting_on_lock(reliable_app), 10, "a held INSERT")
            time.sleep(0.5)  # the others reach the group and wait behind the leader
            os.kill(first_child, signal.SIGKILL)
            for thread in threads:
                thread.join(30)
        assert all(answer is None for answer in killed.values())  # none was answered 202

        # gunicorn starts a new process; it answers as before.
        wait_until(
            lambda: _web_children(web.pid) not in ([], [first_child]), 30, "a new web process"
        )
        later_bodies = [f"{GOOD['body']} Later {_letters(n)}." for n in range(8)]
        later, threads = _submit_together(base, later_bodies)
        for thread in threads:
            thread.join(30)
        answered = [comment_id for comment_id in later.values() if comment_id is not None]
        assert len(answered) == 8

        workers.start("after-kill")
        with reliable_app.app_context(), db.session_scope() as session:
            stored = dict(session.execute(select(Comment.body, Comment.id)).all())
        wait_until(lambda: _all_decided(reliable_app), 60, "every stored comment decided")
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(15)

    with reliable_app.app_context(), db.session_scope() as session:
        statuses = dict(session.execute(select(Comment.id, Comment.status)).all())
        copies = session.execute(
            select(Comment.body, func.count()).group_by(Comment.body).having(func.count() > 1)
        ).all()
    for comment_id in answered:
        assert statuses[comment_id] != CommentStatus.PENDING  # answered 202: stored and decided
    assert copies == []  # no comment stored twice
    decisions = first_decisions(reliable_app)
    assert set(decisions) == set(statuses) and set(decisions.values()) == {1}  # none twice
    # What the killed process had in hand: one statement in flight (which the database may
    # finish after the process died) and seven rows queued behind it, never sent.
    assert len([body for body in killed_bodies if body in stored]) <= 1


def _all_decided(app) -> bool:
    with app.app_context(), db.session_scope() as session:
        pending = session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING)
        )
        return pending == 0
