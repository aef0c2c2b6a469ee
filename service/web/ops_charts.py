"""The charts of /ops, from the figures of ``service.pipeline.vitals``: what each one shows, in
which unit, against which threshold."""

from __future__ import annotations

from service.pipeline import timeseries
from service.pipeline.vitals import SOURCES, STATUSES, SUBMISSION_OUTCOMES
from service.web.charts import TimeChart, grouped_bars, time_chart

_COLOURS = ("s1", "s2", "s3", "s4", "s5", "s6")


def _lines(values: dict[str, list]) -> list[tuple[str, str, list]]:
    return [(name.replace("_", " "), _COLOURS[i % len(_COLOURS)], series)
            for i, (name, series) in enumerate(values.items())]  # fmt: skip


def ops_charts(figures: dict, sweep_after: int) -> list[TimeChart]:
    end, step = figures["end"], figures["step"]
    per = "minute" if step == 1 else f"{step} minutes"
    gauges = figures["gauges"]
    limit = (float(sweep_after), f"SIEVE_SWEEP_AFTER {sweep_after} s")
    return [
        time_chart(f"Submissions per {per}, by outcome", "",
                   _lines({o: figures["submissions"][o] for o in SUBMISSION_OUTCOMES}), end, step),
        time_chart(f"Decisions per {per}, by who decided", "",
                   _lines({s: figures["decisions_by_source"][s] for s in SOURCES}), end, step),
        time_chart(f"Decisions per {per}, by status", "",
                   _lines({t: figures["decisions_by_status"][t] for t in STATUSES}), end, step),
        time_chart("Submit to decision (model)", "s",
                   [("p50", "s1", figures["latency_p50"]), ("p99", "s4", figures["latency_p99"])],
                   end, step),
        time_chart("Queued jobs", "", [("queued", "s1", gauges["queue_depth"])], end, step),
        time_chart("Oldest queued job", "s", [("age", "s3", gauges["queue_oldest_age"])], end,
                   step, threshold=limit),
        time_chart("Oldest pending comment", "s",
                   [("age", "s3", gauges["pending_oldest_age"])], end, step, threshold=limit),
        time_chart("Workers", "", [("alive", "s2", gauges["workers_alive"]),
                                   ("stale", "s4", gauges["workers_stale"])], end, step,
                   threshold=(1.0, "at least one alive")),
        time_chart("Failed jobs (all kept)", "", [("failed", "s4", gauges["failed_jobs"])], end,
                   step),
        time_chart(f"Moderator overrides per {per}", "",
                   [("overrides", "s5", figures["overrides"])], end, step),
    ]  # fmt: skip


def drift_charts(drifts: dict) -> dict:
    """Per label: the shares of scores per bucket, the last 24 hours against the week before."""
    edges = timeseries.SCORE_BUCKETS
    out = {}
    for label, figures in drifts.items():
        recent, reference = figures["recent"], figures["reference"]
        total_r, total_b = sum(recent) or 1, sum(reference) or 1
        groups = [
            (f"≤{edge:g}", [("series-live", "last 24 h", recent[i] / total_r),
                           ("series-reference", "week before", reference[i] / total_b)])
            for i, edge in enumerate(edges)
        ]  # fmt: skip
        out[label] = {**figures, "chart": grouped_bars(groups)}
    return out
