"""Mail through a real SMTP server on loopback (aiosmtpd): a reader's double opt-in and one
mail per approved reply with a working one-click unsubscribe, moderators' digests with links
into the queue, and an SMTP outage that delays mail and loses none."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.policy import default
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from rq import SimpleWorker
from sqlalchemy import select

from service.domain.accounts import create_moderator
from service.domain.sites import find_site
from service.pipeline.broker import redis_connection
from service.pipeline.outbox import job_id, side_queue, sweep_outbox, worker_queues
from service.storage import db
from service.storage.states import PreModeration, Role
from service.storage.tables import Comment, Moderator, OutboundMail, ReplySubscription
from tests.web.moderation.fixtures import PASSWORD, log_in
from tests.web.test_api_comments import GOOD
from worker import context

PUBLIC = "https://comments.example"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Smtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    return make_app(smtp_url=f"smtp://127.0.0.1:{smtp.port}", public_url=PUBLIC,
                    retry_backoff=(1, 1))  # fmt: skip


def work(app) -> None:
    """A real RQ worker in burst mode on every queue: scoring, then mail."""
    with app.app_context():
        context.activate(app)
        SimpleWorker(worker_queues(), connection=redis_connection()).work(burst=True)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def path_of(message, kind: str) -> str:
    """The path of the first link of that kind in the mail, under the public URL."""
    url = re.search(rf"{re.escape(PUBLIC)}\S*?{re.escape(kind)}\S*", text_of(message)).group(0)
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")  # fmt: skip


def post_comment(client, **fields) -> int:
    response = client.post("/api/v1/comments", json={**GOOD, **fields})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def test_a_reader_confirms_then_hears_of_each_approved_reply_until_they_stop(mail_app, smtp):
    client = mail_app.test_client()
    assert client.get("/api/v1/comments/form?site=demo").get_json()["replies_by_mail"] is True
    asking = post_comment(client, author_email="reader@example.org", notify_replies=True)
    work(mail_app)
    [confirm] = smtp.inbox.messages
    assert confirm["To"] == "reader@example.org" and "Confirm" in confirm["Subject"]

    # Before the address confirms, nothing else is sent to it.
    post_comment(client, parent_id=asking, author_name="Grace", body="Good point, and thanks.",
                 author_email="grace@example.org")  # fmt: skip
    work(mail_app)
    assert len(smtp.inbox.messages) == 1

    confirm_path = path_of(confirm, "/mail/confirm/")
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Yes, tell me of replies" in page.text  # a scanner's GET
    with mail_app.app_context(), db.session_scope() as session:
        assert session.scalars(select(ReplySubscription)).one().confirmed_at is None
    assert "you will get an e-mail" in client.post(confirm_path).text

    post_comment(client, parent_id=asking, author_name="Linus", body="I see it differently.")
    post_comment(client, parent_id=asking, author_name="Reader", body="Thanks, everyone!",
                 author_email="reader@example.org")  # their own reply: no mail  # fmt: skip
    work(mail_app)
    [reply] = smtp.inbox.messages[1:]
    assert reply["To"] == "reader@example.org" and "New reply" in reply["Subject"]
    assert "Linus replied" in text_of(reply) and "I see it differently." in text_of(reply)
    unsubscribe = reply["List-Unsubscribe"].strip().strip("<>")
    assert reply["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.startswith(f"{PUBLIC}/mail/unsubscribe/")

    # The mail client's one-click unsubscribe (RFC 8058): a POST to the link.
    stop = client.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert stop.status_code == 200 and "no more e-mails" in stop.text.lower()
    post_comment(client, parent_id=asking, author_name="Ada", body="One more reply.")
    work(mail_app)
    assert len(smtp.inbox.messages) == 2
    forged = client.post("/mail/unsubscribe/not-a-signed-token")
    assert forged.status_code == 404


def test_moderators_get_a_digest_of_held_comments_with_links_into_the_queue(mail_app, smtp):
    from service.pipeline.dispatch import digest_if_due

    app = mail_app
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        site.premoderation = PreModeration.ALL
        create_moderator(session, "mod@example.org", PASSWORD, Role.MODERATOR, [site])
        create_moderator(session, "quiet@example.org", PASSWORD, Role.MODERATOR, [site])
        session.scalar(select(Moderator).where(Moderator.email == "quiet@example.org")
                       ).digest_enabled = False  # fmt: skip
    client = app.test_client()
    first = post_comment(client, body="Is this the right place to ask about the schedule?")
    work(app)  # held: the site pre-moderates

    def digest() -> int:
        with app.app_context():
            redis_connection().delete(f"sieve:digest:{side_queue('mail').name}")
            made = digest_if_due()
        work(app)
        return made

    assert digest() == 1
    [message] = smtp.inbox.messages
    assert (
        message["To"] == "mod@example.org"
        and "1 comments wait for you on demo" in message["Subject"]
    )
    assert f"#{first}" in text_of(message)
    log_in(client, "mod@example.org")
    queue = client.get(path_of(message, "/moderate/"))
    assert queue.status_code == 200 and f'id="c{first}"' in queue.text

    second = post_comment(client, body="And where do I park?")
    work(app)
    assert digest() == 0  # at most one every SIEVE_DIGEST_MINUTES
    with app.app_context(), db.session_scope() as session:  # an hour passes
        moderator = session.scalar(select(Moderator).where(Moderator.email == "mod@example.org"))
        moderator.last_digest_at -= timedelta(minutes=61)
        session.get(Comment, first).decided_at -= timedelta(minutes=62)
    assert digest() == 1
    later = smtp.inbox.messages[1]
    assert f"#{second}" in text_of(later) and f"#{first}" not in text_of(later)

    off = client.post(urlsplit(later["List-Unsubscribe"].strip().strip("<>")).path)
    assert off.status_code == 200
    with app.app_context(), db.session_scope() as session:
        assert not session.scalar(
            select(Moderator.digest_enabled).where(Moderator.email == "mod@example.org")
        )


def test_an_smtp_outage_delays_mail_and_loses_none(make_app, smtp):
    smtp.stop()  # the port is known, nothing listens
    app = make_app(smtp_url=f"smtp://127.0.0.1:{smtp.port}", public_url=PUBLIC,
                   retry_backoff=(3600,))  # fmt: skip
    post_comment(app.test_client(), author_email="reader@example.org", notify_replies=True)
    work(app)
    with app.app_context(), db.session_scope() as session:
        waiting = session.scalars(select(OutboundMail)).one()
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert "ConnectionRefusedError" in waiting.error
        # Redis forgets the scheduled retry; the row is due: the sweeper queues it again.
        waiting.next_attempt_at = waiting.next_attempt_at.replace(year=2000)
        mail_id = waiting.id
    with app.app_context():
        side_queue("mail").scheduled_job_registry.remove(job_id("mail", mail_id))
    smtp.start()
    with app.app_context():
        assert sweep_outbox() == 1
    work(app)
    [message] = smtp.inbox.messages
    assert message["To"] == "reader@example.org"
    with app.app_context(), db.session_scope() as session:
        assert session.scalars(select(OutboundMail.status)).one() == "sent"


def test_no_smtp_means_no_mail_and_no_offer(client):
    assert client.get("/api/v1/comments/form?site=demo").get_json()["replies_by_mail"] is False
    post_comment(client, author_email="reader@example.org", notify_replies=True)
    missing = client.post("/api/v1/comments", json={**GOOD, "notify_replies": True,
                                                      "author_email": None})  # fmt: skip
    assert missing.status_code == 400
    asked = client.post("/api/v1/comments", json={**{k: v for k, v in GOOD.items()
                                                     if k != "author_email"},
                                                  "notify_replies": True})  # fmt: skip
    assert asked.get_json()["error"]["fields"] == {
        "author_email": "is needed to be told of replies"
    }
    with client.application.app_context(), db.session_scope() as session:
        assert session.scalars(select(ReplySubscription)).all() == []
        assert find_site(session, "demo") is not None
