"""With SIEVE_ENQUEUE_DELAY_MS, a web process queues the comments it accepted together."""

from __future__ import annotations

import threading
import time

from rq import SimpleWorker

from service.pipeline.broker import jobs_of_comments, redis_connection, scoring_queue
from service.pipeline.sweeper import sweep
from tests.web.test_api_comments import GOOD
from tests.worker.test_worker import BENIGN, stored
from worker import context


def work_queue(app) -> None:
    with app.app_context():
        context.activate(app)
        SimpleWorker([scoring_queue()], connection=redis_connection()).work(burst=True)


def all_queued(app, ids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while not all(jobs_of_comments(ids).values()):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return True


def _post_together(client, count: int) -> list[int]:
    ids: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def post(n: int) -> None:
        start.wait()
        body = f"{BENIGN} Written by reader {'abcdefghijklmnop'[n]}."
        response = client.post("/api/v1/comments", json={**GOOD, "body": body})
        assert response.status_code == 202
        with lock:
            ids.append(response.get_json()["id"])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(ids)


def test_comments_accepted_together_are_queued_as_one_job_and_decided(make_app):
    app = make_app(enqueue_delay_ms=200)
    ids = _post_together(app.test_client(), 8)

    assert all_queued(app, ids)
    with app.app_context():
        jobs = set(jobs_of_comments(ids).values())
        assert len(jobs) < len(ids)  # several comments a job
        assert set(scoring_queue().job_ids) == jobs
    work_queue(app)
    assert {stored(app, cid).status.value for cid in ids} == {"approved"}


def test_comments_a_dead_process_never_queued_are_queued_by_the_sweeper(make_app):
    app = make_app(enqueue_delay_ms=60_000)  # the process "dies" long before it would queue
    ids = _post_together(app.test_client(), 3)
    with app.app_context():
        app.extensions["sieve.handoff"]._waiting.clear()  # what dying loses: all but the rows
        assert scoring_queue().job_ids == []
        assert sweep(0).requeued == len(ids)
    work_queue(app)
    assert {stored(app, cid).status.value for cid in ids} == {"approved"}
