"""Batched scoring: one job decides the comments of the scoring jobs queued behind it."""

from __future__ import annotations

from rq import SimpleWorker
from sqlalchemy import func, select

from service.pipeline.broker import (
    drain_queued_jobs,
    drained_jobs,
    redis_connection,
    scoring_job_id,
    scoring_queue,
)
from service.pipeline.sweeper import sweep
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment
from tests.worker.test_worker import BENIGN, SPAM, events, stored, submit


def pending(app) -> int:
    with app.app_context(), db.session_scope() as session:
        query = select(func.count()).select_from(Comment)
        return session.scalar(query.where(Comment.status == CommentStatus.PENDING))


def test_one_worker_job_decides_every_queued_comment_once(app, client, run_worker):
    ids = [submit(client, f"{BENIGN} ({n})") for n in range(6)] + [submit(client, SPAM)]
    run_worker()

    assert pending(app) == 0
    assert all(len(events(app, comment_id)) == 1 for comment_id in ids)
    assert stored(app, ids[-1]).status is not CommentStatus.APPROVED
    with app.app_context():
        queue = scoring_queue()
        # The first job ran; the six behind it were drained into its batch and are gone.
        assert queue.finished_job_registry.get_job_ids() == [scoring_job_id([ids[0]])]
        assert queue.count == 0 and drained_jobs(queue) == {}


def test_batch_size_one_runs_a_job_per_comment(make_app):
    from worker import context

    app = make_app(batch_size=1)
    client = app.test_client()
    ids = [submit(client, f"{BENIGN} ({n})") for n in range(3)]
    with app.app_context():
        context.activate(app)
        SimpleWorker([scoring_queue()], connection=redis_connection()).work(burst=True)
    assert pending(app) == 0
    with app.app_context():
        finished = scoring_queue().finished_job_registry.get_job_ids()
        assert sorted(finished) == sorted(scoring_job_id([i]) for i in ids)


def test_jobs_of_other_functions_stay_queued_in_their_place(app, client):
    first = submit(client, BENIGN)
    with app.app_context():
        queue = scoring_queue()
        other = queue.enqueue("tests.reliability.failing.always_fail", [first], job_id="other")
    second = submit(client, f"{BENIGN} again")
    with app.app_context():
        taken = drain_queued_jobs(queue, "owner", 10)
        assert [job.id for job in taken] == [scoring_job_id([first]), scoring_job_id([second])]
        assert queue.get_job_ids() == [other.id]
        assert set(drained_jobs(queue)) == {job.id for job in taken}


def test_the_sweeper_puts_back_the_jobs_of_a_batch_whose_job_died(app, client, run_worker):
    ids = [submit(client, f"{BENIGN} ({n})") for n in range(3)]
    with app.app_context():
        queue = scoring_queue()
        # Drained for a job that is not running any more (its worker was killed).
        assert len(drain_queued_jobs(queue, "killed-owner", 10)) == 3
        assert queue.count == 0
        sweep(min_age_seconds=3600)
        assert queue.count == 3 and drained_jobs(queue) == {}
    run_worker()
    assert pending(app) == 0
    assert all(len(events(app, comment_id)) == 1 for comment_id in ids)
