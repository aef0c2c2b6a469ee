"""The widget's reply notifications in headless Chromium: offered when the server sends mail,
they need an e-mail address, and asking for them records a subscription waiting for the
reader to confirm by mail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service.storage import db
from service.storage.tables import OutboundMail, ReplySubscription
from tests.web.browser.test_widget_browser import form_status, post_comment
from tests.worker.test_worker import BENIGN


@pytest.fixture
def app(make_app):
    # Mail is only written here, never sent: no SMTP server needs to listen.
    return make_app(smtp_url="smtp://127.0.0.1:9", public_url="https://comments.example")


def test_a_reader_asks_to_hear_of_replies(app, page, host_site):
    page.goto(host_site("with-replies"))
    notify = page.get_by_label("Email me when someone replies")
    expect(notify).to_be_visible()
    notify.check()
    post_comment(page, "Ada", BENIGN)
    expect(page.locator("#sieve-author_email-error")).to_have_text(
        "Enter your email to be told of replies."
    )
    post_comment(page, "Ada", BENIGN, email="ada@example.org")
    expect(form_status(page)).to_contain_text("Check your inbox")
    expect(notify).not_to_be_checked()
    with app.app_context(), db.session_scope() as session:
        subscription = session.scalars(select(ReplySubscription)).one()
        assert (subscription.email, subscription.confirmed_at) == ("ada@example.org", None)
        confirm = session.scalars(select(OutboundMail)).one()
        assert confirm.kind == "confirm" and confirm.recipient == "ada@example.org"
        assert f"https://comments.example/mail/confirm/{subscription.token}" in confirm.body
