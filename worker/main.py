"""The worker entrypoint: build the app, load the classifier once, then work the queue."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import threading
import time

import redis
from flask import Flask
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue
from rq.worker import WorkerStatus

from service import create_app, logs
from service.pipeline import model_watch, sweeper
from service.pipeline.broker import redis_connection
from service.pipeline.classifier import classifier_holder
from service.pipeline.outbox import worker_queues
from service.settings import SettingsError
from service.storage import db
from worker import context

log = logging.getLogger(__name__)

# A running job's heartbeat: a worker killed with SIGKILL stops it, and RQ then finds the job
# abandoned HEARTBEAT_TTL seconds later (instead of job timeout + 60 s), so the sweeper has it
# retried quickly.
HEARTBEAT_SECONDS = 5
HEARTBEAT_TTL = 20
# An idle worker beats every WORKER_TTL - 15 s (RQ's dequeue timeout), so that /ops can tell a
# frozen worker (silent for monitor.STALE_AFTER_SECONDS) from an idle one.
WORKER_TTL = 25


class ScoringWorker(SimpleWorker):
    """RQ's SimpleWorker (the model stays loaded between jobs) with a heartbeat during jobs.

    SIGTERM is RQ's warm shutdown: the current job is finished, then the worker exits.
    """

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return HEARTBEAT_TTL

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        done = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(job, execution, done), name="job-heartbeat", daemon=True
        )
        beat.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            beat.join()
        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job: Job, execution: Execution, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            try:
                self.maintain_heartbeats(job, execution)
            except Exception as error:  # a missed beat only risks a harmless repeat of the job
                log.warning("job heartbeat failed job_id=%s error=%s", job.id, error)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sieve worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    parser.add_argument(
        "--fork",
        action="store_true",
        help="fork a child per job (RQ's default); off by default, since the model is loaded "
        "once and a job only needs it and the database",
    )
    parser.add_argument("--name", help="worker name shown in status pages")
    parser.add_argument("--max-jobs", type=int, help="exit after this many jobs")
    parser.add_argument(
        "--no-sweeper", action="store_true", help="do not re-queue comments left pending"
    )
    return parser.parse_args(argv)


def build_worker(args: argparse.Namespace) -> Worker:
    """App, schema check and model load come before the first job is taken."""
    app = create_app()
    with app.app_context():
        db.check_schema(db.engine())
        classifier_holder().load()
        context.activate(app)
        worker_class = Worker if args.fork else ScoringWorker
        return _new_worker(worker_class, app, args.name or default_name())


def _new_worker(worker_class: type[Worker], app: Flask, name: str | None) -> Worker:
    """A worker registered with Redis, waiting for Redis as long as it takes."""
    while True:
        try:
            with app.app_context():
                return worker_class(
                    worker_queues(),
                    connection=redis_connection(),
                    name=name,
                    worker_ttl=WORKER_TTL,
                )
        except (redis.RedisError, OSError) as error:
            log.warning("worker waiting for redis error=%s", error)
            time.sleep(2)


def default_name() -> str:
    """Readable in status pages and unique while this process lives: host and pid."""
    return f"{socket.gethostname()}.{os.getpid()}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        worker = build_worker(args)
    except (SettingsError, db.SchemaNotCurrent) as error:
        print(f"sieve worker: cannot start: {error}", file=sys.stderr)
        return 1
    app = context.current()
    settings = app.config["SIEVE"]
    logs.configure(settings.log_level, settings.log_format)
    stop_sweeper = None if args.burst or args.no_sweeper else sweeper.start_thread(app)
    stop_watch = None if args.burst else model_watch.start_thread(app, worker.name)
    try:
        while True:
            try:
                worker.work(
                    burst=args.burst,
                    with_scheduler=True,
                    max_jobs=args.max_jobs,
                    logging_level=settings.log_level,
                )
            except (redis.RedisError, OSError) as error:
                log.warning("worker cannot reach redis error=%s", error)
            # RQ leaves its loop on SIGTERM/SIGINT, in burst mode and after --max-jobs, but also
            # on an unexpected error such as Redis going away between jobs: only that is retried.
            if args.burst or args.max_jobs or worker._shutdown_requested_date is not None:
                break
            log.warning("worker loop ended without a stop request; restarting in 2 s")
            time.sleep(2)
            worker = _new_worker(type(worker), app, args.name or default_name())
            # The registration of this same worker, left when Redis went away before RQ could
            # remove it: RQ would refuse to start a worker of that name while it stands.
            with contextlib.suppress(redis.RedisError, OSError):
                worker.connection.delete(worker.key)
    except StopRequested:
        pass  # SIGTERM between two runs of the loop: nothing is in hand
    finally:
        for stop in (stop_sweeper, stop_watch):
            if stop is not None:
                stop.set()
    return 0
