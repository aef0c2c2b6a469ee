"""``GET /metrics`` in the Prometheus text format.

Where each figure comes from, and why:
* Queue depth, oldest job age, workers, failed jobs: RQ's registries, read at scrape time.
* Pending comments, decisions by source and status, moderator overrides: the database at scrape
  time. Both are shared by every process and survive restarts, so gunicorn's several processes
  and any number of workers need no multiprocess set-up.
* Events that leave no other trace (submissions and their outcome, rate-limit rejections, job
  durations, score distributions) are counted in Redis hashes by whichever process sees them,
  web or worker, on any host. Best effort: a count is dropped, never a request, when Redis is
  down; a FLUSHALL resets them, which Prometheus treats as a counter reset.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

import redis
from flask import current_app
from redis.client import Pipeline

from service.pipeline import timeseries
from service.pipeline.broker import redis_connection

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def _key(kind: str) -> str:
    return f"{current_app.config['SIEVE'].rate_limit_key_prefix}:metrics:{kind}"


def _field(name: str, labels: Mapping[str, str]) -> str:
    return f"{name}|{json.dumps(dict(sorted(labels.items())), separators=(',', ':'))}"


def count(name: str, labels: Mapping[str, str], amount: int = 1) -> None:
    """Add to a Redis-held counter; never raises."""
    try:
        redis_connection().hincrby(_key("counters"), _field(name, labels), amount)
    except (redis.RedisError, OSError) as error:
        log.debug("metric dropped name=%s error=%s", name, error)


def observe_many(
    name: str,
    observations: Iterable[tuple[Mapping[str, str], float]],
    buckets: Sequence[float],
    pipeline: Pipeline | None = None,
) -> None:
    """Record values in a Redis-held histogram (per-bucket counts, made cumulative on scrape);
    into ``pipeline`` when given, else in a round trip of its own."""
    # Summed here first: a batch of 256 comments is a handful of commands, not a thousand.
    counts: Counter[str] = Counter()
    sums: dict[str, float] = {}
    for labels, value in observations:
        field = _field(name, labels)
        le = next((b for b in buckets if value <= b), "+Inf")
        counts[f"{field}|{le}"] += 1
        sums[f"{field}|sum"] = sums.get(f"{field}|sum", 0.0) + value

    def write(p: Pipeline) -> None:
        key = _key("histograms")
        for bucket, n in counts.items():
            p.hincrby(key, bucket, n)
        for total, value in sums.items():
            p.hincrbyfloat(key, total, value)

    timeseries.run_pipelined(write, pipeline, f"metric {name}")


def record_scoring(outcomes: Sequence[object], seconds: float | None) -> None:
    """A scoring job's duration, the decisions it made, how long each comment waited for its
    decision, and the scores it gave, per label (for /metrics and the figures of /ops): one
    round trip."""
    now = datetime.now(UTC)
    waited = [(now - o.created_at).total_seconds() for o in outcomes if o.created_at is not None]
    scores = [
        ({"label": label}, float(value))
        for outcome in outcomes
        for label, value in getattr(outcome, "scores", {}).items()
    ]
    try:
        with redis_connection().pipeline(transaction=False) as pipeline:
            if seconds is not None:
                observe_many("sieve_job_duration_seconds", [({}, seconds)], DURATION_BUCKETS,
                             pipeline)  # fmt: skip
            if scores:
                observe_many("sieve_comment_score", scores, SCORE_BUCKETS, pipeline)
            if waited:
                observe_many("sieve_decision_latency_seconds", [({}, w) for w in waited],
                             timeseries.LATENCY_BUCKETS, pipeline)  # fmt: skip
                timeseries.observe("latency", waited, timeseries.LATENCY_BUCKETS, now,
                                   pipeline=pipeline)  # fmt: skip
            decided = Counter(f"decisions:{o.source}:{o.status.value}" for o in outcomes)
            timeseries.add(decided, now, pipeline=pipeline)
            for label in ("spam", "toxicity"):
                values = [value for labels, value in scores if labels["label"] == label]
                if values:
                    timeseries.observe(f"scores:{label}", values, timeseries.SCORE_BUCKETS, now,
                                       hourly=True, pipeline=pipeline)  # fmt: skip
            pipeline.execute()
    except (redis.RedisError, OSError) as error:
        log.debug("scoring figures dropped error=%s", error)


def record_submission(site: str, outcome: str) -> None:
    try:
        with redis_connection().pipeline(transaction=False) as pipeline:
            submission_in(site, outcome)(pipeline)
            pipeline.execute()
    except (redis.RedisError, OSError) as error:
        log.debug("metric dropped name=sieve_submissions_total error=%s", error)


def submission_in(site: str, outcome: str, amount: int = 1) -> Callable[[Pipeline], object]:
    """``record_submission`` as commands for a pipeline the caller sends anyway: the counter
    of /metrics and the minute's figure of /ops."""
    field = _field("sieve_submissions_total", {"site": site, "outcome": outcome})
    key = _key("counters")

    def commands(pipeline: Pipeline) -> None:
        pipeline.hincrby(key, field, amount)
        timeseries.add({f"submissions:{outcome}": amount}, pipeline=pipeline)

    return commands


def read(kind: str) -> dict[tuple[str, str], float]:
    """``{(name, labels_json) or (name, labels_json|bucket): value}`` from Redis."""
    raw = redis_connection().hgetall(_key(kind))
    values: dict[tuple[str, str], float] = {}
    for field, value in raw.items():
        name, _, rest = field.decode().partition("|")
        values[(name, rest)] = float(value)
    return values
