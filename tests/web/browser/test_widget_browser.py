"""The widget in headless Chromium, embedded in an article on another origin than Sieve."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from service.domain.sites import find_site
from service.storage import db
from service.storage.states import CommentStatus, PreModeration
from service.storage.tables import Comment
from tests.web.browser.conftest import allow_origin, stop_server
from tests.worker.test_worker import BENIGN, SPAM

XSS = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'


def post_comment(page: Page, name: str, body: str, email: str = "") -> None:
    page.get_by_label("Name").fill(name)
    if email:
        page.get_by_label("Email (optional, never shown)").fill(email)
    page.get_by_label("Comment", exact=True).fill(body)
    page.get_by_role("button", name="Post comment").click()


def own_comment(page: Page, text: str):
    return page.locator("li.comment.own", has_text=text)


def form_status(page: Page):
    return page.locator("form p.status")


HELD = "A moderator will review your comment before it appears."
REJECTED = "Your comment will not be published."


def test_reader_sees_own_comment_pending_then_approved_without_reloading(
    app, page, host_site, run_worker
):
    url = host_site("first-post")
    page.goto(url)
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    assert page.evaluate("location.origin") != page.evaluate(
        "new URL(document.querySelector('script[src*=widget]').src).origin"
    )

    post_comment(page, "Ada", BENIGN)
    mine = own_comment(page, BENIGN)
    expect(mine).to_have_attribute("data-status", "pending")
    expect(mine).to_contain_text("Awaiting moderation")
    expect(page.get_by_role("status").filter(has_text="awaiting moderation")).to_be_visible()
    expect(page.get_by_label("Comment", exact=True)).to_have_value("")

    page.reload()  # kept across reloads until it is decided
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "pending")

    page.evaluate("window.notReloaded = true")
    run_worker()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "approved")
    expect(own_comment(page, BENIGN)).not_to_contain_text("Awaiting moderation")
    expect(form_status(page)).to_have_text("Your comment is published.")
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True

    other_reader = page.context.browser.new_page()
    other_reader.goto(url)
    expect(other_reader.locator("li.comment", has_text=BENIGN)).to_contain_text("Ada")
    other_reader.close()


def test_a_held_comment_tells_the_author_a_moderator_will_review_it(
    app, page, host_site, run_worker
):
    with app.app_context(), db.session_scope() as session:
        find_site(session, "demo").premoderation = PreModeration.ALL
    page.goto(host_site("held-post"))
    post_comment(page, "Grace", BENIGN)
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "pending")
    expect(form_status(page)).to_have_text("Thanks! Your comment is awaiting moderation.")
    run_worker()
    mine = own_comment(page, BENIGN)
    expect(mine).to_have_attribute("data-status", "held")
    # One message, on the form and on the comment: no "thanks, awaiting" left over.
    expect(form_status(page)).to_have_text(HELD)
    expect(mine.locator(".notice")).to_have_text(HELD)
    expect(mine.locator(".badge")).to_have_text("Awaiting moderation")

    page.reload()
    mine = own_comment(page, BENIGN)
    expect(mine).to_have_attribute("data-status", "held")
    expect(mine.locator(".badge")).to_have_text("Awaiting moderation")
    # However long the moderators take: posted eight days ago, it is still there.
    page.evaluate("""() => { for (const key of Object.keys(localStorage)) {
        const items = JSON.parse(localStorage.getItem(key));
        items.forEach(c => { c.saved_at -= 8 * 24 * 3600 * 1000; });
        localStorage.setItem(key, JSON.stringify(items)); } }""")
    page.reload()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "held")


def test_a_rejected_comment_never_appears_for_other_readers(
    app, page, new_page, host_site, run_worker
):
    with app.app_context(), db.session_scope() as session:
        # A strict site: anything that looks even a little like spam is filed as spam.
        find_site(session, "demo").thresholds = {
            "spam": {"approve_below": 0.05, "reject_above": 0.1}
        }
    url = host_site("strict-post")
    page.goto(url)
    post_comment(page, "Spammer", SPAM)
    expect(own_comment(page, SPAM)).to_have_attribute("data-status", "pending")
    run_worker()
    mine = own_comment(page, SPAM)
    expect(mine).to_have_attribute("data-status", "rejected")
    expect(mine.locator(".notice")).to_have_text(REJECTED)
    expect(form_status(page)).to_have_text(REJECTED)
    expect(mine.locator(".badge")).to_have_count(0)
    with app.app_context(), db.session_scope() as session:
        assert session.query(Comment).one().status is CommentStatus.SPAM

    reader = new_page()
    reader.goto(url)
    expect(reader.get_by_role("heading", name="0 comments")).to_be_visible()
    expect(reader.get_by_text("No comments yet")).to_be_visible()
    assert SPAM not in reader.locator("#sieve-comments").inner_text()


def test_a_comment_sent_back_for_review_stays_in_its_authors_view_after_a_reload(
    app, page, new_page, host_site, run_worker
):
    url = host_site("sent-back")
    page.goto(url)
    post_comment(page, "Ada", BENIGN)
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "pending")
    run_worker()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "approved")
    with app.app_context(), db.session_scope() as session:
        # A moderator takes the published comment back for review.
        session.query(Comment).one().status = CommentStatus.HELD

    page.reload()
    mine = own_comment(page, BENIGN)
    expect(mine).to_have_attribute("data-status", "held")
    expect(mine.locator(".badge")).to_have_text("Awaiting moderation")
    # However long the moderators take: posted eight days ago, it is still there.
    page.evaluate("""() => { for (const key of Object.keys(localStorage)) {
        const items = JSON.parse(localStorage.getItem(key));
        items.forEach(c => { c.saved_at -= 8 * 24 * 3600 * 1000; });
        localStorage.setItem(key, JSON.stringify(items)); } }""")
    page.reload()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "held")
    expect(mine.locator(".notice")).to_have_text(HELD)
    page.reload()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "held")

    reader = new_page()  # another reader never sees it
    reader.goto(url)
    expect(reader.get_by_text("No comments yet")).to_be_visible()
    expect(reader.locator("li.comment")).to_have_count(0)


def test_comments_posted_from_two_tabs_of_one_article_are_all_kept(
    app, page, host_site, run_worker
):
    with app.app_context(), db.session_scope() as session:
        find_site(session, "demo").premoderation = PreModeration.ALL
    url = host_site("two-tabs")
    page.goto(url)
    other_tab = page.context.new_page()
    other_tab.goto(url)
    expect(other_tab.get_by_role("heading", name="0 comments")).to_be_visible()
    post_comment(page, "Ada", BENIGN)
    expect(own_comment(page, BENIGN)).to_be_visible()
    second = "A second thought, from the other tab."
    post_comment(other_tab, "Ada", second)
    expect(own_comment(other_tab, second)).to_be_visible()
    run_worker()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "held")

    for tab in (page, other_tab):
        tab.reload()
        expect(own_comment(tab, BENIGN)).to_have_attribute("data-status", "held")
        expect(own_comment(tab, second)).to_have_attribute("data-status", "held")


def test_markup_in_comments_is_shown_as_text_and_never_runs(app, page, new_page, host_site):
    dialogs: list[str] = []
    url = host_site("xss-post", title="Untouched")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    body = f"{XSS} see https://example.org/page"
    post_comment(page, XSS[:60], body)
    expect(own_comment(page, "https://example.org/page")).to_be_visible()
    with app.app_context(), db.session_scope() as session:
        # A moderator approves it, so every reader is served the payload.
        session.query(Comment).one().status = CommentStatus.APPROVED

    reader = new_page()
    reader.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    reader.goto(url)
    shown = reader.locator("li.comment", has_text="https://example.org/page")
    expect(shown).to_be_visible()
    expect(shown.locator(".text")).to_have_text(body)
    expect(shown.locator(".author")).to_have_text(XSS[:60])
    for who in (page, reader):
        assert who.locator("#sieve-comments img, #sieve-comments script").count() == 0
        assert who.locator("#sieve-comments a").count() == 0  # links are not made clickable
        assert who.title() == "Untouched"
    assert dialogs == []


HOSTILE_CSS = """
* { color: red !important; display: block; font-size: 40px !important; }
button, input, textarea { display: none !important; }
div, li, ol { background: red !important; }
"""


def test_host_css_cannot_reach_into_the_widget(app, page, host_site):
    page.goto(host_site("hostile-css", css=HOSTILE_CSS))
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    submit = page.get_by_role("button", name="Post comment")
    expect(submit).to_be_visible()
    expect(page.get_by_label("Name")).to_be_visible()
    heading_color = page.get_by_role("heading", name="0 comments").evaluate(
        "el => getComputedStyle(el).color"
    )
    assert heading_color != "rgb(255, 0, 0)"
    post_comment(page, "Ada", BENIGN)
    mine = own_comment(page, BENIGN)
    expect(mine).to_have_attribute("data-status", "pending")
    assert mine.locator(".text").evaluate("el => getComputedStyle(el).fontSize") == "16px"
    # The honeypot stays out of sight even when the page tries to show everything.
    assert page.locator("#sieve-website").bounding_box()["x"] < 0


def test_host_can_adjust_colours_through_custom_properties(page, host_site):
    page.goto(host_site("themed", css="#sieve-comments { --sieve-accent: rgb(1, 2, 3); }"))
    submit = page.get_by_role("button", name="Post comment")
    assert submit.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(1, 2, 3)"


def test_field_errors_from_the_client_and_the_server_appear_next_to_the_fields(page, host_site):
    page.goto(host_site("errors"))
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#sieve-author_name-error")).to_have_text("Please fill this in.")
    expect(page.locator("#sieve-body-error")).to_have_text("Please fill this in.")
    expect(page.get_by_label("Name")).to_be_focused()

    page.get_by_label("Email (optional, never shown)").fill("not-an-email")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#sieve-author_email-error")).to_contain_text("email address")

    # Only invisible characters: the browser sees a name, the server strips it to nothing.
    post_comment(page, "\u200f\u200f", "Kept after the error", email="ada@example.org")
    expect(page.locator("#sieve-author_name-error")).to_have_text("is required")
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Comment", exact=True)).to_have_value("Kept after the error")


def test_rate_limited_reader_is_asked_to_wait_and_keeps_the_text(make_app, serve, new_page):
    app = make_app(rate_limit_ip="1/minute")
    base = serve(app)
    allow_origin(app, base)
    page = new_page()
    page.goto(f"{base}/demo")  # the demo article, served by Sieve itself
    post_comment(page, "Ada", BENIGN)
    expect(own_comment(page, BENIGN)).to_be_visible()
    second = "A second thought, straight away."
    page.get_by_label("Comment", exact=True).fill(second)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text(re.compile(r"Please wait \d+ seconds"))).to_be_visible()
    expect(page.get_by_role("button", name="Post comment")).to_be_disabled()
    expect(page.get_by_label("Comment", exact=True)).to_have_value(second)


def test_network_failure_offers_a_retry_and_loses_nothing(app, serve, page, host_site):
    # Sieve on a server of its own, which the test stops and starts again on the same port.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    page.goto(host_site("flaky", sieve_url=base))
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    stop_server(server, thread)

    post_comment(page, "Ada", BENIGN)
    expect(page.get_by_text("Could not reach the comment server")).to_be_visible()
    expect(page.get_by_label("Comment", exact=True)).to_have_value(BENIGN)
    serve(app, server.server_port)
    page.get_by_role("button", name="Try again").click()
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "pending")


HURTFUL = "Shut up, you stupid moron."


def test_a_likely_hurtful_comment_gets_a_chance_to_be_rephrased_but_is_never_blocked(
    app, page, host_site
):
    page.goto(host_site("nudge"))
    post_comment(page, "Hothead", HURTFUL)
    nudge = page.get_by_role("alert").filter(has_text="Would you like to rephrase it?")
    expect(nudge).to_be_visible()
    expect(page.locator("li.comment.own")).to_have_count(0)

    page.get_by_role("button", name="Edit my comment").click()
    expect(page.get_by_label("Comment", exact=True)).to_be_focused()
    expect(page.get_by_label("Comment", exact=True)).to_have_value(HURTFUL)

    page.get_by_role("button", name="Post comment").click()  # same text: asked only once
    expect(own_comment(page, HURTFUL)).to_have_attribute("data-status", "pending")


def test_post_anyway_sends_the_comment_unchanged(app, page, host_site):
    page.goto(host_site("nudge-anyway"))
    post_comment(page, "Hothead", HURTFUL)
    page.get_by_role("button", name="Post it anyway").click()
    expect(own_comment(page, HURTFUL)).to_have_attribute("data-status", "pending")
    with app.app_context(), db.session_scope() as session:
        assert session.query(Comment).one().body == HURTFUL


def test_a_friendly_comment_is_sent_without_a_nudge(app, page, host_site):
    page.goto(host_site("no-nudge"))
    post_comment(page, "Ada", BENIGN)
    expect(own_comment(page, BENIGN)).to_have_attribute("data-status", "pending")
    expect(page.get_by_role("alert")).to_be_hidden()


# What a reader sees in each language the widget speaks, before and after posting.
LANGUAGES = {
    "de": ("0 Kommentare", "Noch keine Kommentare. Schreiben Sie den ersten.",
           "Kommentar schreiben", "Kommentar", "E-Mail (freiwillig, wird nie angezeigt)",
           "Kommentar senden", "Wartet auf Freigabe", "Danke! Ihr Kommentar wartet auf Freigabe."),
    "fr": ("0 commentaire",
           "Aucun commentaire pour l\u2019instant. Soyez le premier à en écrire un.",
           "Laisser un commentaire", "Commentaire", "E-mail (facultatif, jamais affiché)",
           "Publier le commentaire", "En attente de modération",
           "Merci\u00a0! Votre commentaire est en attente de modération."),
    "es": ("0 comentarios", "Todavía no hay comentarios. Sé el primero en escribir uno.",
           "Deja un comentario", "Comentario", "Correo electrónico (opcional, nunca se muestra)",
           "Publicar comentario", "Pendiente de moderación",
           "¡Gracias! Tu comentario está pendiente de moderación."),
    "pt": ("0 comentários", "Ainda não há comentários. Seja o primeiro a escrever um.",
           "Deixe um comentário", "Comentário", "E-mail (opcional, nunca exibido)",
           "Publicar comentário", "Aguardando moderação",
           "Obrigado! Seu comentário está aguardando moderação."),
    "en": ("0 comments", "No comments yet. Be the first to write one.", "Leave a comment",
           "Comment", "Email (optional, never shown)", "Post comment", "Awaiting moderation",
           "Thanks! Your comment is awaiting moderation."),
}  # fmt: skip
ENGLISH = LANGUAGES["en"]


@pytest.mark.parametrize(
    ("page_lang", "widget_lang", "speaks"),
    [
        ("de-DE", None, "de"),
        ("en", "fr", "fr"),  # data-sieve-lang wins over the page's lang
        ("es", None, "es"),
        ("pt-BR", None, "pt"),
        ("pt_PT", None, "pt"),
        ("ja", None, "en"),  # a language it does not speak: English
    ],
)
def test_the_widget_speaks_the_pages_language(page, host_site, page_lang, widget_lang, speaks):
    heading, empty, title, body, email, submit, awaiting, posted = LANGUAGES[speaks]
    page.goto(host_site(f"lang-{page_lang}", lang=page_lang, widget_lang=widget_lang))
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_text(empty)).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_label(email)).to_be_visible()
    expect(page.locator("section.sieve")).to_have_attribute("lang", speaks)

    page.locator("#sieve-author_name").fill("Ada")
    page.get_by_label(body, exact=True).fill(BENIGN)
    page.get_by_role("button", name=submit).click()
    expect(own_comment(page, BENIGN).locator(".badge")).to_have_text(awaiting)
    expect(form_status(page)).to_have_text(posted)
    shown = page.locator("section.sieve").inner_text()
    if speaks != "en":
        for english in (ENGLISH[2], ENGLISH[5], ENGLISH[6], ENGLISH[7]):
            assert english not in shown


def test_no_reply_notifications_are_offered_when_the_server_sends_no_mail(page, host_site):
    page.goto(host_site("no-mail"))
    expect(page.get_by_label("Email (optional, never shown)")).to_be_visible()
    expect(page.get_by_text("Email me when someone replies")).to_be_hidden()
