"""The webhooks page: an admin adds a webhook (its secret shown once), disables, rotates and
deletes it, reads the delivery log and redelivers; moderators may not."""

from __future__ import annotations

import re

from sqlalchemy import select

from service.storage import db
from service.storage.tables import ChangeEvent, Webhook, WebhookDelivery
from tests.pipeline.test_webhooks import Receiver, readme_verify
from tests.web.moderation.fixtures import accounts, csrf_of, login  # noqa: F401  (fixtures)
from tests.web.test_api_comments import GOOD


def test_an_admin_manages_a_webhook_and_its_deliveries(app, login, run_worker):  # noqa: F811
    receiver = Receiver()
    try:
        admin = login("admin")
        page = admin.get("/moderate/sites/demo/webhooks")
        assert page.status_code == 200 and "No webhooks yet." in page.text
        form = {"csrf_token": csrf_of(page.text), "url": "ftp://x.example/"}
        refused = admin.post("/moderate/sites/demo/webhooks", data=form)
        assert refused.status_code == 400 and "Nothing was saved" in refused.text
        added = admin.post("/moderate/sites/demo/webhooks", data={
            "csrf_token": csrf_of(page.text), "url": receiver.url,
            "events": ["comment.decided"],
        })  # fmt: skip
        assert added.status_code == 200
        secret = re.search(r'<code id="new-secret">(whsec_[\w-]+)</code>', added.text).group(1)
        assert secret not in admin.get("/moderate/sites/demo/webhooks").text  # shown once

        app.test_client().post("/api/v1/comments", json=GOOD)
        run_worker()
        [(headers, body)] = receiver.received
        assert readme_verify()(secret, headers["Sieve-Signature"], body)
        with app.app_context(), db.session_scope() as session:
            hook_id = session.scalars(select(Webhook.id)).one()
            delivery_id = session.scalars(select(WebhookDelivery.id)).one()
        log = admin.get(f"/moderate/sites/demo/webhooks/{hook_id}/deliveries")
        assert "delivered" in log.text and "<td>200</td>" in log.text
        again = admin.post(
            f"/moderate/sites/demo/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver",
            data={"csrf_token": csrf_of(log.text)},
        )
        assert again.status_code == 302
        run_worker()
        assert len(receiver.received) == 2

        listed = admin.get("/moderate/sites/demo/webhooks").text
        rotated = admin.post(f"/moderate/sites/demo/webhooks/{hook_id}/rotate",
                             data={"csrf_token": csrf_of(listed)})  # fmt: skip
        new_secret = re.search(r'<code id="new-secret">(whsec_[\w-]+)</code>', rotated.text)
        assert new_secret and new_secret.group(1) != secret
        assert "old secret signs until" in rotated.text
        disabled = admin.post(f"/moderate/sites/demo/webhooks/{hook_id}/disable",
                              data={"csrf_token": csrf_of(listed)})  # fmt: skip
        assert disabled.status_code == 302
        assert "disabled" in admin.get("/moderate/sites/demo/webhooks").text
        admin.post(f"/moderate/sites/demo/webhooks/{hook_id}/delete",
                   data={"csrf_token": csrf_of(listed)})  # fmt: skip
        with app.app_context(), db.session_scope() as session:
            assert session.scalars(select(Webhook)).all() == []
            events = session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
        actions = [e.action for e in events if e.action.startswith("webhook_")]
        assert actions == [
            "webhook_added",
            "webhook_rotated",
            "webhook_disabled",
            "webhook_deleted",
        ]
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_moderators_cannot_see_webhooks(login):  # noqa: F811
    assert login("demo").get("/moderate/sites/demo/webhooks").status_code == 403
