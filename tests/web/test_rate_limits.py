"""Rate limits on submissions: per client IP and per site, configurable per site."""

from __future__ import annotations

import redis

from service.cli.embedded_redis import EmbeddedRedis
from service.domain.sites import find_site
from service.storage import db
from tests.web.test_api_comments import GOOD


def post(client, ip: str = "203.0.113.7", **headers):
    return client.post(
        "/api/v1/comments", json=GOOD, environ_base={"REMOTE_ADDR": ip}, headers=headers
    )


def test_per_ip_limit_answers_429_with_retry_after(make_app):
    client = make_app(rate_limit_ip="3/minute").test_client()
    assert [post(client).status_code for _ in range(3)] == [202, 202, 202]

    refused = post(client)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another reader on the same site is not affected.
    assert post(client, ip="198.51.100.20").status_code == 202


def test_per_site_limit_counts_every_reader(make_app):
    client = make_app(rate_limit_site="4/minute").test_client()
    codes = [post(client, ip=f"198.51.100.{n}").status_code for n in range(6)]
    assert codes == [202, 202, 202, 202, 429, 429]


def test_limits_are_configurable_per_site(make_app):
    app = make_app(rate_limit_ip="100/minute")
    with app.app_context(), db.session_scope() as session:
        find_site(session, "demo").rate_limit_ip = "2/minute"
    client = app.test_client()
    assert [post(client).status_code for _ in range(3)] == [202, 202, 429]


def test_forwarded_for_is_ignored_without_a_trusted_proxy(make_app):
    client = make_app(rate_limit_ip="2/minute").test_client()
    codes = [post(client, **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(3)]
    assert codes == [202, 202, 429]


def test_forwarded_for_is_used_behind_a_trusted_proxy(make_app):
    client = make_app(rate_limit_ip="2/minute", trusted_proxies=1).test_client()
    codes = [post(client, **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(3)]
    assert codes == [202, 202, 202]
    same = [post(client, **{"X-Forwarded-For": "192.0.2.99"}).status_code for _ in range(3)]
    assert same == [202, 202, 429]


def test_a_submission_counts_all_its_limits_in_one_round_trip(make_app, tmp_path):
    """Four limits (per IP, site, e-mail and server), one script call, none counted twice."""
    server = EmbeddedRedis(tmp_path / "redis")
    try:
        app = make_app(
            redis_url=server.start(),
            rate_limit_email="3/minute",
            enqueue_delay_ms=60_000,  # the handoff's own Redis work stays out of the count
        )
        client = app.test_client()
        with_email = {**GOOD, "author_email": "reader@example.org"}
        first = client.post("/api/v1/comments", json=with_email)
        assert first.status_code == 202  # and the script is loaded
        connection = redis.Redis.from_url(server.url)
        connection.config_resetstat()

        body = {**with_email, "body": "A different comment, by the same reader."}
        assert client.post("/api/v1/comments", json=body).status_code == 202

        calls = {
            name.removeprefix("cmdstat_"): stats["calls"]
            for name, stats in connection.info("commandstats").items()
        }
        assert calls.get("evalsha") == 1  # flask-limiter alone makes one a limit
        assert calls.get("incrby") == 4  # the four counters, all inside that one script
        assert not {"eval", "incr"} & calls.keys()
        # The third comment is the last the e-mail limit lets through, so each limit was
        # counted once a submission, not once by the script and again by flask-limiter.
        third = {**with_email, "body": "And a third one, on another point entirely."}
        assert client.post("/api/v1/comments", json=third).status_code == 202
        refused = client.post("/api/v1/comments", json={**with_email, "body": "A fourth."})
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        app.extensions["sieve.handoff"]._waiting.clear()  # never queued: Redis goes next
    finally:
        server.stop()
