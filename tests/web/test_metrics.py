"""/metrics after a known workload: every series the ops dashboards need, with its value."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from rq import SimpleWorker

from service.pipeline.broker import redis_connection, scoring_queue
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ModerationEvent
from tests.pipeline.test_sweeper import fail_scoring_of
from tests.web.test_api_comments import GOOD
from tests.worker.test_worker import BENIGN, SPAM, submit


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_after_a_known_workload(make_app, run_worker):
    app = make_app(rate_limit_ip="5/minute")
    client = app.test_client()
    assert client.post("/api/v1/comments", json={**GOOD, "body": ""}).status_code == 400
    ids = [submit(client, f"{BENIGN} ({n})") for n in range(3)] + [submit(client, SPAM)]
    assert client.post("/api/v1/comments", json=GOOD).status_code == 429
    assert client.post("/api/v1/comments", json={**GOOD, "site": "nope"}).status_code == 404

    before = scrape(client)
    assert value(before, "sieve_submissions_total", site="demo", outcome="accepted") == 4
    assert value(before, "sieve_submissions_total", site="demo", outcome="invalid") == 1
    assert value(before, "sieve_submissions_total", site="demo", outcome="rate_limited") == 1
    assert value(before, "sieve_submissions_total", site="unknown", outcome="unknown_site") == 1
    assert value(before, "sieve_rate_limited_total", endpoint="api.submit_comment") == 1
    queue = app.config["SIEVE"].queue_name
    assert value(before, "sieve_queue_jobs", queue=queue, state="queued") == 4
    assert value(before, "sieve_queue_oldest_job_age_seconds", queue=queue) > 0
    assert value(before, "sieve_pending_comments") == 4
    assert value(before, "sieve_oldest_pending_comment_age_seconds") > 0

    fail_scoring_of(app, ids[2], retries=0)  # to be held as SCORING_FAILED
    run_worker()
    with app.app_context(), db.session_scope() as session:  # a moderator reverses the model
        comment = session.get(Comment, ids[0])
        comment.status, comment.decided_by = CommentStatus.REJECTED, "moderator"
        session.add(
            ModerationEvent(
                comment_id=ids[0],
                actor="ada",
                action="reject",
                from_status=CommentStatus.APPROVED,
                to_status=CommentStatus.REJECTED,
            )
        )
    with app.app_context():
        alive = SimpleWorker([scoring_queue()], connection=redis_connection(), name="metrics-w")
        alive.register_birth()

    after = scrape(client)
    model = {
        labels: v for (name, labels), v in after.items()
        if name == "sieve_comments_decided" and ("source", "model") in labels
    }  # fmt: skip
    assert sum(model.values()) == 2  # three scored, one since reversed by a moderator
    assert value(after, "sieve_comments_decided", source="model", decision="approved") == 1
    assert value(after, "sieve_comments_decided", source="moderator", decision="rejected") == 1
    assert value(after, "sieve_comments_decided", source="system", decision="held") == 1
    assert value(after, "sieve_moderator_overrides_total") == 1
    # The three scoring jobs ran as one batch (SIEVE_BATCH_SIZE): one job, one duration.
    assert value(after, "sieve_job_duration_seconds_count") == 1
    assert value(after, "sieve_job_duration_seconds_bucket", le="+Inf") == 1
    assert value(after, "sieve_comment_score_count", label="spam") == 3
    assert value(after, "sieve_comment_score_count", label="toxicity") == 3
    spam_high = value(after, "sieve_comment_score_bucket", label="spam", le="1.0")
    spam_low = value(after, "sieve_comment_score_bucket", label="spam", le="0.5")
    assert spam_high == 3 and spam_low == 2  # the spam comment scores above 0.5
    assert value(after, "sieve_failed_jobs", queue=queue) == 1
    assert value(after, "sieve_queue_jobs", queue=queue, state="queued") == 0
    assert value(after, "sieve_pending_comments") == 0
    assert value(after, "sieve_workers_alive") == 1
    assert (
        value(after, "sieve_workers", state="idle") + value(after, "sieve_workers", state="started")
        >= 0
    )
    [version] = [dict(labels)["version"] for (name, labels) in after if name == "sieve_model_info"]
    assert version
    with app.app_context():
        alive.register_death()


def test_metrics_need_the_token_when_one_is_set(make_app):
    client = make_app(metrics_token="s3cret-token").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert scrape(client, Authorization="Bearer s3cret-token")


def test_without_a_token_metrics_are_loopback_only_and_never_in_production(make_app):
    client = make_app().test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    production = make_app(env="production").test_client()
    response = production.get("/metrics")
    assert response.status_code == 403
    assert "SIEVE_METRICS_TOKEN" in response.get_json()["error"]["message"]


def test_widget_preflights_are_not_counted_as_submissions(make_app):
    from tests.web.test_cors import ALLOWED, preflight

    client = make_app().test_client()
    for _ in range(3):
        assert preflight(client, "/api/v1/comments", ALLOWED).status_code == 204
        assert client.post("/api/v1/comments", json=GOOD).status_code == 202
    samples = scrape(client)
    counted = {
        dict(labels)["outcome"]: v
        for (name, labels), v in samples.items()
        if name == "sieve_submissions_total"
    }
    assert counted == {"accepted": 3}  # no "error" share from the preflights
