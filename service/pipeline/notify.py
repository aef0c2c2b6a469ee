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
from service.domain.audit import HOLDING, REJECTING
from service.pipeline import outbox, timeseries
from service.storage.states import CommentStatus
from service.storage.tables import ModerationEvent

log = logging.getLogger(__name__)

_OUTBOX = "sieve.outbox"
_FIGURES = "sieve.figures"


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


@event.listens_for(Session, "after_flush")
def _count_decisions(session: Session, _context: object) -> None:
    """The decisions moderators, the guard and the system make through the session, for the
    figures of /ops (the model's are counted by its job)."""
    figures = None
    for instance in session.new:
        if isinstance(instance, ModerationEvent):
            figures = figures if figures is not None else session.info.setdefault(_FIGURES, {})
            actor = instance.actor
            source = "moderator" if actor.startswith("moderator:") else actor.split(":")[0]
            key = f"decisions:{source}:{instance.to_status.value}"
            figures[key] = figures.get(key, 0) + 1
            if source == "moderator" and _overrides(instance):
                figures["overrides"] = figures.get("overrides", 0) + 1


def _overrides(event: ModerationEvent) -> bool:
    """A moderator reversing the model: publishing what it kept out, or removing what it let in."""
    if event.action == "undo":
        return False
    return (event.from_status in HOLDING and event.to_status is CommentStatus.APPROVED) or (
        event.from_status is CommentStatus.APPROVED and event.to_status in REJECTING
    )


@event.listens_for(Session, "after_commit")
def _queue(session: Session) -> None:
    figures = session.info.pop(_FIGURES, None)
    if figures:
        timeseries.add(figures)
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
    session.info.pop(_FIGURES, None)
