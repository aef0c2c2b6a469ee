"""The moderator UI through the Flask test client: access, CSRF, decisions, bans, settings."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from service.domain.labels import write_labels
from service.domain.sites import find_site
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import ApiToken, Ban, ChangeEvent
from tests.web.moderation.fixtures import csrf_of, log_in, status_of


def test_queue_requires_login(client, accounts):
    response = client.get("/moderate/")
    assert response.status_code == 302
    assert "/moderate/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_repeated_failures_lock_the_account(client, accounts):
    for _ in range(5):
        response = log_in(client, accounts["demo"], "wrong password!!")
        assert response.status_code == 401
        assert "wrong email or password" in response.text
    locked = log_in(client, accounts["demo"])  # the right password, but locked now
    assert locked.status_code == 401
    assert "too many failed logins" in locked.text


def test_login_is_rate_limited_per_ip(make_app, accounts):
    client = make_app(rate_limit_login="3/minute").test_client()
    codes = [log_in(client, "nobody@example.org", "x" * 12).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_login_issues_a_new_session_and_logout_voids_it(client, accounts):
    client.get("/moderate/login")
    planted = client.get_cookie("sieve_session")
    response = log_in(client, accounts["demo"])
    assert response.status_code == 302
    cookie = client.get_cookie("sieve_session")
    assert cookie.value != planted.value
    assert cookie.http_only and cookie.same_site == "Lax"

    page = client.get("/moderate/")
    assert page.status_code == 200
    stolen = cookie.value
    client.post("/moderate/logout", data={"csrf_token": csrf_of(page.text)})
    client.set_cookie("sieve_session", stolen)
    assert client.get("/moderate/").status_code == 302  # the old cookie no longer works


def test_posts_without_the_csrf_token_are_refused(app, login, comment_in):
    client = login("demo")
    comment_id = comment_in(CommentStatus.HELD)
    response = client.post(f"/moderate/comments/{comment_id}/decide", data={"action": "approve"})
    assert response.status_code == 403
    assert status_of(app, comment_id) is CommentStatus.HELD
    forged = client.post(
        f"/moderate/comments/{comment_id}/decide",
        data={"action": "approve", "csrf_token": "guessed"},
    )
    assert forged.status_code == 403


def test_held_comment_shows_explanation_scores_and_reasons(login, comment_in):
    body = "you are an idiot <script>alert(1)</script>"
    comment_in(
        CommentStatus.HELD,
        body=body,
        scores={"spam": 0.02, "toxicity": 0.83},
        explanation=[
            {
                "label": "toxicity",
                "code": "TOXIC",
                "text": "idiot",
                "start": 11,
                "end": 16,
                "weight": 3.2,
            }
        ],
    )
    page = login("demo").get("/moderate/").text
    assert '<mark class="hl hl-toxicity" title="raised toxicity">idiot</mark>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'value="0.830"' in page and ">TOXIC<" in page
    assert "First comment from this author" in page


def test_approve_from_the_queue_then_undo(app, login, comment_in):
    client = login("demo")
    comment_id = comment_in(CommentStatus.HELD)
    page = client.get("/moderate/")
    response = client.post(
        f"/moderate/comments/{comment_id}/decide",
        data={"action": "approve", "csrf_token": csrf_of(page.text), "next": "/moderate/"},
    )
    assert response.status_code == 302
    assert status_of(app, comment_id) is CommentStatus.APPROVED
    after = client.get("/moderate/").text
    assert f"Comment #{comment_id} approved." in after and "Undo (u)" in after
    client.post(
        f"/moderate/comments/{comment_id}/decide",
        data={"action": "undo", "csrf_token": csrf_of(after)},
    )
    assert status_of(app, comment_id) is CommentStatus.HELD


def test_a_moderator_cannot_see_or_act_on_another_sites_comments(app, login, comment_in):
    theirs = comment_in(CommentStatus.HELD, body="comment on the other blog", site="other")
    client = login("demo")
    page = client.get("/moderate/")
    assert "comment on the other blog" not in page.text
    assert client.get("/moderate/?site=other").status_code == 403
    response = client.post(
        f"/moderate/comments/{theirs}/decide",
        data={"action": "approve", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 403
    assert status_of(app, theirs) is CommentStatus.HELD


def test_bulk_action_on_everything_matching_a_filter(app, login, comment_in):
    wave = [
        comment_in(CommentStatus.HELD, body=f"Cheap pills at pills.example {n}!") for n in range(4)
    ]
    keep = comment_in(CommentStatus.HELD, body="An honest question about the article")
    client = login("demo")
    similar = client.get("/moderate/similar").text
    assert "4 comments" in similar
    fingerprint = similar.split('data-fingerprint="')[1].split('"')[0]
    client.post(
        f"/moderate/bulk?tab=held&fingerprint={fingerprint}",
        data={"scope": "matching", "action": "spam", "csrf_token": csrf_of(similar)},
    )
    assert [status_of(app, i) for i in wave] == [CommentStatus.SPAM] * 4
    assert status_of(app, keep) is CommentStatus.HELD


def test_tabs_count_and_filter(login, comment_in):
    comment_in(CommentStatus.HELD, body="first held", author_name="Grace")
    comment_in(CommentStatus.HELD, body="second held", author_name="Alan")
    comment_in(CommentStatus.SPAM, body="a spam")
    client = login("demo")
    page = client.get("/moderate/").text
    assert 'Held\n    <span class="count">2</span>' in page
    filtered = client.get("/moderate/?author=grace").text
    assert "first held" in filtered and "second held" not in filtered
    assert "a spam" in client.get("/moderate/?tab=spam").text


def test_audit_page_and_csv_export(app, login, comment_in):
    client = login("demo")
    comment_id = comment_in(CommentStatus.HELD)
    page = client.get("/moderate/")
    client.post(
        f"/moderate/comments/{comment_id}/decide",
        data={"action": "reject", "reason": "OFF_TOPIC", "csrf_token": csrf_of(page.text)},
    )
    audit = client.get("/moderate/audit").text
    assert "moderator:demo@example.org" in audit and "held → rejected" in audit
    exported = client.get("/moderate/audit?format=csv&actor=moderator")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["comment_id"], r["from"], r["to"], r["reason"]) for r in rows] == [
        (str(comment_id), "held", "rejected", "OFF_TOPIC")
    ]


def test_overrides_are_counted_per_site(login, comment_in):
    client = login("admin")
    held = comment_in(CommentStatus.HELD)
    approved = comment_in(CommentStatus.APPROVED)
    page = client.get("/moderate/")
    token = csrf_of(page.text)
    client.post(
        f"/moderate/comments/{held}/decide", data={"action": "approve", "csrf_token": token}
    )
    client.post(
        f"/moderate/comments/{approved}/decide", data={"action": "spam", "csrf_token": token}
    )
    audit = client.get("/moderate/audit").text
    assert "<tr><td>demo</td><td>2</td><td>1</td><td>1</td></tr>" in audit


def test_site_settings_are_admin_only_and_validated(app, login):
    moderator = login("demo")
    assert moderator.get("/moderate/sites/demo/settings").status_code == 403


def test_admin_changes_site_settings(app, client, accounts):
    log_in(client, accounts["admin"])
    page = client.get("/moderate/sites/demo/settings")
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_of(page.text),
        "name": "Demo blog",
        "allowed_origins": "https://blog.example\nhttp://localhost:8000",
        "spam_low": "0.4", "spam_high": "0.8",
        "toxicity_low": "0.5", "toxicity_high": "0.95",
        "premoderation": "new_authors",
        "rate_limit_ip": "5/minute",
        "rate_limit_site": "",
        "blocked_words": "viagra\nCasino",
        "blocked_domains": "www.spam.example",
        "allowed_domains": "https://www.reuters.com/world\napnews.com\n",
        "scoring_failure": "approve",
    }  # fmt: skip
    assert client.post("/moderate/sites/demo/settings", data=form).status_code == 302
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert site.thresholds["spam"] == {"approve_below": 0.4, "reject_above": 0.8}
        assert site.premoderation.value == "new_authors"
        assert site.blocked_words == ["viagra", "casino"]
        assert site.blocked_domains == ["spam.example"]
        assert site.allowed_domains == ["reuters.com", "apnews.com"]
        assert (site.rate_limit_ip, site.scoring_failure) == ("5/minute", "approve")
    shown = client.get("/moderate/sites/demo/settings").text
    assert "Allowed link domains (one per line): links to them never count against a comment" in (
        shown
    )
    assert ">reuters.com\napnews.com</textarea>" in shown

    bad = client.post(
        "/moderate/sites/demo/settings",
        data={**form, "spam_low": "0.9", "spam_high": "0.2", "rate_limit_ip": "lots",
              "allowed_origins": "javascript:alert(1)"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "0 ≤ approve below ≤ reject above ≤ 1" in bad.text
    with app.app_context(), db.session_scope() as session:
        assert find_site(session, "demo").thresholds["spam"]["approve_below"] == 0.4


def test_allowed_domains_are_validated_and_what_was_typed_is_shown_back(app, client, accounts):
    log_in(client, accounts["admin"])
    page = client.get("/moderate/sites/demo/settings")
    form = {
        "csrf_token": csrf_of(page.text),
        "name": "Demo blog",
        "allowed_origins": "http://localhost:8000",
        "premoderation": "none",
        "blocked_domains": "spam.example",
        "allowed_domains": "reuters.com\nreuters.com:443",
        "scoring_failure": "hold",
    }
    bad = client.post("/moderate/sites/demo/settings", data=form)
    assert bad.status_code == 400
    assert "&#39;reuters.com:443&#39; is not a domain such as reuters.com" in bad.text
    assert ">reuters.com\nreuters.com:443</textarea>" in bad.text  # to correct, not retype

    both = client.post(
        "/moderate/sites/demo/settings", data={**form, "allowed_domains": "shop.spam.example"}
    )
    assert both.status_code == 400
    assert "shop.spam.example is under the blocked spam.example" in both.text
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert (site.allowed_domains, site.blocked_domains) == ([], [])


def test_tokens_are_shown_once_and_revocable(login):
    client = login("demo")
    page = client.get("/moderate/tokens")
    created = client.post(
        "/moderate/tokens", data={"name": "bot", "csrf_token": csrf_of(page.text)}
    )
    token = created.text.split('<code id="new-token">')[1].split("<")[0]
    assert token.startswith("sieve_")
    assert client.get("/moderate/tokens").text.count(token) == 0
    response = client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_next_parameter_cannot_leave_the_moderator_ui(client, accounts):
    page = client.get("/moderate/login")
    response = client.post(
        "/moderate/login?next=https://evil.example/",
        data={"email": accounts["demo"], "password": "correct horse battery staple",
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert response.headers["Location"] == "/moderate/"


def test_date_filters_on_queue_and_audit(login, comment_in):
    comment_in(CommentStatus.HELD, body="held today")
    client = login("demo")
    assert "held today" in client.get("/moderate/?since=2000-01-01").text
    assert "held today" not in client.get("/moderate/?until=2000-01-01").text
    for page in ("/moderate/?since=yesterday", "/moderate/audit?until=soon"):
        response = client.get(page)
        assert response.status_code == 400
        assert "must be a date such as 2026-11-25" in response.text


def test_bulk_approve_and_spam_keep_no_reject_reason(app, login, comment_in, tmp_path):
    fine = comment_in(CommentStatus.HELD, body="A fair point about the budget.")
    junk = comment_in(CommentStatus.HELD, body="cheap pills", reason_codes=["SPAM"])
    client = login("demo")
    token = csrf_of(client.get("/moderate/").text)
    # What the bulk form sends: its reject reason select goes with every button.
    for comment_id, action in ((fine, "approve"), (junk, "spam")):
        client.post("/moderate/bulk", data={"ids": comment_id, "action": action,
                                            "reason": "TOXIC", "csrf_token": token})  # fmt: skip
    exported = client.get("/moderate/audit?format=csv&actor=moderator").text
    assert [(r["action"], r["reason"]) for r in csv.DictReader(io.StringIO(exported))] == [
        ("spam", ""), ("approve", "")
    ]  # fmt: skip
    with app.app_context(), db.session_scope() as session:
        write_labels(session, tmp_path / "labels.csv")
    with (tmp_path / "labels.csv").open() as handle:
        assert [r["reason"] for r in csv.DictReader(handle)] == ["", ""]


def test_bulk_reject_by_default_gives_each_comment_the_reason_it_was_held_for(
    app, login, comment_in
):
    insult = comment_in(CommentStatus.HELD, body="you clown", reason_codes=["INSULT"])
    junk = comment_in(CommentStatus.HELD, body="buy now", reason_codes=["SPAM", "LINKS"])
    client = login("demo")
    page = client.get("/moderate/").text
    assert '<option value="" selected>as each was flagged</option>' in page
    assert '<option value="INSULT" selected>INSULT</option>' in page
    client.post("/moderate/bulk", data={"ids": [insult, junk], "action": "reject", "reason": "",
                                        "csrf_token": csrf_of(page)})  # fmt: skip
    exported = client.get("/moderate/audit?format=csv&actor=moderator").text
    reasons = {int(r["comment_id"]): r["reason"] for r in csv.DictReader(io.StringIO(exported))}
    # No reject reason says spam (that is the Spam action): OTHER teaches the model nothing wrong.
    assert reasons == {insult: "INSULT", junk: "OTHER"}


def test_undo_is_not_undone_and_redo_is_asked_for(app, login, comment_in):
    comment_id = comment_in(CommentStatus.HELD)
    client = login("demo")
    token = csrf_of(client.get("/moderate/").text)
    url = f"/moderate/comments/{comment_id}/decide"
    client.post(url, data={"action": "reject", "reason": "OFF_TOPIC", "csrf_token": token})
    assert "Undo (u)" in client.get("/moderate/").text
    client.post(url, data={"action": "undo", "csrf_token": token})
    page = client.get("/moderate/").text
    assert f"Comment #{comment_id} is back in the queue (held)." in page
    assert "Undo (u)" not in page and ">Redo</button>" in page
    client.post(url, data={"action": "undo", "csrf_token": token})  # a stale Undo button
    assert status_of(app, comment_id) is CommentStatus.HELD
    stale = client.get("/moderate/").text
    assert f"Comment #{comment_id} was not changed: nothing to undo." in stale
    client.post(url, data={"action": "redo", "csrf_token": token})
    assert status_of(app, comment_id) is CommentStatus.REJECTED
    exported = client.get("/moderate/audit?format=csv&actor=moderator").text
    newest = next(csv.DictReader(io.StringIO(exported)))
    assert (newest["action"], newest["to"], newest["reason"]) == ("reject", "rejected", "OFF_TOPIC")


def test_a_ban_rejects_the_comment_only_when_asked(app, login, comment_in):
    kept = comment_in(CommentStatus.HELD, author_email="one@example.org")
    rejected = comment_in(CommentStatus.HELD, author_email="two@example.org")
    client = login("demo")
    token = csrf_of(client.get("/moderate/").text)
    client.post(f"/moderate/comments/{kept}/ban", data={"kind": "email", "csrf_token": token})
    client.post(f"/moderate/comments/{rejected}/ban",
                data={"kind": "email", "reject": "1", "csrf_token": token})  # fmt: skip
    assert status_of(app, kept) is CommentStatus.HELD
    assert status_of(app, rejected) is CommentStatus.REJECTED
    page = client.get("/moderate/").text
    assert f"Author of #{rejected} banned by email and comment #{rejected} rejected" in page


def test_bans_page_names_the_author_and_shows_what_they_wrote(app, client, login, comment_in):
    comment_in(CommentStatus.APPROVED, body="an older remark", author_name="T. Roll",
               author_email="troll@example.org")  # fmt: skip
    troll = comment_in(CommentStatus.HELD, body="a nasty remark", author_name="Troll",
                       author_email="troll@example.org")  # fmt: skip
    moderator = login("demo")
    token = csrf_of(moderator.get("/moderate/").text)
    moderator.post(f"/moderate/comments/{troll}/ban", data={"kind": "email", "csrf_token": token})
    comment_in(CommentStatus.REJECTED, body="I am back", author_email="troll@example.org")
    page = moderator.get("/moderate/bans").text
    assert "Troll, T. Roll" in page  # every name they used, the latest first
    assert "a nasty remark" in page  # what they wrote last before the ban
    assert "I am back" not in page and "an older remark" not in page


def test_bans_lifts_and_tokens_are_in_the_audit_log(app, client, accounts, comment_in):
    troll = comment_in(CommentStatus.HELD, author_email="troll@example.org")
    log_in(client, accounts["demo"])
    token = csrf_of(client.get("/moderate/").text)
    ban = {"kind": "email", "days": "7", "reason": "trolling", "csrf_token": token}
    client.post(f"/moderate/comments/{troll}/ban", data=ban)
    client.post("/moderate/tokens", data={"name": "slack-bot", "csrf_token": token})
    with app.app_context(), db.session_scope() as session:
        ban_id, token_id = session.scalar(select(Ban.id)), session.scalar(select(ApiToken.id))
    client.post(f"/moderate/bans/{ban_id}/lift", data={"csrf_token": token})
    client.post(f"/moderate/tokens/{token_id}/revoke", data={"csrf_token": token})
    client.post(f"/moderate/tokens/{token_id}/revoke", data={"csrf_token": token})  # no change

    with app.app_context(), db.session_scope() as session:
        query = select(ChangeEvent).where(ChangeEvent.action != "create_moderator")
        events = session.scalars(query.order_by(ChangeEvent.id)).all()
        logged = [(e.actor, e.via, e.action, e.site_id is not None) for e in events]
    assert logged == [
        ("moderator:demo@example.org", "page", "ban", True),
        ("moderator:demo@example.org", "page", "create_token", False),
        ("moderator:demo@example.org", "page", "lift_ban", True),
        ("moderator:demo@example.org", "page", "revoke_token", False),
    ]
    audit = client.get("/moderate/audit").text
    assert f"ban: {ban_id}; by: email; comment: {troll}; reason: trolling; until: 20" in audit
    assert f"ban: {ban_id}; active: yes → no" in audit
    assert "token: slack-bot" in audit and "revoked: no → yes" in audit
    revoked = client.get("/moderate/audit?action=revoke_token").text
    assert "revoke_token</td>" in revoked and "create_token</td>" not in revoked

    elsewhere, admin = app.test_client(), app.test_client()
    log_in(elsewhere, accounts["other"])  # moderates another site: sees none of it
    assert "trolling" not in elsewhere.get("/moderate/audit").text
    assert "slack-bot" not in elsewhere.get("/moderate/audit").text
    log_in(admin, accounts["admin"])
    assert "slack-bot" in admin.get("/moderate/audit").text
