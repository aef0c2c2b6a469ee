"""/ops: admins see queues, workers and failed jobs grouped by exception, and can act on them."""

from __future__ import annotations

import os
import time

from service.pipeline.broker import redis_connection, scoring_job_id, scoring_queue
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


def seed_a_week_of_buckets(app) -> None:
    """Every series of /ops, every minute of the last eight days: the most it ever holds."""
    from datetime import timedelta

    from service.pipeline import timeseries, vitals

    with app.app_context():
        connection = redis_connection()
        today = timeseries._now()
        with connection.pipeline(transaction=False) as pipeline:
            for back in range(timeseries.KEEP_DAYS + 1):
                day = (today - timedelta(days=back)).strftime("%Y%m%d")
                minutes = {str(m): (m % 7) + 1 for m in range(1440)}
                for name in vitals.series_names():
                    pipeline.hset(timeseries._key(name, day), mapping=minutes)
                buckets = {f"{m}:{i}": 1 for m in range(0, 1440, 3) for i in (1, 4)}
                pipeline.hset(timeseries._key("latency", day), mapping=buckets)
                for label in vitals.DRIFT_LABELS:
                    hourly = {f"h{h}:{i}": 5 + i for h in range(24) for i in range(10)}
                    pipeline.hset(timeseries._key(f"scores:{label}", day), mapping=hourly)
            pipeline.execute()


def test_ops_stays_fast_with_many_failed_jobs_and_a_week_of_figures(app, login, redis_client):  # noqa: F811
    with app.app_context():
        key = scoring_queue().failed_job_registry.key
    entries = {f"gone-{n}": time.time() + 86400 for n in range(100_000)}
    redis_client.zadd(key, entries)
    seed_a_week_of_buckets(app)
    admin = login("admin")
    for window in ("hour", "day"):
        started = time.perf_counter()
        page = admin.get(f"/ops/?window={window}")
        elapsed = time.perf_counter() - started
        assert page.status_code == 200 and "Failed jobs (100000)" in page.text
        assert page.text.count('class="ops-chart"') == 12  # ten over time, drift per label
        assert elapsed < 3.0, f"/ops?window={window} took {elapsed:.2f} s"
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


def test_the_charts_show_what_happened_and_the_flags_say_what_needs_a_person(
    app,
    client,
    login,  # noqa: F811
    run_worker,
):
    from service.storage import db
    from service.storage.states import CommentStatus
    from service.storage.tables import Comment, Moderator

    ids = [submit(client, f"{BENIGN} ({n})") for n in range(3)]
    run_worker()
    admin = login("admin")
    with app.app_context(), db.session_scope() as session:  # a moderator reverses the model
        from service.domain.decisions import decide

        moderator = session.query(Moderator).filter_by(email="admin@example.org").one()
        decide(session, session.get(Comment, ids[0]), "spam", moderator)
        assert session.get(Comment, ids[0]).status is CommentStatus.SPAM
    page = admin.get("/ops/").text
    assert "No worker is running" in page and 'class="flag flag-bad"' in page
    charts = {title: part for title, part in _charts(page)}
    assert "accepted <b>3</b>" in charts["Submissions per minute, by outcome"]
    assert "model <b>3</b>" in charts["Decisions per minute, by who decided"]
    assert "moderator <b>1</b>" in charts["Decisions per minute, by who decided"]
    assert "overrides <b>1</b>" in charts["Moderator overrides per minute"]
    assert 'class="dot s1"' in charts["Submit to decision (model)"]  # one minute: a point
    live = admin.get("/ops/live?window=day")
    assert live.status_code == 200 and 'id="ops-live" data-window="day"' in live.text
    assert "per 10 minutes" in live.text and "<html" not in live.text


def _charts(page: str) -> list[tuple[str, str]]:
    parts = page.split('<figure class="ops-chart">')[1:]
    return [(part.split("<strong>")[1].split("</strong>")[0], part) for part in parts]


def test_a_stuck_queue_and_drifting_scores_are_flagged(app, client, login):  # noqa: F811
    from datetime import timedelta

    from service.pipeline import timeseries
    from service.storage.tables import utcnow

    comment = submit(client, BENIGN)  # queued; no worker takes it
    with app.app_context():
        job = scoring_queue().fetch_job(scoring_job_id([comment]))
        job.enqueued_at = utcnow() - timedelta(seconds=900)
        job.save()
        now = timeseries._now()
        for hours_ago in range(1, 24 * 8):
            spam_share = 0.8 if hours_ago <= 24 else 0.05  # today, most scores are high
            values = [0.95] * int(100 * spam_share) + [0.05] * int(100 * (1 - spam_share))
            timeseries.observe("scores:spam", values, timeseries.SCORE_BUCKETS,
                               now - timedelta(hours=hours_ago), hourly=True)  # fmt: skip
    page = login("admin").get("/ops/").text
    assert "The oldest queued job has waited 900 s" in page
    assert "SIEVE_SWEEP_AFTER (300 s)" in page
    assert "The spam scores of the last 24 hours have drifted from the week before" in page
    assert "toxicity scores of the last 24 hours have drifted" not in page
