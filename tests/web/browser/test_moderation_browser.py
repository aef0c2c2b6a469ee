"""The moderator's day in a real browser: log in, review with the keyboard, clear a spam wave,
ban an author, undo, log out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from service.domain.sites import find_site
from service.storage import db
from service.storage.states import CommentStatus
from tests.web.moderation.fixtures import PASSWORD, status_of

TOXIC = [{"label": "toxicity", "code": "TOXIC", "text": "idiot", "start": 11, "end": 16,
          "weight": 3.2}]  # fmt: skip


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/moderate/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    page.wait_for_load_state()  # the keys work once moderate.js (deferred) has run


def test_moderator_reviews_with_the_keyboard_and_undoes(app, sieve, page, accounts, comment_in):
    rude = comment_in(
        CommentStatus.HELD, body="you are an idiot, frankly",
        scores={"spam": 0.01, "toxicity": 0.93}, explanation=TOXIC,
    )  # fmt: skip
    fine = comment_in(CommentStatus.HELD, body="I disagree with the second point.",
                      scores={"spam": 0.02, "toxicity": 0.55})  # fmt: skip
    log_in(page, sieve, accounts["demo"])

    first = page.locator("li.comment").first
    expect(first.locator("mark.hl-toxicity")).to_have_text("idiot")
    expect(first.locator(".code")).to_have_text("TOXIC")

    page.keyboard.press("j")  # to the second comment (lower score)
    page.keyboard.press("a")
    expect(page.get_by_text(f"Comment #{fine} approved.")).to_be_visible()
    assert status_of(app, fine) is CommentStatus.APPROVED

    page.wait_for_load_state()  # the keys work once moderate.js (deferred) has run
    page.keyboard.press("u")
    expect(page.locator(f"#c{fine}")).to_be_visible()
    assert status_of(app, fine) is CommentStatus.HELD

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(f"#c{rude}").click(position={"x": 5, "y": 5})
    page.keyboard.press("r")
    expect(page.get_by_text(f"Comment #{rude} rejected.")).to_be_visible()
    assert status_of(app, rude) is CommentStatus.REJECTED


def test_spam_wave_is_cleared_in_one_action(app, sieve, page, accounts, comment_in):
    wave = [comment_in(CommentStatus.HELD, body=f"Cheap watches at watches.example, code {n}")
            for n in range(5)]  # fmt: skip
    honest = comment_in(CommentStatus.HELD, body="Where can I read more about this?")
    log_in(page, sieve, accounts["demo"])
    page.get_by_role("link", name="Similar").click()
    expect(page.get_by_text("5 comments")).to_be_visible()
    page.get_by_role("button", name="Mark all 5 as spam").click()
    expect(page.get_by_text("Spam: 5 of 5 comments changed.")).to_be_visible()
    assert {status_of(app, i) for i in wave} == {CommentStatus.SPAM}
    assert status_of(app, honest) is CommentStatus.HELD


def test_bulk_reject_selected_comments(app, sieve, page, accounts, comment_in):
    ids = [comment_in(CommentStatus.HELD, body=f"Off topic rambling number {n}") for n in range(3)]
    log_in(page, sieve, accounts["demo"])
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.locator("#bulk").get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Reject: 2 of 2 comments changed.")).to_be_visible()
    assert sorted(status_of(app, i).value for i in ids) == ["held", "rejected", "rejected"]


def test_banned_author_is_rejected_at_once(app, client, sieve, page, accounts, comment_in):
    troll = comment_in(
        CommentStatus.HELD, body="you all are idiots", author_email="troll@example.org"
    )
    log_in(page, sieve, accounts["demo"])
    card = page.locator(f"#c{troll}")
    card.get_by_text("Ban author").click()
    card.get_by_role("button", name="Ban").click()
    expect(page.get_by_text(f"Author of #{troll} banned by email")).to_be_visible()

    again = client.post("/api/v1/comments", json={
        "site": "demo", "thread": "hello-world", "author_name": "Troll",
        "author_email": "troll@example.org", "body": "I am back",
    })  # fmt: skip
    assert again.status_code == 202
    assert status_of(app, again.get_json()["id"]) is CommentStatus.REJECTED
    page.get_by_role("link", name="Bans").click()
    expect(page.locator("table")).to_contain_text("email")


def test_other_sites_are_out_of_reach_and_logout_ends_the_session(sieve, page, accounts):
    log_in(page, sieve, accounts["demo"])
    response = page.goto(f"{sieve}/moderate/?site=other")
    assert response.status == 403
    page.goto(f"{sieve}/moderate/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to moderate")).to_be_visible()
    page.goto(f"{sieve}/moderate/")
    expect(page.get_by_role("heading", name="Log in to moderate")).to_be_visible()


def test_a_post_without_the_csrf_token_is_refused_in_the_browser(sieve, page, accounts, comment_in):
    comment_id = comment_in(CommentStatus.HELD)
    log_in(page, sieve, accounts["demo"])
    status = page.evaluate(
        """async (id) => (await fetch(`/moderate/comments/${id}/decide`, {method: "POST",
             headers: {"Content-Type": "application/x-www-form-urlencoded"},
             body: "action=approve"})).status""",
        comment_id,
    )
    assert status == 403


HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def test_hostile_comments_render_as_text_in_the_moderator_ui(
    app, sieve, page, accounts, comment_in
):
    """Every place a comment's text reaches the moderator, in Chromium: nothing runs."""
    start = HOSTILE.index("<script>")
    spans = [{"label": "spam", "code": "SPAM", "text": HOSTILE[start : start + 8],
              "start": start, "end": start + 8, "weight": 2.0}]  # fmt: skip
    held = comment_in(
        CommentStatus.HELD, body=HOSTILE, author_name=f"Mallory {HOSTILE}"[:80],
        thread_title=f"Title {HOSTILE}", explanation=spans,
    )  # fmt: skip
    comment_in(CommentStatus.HELD, body=HOSTILE, author_email="second@example.org")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, sieve, accounts["demo"])

    for path in ("/moderate/", "/moderate/similar", f"/moderate/?author={held}"):
        page.goto(f"{sieve}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("main img[src='x'], main script:not([src])").count() == 0, path
    page.goto(f"{sieve}/moderate/")
    expect(page.locator(f"#c{held}")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(page.locator(f"#c{held} mark")).to_have_text("<script>")
    page.keyboard.press("r")  # the first in the queue: the audit log shows its text too
    expect(page.get_by_text("rejected.")).to_be_visible()
    page.goto(f"{sieve}/moderate/audit")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def test_an_admin_allows_link_domains_on_the_settings_page(app, sieve, page, accounts):
    log_in(page, sieve, accounts["admin"])
    page.goto(f"{sieve}/moderate/sites/demo/settings")
    allowed = page.get_by_label("Allowed link domains", exact=False)
    allowed.fill("https://www.Reuters.com/world\napnews.com")
    page.get_by_label("Blocked link domains", exact=False).fill("apnews.com")
    page.get_by_role("button", name="Save settings").click()
    # A domain both allowed and blocked is refused, with what was typed kept on the page.
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Allowed link domains", exact=False)).to_have_value(
        "https://www.Reuters.com/world\napnews.com"
    )
    page.get_by_label("Blocked link domains", exact=False).fill("spam.example")
    page.get_by_role("button", name="Save settings").click()
    page.goto(f"{sieve}/moderate/sites/demo/settings")
    expect(page.get_by_label("Allowed link domains", exact=False)).to_have_value(
        "reuters.com\napnews.com"
    )
    with app.app_context(), db.session_scope() as session:
        assert find_site(session, "demo").allowed_domains == ["reuters.com", "apnews.com"]


def test_undo_says_what_it_restored_and_u_never_redoes(app, sieve, page, accounts, comment_in):
    comment_id = comment_in(CommentStatus.HELD, body="A fair point, badly made.")
    log_in(page, sieve, accounts["demo"])
    page.keyboard.press("a")
    expect(page.get_by_text(f"Comment #{comment_id} approved.")).to_be_visible()

    page.wait_for_load_state()  # the keys work once moderate.js (deferred) has run
    page.keyboard.press("u")
    expect(page.get_by_text(f"Comment #{comment_id} is back in the queue (held).")).to_be_visible()
    assert status_of(app, comment_id) is CommentStatus.HELD
    expect(page.locator("button[data-undo]")).to_have_count(0)  # nothing left for u to press
    page.wait_for_load_state()
    page.keyboard.press("u")
    expect(page.get_by_text(f"Comment #{comment_id} is back in the queue (held).")).to_be_visible()
    assert status_of(app, comment_id) is CommentStatus.HELD

    page.get_by_role("button", name="Redo").click()
    expect(page.get_by_text(f"Comment #{comment_id} approved.")).to_be_visible()
    assert status_of(app, comment_id) is CommentStatus.APPROVED


def test_reject_reason_follows_why_a_comment_was_held(app, sieve, page, accounts, comment_in):
    spam = comment_in(
        CommentStatus.HELD, body="Cheap watches at watches.example",
        scores={"spam": 0.9, "toxicity": 0.01}, reason_codes=["SPAM", "LINKS"],
    )  # fmt: skip
    insult = comment_in(
        CommentStatus.HELD, body="you absolute clown",
        scores={"spam": 0.01, "toxicity": 0.8}, reason_codes=["INSULT"],
    )  # fmt: skip
    log_in(page, sieve, accounts["demo"])
    # Spam has its own action; of the reject reasons, only OTHER says nothing wrong about it.
    expect(page.locator(f"#c{spam} select[name=reason]")).to_have_value("OTHER")
    expect(page.locator(f"#c{insult} select[name=reason]")).to_have_value("INSULT")
    page.keyboard.press("j")  # to the insult, second by score
    page.keyboard.press("r")
    expect(page.get_by_text(f"Comment #{insult} rejected.")).to_be_visible()
    page.get_by_role("link", name="Audit").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text("INSULT")


def test_bulk_approve_records_no_reject_reason(app, sieve, page, accounts, comment_in):
    ids = [comment_in(CommentStatus.HELD, body=f"A reasonable comment {n}") for n in range(2)]
    log_in(page, sieve, accounts["demo"])
    page.get_by_label("select page").check()
    page.locator("#bulk").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approve: 2 of 2 comments changed.")).to_be_visible()
    assert {status_of(app, i) for i in ids} == {CommentStatus.APPROVED}
    page.get_by_role("link", name="Audit").click()
    reasons = page.locator("table.audit tbody tr td:last-child")
    expect(reasons).to_have_count(2)
    expect(reasons).to_have_text(["", ""])


def test_ban_and_reject_in_one_action_then_lift_it(app, sieve, page, accounts, comment_in):
    troll = comment_in(CommentStatus.HELD, body="you all are idiots", author_name="Trollface",
                       author_email="troll@example.org")  # fmt: skip
    log_in(page, sieve, accounts["demo"])
    card = page.locator(f"#c{troll}")
    card.get_by_text("Ban author").click()
    expect(card.get_by_label("and reject this comment")).to_be_checked()
    card.get_by_role("button", name="Ban").click()
    expect(page.get_by_text(f"Author of #{troll} banned by email and comment #{troll} rejected")
           ).to_be_visible()  # fmt: skip
    assert status_of(app, troll) is CommentStatus.REJECTED

    page.get_by_role("link", name="Bans").click()
    ban = page.locator("table tbody tr").first
    expect(ban).to_contain_text("Trollface")
    expect(ban).to_contain_text("you all are idiots")
    ban.get_by_role("button", name="Lift").click()
    expect(page.get_by_text("Ban lifted.")).to_be_visible()
    page.get_by_role("link", name="Audit").click()
    changes = page.locator("table.changes tbody tr")
    expect(changes).to_have_count(2)
    expect(changes.first).to_contain_text("lift_ban")
    expect(changes.last).to_contain_text("ban")
