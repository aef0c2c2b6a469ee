"""Workers killed or stopped mid-run lose no comment, and no comment is decided twice."""

from __future__ import annotations

import signal

import pytest
from rq import Callback, Retry

from service.pipeline.broker import SCORE_FAILED_CALLBACK, scoring_job_id, scoring_queue
from tests.reliability.conftest import first_decisions, pending_count, wait_until
from tests.worker.test_worker import BENIGN, submit

pytestmark = pytest.mark.reliability


def make_hang(app, comment_id: int, marker: str) -> None:
    """Swap the comment's queued job for one that hangs on its first run (same id and place)."""
    with app.app_context():
        queue = scoring_queue()
        job_id = scoring_job_id([comment_id])
        queue.enqueue(
            "tests.reliability.jobs.hang_once",
            [comment_id],
            marker=marker,
            job_id=job_id,
            retry=Retry(max=2, interval=[1, 1]),
            on_failure=Callback(SCORE_FAILED_CALLBACK),
            job_timeout=60,
        )
        queue.connection.lrem(queue.key, -1, job_id)  # keep only its original place


def test_a_worker_killed_mid_job_loses_nothing(reliable_app, workers, tmp_path):
    client = reliable_app.test_client()
    marker = tmp_path / "hung"
    first = workers.start("first")
    ids = [submit(client, f"{BENIGN} ({n})") for n in range(150)]
    make_hang(reliable_app, ids[-1], str(marker))
    ids += [submit(client, f"{BENIGN} ({n})") for n in range(150, 300)]

    wait_until(marker.exists, 60, "the first worker to reach the hanging job")
    with reliable_app.app_context():
        assert scoring_job_id([ids[149]]) in scoring_queue().started_job_registry.get_job_ids()
    workers.kill(first)  # SIGKILL, with its scheduler: nothing gets to clean up
    workers.start("second")
    ids += [submit(client, f"{BENIGN} ({n})") for n in range(300, 500)]

    wait_until(lambda: pending_count(reliable_app) == 0, 90, "every comment to be decided")
    decisions = first_decisions(reliable_app)
    assert sorted(decisions) == sorted(ids)
    assert set(decisions.values()) == {1}, "a comment was decided twice"


def test_sigterm_lets_the_current_job_finish(reliable_app, workers, tmp_path):
    client = reliable_app.test_client()
    marker = tmp_path / "started"
    comment_id = submit(client, BENIGN)
    with reliable_app.app_context():
        scoring_queue().enqueue(
            "tests.reliability.jobs.slow", [comment_id], marker=str(marker), seconds=3
        )
    worker = workers.start("graceful")
    wait_until(marker.exists, 60, "the worker to start the slow job")
    workers.kill(worker, signal.SIGTERM)
    assert worker.wait(30) == 0
    assert pending_count(reliable_app) == 0, "the job in hand was not finished"
    assert first_decisions(reliable_app) == {comment_id: 1}
