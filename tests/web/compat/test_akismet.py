"""The Akismet-compatible API, driven by the real PyPI ``akismet`` client (sync and async, through
its ``http_client`` hook) and by the exact requests WordPress and Coral send."""

from __future__ import annotations

import asyncio
import csv
import io
from concurrent.futures import ThreadPoolExecutor

import akismet
import httpx
import pytest
from sqlalchemy import select

from service.domain.audit import Actor
from service.domain.labels import write_labels
from service.domain.site_keys import create_key, keys_of, month_of, revoke_key, usage_of
from service.domain.sites import find_site
from service.storage import db
from service.storage.tables import Feedback
from tests.web.test_openapi import document, validate

HAM = "Thanks for the thoughtful write-up, I learned a lot about sourdough starters."
SPAM = "Earn $5000 a week working from home! Click here: http://bit.ly/xyz"
THANKS = "Thanks for making the web a better place."
BLOG = "http://localhost:8000"
IP = "203.0.113.9"
# Headers Sieve must never send on a successful answer: @cedx/akismet throws on the first two.
ERROR_HEADERS = (
    "X-akismet-debug-help",
    "X-akismet-alert-msg",
    "X-akismet-alert-code",
    "X-akismet-error",
)


def new_key(app) -> str:
    with app.app_context(), db.session_scope() as session:
        key, _ = create_key(session, find_site(session, "demo"), "akismet", Actor.terminal())
    return key


@pytest.fixture
def site_key(app) -> str:
    return new_key(app)


def usage(app, key: str) -> dict[str, int]:
    """This month's counts of the key."""
    with app.app_context(), db.session_scope() as session:
        [record] = [r for r in keys_of(session) if r.prefix == key[:4]]
        return usage_of(session, record)


def feedback(app) -> list[tuple[str, dict]]:
    with app.app_context(), db.session_scope() as session:
        rows = session.scalars(select(Feedback).order_by(Feedback.id))
        return [(row.text, row.labels) for row in rows]


def change_demo_site(app, **values: object) -> None:
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        for name, value in values.items():
            setattr(site, name, value)


def assert_clean(response) -> None:
    present = [name for name in ERROR_HEADERS if name in response.headers]
    assert present == [], f"error headers on a successful answer: {present}"


def check(client, key: str | None = None, base_url: str = "http://localhost", **fields):
    data = {"blog": BLOG, "user_ip": IP, **fields}
    if key is not None:
        data["api_key"] = key
    return client.post("/1.1/comment-check", data=data, base_url=base_url)


# The real client --------------------------------------------------------------------------------


def config(key: str) -> akismet.Config:
    return akismet.Config(key=key, url=BLOG)


def to_sieve(request: httpx.Request, key: str) -> httpx.Request:
    """The client's request (it hard-codes https://rest.akismet.com) sent to Sieve at
    ``<key>.akismet.sieve.example``: PyPI akismet's key_sites() sends no ``api_key`` at all, so
    the key rides in the Host, as older Akismet clients send it."""
    host = f"{key}.akismet.sieve.example"
    headers = {**request.headers, "Host": host}
    url = request.url.copy_with(host=host)
    return httpx.Request(request.method, url, headers=headers, content=request.content)


class SieveTransport(httpx.BaseTransport):
    def __init__(self, app, key: str) -> None:
        self.wsgi, self.key = httpx.WSGITransport(app=app), key

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.wsgi.handle_request(to_sieve(request, self.key))


class AsyncSieveTransport(httpx.AsyncBaseTransport):
    """httpx's WSGI transport is sync only: the async client's requests are answered inline."""

    def __init__(self, app, key: str) -> None:
        self.wsgi, self.key = httpx.WSGITransport(app=app), key

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        answer = self.wsgi.handle_request(to_sieve(request, self.key))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())


def sync_client(app, key: str) -> akismet.SyncClient:
    http = httpx.Client(transport=SieveTransport(app, key))
    return akismet.SyncClient(config(key), http_client=http)


