"""Rate limits on submissions: per client IP and per site, configurable per site."""

from __future__ import annotations

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
