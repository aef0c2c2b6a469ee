"""The /ops charts' figures and the flags above them, from the per-minute series.

Gauges (queue depth and age, pending comments, failed jobs, workers) are sampled once a minute
by whichever process gets there first: a worker's watch loop, a scrape of /metrics or a view of
/ops, so that the charts go on when every worker is down. The rest is counted where it happens
(``service.pipeline.counters`` and the decision hooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask import current_app

from service.pipeline import monitor, timeseries
from service.pipeline.broker import redis_connection, scoring_queue
from service.storage import db

# The series /ops draws; the names are what counters and hooks write.
SUBMISSION_OUTCOMES = ("accepted", "guarded", "invalid", "rate_limited", "unknown_site", "error")
SOURCES = ("model", "moderator", "system", "guard")
STATUSES = ("approved", "held", "rejected", "spam")
GAUGES = ("queue_depth", "queue_oldest_age", "pending", "pending_oldest_age", "failed_jobs",
          "workers_alive", "workers_stale")  # fmt: skip
DRIFT_LABELS = ("spam", "toxicity")
WINDOWS = {"hour": (60, 1), "day": (1440, 10)}  # minutes shown, minutes per point


def sample_if_due(now: datetime | None = None) -> bool:
    """Sample the gauges for this minute unless another process has; True when sampled here."""
    now = now or timeseries._now()
    prefix = current_app.config["SIEVE"].rate_limit_key_prefix
    claim = f"{prefix}:ts:sampled:{now:%Y%m%d%H%M}"
    try:
        if not redis_connection().set(claim, "1", nx=True, ex=120):
            return False
        queue = monitor.queue_state(scoring_queue())
        workers = monitor.worker_states(scoring_queue())
    except (redis.RedisError, OSError):
        return False
    with db.session_scope() as session:
        pending = monitor.pending_state(session)
    timeseries.set_gauges(
        {
            "queue_depth": queue.queued,
            "queue_oldest_age": queue.oldest_queued_age or 0.0,
            "pending": pending.count,
            "pending_oldest_age": pending.oldest_age or 0.0,
            "failed_jobs": queue.failed,
            "workers_alive": sum(not w.stale for w in workers),
            "workers_stale": sum(w.stale for w in workers),
        },
        now,
    )
    return True


@dataclass(frozen=True)
class Flag:
    level: str  # "bad" or "warn"
    text: str


def series_names() -> list[str]:
    return [
        *(f"submissions:{o}" for o in SUBMISSION_OUTCOMES),
        *(f"decisions:{s}:{t}" for s in SOURCES for t in STATUSES),
        "overrides",
        *GAUGES,
        "latency",
    ]


def figures(window: str, now: datetime | None = None) -> dict:
    """Everything the charts of ``window`` ("hour" or "day") show, per point, oldest first."""
    now = now or timeseries._now()
    minutes, step = WINDOWS[window]
    names = series_names()
    raw = timeseries.read(names, minutes, now)

    def counts(name: str) -> list[float | None]:
        return timeseries.per_minute(raw[name], minutes, now, step)

    def gauge(name: str) -> list[float | None]:
        # A gauge's point is its last sample in the step, not the sum of them.
        values = timeseries.per_minute(raw[name], minutes, now, 1)
        return [next((v for v in reversed(values[i : i + step]) if v is not None), None)
                for i in range(0, len(values), step)]  # fmt: skip

    latency = timeseries.quantiles_per_minute(
        raw["latency"], minutes, (0.5, 0.99), timeseries.LATENCY_BUCKETS, now, step
    )
    return {
        "window": window,
        "step": step,
        "end": now,
        "submissions": {o: counts(f"submissions:{o}") for o in SUBMISSION_OUTCOMES},
        "decisions_by_source": {
            s: _sum([counts(f"decisions:{s}:{t}") for t in STATUSES]) for s in SOURCES
        },
        "decisions_by_status": {
            t: _sum([counts(f"decisions:{s}:{t}") for s in SOURCES]) for t in STATUSES
        },
        "overrides": counts("overrides"),
        "gauges": {name: gauge(name) for name in GAUGES},
        "latency_p50": [row[0] for row in latency],
        "latency_p99": [row[1] for row in latency],
    }


def _sum(rows: list[list[float | None]]) -> list[float | None]:
    out = []
    for values in zip(*rows, strict=True):
        present = [v for v in values if v is not None]
        out.append(sum(present) if present else None)
    return out


def drift(now: datetime | None = None) -> dict[str, dict]:
    """Per label: the score distribution of the last 24 hours against the 7 days before, and
    their population stability index (None without enough scores to compare)."""
    now = now or timeseries._now()
    raw = timeseries.read([f"scores:{label}" for label in DRIFT_LABELS], 8 * 1440, now)
    buckets = len(timeseries.SCORE_BUCKETS)
    out = {}
    for label in DRIFT_LABELS:
        series = raw[f"scores:{label}"]
        recent = timeseries.hourly_distribution(series, now - timedelta(hours=24), now, buckets)
        week = timeseries.hourly_distribution(
            series, now - timedelta(days=8), now - timedelta(hours=24), buckets
        )
        out[label] = {
            "recent": recent[:buckets],
            "reference": week[:buckets],
            "index": timeseries.stability_index(recent, week),
        }
    return out


def flags(workers, queue, pending, hour: dict, drifts: dict) -> list[Flag]:
    """What needs a person now, in words: the top of /ops."""
    settings = current_app.config["SIEVE"]
    found = []
    stale = [w.name for w in workers if w.stale]
    if not workers:
        found.append(Flag("bad", "No worker is running: comments are stored, nobody scores them."))
    elif stale:
        found.append(Flag("bad", f"No heartbeat for over 30 s from {', '.join(stale)}: "
                                 "frozen, stopped or cut off from Redis."))  # fmt: skip
    age, limit_age = queue.oldest_queued_age, settings.sweep_after
    if age and age > limit_age:
        found.append(Flag("bad", f"The oldest queued job has waited {age:.0f} s, longer than "
                                 f"SIEVE_SWEEP_AFTER ({limit_age} s)."))  # fmt: skip
    if pending.oldest_age and pending.oldest_age > limit_age:
        found.append(Flag("warn", f"A comment has been pending for {pending.oldest_age:.0f} s."))
    failed = [v for v in hour["gauges"]["failed_jobs"] if v is not None]
    if len(failed) >= 2:
        before = failed[max(0, len(failed) - 16)]
        if failed[-1] > before:
            rise, now = failed[-1] - before, failed[-1]
            found.append(Flag("warn", f"Failed jobs are rising: {rise:.0f} more in the last 15 "
                                      f"minutes ({now:.0f} in all)."))  # fmt: skip
    limit = settings.drift_alert
    for label, figures_ in drifts.items():
        index = figures_["index"]
        if index is not None and index > limit:
            found.append(Flag("warn", f"The {label} scores of the last 24 hours have drifted "
                                      f"from the week before (stability index {index:.2f}, "
                                      f"flagged above {limit:.2f})."))  # fmt: skip
    return found
