"""Handing accepted comments to the scoring queue, several at a time.

An RQ job costs the request path about as much as the rest of its Redis work together. So with
``SIEVE_ENQUEUE_DELAY_MS`` above 0, a web process answers 202 as soon as the comment is committed,
and a thread of the process queues what it accepted within that many milliseconds as one job (at
most ``SIEVE_BATCH_SIZE`` comments a job), with the submission metrics in the same round trip.

Nothing is lost if the process dies first: the comments are committed as pending, and the
sweeper queues any pending comment that has no job (as it does when Redis was down).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from redis.client import Pipeline

from service.pipeline import counters
from service.pipeline.broker import enqueue_scoring

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    comment_id: int
    site: str
    request_id: str | None


class Handoff:
    """Comments this process accepted and has not queued yet."""

    def __init__(self, app: Flask, delay_ms: int, batch_size: int) -> None:
        self.app = app
        self.delay = delay_ms / 1000
        self.batch_size = max(1, batch_size)
        self._waiting: list[Accepted] = []
        self._wake = threading.Condition()
        self._pid: int | None = None

    def add(self, accepted: Accepted) -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use, or first use after gunicorn forked us
                self._pid = os.getpid()
                self._waiting = []
                threading.Thread(target=self._run, name="sieve-handoff", daemon=True).start()
                atexit.register(self.flush)  # a process stopping gracefully queues what it holds
            self._waiting.append(accepted)
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._waiting:
                    self._wake.wait()
            time.sleep(self.delay)  # let the comments arriving meanwhile share the job
            try:
                self.flush()
            except Exception:  # the sweeper queues them later; this thread must live on
                log.exception("handoff failed")

    def flush(self) -> int:
        """Queue every waiting comment now; how many were handed to Redis."""
        with self._wake:
            waiting, self._waiting = self._waiting, []
        if not waiting:
            return 0
        handed = 0
        with self.app.app_context():
            for start in range(0, len(waiting), self.batch_size):
                chunk = waiting[start : start + self.batch_size]
                ids = [accepted.comment_id for accepted in chunk]
                only = chunk[0].request_id if len(chunk) == 1 else None
                if enqueue_scoring(ids, request_id=only, also=_count_submissions(chunk)):
                    handed += len(chunk)
                else:
                    log.warning("handoff left to the sweeper comment_ids=%s", ids)
        return handed


def _count_submissions(chunk: list[Accepted]) -> Callable[[Pipeline], None]:
    adds = [
        counters.submission_in(site, "accepted", n)
        for site, n in Counter(accepted.site for accepted in chunk).items()
    ]

    def count(pipeline: Pipeline) -> None:
        for add in adds:
            add(pipeline)

    return count
