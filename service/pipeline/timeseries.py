"""Per-minute figures for /ops, kept eight days in Redis.

One hash per series and UTC day, its fields the minutes of the day (0-1439): a day of a series is
at most 1,440 fields, and the hash expires after ``KEEP_DAYS``. Counters (submissions, decisions,
overrides) are added to by whichever process sees the event; gauges (queue depth, ages, failed
jobs) are sampled once a minute by one process; distributions (submit-to-decision latency, and
scores per label by day, for drift) are counted per bucket. Reading any set of series for the last
hour or day is one pipelined round trip.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import redis
from flask import current_app
from redis.client import Pipeline

from service.pipeline.broker import redis_connection

log = logging.getLogger(__name__)

KEEP_DAYS = 8
TTL = (KEEP_DAYS + 1) * 86400
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
SCORE_BUCKETS = tuple(round(0.1 * n, 1) for n in range(1, 11))


def _key(series: str, day: str) -> str:
    prefix = current_app.config["SIEVE"].rate_limit_key_prefix
    return f"{prefix}:ts:{series}:{day}"


def _slot(at: datetime) -> tuple[str, int]:
    at = at.astimezone(UTC)
    return at.strftime("%Y%m%d"), at.hour * 60 + at.minute


def _now() -> datetime:
    return datetime.now(UTC)


def add(counts: Mapping[str, float], at: datetime | None = None, pipeline: Pipeline | None = None):
    """Add to counters (series name -> amount) in the minute of ``at``; never raises."""
    if counts:
        _per_minute(Pipeline.hincrbyfloat, counts, at, pipeline)


def set_gauges(values: Mapping[str, float], at: datetime | None = None) -> None:
    """Record sampled values (series name -> value) for the minute of ``at``."""
    _per_minute(Pipeline.hset, values, at, None)


def _per_minute(command, values: Mapping[str, float], at, pipeline: Pipeline | None) -> None:
    """``command(key, minute, value)`` for each series, in the hash of ``at``'s day."""
    day, minute = _slot(at or _now())

    def write(p: Pipeline) -> None:
        for series, value in values.items():
            key = _key(series, day)
            command(p, key, str(minute), value)
            p.expire(key, TTL)

    run_pipelined(write, pipeline, "time series")


def observe(
    series: str,
    values: Iterable[float],
    buckets: Sequence[float],
    at=None,
    hourly: bool = False,
    pipeline: Pipeline | None = None,
) -> None:
    """Count values into the buckets of their minute (fields ``<minute>:<bucket index>``), or of
    their hour (``h<hour>:<bucket index>``) for the slow distributions drift compares."""
    day, minute = _slot(at or _now())
    slot = f"h{minute // 60}" if hourly else str(minute)
    counts: dict[int, int] = {}
    for value in values:
        index = next((i for i, edge in enumerate(buckets) if value <= edge), len(buckets))
        counts[index] = counts.get(index, 0) + 1
    if not counts:
        return

    def write(p: Pipeline) -> None:
        key = _key(series, day)
        for index, n in counts.items():
            p.hincrby(key, f"{slot}:{index}", n)
        p.expire(key, TTL)

    run_pipelined(write, pipeline, "time series")


def run_pipelined(write, pipeline: Pipeline | None, what: str) -> None:
    """Queue ``write``'s commands into ``pipeline`` when given, else send them in a round trip
    of their own; a figure is dropped, never raised, when Redis is away."""
    if pipeline is not None:
        write(pipeline)
        return
    try:
        with redis_connection().pipeline(transaction=False) as p:
            write(p)
            p.execute()
    except (redis.RedisError, OSError) as error:
        log.debug("%s dropped error=%s", what, error)


def _days(minutes: int, end: datetime) -> list[str]:
    start = end - timedelta(minutes=minutes - 1)
    days, day = [], start.date()
    while day <= end.date():
        days.append(day.strftime("%Y%m%d"))
        day += timedelta(days=1)
    return days


def read(series: Sequence[str], minutes: int, end: datetime | None = None) -> dict[str, dict]:
    """The raw hashes of each series over the last ``minutes``: series -> {(day, field): value}."""
    end = end or _now()
    days = _days(minutes, end)
    with redis_connection().pipeline(transaction=False) as p:
        for name in series:
            for day in days:
                p.hgetall(_key(name, day))
        raw = p.execute()
    out: dict[str, dict] = {}
    i = 0
    for name in series:
        merged = {}
        for day in days:
            for field, value in raw[i].items():
                merged[(day, field.decode())] = float(value)
            i += 1
        out[name] = merged
    return out


def per_minute(raw: dict, minutes: int, end: datetime | None = None, step: int = 1) -> list:
    """Values of a counter or gauge per ``step`` minutes, oldest first (None: nothing recorded)."""
    end = (end or _now()).replace(second=0, microsecond=0)
    points = []
    for n in range(minutes - 1, -1, -step):
        values = []
        for k in range(step):
            at = end - timedelta(minutes=n - k) if n - k >= 0 else None
            if at is None:
                continue
            day, minute = _slot(at)
            value = raw.get((day, str(minute)))
            if value is not None:
                values.append(value)
        points.append(sum(values) if values else None)
    return points


def quantiles_per_minute(
    raw: dict, minutes: int, qs: Sequence[float], buckets: Sequence[float], end=None, step: int = 1
) -> list[list[float | None]]:
    """From a bucketed series: per ``step`` minutes, the upper bucket edge at each quantile."""
    end = (end or _now()).replace(second=0, microsecond=0)
    out = []
    for n in range(minutes - 1, -1, -step):
        counts = [0.0] * (len(buckets) + 1)
        for k in range(step):
            if n - k < 0:
                continue
            day, minute = _slot(end - timedelta(minutes=n - k))
            for index in range(len(buckets) + 1):
                counts[index] += raw.get((day, f"{minute}:{index}"), 0.0)
        out.append([_quantile(counts, q, buckets) for q in qs])
    return out


def _quantile(counts: Sequence[float], q: float, buckets: Sequence[float]) -> float | None:
    total = sum(counts)
    if not total:
        return None
    seen = 0.0
    for index, n in enumerate(counts):
        seen += n
        if seen >= q * total:
            return buckets[index] if index < len(buckets) else math.inf
    return math.inf


def hourly_distribution(raw: dict, start: datetime, end: datetime, buckets: int) -> list[float]:
    """Bucket counts of an hourly distribution series over the hours from ``start`` to ``end``."""
    counts = [0.0] * (buckets + 1)
    at = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while at < end:
        day = at.strftime("%Y%m%d")
        for index in range(buckets + 1):
            counts[index] += raw.get((day, f"h{at.hour}:{index}"), 0.0)
        at += timedelta(hours=1)
    return counts


def stability_index(recent: Sequence[float], reference: Sequence[float]) -> float | None:
    """The population stability index of two histograms: 0 the same; above 0.25, a shift worth a
    look (a model drifting from the traffic it was tuned on). None without enough to compare."""
    if sum(recent) < 50 or sum(reference) < 50:
        return None
    total_r, total_b = sum(recent), sum(reference)
    index = 0.0
    for r, b in zip(recent, reference, strict=True):
        pr, pb = max(r / total_r, 1e-4), max(b / total_b, 1e-4)
        index += (pr - pb) * math.log(pr / pb)
    return round(index, 4)