def expected_sites(month: str) -> dict:
    # Two checks (a ham, a spam), then a submit-spam of a text Sieve calls ham (missed spam) and
    # a submit-ham of one it calls spam (a false positive).
    counts = {"api_calls": "2", "spam": "1", "ham": "1", "missed_spam": "1", "false_positives": "1"}
    row = {"site": "demo", **counts, "is_revoked": False}
    return {month: [row], "limit": 500, "offset": 0, "total": 1}


def test_the_sync_client_checks_reports_and_reads_its_counts(app, site_key):
    with sync_client(app, site_key) as client:  # verifies the key
        assert client.verify_key() is True
        assert client.verify_key("nokeynokeyno", BLOG) is False
        ham = client.comment_check(IP, comment_content=HAM, comment_author="Jane Doe")
        spam = client.comment_check(IP, comment_content=SPAM, comment_author="Jane Doe")
        assert (ham, spam) == (akismet.CheckResponse.HAM, akismet.CheckResponse.DISCARD)
        assert client.submit_spam(IP, comment_content="Sieve missed this one") is True
        assert client.submit_ham(IP, comment_content=SPAM, comment_author="Jane Doe") is True
        limit = {"limit": "none", "usage": 2, "percentage": "0.00", "throttled": False}
        assert client.usage_limit() == limit
        assert client.key_sites() == expected_sites(month_of())
        report = client.key_sites(result_format="csv")
    rows = list(csv.reader(io.StringIO(report)))
    assert rows[0][0].startswith(f"Active sites for key {site_key[:4]}")
    assert rows[1:] == [
        ["Site", "Total API Calls", "Spam", "Ham", "Missed Spam", "False Positives", "Is Revoked"],
        ["demo", "2", "1", "1", "1", "1", "false"],
    ]
    # The reports are labelled examples for the site's learning loop.
    assert feedback(app) == [("Sieve missed this one", {"spam": 1.0}), (SPAM, {"spam": 0.0})]


def test_the_async_client_does_the_same(app, site_key):
    async def session() -> dict:
        http = httpx.AsyncClient(transport=AsyncSieveTransport(app, site_key))
        async with akismet.AsyncClient(config(site_key), http_client=http) as client:
            assert await client.verify_key() is True
            ham = await client.comment_check(IP, comment_content=HAM, comment_author="Jane Doe")
            spam = await client.comment_check(IP, comment_content=SPAM, comment_author="Jo")
            assert (ham, spam) == (akismet.CheckResponse.HAM, akismet.CheckResponse.DISCARD)
            assert await client.submit_spam(IP, comment_content="Sieve missed this one") is True
            assert await client.submit_ham(IP, comment_content=SPAM) is True
            assert (await client.usage_limit())["usage"] == 2
            return await client.key_sites()

    # In a thread of its own: the browser tests' Playwright may leave an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        sites = pool.submit(asyncio.run, session()).result()
    assert sites == expected_sites(month_of())
    assert [labels for _, labels in feedback(app)] == [{"spam": 1.0}, {"spam": 0.0}]


def test_a_bad_key_makes_the_client_refuse_to_start(app):
    http = httpx.Client(transport=SieveTransport(app, "nokeynokeyno"))
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(config("nokeynokeyno"), http_client=http)
    http.close()


# Requests as WordPress and Coral build them -----------------------------------------------------

