"""Signed webhooks against a real HTTP receiver on loopback: the events arrive signed (the
README's snippet verifies them), a failing receiver is retried until it answers or the backoff is
spent, a rotation signs with both secrets, and production refuses targets on the server's own
network."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli.main import cli
from service.domain.webhooks import WebhookRefused, check_url
from service.storage import db
from service.storage.tables import WebhookDelivery
from tests.processes import Workers, wait_until
from tests.web.test_api_comments import GOOD

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    """The verification snippet exactly as the README shows it."""
    text = README.read_text(encoding="utf-8")
    code = re.search(r"<!-- webhook-verify -->\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["verify"]


class Receiver:
    """A real HTTP server recording what it is sent; answers with the codes it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.codes: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.codes.pop(0) if receiver.codes else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def sieve(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def test_events_arrive_signed_as_the_readme_verifies(env, receiver, run_worker):
    app = env
    secret = sieve("webhooks", "add", "--site", "demo", "--url", receiver.url).splitlines()[-1]
    assert secret.startswith("whsec_")
    response = app.test_client().post("/api/v1/comments", json=GOOD)
    comment_id = response.get_json()["id"]
    run_worker()

    verify = readme_verify()
    assert [e["type"] for e in receiver.events()] == ["comment.created", "comment.decided"]
    for headers, body in receiver.received:
        assert verify(secret, headers["Sieve-Signature"], body)
        assert not verify("whsec_someone-else", headers["Sieve-Signature"], body)
        assert not verify(secret, headers["Sieve-Signature"], body + b" ")
        assert headers["Sieve-Event"] == json.loads(body)["type"]
        assert "hash" not in body.decode() and "ada@example.org" not in body.decode()
    assert len({h["Sieve-Delivery"] for h, _ in receiver.received}) == 2
    decided = receiver.events()[1]
    assert decided["comment"]["id"] == comment_id
    assert (
        decided["comment"]["status"] == "approved" and decided["comment"]["decided_by"] == "model"
    )
    assert decided["thread"] == {"key": GOOD["thread"], "url": GOOD["thread_url"],
                                 "title": GOOD["thread_title"]}  # fmt: skip
    assert decided["site"]["slug"] == "demo" and decided["comment"]["scores"]["spam"] < 0.5
    assert decided["links"]["comment"].endswith(f"/api/v1/comments/{comment_id}")
    # Each body is what the OpenAPI document's `webhooks` section says.
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert set(doc["webhooks"]) == {"comment.created", "comment.decided"}
    schema = {"$ref": "#/components/schemas/WebhookEvent", "components": doc["components"]}
    for event in receiver.events():
        jsonschema.Draft202012Validator(schema).validate(event)
    log = sieve("webhooks", "deliveries", "1")
    assert log.count("delivered") == 2 and "HTTP 200" in log


def test_a_moderators_decision_is_an_event_too(env, receiver, run_worker, comment_in):
    from service.storage.states import CommentStatus

    sieve("webhooks", "add", "--site", "demo", "--url", receiver.url, "--events", "comment.decided")
    held = comment_in(CommentStatus.HELD, body="I am not sure about this one.")
    with env.app_context(), db.session_scope() as session:
        from service.domain.accounts import create_moderator
        from service.domain.decisions import decide
        from service.domain.sites import find_site
        from service.storage.states import Role
        from service.storage.tables import Comment

        moderator = create_moderator(session, "mod@example.org", "a long enough password 1",
                                     Role.MODERATOR, [find_site(session, "demo")])  # fmt: skip
        decide(session, session.get(Comment, held), "approve", moderator)
    run_worker()
    [event] = receiver.events()
    assert (event["type"], event["comment"]["id"]) == ("comment.decided", held)
    assert (event["comment"]["status"], event["comment"]["decided_by"]) == ("approved", "moderator")


def test_a_failing_receiver_is_retried_then_succeeds(make_app, receiver, tmp_path):
    app = make_app(retry_backoff=(1, 1, 1, 1))
    with app.app_context(), db.session_scope() as session:
        from service.domain.audit import Actor
        from service.domain.sites import find_site
        from service.domain.webhooks import add_webhook

        add_webhook(session, find_site(session, "demo"), receiver.url, ["comment.decided"],
                    Actor("cli:test", "cli"), allow_private=True)  # fmt: skip
    receiver.codes = [500, 503]
    workers = Workers(app, tmp_path)
    try:
        workers.start("hooks")
        app.test_client().post("/api/v1/comments", json=GOOD)
        wait_until(lambda: len(receiver.received) == 3, 60, "two failures and a delivery")
        with app.app_context(), db.session_scope() as session:
            wait_until(lambda: _status(app) == "delivered", 10, "the log to say delivered")
            delivery = session.scalars(select(WebhookDelivery)).one()
            assert (delivery.attempts, delivery.response_code) == (3, 200)
        ids = {headers["Sieve-Delivery"] for headers, _ in receiver.received}
        assert len(ids) == 1  # the same delivery, retried
    finally:
        workers.stop_all()


def test_a_receiver_that_never_answers_is_marked_failed_once_the_backoff_is_spent(
    make_app, receiver, tmp_path
):
    app = make_app(retry_backoff=(1,))
    with app.app_context(), db.session_scope() as session:
        from service.domain.audit import Actor
        from service.domain.sites import find_site
        from service.domain.webhooks import add_webhook

        add_webhook(session, find_site(session, "demo"), receiver.url, ["comment.decided"],
                    Actor("cli:test", "cli"), allow_private=True)  # fmt: skip
    receiver.codes = [500, 500, 500]
    workers = Workers(app, tmp_path)
    try:
        workers.start("hooks")
        app.test_client().post("/api/v1/comments", json=GOOD)
        wait_until(lambda: len(receiver.received) == 2, 60, "a try and a retry")
        wait_until(lambda: _status(app) == "failed", 10, "the delivery to be given up")
        with app.app_context(), db.session_scope() as session:
            delivery = session.scalars(select(WebhookDelivery)).one()
            assert (delivery.attempts, delivery.response_code) == (2, 500)
            assert (delivery.error, delivery.next_attempt_at) == ("HTTP 500", None)
        assert len(receiver.received) == 2  # one try and the one retry the backoff allows
    finally:
        workers.stop_all()


def _status(app) -> str:
    with app.app_context(), db.session_scope() as session:
        return session.scalars(select(WebhookDelivery.status)).one()


def test_after_a_rotation_both_secrets_sign(env, receiver, run_worker):
    verify = readme_verify()
    old = sieve("webhooks", "add", "--site", "demo", "--url", receiver.url).splitlines()[-1]
    new = sieve("webhooks", "rotate", "1").splitlines()[-1]
    assert new != old
    env.test_client().post("/api/v1/comments", json=GOOD)
    run_worker()
    for headers, body in receiver.received:
        assert headers["Sieve-Signature"].count("v1=") == 2
        assert verify(new, headers["Sieve-Signature"], body)
        assert verify(old, headers["Sieve-Signature"], body)


def test_disabled_webhooks_get_nothing_and_redelivery_sends_again(env, receiver, run_worker):
    sieve("webhooks", "add", "--site", "demo", "--url", receiver.url)
    env.test_client().post("/api/v1/comments", json=GOOD)
    run_worker()
    assert len(receiver.received) == 2
    assert "sent again as #3" in sieve("webhooks", "redeliver", "2")
    run_worker()
    assert len(receiver.received) == 3
    assert receiver.events()[2]["id"] == receiver.events()[1]["id"]  # the same event
    assert receiver.received[2][0]["Sieve-Delivery"] != receiver.received[1][0]["Sieve-Delivery"]
    sieve("webhooks", "disable", "1")
    env.test_client().post("/api/v1/comments", json={**GOOD, "body": "Another thought."})
    run_worker()
    assert len(receiver.received) == 3
    assert "disabled" in sieve("webhooks", "list")


def test_production_refuses_targets_on_its_own_network(make_app, env, receiver, monkeypatch):
    for url in (receiver.url, "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                "http://[::1]:8080/x", "http://localhost/x"):  # fmt: skip
        with pytest.raises(WebhookRefused, match="loopback, private or link-local"):
            check_url(url, allow_private=False)
    with pytest.raises(WebhookRefused, match="not an http"):
        check_url("ftp://example.org/x", allow_private=False)
    monkeypatch.setenv("SIEVE_ENV", "production")
    refused = sieve("webhooks", "add", "--site", "demo", "--url", receiver.url, code=1)
    assert "loopback, private or link-local" in refused and "nothing was saved" in refused

    # One that got in (allowed then, the setting since turned off) is refused when sent,
    # checked on the address connected to.
    prod = make_app(env="production", webhook_allow_private=False)
    with prod.app_context(), db.session_scope() as session:
        from service.domain.audit import Actor
        from service.domain.notifications import new_delivery
        from service.domain.sites import find_site
        from service.domain.webhooks import add_webhook

        hook, _ = add_webhook(session, find_site(session, "demo"), receiver.url, None,
                              Actor("cli:test", "cli"), allow_private=True)  # fmt: skip
        delivery = new_delivery(hook.id, "evt_test", "comment.decided", '{"type": "test"}')
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
    from service.pipeline.dispatch import deliver_webhook

    with prod.app_context():
        assert deliver_webhook(delivery_id) == "pending"  # retried later, refused each time
    with prod.app_context(), db.session_scope() as session:
        refused = session.get(WebhookDelivery, delivery_id)
        assert "loopback, private or link-local" in refused.error
        assert refused.response_code is None and refused.attempts == 1
    assert receiver.received == []
