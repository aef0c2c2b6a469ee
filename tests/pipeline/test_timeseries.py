"""Per-minute series in Redis: counters, gauges and buckets land in their minute, read back in
order with gaps where nothing was recorded, and the stability index tells a shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.pipeline import timeseries

NOW = datetime(2026, 12, 6, 0, 5, 30, tzinfo=UTC)  # five minutes into a day: reads span two


def test_counters_gauges_and_buckets_read_back_per_minute(app):
    with app.app_context():
        timeseries.add({"submissions:accepted": 2}, NOW)
        timeseries.add({"submissions:accepted": 3}, NOW - timedelta(minutes=7))  # yesterday
        timeseries.set_gauges({"queue_depth": 4}, NOW - timedelta(minutes=1))
        timeseries.set_gauges({"queue_depth": 9}, NOW - timedelta(minutes=1))  # a later sample
        timeseries.observe("latency", [0.07, 0.08, 0.2, 40.0], timeseries.LATENCY_BUCKETS, NOW)
        raw = timeseries.read(["submissions:accepted", "queue_depth", "latency"], 10, NOW)
    accepted = timeseries.per_minute(raw["submissions:accepted"], 10, NOW)
    assert len(accepted) == 10
    assert accepted[-1] == 2 and accepted[-8] == 3 and accepted.count(None) == 8
    depth = timeseries.per_minute(raw["queue_depth"], 10, NOW)
    assert depth[-2] == 9 and depth[-1] is None
    p50, p99 = timeseries.quantiles_per_minute(
        raw["latency"], 10, (0.5, 0.99), timeseries.LATENCY_BUCKETS, NOW
    )[-1]
    assert (p50, p99) == (0.1, 60.0)  # upper edges of the buckets holding them
    per_five = timeseries.per_minute(raw["submissions:accepted"], 10, NOW, step=5)
    assert per_five == [3, 2]


def test_the_stability_index_tells_a_shift_from_noise():
    week = [700, 120, 60, 30, 20, 15, 15, 15, 10, 15]
    same = [v / 7 for v in week]
    shifted = [40, 10, 10, 10, 10, 10, 10, 10, 20, 40]
    assert timeseries.stability_index(same, week) < 0.01
    assert timeseries.stability_index(shifted, week) > 0.25
    assert timeseries.stability_index([3, 1], [200, 100]) is None  # too few to say


def test_hourly_distributions_sum_over_their_hours(app):
    with app.app_context():
        for hours_ago in (1, 2, 30):
            timeseries.observe("scores:spam", [0.05, 0.95], timeseries.SCORE_BUCKETS,
                               NOW - timedelta(hours=hours_ago), hourly=True)  # fmt: skip
        raw = timeseries.read(["scores:spam"], 3 * 1440, NOW)["scores:spam"]
    last_day = timeseries.hourly_distribution(raw, NOW - timedelta(hours=24), NOW, 10)
    before = timeseries.hourly_distribution(
        raw, NOW - timedelta(days=8), NOW - timedelta(hours=24), 10
    )
    assert last_day[0] == 2 and last_day[9] == 2 and sum(last_day) == 4
    assert sum(before) == 2
