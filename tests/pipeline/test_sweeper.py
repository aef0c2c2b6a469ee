"""The sweeper re-queues what Redis lost; scoring that fails for good settles as SCORING_FAILED."""

from __future__ import annotations

import time

from rq import Callback, Retry

from service.pipeline.broker import SCORE_FAILED_CALLBACK, scoring_job_id, scoring_queue
from service.pipeline.sweeper import sweep
from service.storage.states import CommentStatus
from tests.worker.test_worker import BENIGN, events, stored, submit


def fail_scoring_of(app, comment_id: int, retries: int) -> None:
    with app.app_context():
        scoring_queue().enqueue(
            "tests.reliability.failing.always_fail",
            [comment_id],
            job_id=scoring_job_id([comment_id]),
            retry=Retry(max=retries) if retries else None,
            on_failure=Callback(SCORE_FAILED_CALLBACK),
        )
        queue = scoring_queue()
        queue.connection.lrem(queue.key, 1, scoring_job_id([comment_id]))  # drop the real job


def test_after_the_last_retry_the_comment_is_held_as_scoring_failed(app, client, run_worker):
    comment_id = submit(client, BENIGN)
    fail_scoring_of(app, comment_id, retries=1)
    run_worker()
    held = stored(app, comment_id)
    assert (held.status, held.reason_codes) == (CommentStatus.HELD, ["SCORING_FAILED"])
    assert held.decided_by == "system"
    [event] = events(app, comment_id)
    assert (event.action, event.to_status) == ("scoring_failed", CommentStatus.HELD)
    assert client.get(f"/api/v1/comments/{comment_id}").get_json()["status"] == "held"


def test_a_site_may_choose_to_approve_what_could_not_be_scored(app, client, run_worker):
    from service.domain.sites import find_site
    from service.storage import db

    with app.app_context(), db.session_scope() as session:
        find_site(session, "demo").scoring_failure = "approve"
    comment_id = submit(client, BENIGN)
    fail_scoring_of(app, comment_id, retries=0)
    run_worker()
    approved = stored(app, comment_id)
    assert (approved.status, approved.reason_codes) == (
        CommentStatus.APPROVED,
        ["SCORING_FAILED"],
    )


def test_sweeper_requeues_only_comments_without_a_live_job(app, client, redis_client, run_worker):
    covered = submit(client, BENIGN)
    lost = submit(client, f"{BENIGN} again")
    with app.app_context():
        scoring_queue().remove(scoring_job_id([lost]))  # as if Redis had lost it
        redis_client.delete(f"rq:job:{scoring_job_id([lost])}")
        assert sweep(min_age_seconds=3600).pending == 0  # too young to be swept
        time.sleep(1.1)
        result = sweep(min_age_seconds=1)
    assert (result.pending, result.requeued, result.covered) == (2, 1, 1)
    run_worker()
    assert stored(app, covered).status is CommentStatus.APPROVED
    assert stored(app, lost).status is CommentStatus.APPROVED
    assert len(events(app, lost)) == 1


def test_a_moderators_decision_is_never_flipped_by_a_sweep(app, client, run_worker):
    from service.storage import db
    from service.storage.tables import Comment

    comment_id = submit(client, BENIGN)
    with app.app_context():
        with db.session_scope() as session:
            comment = session.get(Comment, comment_id)
            comment.status, comment.decided_by = CommentStatus.REJECTED, "moderator"
        time.sleep(1.1)
        assert sweep(min_age_seconds=1).pending == 0
    run_worker()
    assert stored(app, comment_id).status is CommentStatus.REJECTED


def test_a_job_a_dying_worker_took_off_the_queue_is_queued_again(app, client, run_worker):
    """Workers listen to several queues, so RQ takes jobs with BLPOP, which keeps no copy in
    hand: a worker killed as Redis hands it a job loses it, though RQ still says "queued"."""
    comment_id = submit(client, BENIGN)
    with app.app_context():
        queue = scoring_queue()
        job_id = queue.connection.lpop(queue.key).decode()  # taken by a worker that then died
        assert queue.fetch_job(job_id).get_status() == "queued"
        result = sweep(0)
    assert (result.pending, result.requeued, result.covered) == (1, 1, 0)
    run_worker()
    assert stored(app, comment_id).status is CommentStatus.APPROVED