WORDPRESS = {
    "blog": BLOG,
    "user_ip": IP,
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "referrer": "http://localhost:8000/2026/05/sourdough/",
    "permalink": "http://localhost:8000/2026/05/sourdough/",
    "comment_type": "comment",
    "comment_author": "Jane Doe",
    "comment_author_email": "jane@example.org",
    "comment_author_url": "https://janedoe.blog",
    "comment_content": HAM,
    "comment_date_gmt": "2026-05-02 10:11:12",
    "comment_post_modified_gmt": "2026-05-01 08:00:00",
    "blog_lang": "en_US",
    "blog_charset": "UTF-8",
    "user_role": "",
    "comment_post_ID": "42",
    "comment_parent": "0",
    "akismet_comment_nonce": "passed",
    "comment_context[0]": "sourdough",
    "comment_context[1]": "baking",
    # The server environment WordPress adds to every call.
    "REMOTE_ADDR": IP,
    "REQUEST_METHOD": "POST",
    "REQUEST_URI": "/wp-comments-post.php",
    "SERVER_SOFTWARE": "nginx/1.26.0",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "localhost:8000",
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.5",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
    "HTTP_ORIGIN": "http://localhost:8000",
    "HTTP_CONTENT_TYPE": "application/x-www-form-urlencoded",
    "POST_comment_post_ID": "42",
    "POST_akismet_comment_nonce": "5b9f0c1d2e",
}


def test_wordpress_comment_check_with_its_server_environment(app, site_key):
    client = app.test_client()
    response = client.post("/1.1/comment-check", data={**WORDPRESS, "key": site_key})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "false")
    assert response.mimetype == "text/plain"
    assert len(response.headers["X-akismet-guid"]) == 32
    assert "X-akismet-pro-tip" not in response.headers
    assert_clean(response)

    spam = client.post(
        "/1.1/comment-check", data={**WORDPRESS, "key": site_key, "comment_content": SPAM}
    )
    assert spam.get_data(as_text=True) == "true"
    assert spam.headers["X-akismet-pro-tip"] == "discard"
    assert spam.headers["X-akismet-guid"] != response.headers["X-akismet-guid"]
    assert_clean(spam)
    counts = {"api_calls": 2, "spam": 1, "ham": 1, "missed_spam": 0, "false_positives": 0}
    assert usage(app, site_key) == counts


CORAL = {  # what Coral's submitCommentAsSpam builds: JSON, no key in it, no `blog`
    "user_ip": IP,
    "user_agent": "Mozilla/5.0",
    "referrer": "https://news.example/story",
    "permalink": "https://news.example/story",
    "comment_type": "comment",
    "comment_author": "reader42",
    "comment_content": "Sieve let this through but it is spam",
    "is_test": False,
    "comment_date_gmt": "2026-05-02T10:11:12.000Z",
    "recheck_reason": "edit",
}


def test_coral_json_submit_spam_to_the_key_subdomain(app, site_key):
    client = app.test_client()
    host = f"https://{site_key}.rest.akismet.com"
    response = client.post("/1.1/submit-spam", json=CORAL, base_url=host)
    assert (response.status_code, response.get_data(as_text=True)) == (200, THANKS)
    assert_clean(response)
    ham = client.post("/1.1/submit-ham", json={**CORAL, "user_ip": ""}, base_url=host)
    assert ham.get_data(as_text=True) == THANKS
    assert feedback(app) == [
        (CORAL["comment_content"], {"spam": 1.0}),
        (CORAL["comment_content"], {"spam": 0.0}),
    ]
    assert usage(app, site_key)["missed_spam"] == 1


def test_the_host_label_counts_only_when_it_is_a_live_key(app, site_key):
    client = app.test_client()
    assert check(client, base_url=f"http://{site_key}.akismet.sieve.example").data == b"false"
    for host in ("http://rest.akismet.com", "http://nokeynokeyno.rest.akismet.com"):
        assert check(client, base_url=host).data == b"invalid"


def test_feedback_marked_as_a_test_is_not_learned(app, site_key):
    client = app.test_client()
    for flag in ("1", "true"):
        data = {"api_key": site_key, "comment_content": HAM, "is_test": flag}
        assert client.post("/1.1/submit-spam", data=data).data == THANKS.encode()
    assert feedback(app) == []
    assert usage(app, site_key)["missed_spam"] == 0


