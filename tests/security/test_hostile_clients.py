"""Hostile clients: limit bypasses, duplicates and waves, bans, bots, brute force, CSRF, sessions,
and a moderator reaching for another site's comments."""

from __future__ import annotations

from sqlalchemy import select

from service.domain.abuse import REPEAT_SPAM_FLOOR, repeat_post_boost, repeat_post_floors
from service.domain.accounts import create_moderator
from service.storage import db
from service.storage.states import CommentStatus, Role
from service.storage.tables import Comment, Moderator
from tests.web.moderation.fixtures import PASSWORD, csrf_of, log_in
from tests.web.test_api_comments import GOOD


def post(client, headers=None, **fields):
    return client.post("/api/v1/comments", json={**GOOD, **fields}, headers=headers or {})


def test_forged_forwarded_for_does_not_escape_the_ip_limit(make_app):
    client = make_app(rate_limit_ip="2/minute").test_client()
    codes = [
        post(client, {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"},
             author_email=f"user{n}@example.org").status_code
        for n in range(3)
    ]  # fmt: skip
    assert codes == [202, 202, 429]


def test_the_email_limit_holds_across_addresses_and_sites(make_app):
    client = make_app(rate_limit_email="2/minute", trusted_proxies=1).test_client()
    codes = [
        post(client, {"X-Forwarded-For": f"203.0.113.{n}"}, body=f"comment number {n}",
             author_email="Spammer@Example.org" if n % 2 else "spammer@example.org").status_code
        for n in range(3)
    ]  # fmt: skip
    assert codes == [202, 202, 429]
    refused = post(client, {"X-Forwarded-For": "203.0.113.50"}, author_email="spammer@example.org")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "rate_limited"
    # Someone else is not held up by the spammer.
    assert post(client, {"X-Forwarded-For": "203.0.113.51"}).status_code == 202


def test_the_global_cap_holds_whatever_the_client(make_app):
    client = make_app(rate_limit_global="3/minute", trusted_proxies=1).test_client()
    codes = [
        post(client, {"X-Forwarded-For": f"203.0.113.{n}"}, body=f"hello number {n}",
             author_email=f"user{n}@example.org").status_code
        for n in range(4)
    ]  # fmt: skip
    assert codes == [202, 202, 202, 429]


def test_the_same_text_from_the_same_author_is_refused_as_a_duplicate(make_app):
    client = make_app(duplicate_window=600).test_client()
    assert post(client).status_code == 202
    # Case, spacing and punctuation do not make it a new comment.
    again = post(client, body=GOOD["body"].upper() + "!!")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "duplicate_comment"
    assert post(client, author_email="grace@example.org").status_code == 202
    assert post(client, body="A different thought entirely.").status_code == 202


def test_a_text_posted_by_many_authors_is_pushed_towards_spam(app, client):
    ids = [
        post(client, body="Buy cheap watches at example.test", author_email=f"bot{n}@example.org"
             ).get_json()["id"]
        for n in range(4)
    ]  # fmt: skip
    lone = post(client, body="An original remark.", author_email="ada@example.org")
    with app.app_context(), db.session_scope() as session:
        assert repeat_post_boost(session, session.get(Comment, ids[-1])) == REPEAT_SPAM_FLOOR
        assert repeat_post_boost(session, session.get(Comment, lone.get_json()["id"])) is None


def test_the_wave_threshold_is_three_other_authors_however_large_the_wave(app, client):
    text = "Claim your free voucher at example.test today"

    def by(n: int) -> int:
        return post(client, body=text, author_email=f"sender{n}@example.org").get_json()["id"]

    first_three = [by(n) for n in range(3)]
    with app.app_context(), db.session_scope() as session:
        comments = [session.get(Comment, cid) for cid in first_three]
        assert repeat_post_floors(session, comments) == {}  # two others each: not yet a wave
    wave = first_three + [by(n) for n in range(3, 12)]
    with app.app_context(), db.session_scope() as session:
        comments = [session.get(Comment, cid) for cid in wave]
        assert repeat_post_floors(session, comments) == dict.fromkeys(wave, REPEAT_SPAM_FLOOR)


def test_a_text_posted_on_another_site_is_pushed_towards_spam(app, client, accounts):
    first = post(client, body="Visit my profile for a prize", site="other").get_json()["id"]
    second = post(client, body="Visit my profile for a prize!").get_json()["id"]
    with app.app_context(), db.session_scope() as session:
        assert repeat_post_boost(session, session.get(Comment, second)) == REPEAT_SPAM_FLOOR
        assert repeat_post_boost(session, session.get(Comment, first)) == REPEAT_SPAM_FLOOR


def test_a_banned_author_is_rejected_at_intake(app, client, login, comment_in):
    first = comment_in(CommentStatus.HELD)
    moderator = login("demo")
    page = moderator.get("/moderate/")
    response = moderator.post(
        f"/moderate/comments/{first}/ban",
        data={"kind": "email", "csrf_token": csrf_of(page.text), "reason": "abuse"},
    )
    assert response.status_code in (302, 303)
    again = post(client, body="I am back with a new text")
    assert again.status_code == 202  # a banned author learns nothing
    with app.app_context(), db.session_scope() as session:
        comment = session.get(Comment, again.get_json()["id"])
        assert comment.status is CommentStatus.REJECTED and comment.reason_codes == ["BANNED"]


def test_honeypot_and_instant_submission_are_filed_as_spam(app, client):
    token = client.get("/api/v1/comments/form?site=demo").get_json()["render_token"]
    bot = post(client, body="filled every field", website="http://spam.test")
    fast = post(client, body="submitted at once", render_token=token)
    forged = post(client, body="forged token", render_token="1.abc")
    with app.app_context(), db.session_scope() as session:
        for response, reason in (
            (bot, "HONEYPOT"),
            (fast, "TOO_FAST"),
            (forged, "BAD_RENDER_TOKEN"),
        ):
            comment = session.get(Comment, response.get_json()["id"])
            assert comment.status is CommentStatus.SPAM and reason in comment.reason_codes


def test_login_brute_force_locks_the_account_even_from_many_addresses(make_app):
    app = make_app(trusted_proxies=1)
    with app.app_context(), db.session_scope() as session:
        create_moderator(session, "mod@example.org", PASSWORD, Role.ADMIN, [])
    client = app.test_client()
    for n in range(5):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
        assert log_in(client, "mod@example.org", "wrong password!!").status_code == 401
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.99"
    locked = log_in(client, "mod@example.org", PASSWORD)
    assert locked.status_code == 401 and "too many failed logins" in locked.text


def test_login_brute_force_is_slowed_per_address(make_app):
    client = make_app(rate_limit_login="3/minute").test_client()
    codes = [log_in(client, f"guess{n}@example.org", "x" * 12).status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_moderator_posts_without_the_csrf_token_are_refused(app, login, comment_in):
    comment_id = comment_in(CommentStatus.HELD)
    client = login("demo")
    for data in ({"action": "approve"}, {"action": "approve", "csrf_token": "forged"}):
        response = client.post(f"/moderate/comments/{comment_id}/decide", data=data)
        assert response.status_code == 403
    assert client.post("/moderate/logout").status_code == 403
    with app.app_context(), db.session_scope() as session:
        assert session.get(Comment, comment_id).status is CommentStatus.HELD


def test_a_planted_session_cookie_does_not_survive_login(app, client, accounts):
    client.get("/moderate/login")
    planted = client.get_cookie("sieve_session").value
    assert log_in(client, accounts["demo"]).status_code == 302
    assert client.get_cookie("sieve_session").value != planted
    # The attacker's copy of the pre-login cookie is not logged in.
    attacker = app.test_client()
    attacker.set_cookie("sieve_session", planted)
    assert attacker.get("/moderate/").status_code == 302


def test_a_stolen_cookie_dies_with_logout(app, client, accounts):
    log_in(client, accounts["demo"])
    stolen = client.get_cookie("sieve_session").value
    page = client.get("/moderate/")
    client.post("/moderate/logout", data={"csrf_token": csrf_of(page.text)})
    thief = app.test_client()
    thief.set_cookie("sieve_session", stolen)
    assert thief.get("/moderate/").status_code == 302


def test_a_moderator_cannot_reach_another_sites_comments(app, login, token_for, comment_in):
    theirs = comment_in(CommentStatus.HELD, site="other", body="other site's secret comment")
    client = login("demo")
    assert "other site&#39;s secret" not in client.get("/moderate/?tab=held").text
    assert client.get("/moderate/?site=other").status_code in (403, 404)
    page = client.get("/moderate/")
    decided = client.post(
        f"/moderate/comments/{theirs}/decide",
        data={"action": "approve", "csrf_token": csrf_of(page.text)},
    )
    assert decided.status_code in (403, 404)
    headers = {"Authorization": f"Bearer {token_for('demo')}"}
    api = app.test_client()
    listed = api.get("/api/v1/moderation/queue?site=other", headers=headers)
    assert listed.status_code in (403, 404) or not listed.get_json()["comments"]
    api_decided = api.post(
        f"/api/v1/moderation/comments/{theirs}/decision",
        json={"action": "approve"},
        headers=headers,
    )
    assert api_decided.status_code in (403, 404)
    with app.app_context(), db.session_scope() as session:
        assert session.get(Comment, theirs).status is CommentStatus.HELD
        assert session.scalar(select(Moderator).where(Moderator.email == "demo@example.org"))
