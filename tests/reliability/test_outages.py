"""Outages of the database or Redis: clients get clear answers, and nothing acknowledged is lost."""

from __future__ import annotations

import os
import threading
import time

import pytest
import redis
from sqlalchemy import select

from service.pipeline.sweeper import sweep
from service.storage import db
from service.storage.tables import Comment
from tests.reliability.conftest import first_decisions, pending_count, wait_until
from tests.web.test_api_comments import GOOD
from tests.worker.test_worker import BENIGN, submit

pytestmark = pytest.mark.reliability


def test_database_down_answers_503_and_recovers(make_app, private_postgres, private_redis):
    unlimited = "1000000/minute"  # the loop posts as fast as it can; limits are not the point
    app = make_app(
        database_url=private_postgres.url,
        redis_url=private_redis.url,
        rate_limit_ip=unlimited,
        rate_limit_site=unlimited,
        rate_limit_email=unlimited,
        rate_limit_global=unlimited,
    )
    client = app.test_client()
    answers: list[tuple[int, dict]] = []
    done = threading.Event()

    def keep_submitting() -> None:
        n = 0
        while not done.is_set():
            response = client.post("/api/v1/comments", json={**GOOD, "body": f"{BENIGN} {n}"})
            answers.append((response.status_code, response.get_json()))
            n += 1

    submitter = threading.Thread(target=keep_submitting)
    submitter.start()
    try:
        time.sleep(1)
        private_postgres.stop()
        time.sleep(2)
        down = client.post("/api/v1/comments", json=GOOD)
        ready = client.get("/readyz")
        private_postgres.start()
        time.sleep(2)
    finally:
        done.set()
        submitter.join(30)

    assert down.status_code == 503
    assert down.get_json()["error"]["code"] == "database_unavailable"
    assert down.headers["Retry-After"]
    assert ready.status_code == 503
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {202, 503}, f"unexpected answers: {set(statuses)}"
    assert 503 in statuses
    assert statuses[-1] == 202, "submissions did not recover after the restart"
    acknowledged = {body["id"] for status, body in answers if status == 202}
    with app.app_context(), db.session_scope() as session:
        stored = set(session.scalars(select(Comment.id).where(Comment.id.in_(acknowledged))))
    assert stored == acknowledged


def test_redis_down_still_accepts_and_the_sweeper_queues_later(
    make_app, private_redis, run_worker_on
):
    app = make_app(
        redis_url=private_redis.url, sweep_after=1, model_dir=os.environ.get("SIEVE_MODEL_DIR", "")
    )
    client = app.test_client()
    before = submit(client, BENIGN)
    private_redis.stop()
    during = [submit(client, f"{BENIGN} {n}") for n in range(5)]
    assert client.get(f"/api/v1/comments/{during[0]}").get_json()["status"] == "pending"
    private_redis.start()
    time.sleep(1.1)
    with app.app_context():
        result = sweep(app.config["SIEVE"].sweep_after)
    # The embedded Redis keeps its queue across a restart (append-only file): `before` kept its
    # job; the comments accepted while it was down had none and are queued now.
    assert result.requeued == len(during)
    assert result.covered == 1
    run_worker_on(app)
    assert pending_count(app) == 0
    assert set(first_decisions(app)) == {before, *during}


def test_redis_down_with_fail_closed_rate_limits_answers_503(make_app, private_redis, monkeypatch):
    from service.web.limits import limiter

    # The process-wide limiter reads the setting on its first init_app only; production builds
    # one app per process, the test suite many.
    monkeypatch.setattr(limiter, "_swallow_errors", None)
    app = make_app(redis_url=private_redis.url, rate_limit_fail_open=False)
    private_redis.stop()
    response = app.test_client().post("/api/v1/comments", json=GOOD)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "temporarily_unavailable"


def test_flushall_and_a_redis_restart_lose_nothing(reliable_app, private_redis, workers):
    client = reliable_app.test_client()
    workers.start("one")
    ids = [submit(client, f"{BENIGN} ({n})") for n in range(200)]
    wait_until(lambda: pending_count(reliable_app) < 200, 60, "the worker to start deciding")
    redis.Redis.from_url(private_redis.url).flushall()  # queue, jobs, registries: all gone
    ids += [submit(client, f"{BENIGN} ({n})") for n in range(200, 300)]
    private_redis.stop()
    ids += [submit(client, f"{BENIGN} ({n})") for n in range(300, 350)]  # still 202
    private_redis.start()
    ids += [submit(client, f"{BENIGN} ({n})") for n in range(350, 400)]

    wait_until(lambda: pending_count(reliable_app) == 0, 90, "every comment to be decided")
    decisions = first_decisions(reliable_app)
    assert sorted(decisions) == sorted(ids)
    assert set(decisions.values()) == {1}