def test_the_feedback_joins_the_exported_labels(app, site_key, tmp_path):
    client = app.test_client()
    client.post("/1.1/submit-spam", data={"api_key": site_key, "comment_content": "Buy my pills"})
    with app.app_context(), db.session_scope() as session:
        assert write_labels(session, tmp_path / "labels.csv") == 1
    [row] = list(csv.DictReader(io.StringIO((tmp_path / "labels.csv").read_text("utf-8"))))
    assert (row["text"], row["spam"], row["decision"]) == ("Buy my pills", "1", "feedback:akismet")


# What comment-check weighs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "hook",
    [
        {"comment_author": "viagra-test-123"},
        {"comment_author_email": "akismet-guaranteed-spam@example.com"},
    ],
)
def test_the_documented_test_hooks_are_spam(client, site_key, hook):
    response = check(client, site_key, comment_content=HAM, **hook)
    assert response.data == b"true"
    assert_clean(response)


def test_an_administrator_is_never_spam(client, site_key):
    assert check(client, site_key, comment_content=SPAM, user_role="administrator").data == b"false"
    assert check(client, site_key, comment_content=SPAM, user_role="subscriber").data == b"true"


def test_a_filled_honeypot_is_spam(client, site_key):
    trap = {"honeypot_field_name": "hidden_website", "comment_content": HAM}
    assert check(client, site_key, **trap, hidden_website="http://bot.example").data == b"true"
    assert check(client, site_key, **trap, hidden_website="").data == b"false"
    # A honeypot naming a field of the comment itself is ignored.
    ignored = check(client, site_key, comment_content=HAM, honeypot_field_name="comment_content")
    assert ignored.data == b"false"


def test_the_sites_spam_thresholds_decide(app, client, site_key):
    change_demo_site(app, thresholds={"spam": {"approve_below": 0.5, "reject_above": 1.01}})
    held = check(client, site_key, comment_content=SPAM)
    assert held.data == b"true"
    assert "X-akismet-pro-tip" not in held.headers
    change_demo_site(app, thresholds={"spam": {"approve_below": 1.01, "reject_above": 1.01}})
    assert check(client, site_key, comment_content=SPAM).data == b"false"


def test_the_sites_blocked_words_and_domains_are_discarded(app, client, site_key):
    change_demo_site(app, blocked_words=["sourdough"], blocked_domains=["spammy.example"])
    word = check(client, site_key, comment_content=HAM)
    assert (word.data, word.headers["X-akismet-pro-tip"]) == (b"true", "discard")
    clean = "What a lovely photo of your garden."
    by_url = check(
        client, site_key, comment_content=clean, comment_author_url="https://www.spammy.example/"
    )
    by_email = check(
        client, site_key, comment_content=clean, comment_author_email="jo@spammy.example"
    )
    assert (by_url.data, by_email.data) == (b"true", b"true")
    homepage = check(
        client, site_key, comment_content=clean, comment_author_url="https://jo.example"
    )
    assert homepage.data == b"false"


# Errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/1.1/verify-key", {"key": "nokeynokeyno"}),
        ("/1.1/comment-check", {"api_key": "nokeynokeyno", "user_ip": IP}),
        ("/1.1/comment-check", {"user_ip": IP}),
        ("/1.1/submit-spam", {"api_key": "short"}),
        ("/1.1/submit-ham", {"api_key": "nokeynokeyno"}),
        ("/1.2/usage-limit", {"api_key": "nokeynokeyno"}),
        ("/1.2/key-sites", {"api_key": "nokeynokeyno"}),
    ],
)
def test_a_bad_key_is_invalid_with_debug_help(client, path, fields):
    response = client.post(path, data=fields)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "invalid")
    assert "sieve keys create" in response.headers["X-akismet-debug-help"]


def test_a_revoked_key_is_invalid(app, client, site_key):
    with app.app_context(), db.session_scope() as session:
        revoke_key(session, keys_of(session)[0], Actor.terminal())
    assert check(client, site_key, comment_content=HAM).data == b"invalid"


