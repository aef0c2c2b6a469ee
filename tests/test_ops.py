"""/ops: admins see queues, workers and failed jobs grouped by exception, and can act on them."""

from __future__ import annotations

import time

from service.queue import scoring_job_id, scoring_queue
from tests.moderation.fixtures import accounts, csrf_of, login  # noqa: F401  (fixtures)
from tests.test_sweeper import fail_scoring_of
from tests.test_worker import BENIGN, submit


def test_ops_is_for_admins_only(client, login):  # noqa: F811
    assert client.get("/ops/").status_code == 302  # to the login page
    assert login("demo").get("/ops/").status_code == 403


def test_failed_jobs_grouped_requeued_and_deleted(app, client, login, run_worker):  # noqa: F811
    first, second = submit(client, BENIGN), submit(client, BENIGN + " again")
    fail_scoring_of(app, first, retries=0)
    fail_scoring_of(app, second, retries=0)
    run_worker()
    with app.app_context():
        first_job, second_job = scoring_job_id([first]), scoring_job_id([second])
    admin = login("admin")
    page = admin.get("/ops/")
    assert page.status_code == 200
    assert "Failed jobs (2)" in page.text
    assert "RuntimeError" in page.text and first_job in page.text
    assert "No worker is running" in page.text

    token = csrf_of(page.text)
    admin.post(f"/ops/failed/{first_job}/requeue", data={"csrf_token": token})
    admin.post(f"/ops/failed/{second_job}/delete", data={"csrf_token": token})
    with app.app_context():
        queue = scoring_queue()
        assert queue.failed_job_registry.count == 0
        assert queue.job_ids == [first_job]


def test_ops_stays_fast_with_many_failed_jobs(app, login, redis_client):  # noqa: F811
    with app.app_context():
        key = scoring_queue().failed_job_registry.key
    entries = {f"gone-{n}": time.time() + 86400 for n in range(100_000)}
    redis_client.zadd(key, entries)
    admin = login("admin")
    started = time.perf_counter()
    page = admin.get("/ops/")
    elapsed = time.perf_counter() - started
    assert page.status_code == 200 and "Failed jobs (100000)" in page.text
    assert elapsed < 2.0, f"/ops took {elapsed:.2f} s with 100,000 failed jobs"
    redis_client.delete(key)
