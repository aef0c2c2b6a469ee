"""Writes the webhook deliveries and mails of the comments a transaction decided, in that
transaction, and queues them once it has committed (``service.domain.notifications``).

The hooks are on every session of the process: decisions made by workers, moderators (pages,
API), the intake guard and undo/redo all notify, without each remembering to.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from service.domain import notifications
from service.pipeline import outbox

log = logging.getLogger(__name__)

_OUTBOX = "sieve.outbox"


def context() -> notifications.Context:
    settings = current_app.config["SIEVE"]
    return notifications.Context(settings.public_url, settings.secret_key, bool(settings.smtp_url))


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    marked = notifications.take_marked(session)
    if not marked or not has_app_context():
        return
    written = notifications.write(session, marked, context())
    if written.deliveries or written.mails:
        session.info[_OUTBOX] = written


@event.listens_for(Session, "after_commit")
def _queue(session: Session) -> None:
    written = session.info.pop(_OUTBOX, None)
    if written is None:
        return
    # A failed enqueue is logged in outbox.enqueue; the sweeper queues the row later.
    for delivery_id in written.deliveries:
        outbox.enqueue("webhooks", delivery_id)
    for mail_id in written.mails:
        outbox.enqueue("mail", mail_id)
    log.info("notifications queued deliveries=%s mails=%s", len(written.deliveries),
             len(written.mails))  # fmt: skip


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    notifications.forget_marked(session)
    session.info.pop(_OUTBOX, None)