def test_comment_check_needs_the_user_ip(client, site_key):
    response = client.post("/1.1/comment-check", data={"api_key": site_key, "comment_content": HAM})
    assert response.data == b"invalid"
    assert response.headers["X-akismet-debug-help"] == "Missing required field: user_ip."
    assert "X-akismet-guid" in response.headers


def test_sieves_own_errors_are_plain_text_here_too(client, site_key):
    too_big = check(client, site_key, comment_content="x" * 70_000)
    assert too_big.status_code == 413
    assert too_big.mimetype == "text/plain" and not too_big.is_json
    assert too_big.headers["X-akismet-error"] == too_big.get_data(as_text=True)


def test_the_key_rate_limit_answers_in_akismets_format(make_app):
    app = make_app(rate_limit_key="2/minute")
    key, other = new_key(app), new_key(app)
    client = app.test_client()
    assert [check(client, key, comment_content=HAM).status_code for _ in range(2)] == [200, 200]

    refused = check(client, key, comment_content=HAM)
    assert refused.status_code == 429
    assert refused.mimetype == "text/plain" and not refused.is_json
    assert "too many calls with this key" in refused.get_data(as_text=True)
    assert refused.headers["X-akismet-error"] == refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Each key has its own budget, whichever way it is presented.
    assert check(client, other, comment_content=HAM).status_code == 200
    assert check(client, base_url=f"http://{key}.akismet.sieve.example").status_code == 429
    # The real client gives up on a 429 (and WordPress holds the comment for moderation).
    with sync_client(app, other) as real, pytest.raises(akismet.RequestError, match="429"):
        real.comment_check(IP, comment_content=HAM)  # its verify-key was the key's 2nd call


# Reports ----------------------------------------------------------------------------------------


def test_usage_limit_counts_this_months_checks_by_get_or_post(client, site_key):
    for text in (HAM, SPAM, HAM):
        check(client, site_key, comment_content=text)
    by_get = client.get("/1.2/usage-limit", query_string={"api_key": site_key})
    by_json = client.post("/1.2/usage-limit", json={"api_key": site_key})
    expected = {"limit": "none", "usage": 3, "percentage": "0.00", "throttled": False}
    assert by_get.get_json() == expected
    assert by_json.get_json() == expected
    assert_clean(by_get)


def test_key_sites_honours_month_filter_order_limit_and_offset(client, site_key):
    check(client, site_key, comment_content=SPAM)
    month = month_of()

    def sites(**query):
        return client.get("/1.2/key-sites", query_string={"api_key": site_key, **query}).get_json()

    assert [row["spam"] for row in sites(order="spam")[month]] == ["1"]
    assert sites(month="2020-01") == {"2020-01": [], "limit": 500, "offset": 0, "total": 0}
    assert sites(offset="1", limit="10") == {month: [], "limit": 10, "offset": 1, "total": 1}
    assert sites(limit="0")[month] == []
    assert sites(filter="dem")["total"] == 1
    assert sites(filter="elsewhere")["total"] == 0

    bad = client.get("/1.2/key-sites", query_string={"api_key": site_key, "month": "May 2026"})
    assert bad.status_code == 400
    assert "month" in bad.headers["X-akismet-debug-help"]


def test_the_reports_match_the_openapi_document(client, site_key):
    check(client, site_key, comment_content=HAM)
    doc = document(client)
    query = {"api_key": site_key}
    validate(doc, "/1.2/usage-limit", "get", client.get("/1.2/usage-limit", query_string=query))
    validate(doc, "/1.2/key-sites", "get", client.get("/1.2/key-sites", query_string=query))
    validate(doc, "/1.2/key-sites", "post", client.post("/1.2/key-sites", data=query))


def test_a_wrong_method_is_answered_in_akismets_format(client):
    response = client.get("/1.1/comment-check")
    assert response.status_code == 405
    assert response.mimetype == "text/plain" and "X-akismet-error" in response.headers
