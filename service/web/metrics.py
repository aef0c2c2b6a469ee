"""The ``/metrics`` endpoint: Redis-held counters plus figures read at scrape time.

See ``service/pipeline/counters.py`` for which figure comes from where, and why.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from service.domain.refusals import ApiError
from service.pipeline import counters, monitor, timeseries, vitals
from service.pipeline.broker import scoring_queue
from service.storage import db

blueprint = Blueprint("metrics", __name__)

_OUTCOMES = {
    202: "accepted",
    400: "invalid",
    404: "unknown_site",
    413: "too_large",
    415: "not_json",
    429: "rate_limited",
    503: "unavailable",
}
_LOOPBACK = {"127.0.0.1", "::1"}


@blueprint.get("/metrics")
def scrape() -> Response:
    _authorize()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _authorize() -> None:
    """A bearer token when one is set; without one, loopback only, and never in production."""
    settings = current_app.config["SIEVE"]
    if settings.metrics_token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
            raise ApiError(401, "unauthorized", "send Authorization: Bearer <SIEVE_METRICS_TOKEN>")
    elif settings.is_production or request.remote_addr not in _LOOPBACK:
        raise ApiError(403, "forbidden", "set SIEVE_METRICS_TOKEN to scrape /metrics from here")


class _Scrape:
    def collect(self) -> Iterator[Metric]:
        # A scrape is as good a moment as any to take the minute's sample for /ops.
        vitals.sample_if_due()
        yield from _redis_counters()
        yield from _redis_histograms()
        yield from _queue_and_workers()
        yield from _database()
        yield from _drift()
        yield from _model()


def _drift() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "sieve_score_drift",
        "Population stability index of a label's scores, last 24 h against the week before "
        "(absent until both have enough scores)",
        labels=["label"],
    )
    for label, figures in vitals.drift().items():
        if figures["index"] is not None:
            family.add_metric([label], figures["index"])
    yield family


def _labels(raw: str) -> dict[str, str]:
    return json.loads(raw) if raw else {}


def _redis_counters() -> Iterator[Metric]:
    families = {
        "sieve_submissions_total": CounterMetricFamily(
            "sieve_submissions", "Comment submissions by outcome", labels=["site", "outcome"]
        ),
        "sieve_rate_limited_total": CounterMetricFamily(
            "sieve_rate_limited", "Requests refused by a rate limit (429)", labels=["endpoint"]
        ),
    }
    for (name, labels), value in sorted(counters.read("counters").items()):
        if name in families:
            family = families[name]
            family.add_metric([_labels(labels)[n] for n in family._labelnames], value)
    yield from families.values()


def _redis_histograms() -> Iterator[Metric]:
    specs = {
        "sieve_job_duration_seconds": ("Duration of scoring jobs", counters.DURATION_BUCKETS, []),
        "sieve_comment_score": (
            "Scores given by the model, per label",
            counters.SCORE_BUCKETS,
            ["label"],
        ),
        "sieve_decision_latency_seconds": (
            "From a comment's submission to the model's decision",
            timeseries.LATENCY_BUCKETS,
            [],
        ),
    }
    series: dict[tuple[str, str], dict[str, float]] = {}
    for (name, rest), value in counters.read("histograms").items():
        labels, _, part = rest.rpartition("|")
        series.setdefault((name, labels), {})[part] = value
    for name, (help_text, buckets, label_names) in specs.items():
        family = HistogramMetricFamily(name, help_text, labels=label_names)
        for (series_name, labels), parts in sorted(series.items()):
            if series_name != name:
                continue
            running, cumulative = 0.0, []
            for bound in [*map(str, buckets), "+Inf"]:
                running += parts.get(bound, 0.0)
                cumulative.append((bound, running))
            values = _labels(labels)
            family.add_metric([values[n] for n in label_names], cumulative, parts.get("sum", 0.0))
        yield family


def _queue_and_workers() -> Iterator[Metric]:
    queue = scoring_queue()
    state = monitor.queue_state(queue)
    jobs = GaugeMetricFamily("sieve_queue_jobs", "Jobs by state", labels=["queue", "state"])
    for name in ("queued", "started", "scheduled", "deferred", "failed"):
        jobs.add_metric([state.name, name], getattr(state, name))
    yield jobs
    age = GaugeMetricFamily(
        "sieve_queue_oldest_job_age_seconds",
        "Wait of the job at the head of the queue (0: empty)",
        labels=["queue"],
    )
    age.add_metric([state.name], state.oldest_queued_age or 0.0)
    yield age
    failed = GaugeMetricFamily("sieve_failed_jobs", "Jobs in the failed registry", labels=["queue"])
    failed.add_metric([state.name], state.failed)
    yield failed
    workers = monitor.worker_states(queue)
    by_state = GaugeMetricFamily("sieve_workers", "Live workers by state", labels=["state"])
    for name in ("idle", "busy", "suspended"):
        by_state.add_metric([name], sum(1 for w in workers if w.state == name))
    yield by_state
    alive = sum(1 for w in workers if not w.stale)
    yield GaugeMetricFamily("sieve_workers_alive", "Workers with a live heartbeat", alive)
    yield GaugeMetricFamily(
        "sieve_workers_stale",
        f"Workers silent for over {monitor.STALE_AFTER_SECONDS} s (frozen or cut off)",
        len(workers) - alive,
    )


def _database() -> Iterator[Metric]:
    with db.session_scope() as session:
        pending = monitor.pending_state(session)
        decided = monitor.decision_counts(session)
        overrides = monitor.override_count(session)
    yield GaugeMetricFamily("sieve_pending_comments", "Comments awaiting a decision", pending.count)
    yield GaugeMetricFamily(
        "sieve_oldest_pending_comment_age_seconds",
        "Age of the oldest pending comment (0: none)",
        pending.oldest_age or 0.0,
    )
    family = GaugeMetricFamily(
        "sieve_comments_decided",
        "Decided comments by who decided and their status now",
        labels=["source", "decision"],
    )
    for (source, decision), value in sorted(decided.items()):
        family.add_metric([source, decision], value)
    yield family
    yield CounterMetricFamily(
        "sieve_moderator_overrides", "Moderator changes to decided comments", overrides
    )


def _model() -> Iterator[Metric]:
    from service.pipeline.classifier import classifier_holder

    holder = classifier_holder()
    try:
        live, shadow = holder.load(), holder.shadow()
    except Exception:  # the scrape still answers; /readyz reports the model problem
        return
    family = InfoMetricFamily(
        "sieve_model",
        "The classifier this server uses: the live one decides, the shadow one only scores",
        labels=["role"],
    )
    family.add_metric(["live"], {"version": live.version})
    if shadow is not None:
        family.add_metric(["shadow"], {"version": shadow.version})
    yield family


def _count_request(response: Response) -> Response:
    # A CORS preflight (OPTIONS) of the widget reaches the same endpoint: it is not a submission.
    submission = request.endpoint == "api.submit_comment" and request.method == "POST"
    if submission and not g.get("submission_counted"):
        known = response.status_code == 202 or g.get("site") is not None
        site = g.get("site_slug", "-") if known else "unknown"
        outcome = g.get("submission_outcome") or _OUTCOMES.get(response.status_code, "error")
        counters.record_submission(site, outcome)
    if response.status_code == 429:
        counters.count("sieve_rate_limited_total", {"endpoint": request.endpoint or "-"})
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.after_request(_count_request)
