"""/ops: admins see queues, workers and failed jobs grouped by exception, and can act on them."""

from __future__ import annotations

import os
import time

from service.pipeline.broker import scoring_job_id, scoring_queue
from tests.pipeline.test_sweeper import fail_scoring_of
from tests.web.moderation.fixtures import accounts, csrf_of, login  # noqa: F401  (fixtures)
from tests.worker.test_worker import BENIGN, submit


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


def test_a_frozen_worker_is_shown_stale_not_idle(app, login):  # noqa: F811
    from datetime import timedelta

    from rq import SimpleWorker

    from service.pipeline.broker import redis_connection, scoring_queue
    from service.storage.tables import utcnow
    from worker.main import default_name

    with app.app_context():
        connection = redis_connection()
        live = SimpleWorker([scoring_queue()], connection=connection, name=default_name())
        frozen = SimpleWorker([scoring_queue()], connection=connection, name="frozen-host.4242")
        for worker in (live, frozen):
            worker.register_birth()
            worker.set_state("idle")
        live.heartbeat()
        silent_since = (utcnow() - timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        connection.hset(frozen.key, "last_heartbeat", silent_since)
    try:
        page = login("admin").get("/ops/").get_data(as_text=True)
        rows = {line.split("<td>")[1].split("</td>")[0]: line for line in _worker_rows(page)}
        assert "stale: no heartbeat for" in rows["frozen-host.4242"]
        assert 'class="stale"' in rows["frozen-host.4242"]
        live_row = rows[default_name()]
        assert "stale" not in live_row and "idle" in live_row
        import socket

        assert default_name() == f"{socket.gethostname()}.{os.getpid()}"  # readable, not hex
    finally:
        with app.app_context():
            live.register_death()
            frozen.register_death()


def _worker_rows(page: str) -> list[str]:
    section = page.split('id="workers"')[1].split("</table>")[0]
    return ["<tr" + row for row in section.split("<tr")[2:]]
